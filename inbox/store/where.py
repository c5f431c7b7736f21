"""The query language (`inbox.query`) as the store's SQL: a WHERE clause over the items
row `i`, with named parameters (values are never written into the SQL).

Every filter reads the item's own row: triage decisions and due moments are copied onto
it (see `inbox.store.migrations`), so counts and ordered indexes need no join.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from inbox.errors import QueryError
from inbox.query import ME_MISSING, SUGGEST_THRESHOLD, Query, Term, parse_query
from inbox.timeutil import iso, parse_duration


FROM = "items i LEFT JOIN triage t ON t.key = i.key"
DONE_SQL = "(i.is_done = 1)"
SNOOZED_SQL = "(i.snooze_end IS NOT NULL AND i.snooze_end > :now)"
"""`is:snoozed`: put aside by the user's snooze or by the channel's own (an Intercom snooze,
a Zendesk ticket pending or on hold). `snooze_end` is the later of the two ends."""
OWN_SNOOZE_SQL = "(i.snoozed_until IS NOT NULL AND i.snoozed_until > :now)"
"""Snoozed by the user (the triage snooze), whatever the channel says."""
CHANNEL_WAIT_SQL = ("(i.channel_wait IS NOT NULL AND "
                    "(i.channel_wait_until IS NULL OR i.channel_wait_until > :now))")
"""Put aside by the channel itself, now."""
AWAITING_SQL = "(i.awaiting = 1)"
SUGGESTED_SQL = ("(i.type IS NULL AND i.suggested_type IS NOT NULL AND i.suggested_confidence IS NOT NULL "
                 "AND i.suggested_confidence >= :suggest_min)")
"""The item has a type suggestion to show: untagged, and suggested with at least the
threshold's confidence (never NULL, so `-suggested:bug` negates cleanly)."""
_IS_SQL = {
    "open": "i.state = 'open'",
    "closed": "i.state = 'closed'",
    "done": DONE_SQL,
    "snoozed": SNOOZED_SQL,
    "answered": "i.answered = 1",
    "awaiting": AWAITING_SQL,
    "assigned": "i.assignee IS NOT NULL",
    "leak": "i.leaks IS NOT NULL",
    # past its response-time due moment (kept by the SLA refresh) and still ours
    "overdue": f"({AWAITING_SQL} AND i.due_at IS NOT NULL AND i.due_at <= :now)",
    # not typed by users: what the store's counting splits `overdue` into
    "due": "i.has_due = 1",
    "due_later": "(i.due_at IS NOT NULL AND i.due_at > :now)",
}
_IS_NOT_SQL = {"done": "(i.is_done = 0)", "awaiting": "(i.awaiting = 0)"}
"""Negations written so an index on the column can serve them (the columns are never NULL)."""
# age/idle: "older than" means an earlier timestamp, so the comparison flips.
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "<="}


PREFIX_FROM = 3
"""A bare word this long or longer matches as a prefix. A shorter one (`a`, `re`) matches
a whole word: as a prefix it would read a large part of the search index, on every key
typed in the filter bar."""


FTS_TERM = "(i.rowid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH :{name}))"
"""A full-text term over the items row `i` (the PostgreSQL store reads it as its own)."""


def _fts_match(text: str) -> str:
    """A bare word matches as a prefix (`postgr` finds postgres); a phrase matches exactly."""
    quoted = '"' + text.replace('"', '""') + '"'
    return quoted if " " in text.strip() or len(text.strip()) < PREFIX_FROM else quoted + "*"


SweepSql = Callable[[str, str], tuple[str, dict]]
"""What a `sweep:NAME` term compiles to: given the sweep's name and a prefix for its
parameter names, one SQL condition over `i` and its parameters. The store knows the
config's sweeps and passes this; without it a `sweep:` term is an error."""


def compile_query(query: Query | str, *, now: datetime, me: str | None = None,
                  sweeps: SweepSql | None = None, threshold: float = SUGGEST_THRESHOLD) -> tuple[str, dict]:
    """The SQL WHERE clause (over `FROM`) and its named parameters; a type suggestion
    counts from `threshold` (`:suggest_min`, which `LIST_COLUMNS` reads too)."""
    if isinstance(query, str):
        query = parse_query(query)
    clauses, params = compile_terms(query.terms, now=now, me=me, sweeps=sweeps, threshold=threshold)
    return (" AND ".join(clauses) or "1 = 1"), params


