"""People at any size: the per-author tally the triggers keep matches a recount after any
mix of writes; the first hundred people come from the tally's recent rows and equal the
head of the full list; and what the report reads does not grow with old posts.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inbox.config import Config, parse
from inbox.models import Item, Reply
from inbox.store import Store, migrations
from inbox.store import people as store_people
from inbox.store.people import People
from inbox.timeutil import iso
from inbox.triage.people import first_people, list_people
from inbox.triage.tags import set_tag
from inbox.workspace import Workspace

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
SOURCES = {"server": "github", "mobile": "github", "forum": "discourse"}
# spellings of one login, a non-ASCII pair that NOCASE keeps apart, and an empty author
AUTHORS = ["amy", "Amy", "AMY", "bob", "cat", "dan", "Éve", "éve", "lee", "x" * 3, ""]


def make_config(**people: dict[str, Any]) -> Config:
    return parse({"team": {"staff": ["lee"]},
                  "sources": [{"name": "server", "kind": "github", "repo": "a/server"},
                              {"name": "mobile", "kind": "github", "repo": "a/mobile"},
                              {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}],
                  "people": people})


def item(source: str, number: int, author: str, created: datetime, replies: list[Reply]) -> Item:
    times = [created, *(reply.created_at for reply in replies if reply.created_at is not None)]
    return Item(source=source, kind=SOURCES[source], external_id=str(number), url=f"https://example.org/{number}",
                title=f"Post {number}", body="text", author=author, author_is_staff=False, created_at=created,
                last_activity_at=max(times), replies=len(replies), thread=replies)


def random_item(rng: random.Random, number: int, *, source: str | None = None, span: int = 200) -> Item:
    created = NOW - timedelta(days=rng.uniform(0, span))
    replies = [Reply(external_id=f"{number}-{n}", author=rng.choice(AUTHORS), author_is_staff=rng.random() < 0.15,
                     created_at=None if rng.random() < 0.05 else created + timedelta(hours=rng.uniform(0, 900)),
                     body="an answer") for n in range(rng.randrange(5))]
    return item(source or rng.choice(list(SOURCES)), number, rng.choice(AUTHORS), created, replies)


def save(store: Store, items: list[Item], removed: list[str] = ()) -> None:
    for source in sorted({i.source for i in items} | {key.split(":")[0] for key in removed}):
        store.save_page(source, [i for i in items if i.source == source],
                        removed=[key for key in removed if key.startswith(source + ":")])


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


# --- the tally follows every write ---------------------------------------------------------

def test_the_tally_matches_a_recount_after_random_writes(store: Store) -> None:
    rng = random.Random(12)
    stored: dict[str, Item] = {}
    gone: dict[str, Item] = {}
    numbers = iter(range(1, 10_000))
    for step in range(160):
        action = rng.random()
        if action < 0.3 or not stored:  # new posts with their threads
            page = [random_item(rng, next(numbers)) for _ in range(rng.randrange(1, 6))]
        elif action < 0.45:  # the same again: upserts that change nothing
            page = rng.sample(list(stored.values()), min(3, len(stored)))
        elif action < 0.65:  # a post rewritten: its author, time, staff flag, replies' authors and times
            old = rng.choice(list(stored.values()))
            shift = timedelta(days=rng.uniform(-5, 5))
            thread = [replace(reply, author=rng.choice(AUTHORS), author_is_staff=not reply.author_is_staff,
                              created_at=reply.created_at and reply.created_at - shift)
                      if rng.random() < 0.5 else reply for reply in old.thread]
            thread += [Reply(external_id=f"{old.external_id}-extra{step}", author=rng.choice(AUTHORS),
                             author_is_staff=False, created_at=NOW - timedelta(days=rng.uniform(0, 100)),
                             body="more")]
            page = [replace(old, author=rng.choice(AUTHORS), author_is_staff=rng.random() < 0.3,
                            created_at=old.created_at - timedelta(days=rng.uniform(-30, 30)), thread=thread,
                            replies=len(thread))]
        elif action < 0.75:  # removed by the channel
            keys = rng.sample(list(stored), min(2, len(stored)))
            save(store, [], removed=keys)
            for key in keys:
                gone[key] = stored.pop(key)
            page = []
        elif action < 0.82 and gone:  # ... and back again
            key = rng.choice(list(gone))
            page = [gone.pop(key)]
        elif action < 0.87:  # a reply the inbox posted: the team's
            key = rng.choice(list(stored))
            store.record_posted(key, Reply(external_id=f"ours-{step}", author="lee", author_is_staff=True,
                                           created_at=NOW - timedelta(hours=step), body="posted"))
            page = []
        elif action < 0.92:  # a reply moved to another post (another source) and one deleted
            conn = store.db.conn
            replies = conn.execute("SELECT rowid FROM thread ORDER BY rowid").fetchall()
            if replies:
                target = rng.choice(list(stored))
                conn.execute("UPDATE thread SET key = ?, reply_id = reply_id || '-moved' WHERE rowid = ?",
                             [target, rng.choice(replies)[0]])
                conn.execute("DELETE FROM thread WHERE rowid = ?", [rng.choice(replies)[0]])
            page = []
        else:  # the recent counts' edge moves (the report looks at another moment)
            store.people._move_edge(iso(NOW - timedelta(days=rng.uniform(0, 150))))
            page = []
        save(store, page)
        stored.update({i.key: i for i in page})
        assert store.people.drift() == [], f"step {step}"
    assert len(stored) > 30 and store.db.execute("SELECT COUNT(*) FROM author_tallies").fetchone()[0] > 10


def test_a_database_from_before_m019_keeps_its_figures_and_finds_edges_when_read(tmp_path: Path) -> None:
    """`fixtures/inbox-m018.db.gz` was made by the release before m019 (its author times a
    table the triggers wrote): 40 posts of `random_item(random.Random(19), n)`, two of
    them then removed."""
    path = tmp_path / "inbox.db"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "fixtures" / "inbox-m018.db.gz").read_bytes()))
    store = Store(path)
    try:
        kinds = dict(store.db.execute("SELECT name, type FROM sqlite_master WHERE name LIKE 'author_times%'"))
        assert kinds == {"author_times": "view"}
        assert store.db.execute("SELECT COUNT(*) FROM author_tallies WHERE edges_stale = 0").fetchone()[0] > 5
        assert store_people.drift(store.db.conn) == []  # upgraded exact, nothing recounted
        # each author's first post removed: their first times are found again when read
        firsts = store.db.execute("SELECT i.key FROM items i JOIN author_tallies t ON t.source = i.source "
                                  "AND t.author = i.author AND t.first_at = i.created_at").fetchall()
        save(store, [], removed=[key for (key,) in firsts])
        assert store.db.execute("SELECT COUNT(*) FROM author_tallies WHERE edges_stale = 1").fetchone()[0] > 0
        assert store.people.drift() == []
        assert store.db.execute("SELECT COUNT(*) FROM author_tallies WHERE edges_stale = 1").fetchone()[0] == 0
    finally:
        store.close()


async def test_a_removed_first_post_gives_way_to_the_next_when_the_sync_ends(store: Store) -> None:
    older, newer = NOW - timedelta(days=40), NOW - timedelta(days=3)
    save(store, [item("server", 1, "amy", older, []), item("server", 2, "amy", newer, [])])
    save(store, [], removed=["server:1"])  # what a sync's page does when the channel deleted it
    flagged = "SELECT first_at, edges_stale FROM author_tallies WHERE author = 'amy'"
    assert store.db.execute(flagged).fetchone() == (iso(older), 1)  # shown wide until the sync ends
    await Workspace(make_config(), store, now=lambda: NOW).after_sync(NOW)
    assert store.db.execute(flagged).fetchone() == (iso(newer), 0)
    person = next(p for p in list_people(make_config(), store, now=NOW) if p.name.lower() == "amy")
    assert person.first_seen == newer and store.people.drift() == []


def test_an_upgrade_tallies_what_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "inbox.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS
                                                   if m.__name__ != "m012_author_tallies"])
    old = Store(path)
    rng = random.Random(3)
    save(old, [random_item(rng, n) for n in range(1, 60)])
    old.close()
    monkeypatch.undo()
    store = Store(path)
    try:
        assert store.db.execute("SELECT COUNT(*) FROM author_tallies").fetchone()[0] > 5
        assert store.people.drift() == []
    finally:
        store.close()


# --- the first hundred ---------------------------------------------------------------------

def community(store: Store, seed: int, size: int = 240) -> None:
    """Posts and replies by a few hundred logins in many spellings, busy ones and quiet
    ones, some flagged staff, with ties in weight and time."""
    rng = random.Random(seed)
    logins = [f"user{n}" for n in range(90)] + ["amy-acme", "core-amy", "lee", "Jo", "jo", "JO"]
    items = []
    for n in range(1, size):
        created = NOW - timedelta(days=rng.choice([1, 2, 3, 40, 89.9, 90.1, 120, 400]),
                                  hours=rng.choice([0, 0, 5]))
        thread = [Reply(external_id=f"{n}-{i}", author=rng.choice(logins), author_is_staff=rng.random() < 0.05,
                        created_at=created + timedelta(hours=rng.choice([1, 2, 30])), body="b")
                  for i in range(rng.choice([0, 0, 1, 2, 4]))]
        items.append(item(rng.choice(list(SOURCES)), n, rng.choice(logins), created, thread))
    save(store, items)


CONFIGS = [make_config(), make_config(amy={"github": "amy-acme", "discourse": "core-amy"},
                                      jo={"server": "jo"}, lee={"discourse": ["lee", "user3"]})]


@pytest.mark.parametrize("config", CONFIGS, ids=["unmapped", "mapped"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_first_people_are_the_head_of_everyone(store: Store, config: Config, seed: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    community(store, seed)
    set_tag(store, "user7", "champion", now=NOW)
    named: list[bool] = []
    leaders = People.leaders

    def spy(self, **kwargs):
        found = leaders(self, **kwargs)
        named.append(found is not None)
        return found

    monkeypatch.setattr(People, "leaders", spy)
    for now in (NOW, NOW + timedelta(hours=7), NOW + timedelta(days=3)):
        everyone = list_people(config, store, now=now)
        for limit in (1, 5, 20, 40):
            first, total = first_people(config, store, now=now, limit=limit)
            assert (first, total) == (everyone[:limit], len(everyone)), (now, limit)
    assert all(named[:3]) and named.count(True) >= 8  # most of them came from the tally's recent rows
    everyone = list_people(config, store, now=NOW)
    first, total = first_people(config, store, now=NOW, limit=len(everyone) + 5)
    assert named[-1] is False and (first, total) == (everyone, len(everyone))  # the quiet ones too: all


def test_the_figures_do_not_depend_on_where_the_edge_is(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    community(store, 4)
    config = CONFIGS[1]
    week = timedelta(days=7)
    expected = list_people(config, store, now=NOW), list_people(config, store, now=NOW, since=week)
    first = first_people(config, store, now=NOW, limit=10)
    monkeypatch.setattr(People, "_move_edge", lambda self, recent: None)  # as when another writer holds the file
    for edge in (NOW - timedelta(days=400), NOW - timedelta(days=90, hours=5), NOW - timedelta(days=30), NOW):
        with store._transaction() as conn:  # an edge anywhere, its counts made there
            conn.execute("UPDATE author_tally_state SET recent_from = ?", [iso(edge)])
            store_people.rebuild(conn)
        assert (list_people(config, store, now=NOW), list_people(config, store, now=NOW, since=week)) == expected
        assert first_people(config, store, now=NOW, limit=10) == first, edge


def test_the_report_reads_the_tally(store: Store) -> None:
    community(store, 5)
    [first], _ = first_people(make_config(), store, now=NOW, limit=1)
    kind, login = first.logins[0]
    sources = [source for source, of_kind in SOURCES.items() if of_kind == kind]
    source, author = store.db.execute(
        f"SELECT source, author FROM author_tallies WHERE lower(author) = lower(?) "
        f"AND source IN ({', '.join('?' for _ in sources)}) LIMIT 1", [login, *sources]).fetchone()
    store.db.execute("UPDATE author_tallies SET posts = posts + 1000 WHERE source = ? AND author = ?",
                     [source, author])
    [again], _ = first_people(make_config(), store, now=NOW, limit=1)
    assert again.posts == first.posts + 1000  # what the tally says, not what the rows say
    assert [kept[2] - counted[2] for kept, counted in store.people.drift()] == [1000]
    store.people.recount()
    assert store.people.drift() == [] and first_people(make_config(), store, now=NOW, limit=1)[0] == [first]


def vm_steps(store: Store, run) -> int:
    """SQLite's virtual machine steps (in hundreds) that `run` costs on every connection
    of the store: a measure of rows read that no cache or clock disturbs."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    connections = [store.db.conn, *store._readers.connections]
    for conn in connections:
        conn.set_progress_handler(count, 100)
    try:
        run()
    finally:
        for conn in connections:
            conn.set_progress_handler(None, 100)
    return steps[0]


