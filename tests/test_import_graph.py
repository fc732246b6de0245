"""The `alumni` package has no import cycle: its module-level imports (the ones that run when a
module is first imported; `if TYPE_CHECKING:` blocks aside) form a directed acyclic graph."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "alumni"


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _top_level_imports(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            yield from _top_level_imports(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level_imports(node.body + node.orelse + node.finalbody
                                          + [s for h in node.handlers for s in h.body])


def import_graph() -> dict[str, set[str]]:
    modules = _modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:  # relative: from . import x, from ..y import z
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                # `from alumni.web import auth` imports the module alumni.web.auth
                targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in modules else prefix for a in node.names]
            for target in targets:
                if target == "alumni" or target.startswith("alumni."):
                    resolved = known(target)
                    if resolved and resolved != name:
                        graph[name].add(resolved)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_walker_sees_each_form_of_import_and_names_a_cycle():
    """The check can fail: the forms used in the package are all seen, and a cycle is named."""
    graph = import_graph()
    assert "alumni.services.registrations" in graph["alumni.services.notices"]  # from alumni.x import y
    assert "alumni.services.outbox" in graph["alumni.services.notices"]  # from alumni.services import outbox
    assert "alumni.web.auth" in graph["alumni.web"]  # from alumni.web import auth, ...
    graph["alumni.services.outbox"].add("alumni.services.notices")
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert {"alumni.services.notices", "alumni.services.outbox"} <= set(cycle)


def test_relative_imports_are_resolved(tmp_path, monkeypatch):
    package = tmp_path / "alumni"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from ..a import thing\n")
    monkeypatch.setitem(globals(), "PACKAGE", package)
    assert find_cycle(import_graph()) == ["alumni.a", "alumni.sub.b", "alumni.a"]
