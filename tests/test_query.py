"""The query language (DESIGN.md §3), case by case, over a small store filled by hand.

Every field, every `is:` value, comparisons, units, negation, full text, combinations,
errors with a clear message, and hostile input that must never become a SQLite error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

import pytest

from inbox.config import parse
from inbox.errors import QueryError
from inbox.models import Item
from inbox.query import FIELDS, INBOX_QUERY, IS_VALUES, Term, needs_me, parse_query
from inbox.store import Store, open_store
from inbox.store.sweeps import define as define_sweeps
from inbox.store.where import compile_query
from inbox.timeutil import iso
from tests.conftest import postgres_database

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
ME = "maya"


def _ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def _item(source: str, kind: str, number: str, title: str, body: str, author: str, *,
          staff: bool = False, created: datetime, activity: datetime, replies: int = 0,
          last_staff: bool | None = None, answered: bool = False, state: str = "open",
          labels: tuple[str, ...] = ()) -> Item:
    return Item(source=source, kind=kind, external_id=number,
                url=f"https://example.org/{source}/{number}", title=title, body=body,
                author=author, author_is_staff=staff, created_at=created, last_activity_at=activity,
                replies=replies, last_reply_by_staff=last_staff, answered=answered, state=state,
                labels=list(labels))


ITEMS = [
    _item("server", "github", "1", "Postgres migration fails after upgrade",
          "Migration 000112 fails: column remote_id already exists. NEAR the end of the log.",
          "rhys", created=_ago(days=3), activity=_ago(days=1), replies=2, last_staff=False,
          labels=("bug", "enterprise")),
    _item("server", "github", "2", "Add dark mode to the desktop app",
          "It would be great to have a dark theme.", "bob", staff=True,
          created=_ago(days=10), activity=_ago(days=8), labels=("enhancement", "Help Wanted")),
    _item("server", "github", "3", "Crash on startup with the Jira plugin",
          "panic: nil pointer dereference", "carol", created=_ago(days=14),
          activity=_ago(days=9), replies=1, last_staff=True, state="closed", labels=("bug",)),
    _item("forum", "discourse", "10", "Docker install: password authentication failed",
          "The postgres container rejects the password. My DSN is postgres://mm:" + "Qx7v" + "Lp2wR9zK"
          "@db:5432/mm", "dave", created=_ago(hours=2),
          activity=_ago(hours=1), replies=1, last_staff=True, answered=True,
          labels=("installation",)),
    _item("forum", "discourse", "11", "Welcome to the forum",
          "Read this before posting. AND be nice.", "bob", staff=True,
          created=_ago(days=35), activity=_ago(days=35)),
    _item("so", "stackexchange", "100", "How to call the REST API from Python?",
          "requests.get returns 401 — café", "Émilie Dubois", created=_ago(minutes=45),
          activity=_ago(minutes=45), labels=("python", "rest")),
    _item("so", "stackexchange", "101", 'Webhook returns 400 "Unable to parse incoming data"',
          "curl -d 'text=hello' fails", "Frank O'Neill", created=_ago(days=6),
          activity=_ago(days=2), replies=3, last_staff=False, answered=True,
          labels=("webhooks",)),
]
ALL = {item.key for item in ITEMS}
GH = {"server:1", "server:2", "server:3"}
FORUM = {"forum:10", "forum:11"}
SO = {"so:100", "so:101"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The same items on each backend: every case holds on both."""
    if request.param == "sqlite":
        with nullcontext(tmp_path_factory.mktemp("query") / "inbox.db") as location:
            yield from _filled(open_store(location))
    else:
        with postgres_database() as location:
            yield from _filled(open_store(location))


SWEEP_CONFIG = {"team": {"staff": ["bob"]}, "sources": [
    {"name": "server", "kind": "github", "repo": "acme/server"},
    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
    {"name": "so", "kind": "stackexchange", "tagged": "acme"}]}


