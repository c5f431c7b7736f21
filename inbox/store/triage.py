"""What a triage action changed, and undoing exactly that.

The CLI, a rule or another TUI may change the same item between an action and its undo.
Undo puts back only the fields the action changed, and only where they still hold what the
action wrote; a field someone changed meanwhile is left as they set it, and reported.

Every write here, an undo too, records what it changed in the triage history (see
`inbox.store.history`) in the same transaction, naming who made it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox.store import history
from inbox.timeutil import iso

TRIAGE_FIELDS = ("type", "status", "assignee", "done", "done_activity_at", "snoozed_until", "note",
                 "jira_key", "assigned_at")

_ABSENT: dict[str, Any] = {name: 0 if name == "done" else None for name in TRIAGE_FIELDS}
"""What each field reads as when the item has no triage row."""

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("type",), ("status",), ("assignee", "assigned_at"), ("done", "done_activity_at"),
    ("snoozed_until",), ("note",), ("jira_key",),
)
"""Fields written together: a field and the moment that goes with it undo as one."""


class TriageChange(dict):
    """What a triage action found and did.

    As a mapping, each key's triage row before the action (None where nothing had been
    decided). `changed[key][field]` is `(before, after)` for each field the action changed.
    """

    def __init__(self, before: dict[str, dict[str, Any] | None], after: dict[str, dict[str, Any] | None],
                 stamps: dict[str, tuple[str | None, str | None]]) -> None:
        super().__init__({key: None if row is None else {k: row[k] for k in ("key", *TRIAGE_FIELDS)}
                          for key, row in before.items()})
        self.changed: dict[str, dict[str, tuple[Any, Any]]] = {}
        for key, old in before.items():
            old_values, new_values = _values(old), _values(after.get(key))
            moved = {name: (old_values[name], new_values[name]) for name in TRIAGE_FIELDS
                     if old_values[name] != new_values[name]}
            if moved:
                self.changed[key] = moved
        self.stamps = stamps
        """By key, `updated_at` before and after the action."""


@dataclass
class Undone:
    """What an undo put back, and what it left because someone changed it meanwhile."""

    restored: dict[str, list[str]] = field(default_factory=dict)
    """By key, the fields put back (a field and its moment count as the field)."""
    left: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By key, each field left alone, with the value someone else gave it."""


