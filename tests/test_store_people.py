"""The store's people: logins per person, tags that ignore case, and activity per author
and source as plain rows, read from the tally the triggers keep; the most engaged named
from the tally's recent rows, and everyone counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.models import Item, Reply
from inbox.store import Store, open_store
from inbox.store import people as store_people
from inbox.store.people import AuthorGroups

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
KINDS = {"server": "github", "forum": "discourse"}


def post(source: str, number: int, author: str, *, ago: timedelta = timedelta(days=1),
         replies: tuple[tuple[str, timedelta], ...] = (), staff: bool = False) -> Item:
    thread = [Reply(external_id=f"{number}-{i}", author=login, author_is_staff=False, created_at=NOW - when,
                    body="an answer") for i, (login, when) in enumerate(replies)]
    return Item(source=source, kind=KINDS[source], external_id=str(number), url=f"https://example.org/{number}",
                title=f"Post {number}", body="text", author=author, author_is_staff=staff,
                created_at=NOW - ago, last_activity_at=NOW - ago, replies=len(thread), thread=thread)


def community(store: Store) -> Store:
    store.save_page("server", [post("server", 1, "Amy", ago=timedelta(days=100)),
                               post("server", 2, "amy", replies=(("bob", timedelta(hours=5)),)),
                               post("server", 3, "maya", staff=True)])
    store.save_page("forum", [post("forum", 1, "bob", ago=timedelta(days=3),
                                   replies=(("amy", timedelta(days=2)), ("amy", timedelta(hours=1))))])
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """SQLite, for the tests that look at the tally's own rows."""
    store = community(Store(tmp_path / "inbox.db"))
    yield store
    store.close()


@pytest.fixture
def any_store(store_location) -> Store:
    """Each backend: a server counts what SQLite keeps in its tally."""
    store = community(open_store(store_location))
    yield store
    store.close()


def test_logins_are_replaced_whole(store: Store) -> None:
    store.people.set_logins([("amy", "github", "amy-acme"), ("amy", "discourse", "amy")])
    assert sorted(store.people.logins()) == [("amy", "discourse", "amy"), ("amy", "github", "amy-acme")]
    store.people.set_logins([("bob", "forum", "bob")])
    assert store.people.logins() == [("bob", "forum", "bob")]


def test_a_tag_is_once_per_person_whatever_the_case(store: Store) -> None:
    assert store.people.add_tag("Amy", "champion", now=NOW) is True
    assert store.people.add_tag("amy", "champion", now=NOW) is False
    assert store.people.add_tag("amy", "contributor", now=NOW) is True
    assert store.people.tags() == [("Amy", "champion"), ("amy", "contributor")]
    assert store.people.remove_tag("AMY", "champion") is True
    assert store.people.remove_tag("amy", "champion") is False
    assert store.people.tags() == [("amy", "contributor")]


def test_activity_groups_posts_and_replies_by_author_per_source(any_store: Store) -> None:
    groups = list(any_store.people.activity(recent_from=NOW - timedelta(days=90)))
    assert all(isinstance(group, AuthorGroups) for group in groups)
    found = {(g.source, g.kind, g.replies): sorted(g.rows) for g in groups}
    assert found == {
        ("server", "github", False): [  # spellings apart: who is who is the caller's
            ("Amy", 1, "2026-08-12T10:00:00Z", "2026-08-12T10:00:00Z", 0, 0, 0),
            ("amy", 1, "2026-11-19T10:00:00Z", "2026-11-19T10:00:00Z", 0, 1, 0),
            ("maya", 1, "2026-11-19T10:00:00Z", "2026-11-19T10:00:00Z", 1, 1, 0)],
        ("server", "github", True): [("bob", 1, "2026-11-20T05:00:00Z", "2026-11-20T05:00:00Z", 0, 1, 0)],
        ("forum", "discourse", False): [("bob", 1, "2026-11-17T10:00:00Z", "2026-11-17T10:00:00Z", 0, 1, 0)],
        ("forum", "discourse", True): [("amy", 2, "2026-11-18T10:00:00Z", "2026-11-20T09:00:00Z", 0, 2, 0)],
    }


def test_activity_counts_a_window_and_narrows_to_logins(any_store: Store) -> None:
    groups = any_store.people.activity(recent_from=NOW - timedelta(days=90), window_from=NOW - timedelta(days=1),
                                   logins={"amy"})
    rows = {(g.source, g.replies): sorted(g.rows) for g in groups}
    assert [(row[0], row[-1]) for row in rows[("server", False)]] == [("Amy", 0), ("amy", 1)]  # any case
    assert rows[("server", True)] == [] and rows[("forum", False)] == []
    assert rows[("forum", True)] == [("amy", 2, "2026-11-18T10:00:00Z", "2026-11-20T09:00:00Z", 0, 2, 1)]