def test_the_first_hundred_read_no_more_when_old_posts_pile_up(tmp_path: Path) -> None:
    config = make_config()
    rng = random.Random(9)
    logins = [f"user{n}" for n in range(150)]

    def posts(first: int, count: int, days: tuple[float, float]) -> list[Item]:
        out = []
        for n in range(first, first + count):
            created = NOW - timedelta(days=rng.uniform(*days))
            thread = [Reply(external_id=f"{n}-{i}", author=rng.choice(logins), author_is_staff=False,
                            created_at=created + timedelta(hours=1 + i), body="b") for i in range(3)]
            out.append(item(rng.choice(list(SOURCES)), n, rng.choice(logins), created, thread))
        return out

    recent = posts(1, 300, (1, 60))
    small, large = Store(tmp_path / "small.db"), Store(tmp_path / "large.db")
    try:
        save(small, recent)
        save(large, recent)
        for first in range(1000, 7000, 500):  # twenty times the posts, from years ago, by the same people
            save(large, posts(first, 500, (200, 900)))

        def report(store: Store):
            return lambda: first_people(config, store, now=NOW, limit=20)

        for store in (small, large):
            report(store)()  # the edge settles and the readers open
        heads = [first_people(config, store, now=NOW, limit=20)[0] for store in (small, large)]
        assert [p.recent_weight for p in heads[0]] == [p.recent_weight for p in heads[1]]  # the old posts: quiet
        cost_small, cost_large = vm_steps(small, report(small)), vm_steps(large, report(large))
        assert cost_large < 1.3 * cost_small, (cost_small, cost_large)
        everyone_large = vm_steps(large, lambda: list_people(config, large, now=NOW))
        assert everyone_large < 3 * cost_large  # even everyone: a row per author, not per post
    finally:
        small.close()
        large.close()


def test_the_people_statements_read_no_post_or_reply_table_whole(store: Store) -> None:
    community(store, 6)
    reader = store._readers.open()
    traced: list[str] = []
    reader.set_trace_callback(traced.append)
    first_people(make_config(), store, now=NOW, limit=5)
    reader.set_trace_callback(None)
    plans = {sql: [row[3] for row in reader.execute("EXPLAIN QUERY PLAN " + sql)]
             for sql in traced if sql.lstrip().upper().startswith(("SELECT", "WITH"))}
    assert any("author_tallies" in " ".join(plan) for plan in plans.values())
    for sql, plan in plans.items():
        whole = [step for step in plan if step.startswith(("SCAN items", "SCAN thread", "SCAN i", "SCAN r"))]
        assert not whole, (sql, plan)
