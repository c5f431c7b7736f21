"""The query language of the filter bar, views and `inbox list`: its words, parsed.

Terms are ANDed, `-term` negates, bare words and "quoted phrases" are full-text.
Parsing is separate from compiling: a query is checked once when typed, and compiled by
the store (`inbox.store.where`, the only place that knows the tables) with the current
time and user each time it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inbox.errors import QueryError
from inbox.models import IdeaStatus, PostType
from inbox.text import clean
from inbox.timeutil import parse_duration

KINDS = ("github", "gitlab", "discourse", "stackexchange", "slack", "zendesk", "intercom", "uservoice")
IS_VALUES = ("open", "closed", "done", "snoozed", "answered", "awaiting", "assigned", "leak", "overdue")
FIELDS = ("type", "kind", "source", "author", "staff", "label", "status", "assignee",
          "replies", "age", "idle", "assigned", "is", "sweep", "suggested", "confidence")
SWEEPS = ("daily", "weekly")
"""`sweep:daily` (the Help Wanted sweep) and `sweep:weekly`: the posts the sweep takes, as
the config defines it (`inbox.store.sweeps`)."""
INBOX_QUERY = "is:open -is:done -is:snoozed"
SUGGEST_THRESHOLD = 0.5
"""The least confidence a type suggestion is shown with (`[suggest] threshold`): chosen by
`benchmarks/suggest.py`, the highest at which macro F1 over real issues, a hidden
suggestion counting as a miss, stays above the fastText baseline (0.72)."""
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
    if name == "suggested":
        allowed = [t.value for t in PostType] + ["none"]
        if lowered not in allowed:
            raise QueryError(f"suggested:{value} is not a type (use {'|'.join(allowed)})")
        return Term(name, lowered, negated)
    if name == "confidence":
        op, amount = _COMPARISON.match(value).groups()  # type: ignore[union-attr]
        return Term(name, str(_confidence(value, amount)), negated, op or ">=")
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


def _confidence(value: str, amount: str) -> float:
    """`0.9` or `90%`, between 0 and 1."""
    try:
        number = float(amount[:-1]) / 100 if amount.endswith("%") else float(amount)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise QueryError(f"confidence:{value}: use a number from 0 to 1 or a percentage, "
                         "e.g. confidence:>=0.9 or confidence:>=90%")
    return number


ME_MISSING = 'assignee:me needs `me = "your-login"` under [team] in the config'
"""Why `assignee:me` cannot run: nobody is "me" until the config says who."""


def needs_me(query: Query) -> bool:
    """Whether the query says `assignee:me`, which means nobody until `[team] me` is set."""
    return any(term.field == "assignee" and term.value.lower() == "me" for term in query.terms)