def _filled(store: Store) -> Iterator[Store]:
    store.sweeps = define_sweeps(parse(SWEEP_CONFIG))
    for source in ("server", "forum", "so"):
        store.save_page(source, [item for item in ITEMS if item.source == source])
    store.set_triage(["server:1"], {"type": "bug", "assignee": ME}, now=NOW, by="test")
    # handed to devin three days ago: long enough to need a follow-up
    store.set_triage(["server:2"], {"type": "feature", "status": "planned", "assignee": "devin"},
                     now=NOW - timedelta(days=3), by="test")
    store.set_triage(["server:3"], {"type": "bug"}, now=NOW, by="test")
    store.set_triage(["forum:10"], {"type": "troubleshooting", "done": True}, now=NOW, by="test")
    store.set_triage(["so:100"], {"type": "question", "snoozed_until": iso(NOW + timedelta(days=1))}, now=NOW, by="test")
    store.set_triage(["so:101"], {"snoozed_until": iso(NOW - timedelta(hours=1))}, now=NOW, by="test")  # expired
    # due an hour ago (server:1, awaiting) and in an hour (so:101); forum:11 is due but answered
    store.replace_sla_due([("server:1", iso(NOW - timedelta(hours=1)), iso(NOW - timedelta(days=2))),
                           ("so:101", iso(NOW + timedelta(hours=1)), iso(NOW - timedelta(days=1)))])
    # one person, two logins: bob on the forum is "robert" on GitHub
    store.set_person_logins([("Robert", "github", "robert-gh"), ("Robert", "discourse", "bob")])
    # type suggestions: two untagged posts, and one tagged (its suggestion never counts)
    store.suggestions.write([("forum:11", "question", 0.92), ("so:101", "bug", 0.62), ("server:2", "bug", 0.99)])
    yield store
    store.close()


def keys(store: Store, query: str, *, me: str | None = ME) -> set[str]:
    rows = store.list_items(query, now=NOW, me=me)
    found = {row["key"] for row in rows}
    assert len(found) == len(rows), "a query must not return an item twice"
    assert store.count(query, now=NOW, me=me) == len(rows)
    return found