def rows(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """Each key's triage row with `updated_at` (None where there is none)."""
    found: dict[str, dict[str, Any] | None] = {}
    columns = ("key", *TRIAGE_FIELDS, "updated_at")
    for key in keys:
        row = conn.execute(f"SELECT {', '.join(columns)} FROM triage WHERE key = ?", [key]).fetchone()
        found[key] = None if row is None else dict(zip(columns, row))
    return found


def write(conn: sqlite3.Connection, keys: Sequence[str], changes: dict[str, Any], now: datetime, *,
          by: str, rule: str | None = None) -> TriageChange:
    """In the caller's transaction: the same changes to each key, what they changed, and
    its history (`by` a person, and `rule` when a rule decided). The TUI, the CLI and the
    rules all decide through here, so a decision is stored alike whoever made it."""
    _check(changes)
    before = rows(conn, keys)
    for key in keys:
        _apply(conn, key, changes, now)
    after = rows(conn, keys)
    _record(conn, before, after, now, by=by, rule=rule)
    return TriageChange(before, after, {
        key: ((before[key] or {}).get("updated_at"), (after[key] or {}).get("updated_at")) for key in keys})


def _apply(conn: sqlite3.Connection, key: str, changes: dict[str, Any], now: datetime) -> None:
    """The changes to one key.

    Marking done records the item's current last activity, so newer activity from the
    channel brings it back to the Inbox without anyone touching the triage row.
    """
    # a datetime (a snooze target) is stored in the one ISO form, so it compares
    # as a string with `now` like every other stored time
    values = {name: iso(value) if isinstance(value, datetime) else value for name, value in changes.items()}
    if values.get("done"):
        row = conn.execute("SELECT last_activity_at FROM items WHERE key = ?", [key]).fetchone()
        values["done_activity_at"] = row[0] if row else None
    elif "done" in values:
        values["done_activity_at"] = None
    if "done" in values:
        values["done"] = int(bool(values["done"]))
    if "assignee" in values and "assigned_at" not in values:
        # when the item was handed over: the clock "Needs follow-up" runs on
        row = conn.execute("SELECT assignee FROM triage WHERE key = ?", [key]).fetchone()
        if not row or (row[0] or "").lower() != (values["assignee"] or "").lower():
            values["assigned_at"] = iso(now) if values["assignee"] else None
    conn.execute("INSERT OR IGNORE INTO triage (key) VALUES (?)", [key])
    assignments = ", ".join(f"{name} = ?" for name in values)
    conn.execute(f"UPDATE triage SET {assignments}, updated_at = ? WHERE key = ?",
                 [*values.values(), iso(now), key])


def _check(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(TRIAGE_FIELDS)
    if unknown:
        raise ValueError(f"not triage fields: {sorted(unknown)}")


def undo(conn: sqlite3.Connection, change: TriageChange, now: datetime, *, by: str) -> Undone:
    """In the caller's transaction: put back what `change` changed and nobody has changed
    since; in the history as `by`'s change, from the values it replaced."""
    done = Undone()
    current_rows = rows(conn, change)
    for key, row in current_rows.items():
        moved = change.changed.get(key, {})
        current = _values(row)
        back: dict[str, Any] = {}
        for group in _GROUPS:
            names = [name for name in group if name in moved]
            if not names:
                continue
            if all(current[name] == moved[name][1] for name in names):
                back.update({name: moved[name][0] for name in names})
                done.restored.setdefault(key, []).append(group[0])
            elif not all(current[name] == moved[name][0] for name in names):  # not already as before
                done.left.setdefault(key, {})[group[0]] = current[group[0]]
        if row is None:
            continue  # removed meanwhile: every field already reads as "nothing decided"
        if back:
            conn.execute(f"UPDATE triage SET {', '.join(f'{name} = ?' for name in back)} WHERE key = ?",
                         [*back.values(), key])
        old_stamp, action_stamp = change.stamps.get(key, (None, None))
        if key not in done.left and row["updated_at"] == action_stamp:
            conn.execute("UPDATE triage SET updated_at = ? WHERE key = ?", [old_stamp, key])
        if change.get(key) is None and all(_values({**row, **back})[name] == _ABSENT[name]
                                           for name in TRIAGE_FIELDS):
            conn.execute("DELETE FROM triage WHERE key = ?", [key])  # nothing decided, as before
    _record(conn, current_rows, rows(conn, change), now, by=by)
    return done


def _record(conn: sqlite3.Connection, before: dict[str, dict[str, Any] | None],
            after: dict[str, dict[str, Any] | None], now: datetime, *, by: str, rule: str | None = None) -> None:
    """A history entry per field group that moved: the field, without the moment that goes
    with it. `done` is recorded as whether the item counted as done, so marking done again
    an item new activity brought back reads as `false -> true`."""
    entries: list[history.Entry] = []
    activity: dict[str, str | None] = {}
    for key, old_row in before.items():
        old, new = _values(old_row), _values(after.get(key))
        for group in _GROUPS:
            if all(old[name] == new[name] for name in group):
                continue
            name = group[0]
            if name == "done":
                if key not in activity:
                    found = conn.execute("SELECT last_activity_at FROM items WHERE key = :key", {"key": key}).fetchone()
                    activity[key] = found[0] if found else None
                entries.append((key, name, _done_text(old, activity[key]), _done_text(new, activity[key])))
            else:
                entries.append((key, name, _text(old[name]), _text(new[name])))
    history.record(conn, entries, by=by, now=now, rule=rule)


def _done_text(values: dict[str, Any], activity: str | None) -> str:
    """'true' when the item counts as done: marked, and no activity since (as `done_mark`)."""
    covered = values["done_activity_at"] is None or activity is None or activity <= values["done_activity_at"]
    return "true" if values["done"] and covered else "false"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _values(row: dict[str, Any] | None) -> dict[str, Any]:
    return {name: _ABSENT[name] if row is None else row[name] for name in TRIAGE_FIELDS}
