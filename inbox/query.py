"""The query language of the filter bar, views and `inbox list`, compiled to SQL.

Terms are ANDed, `-term` negates, bare words and "quoted phrases" are full-text.
Parsing is separate from compiling: a query is checked once when typed, and compiled
with the current time and user each time it runs. Values are always SQL parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from inbox.errors import QueryError
from inbox.models import IdeaStatus, PostType
from inbox.text import clean
from inbox.timeutil import iso, parse_duration

KINDS = ("github", "gitlab", "discourse", "stackexchange", "slack", "zendesk", "intercom", "uservoice")
IS_VALUES = ("open", "closed", "done", "snoozed", "answered", "awaiting", "assigned", "leak", "overdue")
FIELDS = ("type", "kind", "source", "author", "staff", "label", "status", "assignee",
          "replies", "age", "idle", "assigned", "is", "sweep")
SWEEPS = ("daily", "weekly")
"""`sweep:daily` (the Help Wanted sweep) and `sweep:weekly`: the posts the sweep takes, as
the config defines it (`inbox.store.sweeps`)."""
INBOX_QUERY = "is:open -is:done -is:snoozed"
MAX_TERMS = 200
"""Far more than anyone types, and well inside what SQLite compiles: each term is one more
level of its expression tree, which stops at 1,000 (a longer query would fail there)."""

_TOKEN = re.compile(r'\s*(-?)(?:([A-Za-z_]+):("(?:[^"]*)"?|\S*)|("(?:[^"]*)"?)|(\S+))')
_SEARCHABLE = re.compile(r"\w")
_COMPARISON = re.compile(r"^(>=|<=|>|<|=)?(.+)$")


@dataclass(frozen=True)
class Term:
    """One condition: a field (None for full text), its value, and whether it is negated."""

    field: str | None
    value: str
    negated: bool = False
    op: str = "="


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]


def _unquote(value: str) -> str:
    if value.startswith('"'):
        value = value[1:]
        value = value.removesuffix('"')
    return value


def parse_query(text: str | None) -> Query:
    """Parse and validate; raises QueryError naming the offending term."""
    text = text or ""
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise QueryError("the query holds characters that are not valid text (lone surrogates)")
    terms: list[Term] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"cannot read the query at {text[position:]!r}")
        position = match.end()
        if len(terms) >= MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} terms; use fewer")
        negated, name, field_value, phrase, word = match.groups()
        negated = bool(negated)
        _closed(field_value if name is not None else phrase)
        if name is not None:
            terms.append(_field_term(name.lower(), _unquote(field_value), negated))
        elif phrase is not None:
            # stored text holds no control characters, and FTS5 reads NUL as the end
            value = clean(_unquote(phrase)).strip()
            if _SEARCHABLE.search(value):  # a lone `-` or `*` would match nothing
                terms.append(Term(None, value, negated))
        elif word is not None:
            value = clean(word)
            if _SEARCHABLE.search(value):
                terms.append(Term(None, value, negated))
    return Query(text=text, terms=tuple(terms))


def _closed(quoted: str | None) -> None:
    """A quote opened must be closed: `"unbalanced` would otherwise search for something
    the user did not finish typing, and find nothing without saying why."""
    if quoted and quoted.startswith('"') and (len(quoted) == 1 or not quoted.endswith('"')):
        raise QueryError(f"unclosed quote: {' '.join(clean(quoted).split())} needs a closing \"")


def _field_term(name: str, value: str, negated: bool) -> Term:
    if name not in FIELDS:
        raise QueryError(f"unknown field {name + ':'!r} (fields: {', '.join(f + ':' for f in FIELDS)})")
    if value == "":
        raise QueryError(f"{name}: needs a value")
    lowered = value.lower()
    if name == "type":
        allowed = [t.value for t in PostType] + ["none"]
        if lowered not in allowed:
            raise QueryError(f"type:{value} is not a type (use {'|'.join(allowed)})")
        return Term(name, lowered, negated)
    if name == "status":
        allowed = [s.value for s in IdeaStatus] + ["none"]
        if lowered not in allowed:
            raise QueryError(f"status:{value} is not a status (use {'|'.join(allowed)})")
        return Term(name, lowered, negated)
    if name == "kind":
        if lowered not in KINDS:
            raise QueryError(f"kind:{value} is not a channel kind (use {'|'.join(KINDS)})")
        return Term(name, lowered, negated)
    if name == "staff":
        if lowered not in ("yes", "no", "true", "false"):
            raise QueryError(f"staff:{value}: use staff:yes or staff:no")
        return Term(name, "yes" if lowered in ("yes", "true") else "no", negated)
    if name == "sweep":
        if lowered not in SWEEPS:
            raise QueryError(f"sweep:{value} is not a sweep (use {'|'.join(SWEEPS)})")
        return Term(name, lowered, negated)
    if name == "is":
        if lowered not in IS_VALUES:
            raise QueryError(f"is:{value} is not known (use {'|'.join(IS_VALUES)})")
        return Term(name, lowered, negated)
    if name in ("replies", "age", "idle", "assigned"):
        op, amount = _COMPARISON.match(value).groups()  # type: ignore[union-attr]
        op = op or ("=" if name == "replies" else ">=")
        if name == "replies":
            if not re.fullmatch(r"[0-9]{1,9}", amount):
                raise QueryError(f"replies:{value}: use a number, e.g. replies:0 or replies:>3")
        else:
            try:
                parse_duration(amount)
            except ValueError:
                raise QueryError(f"{name}:{value}: use a duration with m, h, d or w, "
                                 f"e.g. {name}:>=2d") from None
            if op == "=":
                op = ">="
        return Term(name, amount, negated, op)
    return Term(name, value, negated)


# --- compiling -----------------------------------------------------------------------

FROM = "items i LEFT JOIN triage t ON t.key = i.key"
# Every filter reads the item's own row: triage decisions and due moments are copied onto
# it (see the store's migrations), so counts and ordered indexes need no join.
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
                  sweeps: SweepSql | None = None) -> tuple[str, dict]:
    """The SQL WHERE clause (over `FROM`) and its named parameters."""
    if isinstance(query, str):
        query = parse_query(query)
    clauses, params = compile_terms(query.terms, now=now, me=me, sweeps=sweeps)
    return (" AND ".join(clauses) or "1 = 1"), params


def compile_terms(terms: Sequence[Term], *, now: datetime, me: str | None = None, prefix: str = "",
                  sweeps: SweepSql | None = None) -> tuple[list[str], dict]:
    """One SQL condition per term, over the item row `i`, and their named parameters
    (each starting with `prefix`, so conditions compiled apart can share a statement)."""
    clauses: list[str] = []
    params: dict[str, object] = {"now": iso(now)}
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
                raise QueryError("assignee:me needs `me = \"your-login\"` under [team] in the config")
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
