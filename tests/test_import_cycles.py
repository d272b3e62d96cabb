"""The project's own modules import each other without cycles, and never through ``try: import ...
except ImportError`` (which hides a cycle or a missing module until run time).

The graph is read from the source with ``ast``: module-level imports only (an import inside a function
runs late and is not part of the cycle Python resolves at import time; ``if TYPE_CHECKING:`` imports
never run). An import of ``a.b.c`` also runs the packages ``a.b`` and ``a``, except those the importer
is itself inside (they are already being imported)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lprlogs"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_run(body: list[ast.stmt], with_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of ``body`` that can run: at module level and inside if/try/with/class blocks,
    and with ``with_functions`` also those inside functions (they run later, but are dependencies all the
    same); never those under ``if TYPE_CHECKING`` (they never run)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += imports_run(node.body, with_functions)
            found += imports_run(node.orelse, with_functions)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found += imports_run(block, with_functions)
        elif isinstance(node, ast.With | ast.ClassDef | ast.For | ast.While):
            found += imports_run(node.body, with_functions)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and with_functions:
            found += imports_run(node.body, with_functions)
    return found


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]) -> set[str]:
    """The project's modules an import statement names (``from pkg import sub`` names ``pkg.sub``)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in modules}
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target not in modules:
        return set()
    subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules}
    return subs | ({target} if len(subs) < len(node.names) else set())


def import_graph(with_functions: bool = False) -> dict[str, set[str]]:
    modules = all_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in imports_run(tree.body, with_functions):
            for target in _targets(node, name, path.name == "__init__.py", set(modules)):
                edges.add(target)
                parts = target.split(".")
                for i in range(1, len(parts)):  # the packages that importing target runs first
                    parent = ".".join(parts[:i])
                    if not (name == parent or name.startswith(parent + ".")):
                        edges.add(parent)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_graph_sees_the_project() -> None:
    graph = import_graph()
    assert "lprlogs.agencies.classification" in graph and "lprlogs.engine" in graph
    assert "lprlogs.agencies.rules" in graph["lprlogs.agencies.classification"]
    assert "lprlogs.paths" in graph["lprlogs.agencies.rules"]
    assert "lprlogs.store" in graph["lprlogs.engine"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []
    # nor through imports inside functions: a dependency all the same (engine -> agencies -> engine was one)
    assert cycles(import_graph(with_functions=True)) == []


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for other in graph.get(todo.pop(), set()) - seen:
            seen.add(other)
            todo.append(other)
    return seen


def test_classification_is_pure() -> None:
    """Classifying names needs neither the store nor the engine (nor DuckDB), even through functions."""
    graph = import_graph(with_functions=True)
    for module in ("lprlogs.agencies.rules", "lprlogs.agencies.classification", "lprlogs.agencies.display",
                   "lprlogs.agencies.registry"):
        assert not {m for m in reachable(graph, module) if m.startswith(("lprlogs.store", "lprlogs.engine"))}, module
        source = all_modules()[module].read_text(encoding="utf-8")
        assert "duckdb" not in source, module


def test_no_try_import_between_own_modules() -> None:
    modules = all_modules()
    offenders = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches_import_error = any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                or isinstance(h.type, ast.Tuple) and any(
                    isinstance(e, ast.Name) and e.id in ("ImportError", "ModuleNotFoundError") for e in h.type.elts)
                for h in node.handlers)
            if not catches_import_error:
                continue
            for inner in (n for stmt in node.body for n in ast.walk(stmt)):
                if isinstance(inner, ast.Import | ast.ImportFrom) and _targets(
                        inner, name, path.name == "__init__.py", set(modules)) or (
                        isinstance(inner, ast.ImportFrom) and inner.level):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}:{inner.lineno}")
    assert offenders == []
