"""Benchmarks. Each module has functions returning figures and a __main__ that prints them;
bench/run.py (make bench) runs them all on SQLite and PostgreSQL with their floors."""