def test_answers_are_replies_in_the_window_with_the_posts_author(any_store: Store) -> None:
    answers = any_store.people.answers(since=NOW - timedelta(days=1), now=NOW)
    assert sorted(answers) == [("forum", "discourse", "amy", "bob", 1, "2026-11-20T09:00:00Z"),
                               ("server", "github", "bob", "amy", 1, "2026-11-20T05:00:00Z")]
    assert any_store.people.answers(since=NOW - timedelta(minutes=30), now=NOW) == []


def test_the_tally_holds_a_row_per_author_and_source(store: Store) -> None:
    rows = store.db.execute("SELECT source, author, posts, replies, staff, first_at, last_at FROM author_tallies "
                            "ORDER BY source, author").fetchall()
    assert rows == [("forum", "amy", 0, 2, 0, "2026-11-18T10:00:00Z", "2026-11-20T09:00:00Z"),
                    ("forum", "bob", 1, 0, 0, "2026-11-17T10:00:00Z", "2026-11-17T10:00:00Z"),
                    ("server", "Amy", 1, 0, 0, "2026-08-12T10:00:00Z", "2026-08-12T10:00:00Z"),
                    ("server", "amy", 1, 0, 0, "2026-11-19T10:00:00Z", "2026-11-19T10:00:00Z"),
                    ("server", "bob", 0, 1, 0, "2026-11-20T05:00:00Z", "2026-11-20T05:00:00Z"),
                    ("server", "maya", 1, 0, 1, "2026-11-19T10:00:00Z", "2026-11-19T10:00:00Z")]
    assert store.people.drift() == []


def test_people_are_counted_per_login_and_kind(any_store: Store) -> None:
    assert any_store.people.count(apart=()) == 5  # github amy (two spellings), maya, bob; the forum's bob, amy
    assert any_store.people.count(apart={"amy"}) == 3


def test_leaders_are_the_most_engaged_of_the_recent_and_everyone_tied_with_the_last(any_store: Store) -> None:
    def leaders(limit: int, **given):
        return any_store.people.leaders(recent_from=NOW - timedelta(days=90), active_from=NOW - timedelta(days=30),
                                    weights=(1, 2), levels=(20, 6, 2), apart=given.get("apart", ()), limit=limit)

    assert leaders(2) == [("discourse", "amy", 3, 4), ("github", "bob", 3, 2)]
    assert leaders(3) == [("discourse", "amy", 3, 4), ("github", "bob", 3, 2), ("discourse", "bob", 4, 1),
                          ("github", "amy", 4, 1), ("github", "maya", 4, 1)]  # (Amy's post is older)
    assert leaders(2, apart={"amy"}) == [("github", "bob", 3, 2), ("discourse", "bob", 4, 1),
                                         ("github", "maya", 4, 1)]
    assert leaders(6) is None  # five were active: the quiet would rank too


def test_a_read_moves_the_recent_edge_with_its_counts(store: Store) -> None:
    list(store.people.activity(recent_from=NOW - timedelta(days=10)))
    assert store.db.execute("SELECT recent_from FROM author_tally_state").fetchone()[0] == "2026-11-10T10:00:00Z"
    assert store.people.drift() == []
    recent = store.db.execute("SELECT author, recent_posts, recent_replies FROM author_tallies "
                              "WHERE recent_posts + recent_replies > 0 ORDER BY source, author").fetchall()
    assert recent == [("amy", 0, 2), ("bob", 1, 0), ("amy", 1, 0), ("bob", 0, 1), ("maya", 1, 0)]
    list(store.people.activity(recent_from=NOW - timedelta(days=10, hours=20)))  # within a day: stays
    assert store.db.execute("SELECT recent_from FROM author_tally_state").fetchone()[0] == "2026-11-10T10:00:00Z"


def test_a_report_long_after_the_edge_was_set_moves_it_on_either_backend(any_store: Store) -> None:
    with any_store._transaction() as conn:  # an inbox made years before the report
        conn.execute("UPDATE author_tally_state SET recent_from = ?", ["2020-01-01T00:00:00Z"])
        if any_store.KEEPS_TALLIES:
            store_people.rebuild(conn)  # its counts made there
    groups = any_store.people.activity(recent_from=NOW - timedelta(days=10))
    recent = sorted((g.source, row[0], row[5]) for g in groups for row in g.rows if row[5])
    assert recent == [("forum", "amy", 2), ("forum", "bob", 1), ("server", "amy", 1), ("server", "bob", 1),
                      ("server", "maya", 1)]
    with any_store._reading() as conn:
        assert conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0] == "2026-11-10T10:00:00Z"
