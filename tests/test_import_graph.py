"""The package's imports form no circle, and the core never imports a plugin.

A circle of imports hides an order of calls nobody chose (the quiz, progress and completions
services once called back into each other, so reading a learner's record closed and graded
attempts). Function-local and TYPE_CHECKING imports count: they hide a circle, not remove it.
"""
from __future__ import annotations

import grimp
import pytest

PACKAGE = "elearn"
EXAMPLE_PLUGIN = "elearn_centre_example"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, include_external_packages=True,
                             exclude_type_checking_imports=False, cache_dir=None)


def _imports(graph: grimp.ImportGraph, module: str) -> set[str]:
    """Modules of the package `module` imports. A package's own __init__ importing its
    children (and a child importing its parent package) is how packages work, not a circle
    between rules, so those edges are left out."""
    found = set()
    for imported in graph.find_modules_directly_imported_by(module):
        if not imported.startswith(PACKAGE + ".") and imported != PACKAGE:
            continue
        if imported.startswith(module + ".") or module.startswith(imported + "."):
            continue
        found.add(imported)
    return found


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a list."""
    modules = sorted(m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + "."))
    edges = {m: sorted(_imports(graph, m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep chain of imports cannot hit the recursion limit.
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


def _describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One readable circle through the group, with the file:line of each import."""
    members = set(group)
    path = [group[0]]
    while True:
        nxt = sorted(_imports(graph, path[-1]) & members)
        step = next((m for m in nxt if m == path[0]), None) or next(
            (m for m in nxt if m not in path), nxt[0])
        path.append(step)
        if step in path[:-1]:
            break
    lines = []
    for importer, imported in zip(path, path[1:]):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"line {d['line_number']}: {d['line_contents']}" for d in details)
        lines.append(f"  {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_the_package_has_no_import_cycles(graph):
    cycles = import_cycles(graph)
    assert not cycles, "import cycles in elearn:\n" + "\n\n".join(
        _describe(graph, group) for group in cycles)


def test_the_cycle_finder_finds_a_cycle(graph):
    """The check above can fail: a circle added to the real graph is reported by name."""
    graph.add_import(importer="elearn.clock", imported="elearn.services.quiz")
    try:
        cycles = import_cycles(graph)
        assert any("elearn.clock" in group and "elearn.services.quiz" in group
                   for group in cycles)
        assert "elearn.clock -> " in "\n".join(_describe(graph, g) for g in cycles)
    finally:
        graph.remove_import(importer="elearn.clock", imported="elearn.services.quiz")


def test_the_core_never_imports_a_plugin(graph):
    """Plugins depend on the core, never the other way round (the example plugin included)."""
    importers = sorted(
        module for module in graph.modules
        if module == PACKAGE or module.startswith(PACKAGE + ".")
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] == EXAMPLE_PLUGIN)
    assert importers == []