def compile_terms(terms: Sequence[Term], *, now: datetime, me: str | None = None, prefix: str = "",
                  sweeps: SweepSql | None = None, threshold: float = SUGGEST_THRESHOLD) -> tuple[list[str], dict]:
    """One SQL condition per term, over the item row `i`, and their named parameters
    (each starting with `prefix`, so conditions compiled apart can share a statement)."""
    clauses: list[str] = []
    params: dict[str, object] = {"now": iso(now), "suggest_min": threshold}
    for index, term in enumerate(terms):
        if term.negated and term.field == "is" and term.value in _IS_NOT_SQL:
            clauses.append(_IS_NOT_SQL[term.value])
            continue
        name = f"{prefix}p{index}"
        if term.field == "sweep":
            if sweeps is None:
                raise QueryError(f"sweep:{term.value} needs the config that defines the sweep "
                                 "(its sources and [sweep] settings)")
            sql, extra = sweeps(term.value, f"{name}_")
            params.update(extra)
            params["suggest_min"] = threshold  # the sweep's own terms compiled with the default
        else:
            sql = _term_sql(term, name, params, now=now, me=me)
        clauses.append(f"NOT {sql}" if term.negated else sql)
    return clauses, params


def _term_sql(term: Term, name: str, params: dict, *, now: datetime, me: str | None) -> str:
    field, value = term.field, term.value
    if field is None:
        params[name] = _fts_match(value)
        return FTS_TERM.format(name=name)
    if field == "is":
        return f"({_IS_SQL[value]})"
    if field in ("type", "status"):
        # An idea board's own status counts until the user sets one.
        column = "i.type" if field == "type" else "COALESCE(t.status, i.idea_status)"
        if value == "none":
            return f"({column} IS NULL)"
        params[name] = value
        return f"({column} IS NOT NULL AND {column} = :{name})"
    if field in ("suggested", "confidence"):
        if field == "suggested" and value == "none":
            return f"(NOT {SUGGESTED_SQL})"
        params[name] = value if field == "suggested" else float(value)
        test = f"i.suggested_type = :{name}" if field == "suggested" else f"i.suggested_confidence {term.op} :{name}"
        return f"({SUGGESTED_SQL[1:-1]} AND {test})"
    if field == "kind":
        params[name] = value
        return f"(i.kind = :{name})"
    if field == "source":
        params[name] = value
        return f"(i.source = :{name})"
    if field == "author":
        # a login on the item's channel, or a person's name from [people.NAME] (any channel)
        params[name] = value
        return (f"(i.author = :{name} COLLATE NOCASE OR EXISTS (SELECT 1 FROM person_logins pl "
                f"WHERE pl.person = :{name} COLLATE NOCASE AND pl.login = i.author COLLATE NOCASE "
                "AND (pl.kind = i.kind OR pl.kind = i.source)))")
    if field == "staff":
        return "(i.author_is_staff = 1)" if value == "yes" else "(i.author_is_staff = 0)"
    if field == "label":
        params[name] = value
        if term.negated:  # a lookup per row: reading every key with a common label costs more
            return (f"(EXISTS (SELECT 1 FROM item_labels l WHERE l.key = i.key "
                    f"AND l.label = :{name} COLLATE NOCASE))")
        # the labelled keys, from the index by name, rather than a lookup per row
        return f"(i.key IN (SELECT l.key FROM item_labels l WHERE l.label = :{name} COLLATE NOCASE))"
    if field == "assignee":
        if value.lower() == "none":
            return "(i.assignee IS NULL)"
        if value.lower() == "me":
            if not me:
                raise QueryError(ME_MISSING)
            value = me
        params[name] = value
        return f"(i.assignee IS NOT NULL AND i.assignee = :{name} COLLATE NOCASE)"
    if field == "replies":
        params[name] = int(value)
        return f"(i.replies {term.op} :{name})"
    if field in ("age", "idle", "assigned"):
        # "Older than" usually matches most rows, where a scan beats an index walk with a
        # table lookup per row: `+` keeps SQLite off the index. "Newer than" is the few.
        older = term.op in (">=", ">", "=")
        column = {"age": "i.created_at", "idle": "i.last_activity_at", "assigned": "i.assigned_at"}[field]
        column = ("+" if older and field != "assigned" else "") + column
        if field == "assigned":  # only an assigned item has the moment: say so, for its index
            column = f"i.assignee IS NOT NULL AND {column}"
        try:
            params[name] = iso(now - parse_duration(value))
        except OverflowError:  # further back than any date: nothing is that old
            params[name] = ""
        return f"({column} {_FLIP[term.op]} :{name})"
    raise QueryError(f"unknown field {field}:")  # parse_query never lets this through
