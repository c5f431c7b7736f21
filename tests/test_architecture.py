"""The import layers declared in pyproject.toml hold: `lint-imports` keeps every contract,
and no modules import each other round a loop, deferred imports counted.

Front ends sit above the service layer, which sits above triage, respond and reports,
then the sync, the sources, the store and the plain helpers; only the TUI imports Textual.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_every_layer_names_a_module_that_exists():
    import importlib.util
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        names = [part.strip() for layer in contract.get("layers", []) for group in layer.split("|")
                 for part in group.split(":")]
        names += contract.get("modules", []) + contract.get("source_modules", [])
        for name in names:
            assert importlib.util.find_spec(name) is not None, f"{contract['name']}: no module {name}"


def _cycles(graph) -> list[list[str]]:
    """The groups of modules that import each other, round a loop (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:  # put back: other tests in this process count on Python's own limit
        sys.setrecursionlimit(limit)
    return found


def test_no_module_imports_itself_round_a_loop():
    """No import cycle, counting imports deferred into functions (they run too); only
    those under `if TYPE_CHECKING:` (annotations, never run) are left out."""
    import grimp

    graph = grimp.build_graph("inbox", exclude_type_checking_imports=True, cache_dir=None)
    assert len(graph.modules) > 100
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_deferred_loop():
    import grimp

    graph = grimp.ImportGraph()
    for name in ("inbox", "inbox.config", "inbox.triage", "inbox.query"):
        graph.add_module(name)
    graph.add_import(importer="inbox.config", imported="inbox.triage", line_number=40, line_contents="import")
    graph.add_import(importer="inbox.triage", imported="inbox.config", line_number=3, line_contents="import")
    graph.add_import(importer="inbox.triage", imported="inbox.query", line_number=4, line_contents="import")
    assert _cycles(graph) == [["inbox.config", "inbox.triage"]]