CASES = [
    # nothing: everything
    ("", ALL),
    ("   ", ALL),
    # type:
    ("type:bug", {"server:1", "server:3"}),
    ("TYPE:BUG", {"server:1", "server:3"}),
    ("type:feature", {"server:2"}),
    ("type:troubleshooting", {"forum:10"}),
    ("type:question", {"so:100"}),
    ("type:none", {"forum:11", "so:101"}),
    ("-type:none", ALL - {"forum:11", "so:101"}),
    ("-type:bug", ALL - {"server:1", "server:3"}),
    # kind:
    ("kind:github", GH),
    ("kind:discourse", FORUM),
    ("kind:stackexchange", SO),
    ("kind:gitlab", set()),
    ("-kind:github", FORUM | SO),
    # source:
    ("source:forum", FORUM),
    ("source:so", SO),
    ("source:nowhere", set()),
    ("-source:server", FORUM | SO),
    # author:
    ("author:bob", {"server:2", "forum:11"}),
    ("author:BOB", {"server:2", "forum:11"}),
    ('author:"Frank O\'Neill"', {"so:101"}),
    ('author:"Émilie Dubois"', {"so:100"}),
    ("author:bo", set()),
    ("-author:bob", ALL - {"server:2", "forum:11"}),
    # staff:
    ("staff:yes", {"server:2", "forum:11"}),
    ("staff:true", {"server:2", "forum:11"}),
    ("staff:no", ALL - {"server:2", "forum:11"}),
    ("-staff:yes", ALL - {"server:2", "forum:11"}),
    # label:
    ("label:bug", {"server:1", "server:3"}),
    ("label:BUG", {"server:1", "server:3"}),
    ('label:"Help Wanted"', {"server:2"}),
    ('label:"help wanted"', {"server:2"}),
    ("label:help", set()),
    ("-label:bug", ALL - {"server:1", "server:3"}),
    ("label:bug label:enterprise", {"server:1"}),
    ('-label:"Help Wanted" kind:github', {"server:1", "server:3"}),
    # status:
    ("status:planned", {"server:2"}),
    ("status:under-review", set()),
    ("status:none", ALL - {"server:2"}),
    ("-status:planned", ALL - {"server:2"}),
    # assignee:
    ("assignee:maya", {"server:1"}),
    ("assignee:MAYA", {"server:1"}),
    ("assignee:me", {"server:1"}),
    ("assignee:devin", {"server:2"}),
    ("assignee:none", ALL - {"server:1", "server:2"}),
    ("-assignee:none", {"server:1", "server:2"}),
    ("-assignee:me", ALL - {"server:1"}),
    # replies: = > < >= <=
    ("replies:0", {"server:2", "forum:11", "so:100"}),
    ("replies:=0", {"server:2", "forum:11", "so:100"}),
    ("replies:1", {"server:3", "forum:10"}),
    ("replies:>1", {"server:1", "so:101"}),
    ("replies:>=1", {"server:1", "server:3", "forum:10", "so:101"}),
    ("replies:<1", {"server:2", "forum:11", "so:100"}),
    ("replies:<=2", ALL - {"so:101"}),
    ("replies:>=3", {"so:101"}),
    ("-replies:0", {"server:1", "server:3", "forum:10", "so:101"}),
    # age: since created; a bare duration means "at least"
    ("age:>=2d", {"server:1", "server:2", "server:3", "forum:11", "so:101"}),
    ("age:2d", {"server:1", "server:2", "server:3", "forum:11", "so:101"}),
    ("age:=2d", {"server:1", "server:2", "server:3", "forum:11", "so:101"}),
    ("age:<90m", {"so:100"}),
    ("age:<=3h", {"forum:10", "so:100"}),
    ("age:>3h", ALL - {"forum:10", "so:100"}),
    ("age:>1w", {"server:2", "server:3", "forum:11"}),
    ("age:>4w", {"forum:11"}),
    ("-age:>1w", ALL - {"server:2", "server:3", "forum:11"}),
    # idle: since last activity, units m h d w
    ("idle:>7d", {"server:2", "server:3", "forum:11"}),
    ("idle:>=1w", {"server:2", "server:3", "forum:11"}),
    ("idle:>36h", {"server:2", "server:3", "forum:11", "so:101"}),
    ("idle:>90m", ALL - {"forum:10", "so:100"}),
    ("idle:<2h", {"forum:10", "so:100"}),
    ("idle:<30m", set()),
    ("-idle:>7d", ALL - {"server:2", "server:3", "forum:11"}),
    # is:
    ("is:open", ALL - {"server:3"}),
    ("is:OPEN", ALL - {"server:3"}),
    ("is:closed", {"server:3"}),
    ("is:done", {"forum:10"}),
    ("is:snoozed", {"so:100"}),  # so:101's snooze has run out
    ("is:answered", {"forum:10", "so:101"}),
    ("is:awaiting", {"server:1", "server:2", "forum:11", "so:100", "so:101"}),
    ("-is:awaiting", {"server:3", "forum:10"}),
    ("is:assigned", {"server:1", "server:2"}),
    ("is:overdue", {"server:1"}),
    ("-is:overdue kind:github", {"server:2", "server:3"}),
    ("author:robert", {"forum:11"}),  # a person's name finds their logins on their channels
    # assigned: (since the item was assigned)
    ("assigned:>=2d", {"server:2"}),
    ("assigned:<1d", {"server:1"}),
    ("assigned:>4d", set()),
    (f"{INBOX_QUERY} is:awaiting assigned:>=2d", {"server:2"}),
    ("-is:assigned", ALL - {"server:1", "server:2"}),
    ("-is:done", ALL - {"forum:10"}),  # untriaged items are not done
    ("-is:snoozed", ALL - {"so:100"}),
    # the Inbox view: untriaged items are in it
    (INBOX_QUERY, {"server:1", "server:2", "forum:11", "so:101"}),
    # bare words: full text over title, body and author, prefix match, any case, any accents
    ("postgres", {"server:1", "forum:10"}),
    ("postgr", {"server:1", "forum:10"}),
    ("postg", {"server:1", "forum:10"}),
    ("po", set()),  # under three letters: a whole word, not every word it begins
    ("POSTGRES", {"server:1", "forum:10"}),
    ("migrat", {"server:1"}),
    ("café", {"so:100"}),
    ("cafe", {"so:100"}),
    ("émilie", {"so:100"}),
    ("bob", {"server:2", "forum:11"}),
    ("crash jira", {"server:3"}),
    ("crash postgres", set()),
    ("-postgres", ALL - {"server:1", "forum:10"}),
    # "quoted phrases": the words in that order, exactly
    ('"dark mode"', {"server:2"}),
    ('"Dark Mode"', {"server:2"}),
    ('"mode dark"', set()),
    ('"dark mod"', set()),
    ('"unable to parse"', {"so:101"}),
    ('-"dark mode"', ALL - {"server:2"}),
    ('dark -"dark mode"', set()),
    # FTS5 operators are just words
    ("AND", {"forum:11"}),
    ("near", {"server:1"}),
    ("NEAR(", {"server:1"}),
    # combinations
    ("kind:github is:open type:bug", {"server:1"}),
    ("staff:no is:awaiting age:>=2d", {"server:1", "so:101"}),
    ("idle:>7d -staff:yes", {"server:3"}),
    ("label:bug -is:closed", {"server:1"}),
    ('kind:stackexchange "unable to parse"', {"so:101"}),
    ("assignee:me type:bug postgres", {"server:1"}),
    (f"{INBOX_QUERY} is:awaiting age:>=2d", {"server:1", "server:2", "forum:11", "so:101"}),
    (f"{INBOX_QUERY} idle:>7d staff:no", set()),
    ("  type:bug    -is:closed  ", {"server:1"}),
    ("is:leak", {"forum:10"}),
    ("-is:leak kind:discourse", {"forum:11"}),
    # sweep: the forum and GitHub posts waiting for our answer 2 days or more, less Help Wanted
    ("sweep:daily", {"server:1", "forum:11"}),
    ("sweep:DAILY kind:github", {"server:1"}),
    ("-sweep:daily", ALL - {"server:1", "forum:11"}),
    ("sweep:weekly", set()),  # so:101 was active 2 days ago; server:2 is the team's
    ("-sweep:weekly", ALL),
    # suggested: a type suggestion on an untagged post, never matched by type:
    ("suggested:question", {"forum:11"}),
    ("suggested:BUG", {"so:101"}),  # server:2 is tagged: its suggestion does not count
    ("type:bug suggested:bug", set()),
    ("-suggested:bug", ALL - {"so:101"}),
    ("suggested:none", ALL - {"forum:11", "so:101"}),
    ("suggested:feature", set()),
    # confidence: the suggestion's, from 0 to 1 or as a percentage
    ("confidence:>=0.9", {"forum:11"}),
    ("confidence:0.9", {"forum:11"}),  # at least, like age:
    ("confidence:>=90%", {"forum:11"}),
    ("confidence:<0.9", {"so:101"}),
    ("suggested:bug confidence:>=0.9", set()),
    ("-confidence:>=0.9", ALL - {"forum:11"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_query(store: Store, query: str, expected: set[str]) -> None:
    assert keys(store, query) == expected


def test_every_field_and_is_value_is_covered() -> None:
    """The table above keeps up with the language: a new field needs a case."""
    used = {term.field for query, _ in CASES for term in parse_query(query).terms}
    assert set(FIELDS) <= used
    is_values = {term.value for query, _ in CASES for term in parse_query(query).terms
                 if term.field == "is"}
    assert set(IS_VALUES) <= is_values
    ops = {term.op for query, _ in CASES for term in parse_query(query).terms
           if term.field == "replies"}
    assert ops == {"=", ">", "<", ">=", "<="}
    units = {term.value[-1] for query, _ in CASES for term in parse_query(query).terms
             if term.field in ("age", "idle")}
    assert units == {"m", "h", "d", "w"}


@pytest.mark.parametrize(("text", "expected"), [
    ("type:bug", [Term("type", "bug")]),
    ("-type:bug", [Term("type", "bug", negated=True)]),
    ('label:"Help Wanted"', [Term("label", "Help Wanted")]),
    ('-label:"Help Wanted"', [Term("label", "Help Wanted", negated=True)]),
    ("replies:>3", [Term("replies", "3", op=">")]),
    ("replies:3", [Term("replies", "3", op="=")]),
    ("age:2d", [Term("age", "2d", op=">=")]),
    ("idle:<4h", [Term("idle", "4h", op="<")]),
    ("staff:true", [Term("staff", "yes")]),
    ('postgres "dark mode" -crash', [Term(None, "postgres"), Term(None, "dark mode"),
                                     Term(None, "crash", negated=True)]),
    ('""', []),
])
def test_parse(text: str, expected: list[Term]) -> None:
    assert list(parse_query(text).terms) == expected


ERRORS = [
    ("title:foo", "unknown field 'title:'"),
    ("foo:bar", "unknown field 'foo:'"),
    ("http://example.org", "unknown field"),
    ("type:banana", "type:banana"),
    ("type:", "needs a value"),
    ('label:""', "needs a value"),
    ("kind:myspace", "kind:myspace"),
    ("status:maybe", "status:maybe"),
    ("staff:maybe", "staff:yes or staff:no"),
    ("is:pending", "is:pending"),
    ("is:", "needs a value"),
    ("replies:many", "replies:many"),
    ("replies:>", "replies:>"),
    ("replies:-1", "use a number"),
    ("replies:1.5", "use a number"),
    ("replies:²", "use a number"),
    ("replies:99999999999999999999999", "use a number"),
    ("age:2", "age:2"),
    ("age:2y", "m, h, d or w"),
    ("age:soon", "age:soon"),
    ("idle:>", "idle:>"),
    ("idle:>=d", "idle:>=d"),
    ("idle:-3d", "idle:-3d"),
    ("age:>99999999999w", "age:>99999999999w"),
    ("sweep:monthly", "sweep:monthly is not a sweep (use daily|weekly)"),
    ("sweep:", "needs a value"),
    ('"unterminated phrase', 'unclosed quote: "unterminated phrase needs a closing "'),
    ('label:"Help Wanted', "unclosed quote"),
    ('-"crash', "unclosed quote"),
    ('"', "unclosed quote"),
    ("suggested:maybe", "suggested:maybe is not a type"),
    ("confidence:high", "from 0 to 1 or a percentage"),
    ("confidence:>1.5", "from 0 to 1"),
    ("confidence:>=120%", "from 0 to 1"),
    ("confidence:nan", "from 0 to 1"),
]


@pytest.mark.parametrize(("query", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_clear(store: Store, query: str, message: str) -> None:
    with pytest.raises(QueryError) as parsed:
        parse_query(query)
    assert message in str(parsed.value)
    with pytest.raises(QueryError):  # through the store too: an error, not an empty list
        store.list_items(query, now=NOW, me=ME)


def test_a_suggestion_counts_from_the_threshold(store: Store) -> None:
    """Below `[suggest] threshold` there is no suggestion: not in filters, not in the row."""
    store.suggest_threshold = 0.7
    try:
        assert keys(store, "suggested:bug") == set()  # so:101's 0.62 is under it
        assert keys(store, "confidence:>=0.1") == {"forum:11"}
        row = store.item("so:101", now=NOW)
        assert row["suggested_type"] is None and row["suggested_confidence"] is None
    finally:
        store.suggest_threshold = 0.5
    row = store.item("so:101", now=NOW)
    assert (row["suggested_type"], row["suggested_confidence"]) == ("bug", 0.62)
    assert store.item("server:2", now=NOW)["suggested_type"] is None  # tagged: its own type counts


def test_unknown_field_names_the_known_ones() -> None:
    with pytest.raises(QueryError) as error:
        parse_query("is:open titel:postgres")
    assert "titel:" in str(error.value)
    for field in FIELDS:
        assert f"{field}:" in str(error.value)


def test_assignee_me_needs_me(store: Store) -> None:
    parse_query("assignee:me")  # parses; only running it needs to know who "me" is
    with pytest.raises(QueryError, match=r"assignee:me.*\[team\]"):
        store.list_items("assignee:me", now=NOW, me=None)
    with pytest.raises(QueryError, match="assignee:me"):
        compile_query("-assignee:me", now=NOW, me=None)
    assert needs_me(parse_query("-assignee:ME")) and not needs_me(parse_query("assignee:amy"))
    assert keys(store, "assignee:none", me=None) == ALL - {"server:1", "server:2"}


def test_a_sweep_needs_the_config_that_defines_it(tmp_path) -> None:
    parse_query("sweep:daily")  # parses; only running it needs the config's sweeps
    with pytest.raises(QueryError, match=r"sweep:weekly needs the config"):
        compile_query("-sweep:weekly", now=NOW)
    bare = Store(tmp_path / "bare.db")
    with pytest.raises(QueryError, match=r"sweep:daily needs the config"):
        bare.count("sweep:daily", now=NOW)
    bare.close()


def test_huge_durations_match_nothing_older_and_everything_younger(store: Store) -> None:
    assert keys(store, "age:>5000000d") == set()
    assert keys(store, "age:<5000000d") == ALL
    assert keys(store, "idle:<=700000w") == ALL


def test_values_are_parameters_never_sql(store: Store) -> None:
    hostile = "x' OR 1=1; DROP TABLE items; --"
    sql, params = compile_query(f'author:"{hostile}" label:"{hostile}" {hostile}', now=NOW, me=ME)
    assert hostile not in sql and "DROP" not in sql
    assert hostile in params.values()
    assert keys(store, f'author:"{hostile}"') == set()
    assert store.item_count() == len(ITEMS)


HOSTILE = [
    '"', '""', '"""', '"a', 'a"b', "'", "`", "AND", "OR", "NOT", "AND OR NOT", "NEAR(",
    "NEAR(a b)", "NEAR(postgres migration, 2)", "*", "**", "a*", "*a", "-", "--", "- -", '-"',
    "^", "^postgres", "(", ")", "()", "{", "}", "{title}: postgres", ":", "::", "title : x",
    "\\", "%", "_", "%_%", "+", "a+b", "a OR b", "postgres OR", "; DROP TABLE items; --",
    "' OR 1=1 --", '" OR ""="', "\x00", "a\x00b", '"\x00"', "\ud800", "\udcff", "\x1b[31m",
    "\x1b]52;c;ZWNobyBoaQ==\x07", "\u202eevil", "😀", "日本語", "ß", "İ", "\t\n\r",
    "x" * 10_000, '"' * 101, "-" * 50, "NEAR(" * 20, "replies:>=", "age:>=-1d", "is:",
    "label:\x00", "author:\x00x", "-is:done-", "type:bug:bug", "-:", "-type", "type",
    "a " * 1500, "-label:x " * 1200, "author:x OR " * 600, "(" * 3000 + "is:open" + ")" * 3000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=[repr(q)[:40] for q in HOSTILE])
def test_hostile_queries_work_or_raise_query_error(store: Store, query: str) -> None:
    try:
        rows = store.list_items(query, now=NOW, me=ME)
    except QueryError as error:
        assert str(error)
    except sqlite3.Error as error:  # pragma: no cover - the failure this test is for
        pytest.fail(f"{query!r} reached SQLite as an error: {error}")
    else:
        assert {row["key"] for row in rows} <= ALL
    assert store.item_count() == len(ITEMS)
    assert keys(store, "type:bug") == {"server:1", "server:3"}


def test_a_query_of_more_terms_than_sqlite_compiles_is_a_query_error(store: Store) -> None:
    """SQLite's expression tree stops at 1,000 levels, one per term: a longer query (in a
    playbook's triggers, a view, the filter bar) is refused when parsed, naming the limit."""
    from inbox.query import MAX_TERMS

    assert keys(store, " ".join(["-type:feature"] * MAX_TERMS)) >= {"server:1", "server:3"}
    with pytest.raises(QueryError, match=f"more than {MAX_TERMS} terms"):
        parse_query("a " * 1000)


def test_overlong_durations_are_value_errors_not_crashes() -> None:
    from inbox.timeutil import parse_duration, parse_until

    assert parse_duration("90m") == timedelta(minutes=90)
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999w")
    with pytest.raises(ValueError, match="bad snooze"):
        parse_until("5000000d", NOW)  # past the year 9999
    assert parse_until("2d", NOW) == NOW + timedelta(days=2)
