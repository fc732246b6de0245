"""Benchmark scripts; each is importable (functions) and runnable (python -m bench.NAME)."""
