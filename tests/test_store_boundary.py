"""The store is the only place that speaks SQL: no module outside `inbox/store/` imports
SQLite, reaches for the store's connection, lock or any other private part, or holds an
SQL statement (the query language is parsed in `inbox/query.py` and compiled to SQL in
`inbox/store/where.py`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import inbox

PACKAGE = Path(inbox.__file__).parent
STORE = PACKAGE / "store"
DRIVERS = {"sqlite3", "sqlite_utils", "psycopg"}
PRIVATE = {"_lock", "_transaction"}
"""The store's own: its lock and its transactions."""
CONNECTION = {"conn", "execute", "executemany", "query", "table_names"}
"""What `store.db` (the SQLite handle) offers that would run SQL."""
STORE_NAMES = re.compile(r"^_?(store|db)$|_store$")
"""What a store is called where it is used: `store`, `self.store`, `other_store`, `db`."""
STATEMENT = re.compile(r"\b(SELECT\b.+\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
                       r"|CREATE\s+(TABLE|INDEX)|DROP\s+TABLE|BEGIN\s+IMMEDIATE|PRAGMA\s+\w+"
                       r"|COLLATE\s+NOCASE|\w\.\w+\s+IS\s+(NOT\s+)?NULL|\b[a-z]\.\w+\s*(=|<=?|>=?)\s*:\w+)\b", re.S)
"""A statement, or a condition written for one (`i.assignee IS NULL`, `i.kind = :p0`)."""


def outside_the_store() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if STORE not in path.parents)


def trespasses(path: Path, source: str | None = None) -> list[str]:
    """Each import, use or statement that belongs in the store, as `inbox/x.py:LINE: what`."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where}: imports {alias.name}" for alias in node.names
                      if alias.name.split(".")[0] in DRIVERS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DRIVERS:
            found.append(f"{where}: imports from {node.module}")
        elif isinstance(node, ast.Attribute):
            owner = node.value
            if node.attr in PRIVATE and not (isinstance(owner, ast.Name) and owner.id == "self"):
                found.append(f"{where}: uses the store's {node.attr}")
            elif node.attr.startswith("_") and not node.attr.startswith("__") and _names_a_store(owner):
                found.append(f"{where}: uses the store's private {node.attr}")
            elif node.attr in CONNECTION and isinstance(owner, ast.Attribute) and owner.attr == "db":
                found.append(f"{where}: runs SQL on .db.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if STATEMENT.search(node.value):
                found.append(f"{where}: holds SQL {node.value[:50]!r}")
    return found


def _names_a_store(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return bool(STORE_NAMES.search(name))


def test_the_walk_sees_the_whole_package() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in outside_the_store()}
    assert {"triage/rules.py", "triage/people.py", "reports/sla.py", "reports/stats.py",
            "tui/widgets/playbook_view.py", "tui/widgets/playbook_panel.py", "sources/base.py",
            "query.py"} <= modules


def test_nothing_outside_the_store_speaks_sql() -> None:
    found = [line for path in outside_the_store() for line in trespasses(path)]
    assert found == []


def test_the_check_catches_each_way_of_reaching_sqlite() -> None:
    source = ("import sqlite3\nfrom sqlite_utils import Database\n"
              "def f(store):\n"
              "    with store._lock:\n"
              "        store.db.conn.execute('SELECT key FROM items')\n"
              "    with store._transaction() as conn:\n"
              "        conn.execute('DELETE FROM person_tags WHERE tag = ?', ['x'])\n"
              "    self.store._readers.open()\n"
              "    where = 'i.assignee IS NOT NULL AND i.kind = :p0'\n")
    found = trespasses(PACKAGE / "triage" / "example.py", source)
    assert {line.split(": ", 1)[1] for line in found} == {
        "imports sqlite3", "imports from sqlite_utils", "uses the store's _lock",
        "runs SQL on .db.conn", "holds SQL 'SELECT key FROM items'", "uses the store's _transaction",
        "holds SQL 'DELETE FROM person_tags WHERE tag = ?'", "uses the store's private _readers",
        "holds SQL 'i.assignee IS NOT NULL AND i.kind = :p0'"}
    assert found[0].startswith("inbox/triage/example.py:")
