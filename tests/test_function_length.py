"""No function in alumni/services is longer than MAX_LINES, counted from its `def` line to the
last line of its body (decorators not counted): a long function is split into named steps."""
from __future__ import annotations

import ast
from pathlib import Path

import alumni.services

MAX_LINES = 50
SERVICES = Path(alumni.services.__file__).parent


def _long_functions(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_LINES:
                found.append(f"{filename}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_service_function_is_longer_than_fifty_lines():
    modules = sorted(SERVICES.rglob("*.py"))
    assert len(modules) > 30  # the services really were found
    too_long = [f for path in modules for f in _long_functions(path.read_text("utf-8"), path.name)]
    assert not too_long, f"functions over {MAX_LINES} lines: {'; '.join(too_long)}"


def test_the_check_counts_from_def_to_the_end_of_the_body():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES - 1))
    fits = f"@decorator\ndef fits():\n{body}\n"  # def + 49 lines = 50
    assert _long_functions(fits, "m.py") == []
    too_long = f"def outer():\n    def inner():\n{body.replace('    ', '        ')}\n        y = 0\n"
    assert _long_functions(too_long, "m.py") == ["m.py:1 outer (52 lines)", "m.py:2 inner (51 lines)"]
