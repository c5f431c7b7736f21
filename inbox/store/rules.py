"""What rules did (`rule_actions`), and a rules pass: every read and write of one run of
the rules in one transaction, so each rule sees what the rules before it did and a dry run
leaves nothing behind.

Triage goes through `inbox.store.triage.write`, as the TUI's does, and so into the triage
history, naming the rule.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.query import Query
from inbox.store.where import FROM
from inbox.store import triage
from inbox.store.items import LIST_COLUMNS
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

_RECORD = "INSERT INTO rule_actions (key, rule, field, value, at) VALUES (?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class RuleRecord:
    """A row of `rule_actions`: one thing a rule did to an item, or could not do."""

    key: str
    rule: str
    field: str
    value: str | None
    at: str


class RuleActions:
    """Reached as `store.rule_actions`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def history(self, key: str) -> list[RuleRecord]:
        """What rules did to one item, oldest first."""
        with self.store._reading() as conn:
            rows = conn.execute(
                "SELECT key, rule, field, value, at FROM rule_actions WHERE key = ? ORDER BY at, id",
                [key]).fetchall()
        return [RuleRecord(*row) for row in rows]

    def record(self, key: str, rule: str, field: str, value: str, *, now: datetime) -> None:
        """One action, in its own transaction (a label, once the channel has it)."""
        with self.store._transaction() as conn:
            conn.execute(_RECORD, [key, rule, field, value, iso(now)])


class RulesPass:
    """The reads and writes of one rules pass, in the transaction `store.rules_pass()` holds."""

    def __init__(self, store: Store, conn: sqlite3.Connection) -> None:
        self._store = store
        self._conn = conn

    def history(self, keys: Sequence[str] | None) -> list[RuleRecord]:
        """What rules did to these items (None: every item), oldest first."""
        sql = "SELECT key, rule, field, value, at FROM rule_actions"
        params: list[Any] = []
        if keys is not None:
            sql += " WHERE key IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(keys)))
        return [RuleRecord(*row) for row in self._conn.execute(sql + " ORDER BY at, id", params)]

    def matching(self, query: Query, *, now: datetime, me: str | None,
                 keys: Sequence[str] | None) -> list[dict[str, Any]]:
        """List rows (as `Store.list_items`) of the items among `keys` (None: every item)
        that `query` matches, by key, with the triage row's own `triage_status`,
        `done_flag` and `triage_updated_at` (what a rule tells a hand decision by).

        Raises:
            QueryError: a text search SQLite cannot run.
        """
        where, params = self._store._where(query, now, me)
        sql = (f"SELECT {LIST_COLUMNS}, t.status AS triage_status, t.done AS done_flag, "
               f"t.updated_at AS triage_updated_at FROM {FROM} WHERE ({where})")
        if keys is not None:
            sql += " AND i.key IN (SELECT value FROM json_each(:rule_keys))"
            params["rule_keys"] = json.dumps(list(keys))
        return self._store._run(sql + " ORDER BY i.key", params, self._conn)

    def set_triage(self, key: str, changes: dict[str, Any], *, now: datetime, by: str, rule: str) -> None:
        """Stored as `Store.set_triage` stores it, in this pass's transaction; the history
        names the rule, and `by` the person whose run of the rules it was."""
        triage.write(self._conn, [key], changes, now, by=by, rule=rule)

    def record(self, key: str, rule: str, field: str, value: str, *, now: datetime) -> None:
        self._conn.execute(_RECORD, [key, rule, field, value, iso(now)])

    def has_draft(self, key: str) -> bool:
        return self._conn.execute("SELECT 1 FROM drafts WHERE key = ?", [key]).fetchone() is not None

    def add_draft(self, key: str, text: str, *, template: str, now: datetime) -> None:
        """A drafted reply, unless the item has one already: a draft is never overwritten."""
        self._conn.execute("INSERT OR IGNORE INTO drafts (key, template, text, updated_at, error) "
                           "VALUES (?, ?, ?, ?, NULL)", [key, template, text, iso(now)])


class _RolledBack(Exception):
    """Ends a dry run's transaction with a rollback."""


@contextmanager
def rules_pass(store: Store, *, dry_run: bool = False) -> Iterator[RulesPass]:
    """BEGIN IMMEDIATE ... COMMIT around a rules pass; a dry run, or any error, rolls back."""
    try:
        with store._transaction() as conn:
            yield RulesPass(store, conn)
            if dry_run:
                raise _RolledBack
    except _RolledBack:
        pass
