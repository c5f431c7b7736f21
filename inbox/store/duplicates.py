"""Posts linked as the same question asked twice: the pair shows on both.

A link is a row (the duplicate, the post it duplicates) with who linked them and when,
found from either post (`duplicates_by_original`). Linking and unlinking are recorded in
the triage history of both posts, in the same transaction, as the person's change:
`duplicate_of` on the duplicate, `duplicate` on the other. A pair is linked once whichever
way round; a link is the team's decision and, like triage, no sync touches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.errors import UsageError
from inbox.store import history
from inbox.store.items import rows_for_keys
from inbox.store.similar import ANSWERED_SQL
from inbox.store.where import DONE_SQL, SNOOZED_SQL
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

_EITHER_WAY = "(key = :a AND of_key = :b) OR (key = :b AND of_key = :a)"
_LINKED = (
    "SELECT d.of_key AS other, 1 AS duplicate_of, d.linked_by, d.linked_at FROM duplicates d WHERE d.key = :key "
    "UNION ALL SELECT d.key, 0, d.linked_by, d.linked_at FROM duplicates d WHERE d.of_key = :key")
_SHOWN = (f"SELECT l.other, l.duplicate_of, l.linked_by, l.linked_at, i.source, i.kind, i.title, i.url, i.state, "
          f"i.created_at, {DONE_SQL} AS done, {SNOOZED_SQL} AS snoozed, {ANSWERED_SQL} AS answered "
          f"FROM ({_LINKED}) AS l LEFT JOIN items i ON i.key = l.other")


class Duplicates:
    """Reached as `store.duplicates`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def link(self, keys: Sequence[str], of_key: str, *, by: str, now: datetime) -> list[str]:
        """Link each of `keys` as a duplicate of `of_key`; returns those newly linked (a
        pair linked already, either way round, is left as it is).

        Raises:
            UsageError: a post named is not in the inbox, or is `of_key` itself.
        """
        if of_key in keys:
            raise UsageError(f"{of_key} cannot be a duplicate of itself")
        at = iso(now)
        with self.store._transaction() as conn:
            known = {row[0] for row in rows_for_keys(conn, "SELECT key FROM items WHERE key IN ({keys})",
                                                     [*keys, of_key])}
            missing = [key for key in (*keys, of_key) if key not in known]
            if missing:
                raise UsageError(f"no item with key {missing[0]}")
            linked = []
            for key in dict.fromkeys(keys):
                if conn.execute(f"SELECT 1 FROM duplicates WHERE {_EITHER_WAY}", {"a": key, "b": of_key}).fetchone():
                    continue
                conn.execute("INSERT INTO duplicates (key, of_key, linked_by, linked_at) VALUES (?, ?, ?, ?)",
                             [key, of_key, by, at])
                linked.append(key)
            history.record(conn, [entry for key in linked for entry in _entries(key, of_key, linked=True)],
                           by=by, now=now)
        return linked

    def unlink(self, keys: Sequence[str], other: str, *, by: str, now: datetime) -> list[str]:
        """Undo the link between each of `keys` and `other`, whichever way it was made;
        returns those that were linked."""
        unlinked = []
        with self.store._transaction() as conn:
            for key in dict.fromkeys(keys):
                found = conn.execute(f"SELECT key, of_key FROM duplicates WHERE {_EITHER_WAY}",
                                     {"a": key, "b": other}).fetchone()
                if found is None:
                    continue
                conn.execute("DELETE FROM duplicates WHERE key = ? AND of_key = ?", [found[0], found[1]])
                unlinked.append(key)
                history.record(conn, _entries(found[0], found[1], linked=False), by=by, now=now)
        return unlinked

    def of(self, key: str, *, now: datetime) -> list[dict[str, Any]]:
        """The posts linked with `key`, answered first, then oldest first: key, source,
        kind, title, url, state (done, snoozed, else the channel's), answered, whether
        `key` is the duplicate (`duplicate_of`), who linked them and when. A post gone
        from its channel keeps its link and shows with no title."""
        with self.store._reading() as conn:
            rows = self.store._run(_SHOWN, {"key": key, "now": iso(now)}, conn)
        shown = []
        for row in rows:
            done, snoozed = row.pop("done"), row.pop("snoozed")
            state = "done" if done else "snoozed" if snoozed else (row["state"] or "gone")
            shown.append({"key": row.pop("other"), **row, "state": state, "answered": bool(row["answered"]),
                          "duplicate_of": bool(row["duplicate_of"])})
        shown.sort(key=lambda row: (not row["answered"], row["created_at"] or "9999", row["key"]))
        return shown

    def keys_of(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """By key, the keys of the posts linked with it (sorted; none: an empty list)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, list[str]] = {key: [] for key in wanted}
        with self.store._reading() as conn:
            for key, other in rows_for_keys(conn, "SELECT key, of_key FROM duplicates WHERE key IN ({keys})", wanted):
                found[key].append(other)
            for other, key in rows_for_keys(conn, "SELECT of_key, key FROM duplicates WHERE of_key IN ({keys})",
                                            wanted):
                found[other].append(key)
        return {key: sorted(others) for key, others in found.items()}

    def attach(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with its `duplicates` (keys), as `inbox list --json` gives them."""
        linked = self.keys_of(row["key"] for row in rows)
        for row in rows:
            row["duplicates"] = linked.get(row["key"], [])
        return rows


def _entries(key: str, of_key: str, *, linked: bool) -> list[history.Entry]:
    """The history of a link made or undone: on the duplicate, and on the post it duplicates."""
    if linked:
        return [(key, "duplicate_of", None, of_key), (of_key, "duplicate", None, key)]
    return [(key, "duplicate_of", of_key, None), (of_key, "duplicate", key, None)]
