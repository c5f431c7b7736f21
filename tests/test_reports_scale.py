"""The sweep and the stats at any size: a section lists at most `max_per_section` posts and
counts the rest in the store, with the query that lists them all; every figure equals a
brute-force reading of the same random inbox (every row read in Python, as the reports
once did); and neither report reads the inbox row by row.
"""

from __future__ import annotations

import json
import math
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from inbox.cli import main
from inbox.config import Config, parse
from inbox.models import Item, Reply
from inbox.query import INBOX_QUERY, parse_query
from inbox.reports.sla import (
    EARLIEST,
    LATEST,
    BusinessCalendar,
    epoch_seconds,
    refresh_sla,
)
from inbox.reports.stats import WALL_CLOCK_TARGET, channel_stats, percentile
from inbox.reports.sweep import build_sweep, more_line, render, sweep_settings
from inbox.store import Store
from inbox.store.sweeps import define as define_sweeps
from inbox.timeutil import format_duration, iso

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
DAY = timedelta(days=1)
SOURCES = [
    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
    {"name": "community", "kind": "discourse", "base_url": "https://community.example.org"},
    {"name": "server", "kind": "github", "repo": "acme/server"},
    {"name": "lab", "kind": "gitlab", "project": "acme/desktop"},
    {"name": "so", "kind": "stackexchange", "tagged": "acme"},
    {"name": "help", "kind": "zendesk", "subdomain": "acme", "email": "a@example.org", "token_env": "T"},
]
KINDS = {source["name"]: source["kind"] for source in SOURCES}
STAFF = ["alice", "Bob"]
# staff logins as channels spell them (the config's are matched without case), and others
AUTHORS = ["alice", "ALICE", "bob", "rhys", "wren", "Ilse", "jira-bot", ""]
TITLES = ["Upgrade to 11.2 broke SSO", "UPGRADED and lost my seats", "Is this Enterprise only?",
          "Die Straße ist lang", "Dark mode colours", "[bold]x[/] <!here> *again*", "Search is slow"]


def make_config(sweep: dict[str, Any] | None = None, sla: dict[str, Any] | None = None) -> Config:
    data: dict[str, Any] = {
        "team": {"staff": STAFF, "me": "alice"},
        "sources": SOURCES,
        "sweep": {"release_date": date(2026, 11, 8), "project": "Acme",
                  "release_keywords": ["upgrade", "enterprise", "strasse"], **(sweep or {})},
    }
    if sla is not None:
        data["sla"] = sla
    return parse(data)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def random_inbox(store: Store, seed: int, count: int = 240) -> None:
    """Items of every source, 0-40 days old (half of them from the last three days, where
    the later daily sections look), with threads, labels and triage, some of which the
    channel only counted (replies with no thread stored, who replied last unknown)."""
    rng = random.Random(seed)
    pages: dict[str, list[Item]] = {}
    for number in range(count):
        source = rng.choice([*KINDS, "forum", "community"])
        created = NOW - timedelta(minutes=rng.randrange((40 if rng.random() < 0.5 else 3) * 24 * 60))
        thread = []
        moment = created
        for reply in range(rng.choice([0, 0, 1, 2, 3, 5])):
            moment = min(NOW, moment + timedelta(minutes=rng.randrange(1, 4 * 24 * 60)))
            author = rng.choice(AUTHORS)
            thread.append(Reply(external_id=f"{number}-{reply}", author=author,
                                author_is_staff=rng.random() < 0.3, created_at=moment, body="..."))
        stored = rng.random() < 0.8
        last_by_staff = thread[-1].author_is_staff if thread and rng.random() < 0.8 else None
        author = rng.choice(AUTHORS)
        item = Item(
            source=source, kind=KINDS[source], external_id=str(number), url=f"https://example.org/{number}",
            title=rng.choice(TITLES), body=rng.choice(["It does not work.", "After the LICENSE change", ""]),
            author=author, author_is_staff=author == "alice" and rng.random() < 0.5,
            created_at=created, last_activity_at=moment, replies=len(thread) + (0 if stored else rng.randrange(2)),
            last_reply_by_staff=last_by_staff, state="open" if rng.random() < 0.8 else "closed",
            labels=rng.sample(["Help Wanted", "help wanted", "bug", "enterprise"], rng.randrange(3)),
            thread=thread if stored else None,
        )
        pages.setdefault(source, []).append(item)
    for source, items in pages.items():
        store.save_page(source, items)
    keys = [f"{source}:{item.external_id}" for source, items in pages.items() for item in items]
    for key in rng.sample(keys, count // 5):
        store.set_triage([key], rng.choice([{"done": True}, {"snoozed_until": NOW + DAY},
                                            {"snoozed_until": NOW - DAY}, {"type": "bug"}]), now=NOW, by="test")


# --- the sweep, read the brute-force way -------------------------------------------------------

def brute_force_sweep(config: Config, store: Store, *, weekly: bool) -> list[list[str]]:
    """Each section's keys in order, from every matching row read in Python."""
    settings = sweep_settings(config)
    me = config.team.me

    def rows(query: str) -> list[dict[str, Any]]:
        return store.list_items(query, now=NOW, me=me, with_body=True)

    seen = {row["key"] for row in rows(settings.exclude)} if parse_query(settings.exclude).terms else set()

    def take(found: list[dict[str, Any]], order: str) -> list[str]:
        found = sorted(found, key=lambda row: (row[order], row["key"]))
        taken = [row["key"] for row in found if row["key"] not in seen]
        seen.update(taken)
        return taken

    if weekly:
        found = [row for row in rows(f"{INBOX_QUERY} staff:no idle:>{format_duration(settings.weekly_idle)}")
                 if row["kind"] in settings.weekly_kinds and not config.is_staff(row["author"])]
        return [take(found, "last_activity_at")]
    chosen = [name for name in settings.sources if name in KINDS]
    forums = [name for name in chosen if KINDS[name] == "discourse"]
    waiting = rows(f"{INBOX_QUERY} is:awaiting")
    old = iso(NOW - settings.min_age)
    sections = [take([row for row in waiting if row["source"] in chosen and row["created_at"] <= old],
                     "created_at")]
    released = iso(datetime.combine(settings.release_date, datetime.min.time(), UTC))

    def mentions(row: dict[str, Any]) -> bool:
        text = f"{row['title'] or ''}\n{row.get('body') or ''}".casefold()
        return any(keyword.casefold() in text for keyword in settings.release_keywords)

    sections.append(take([row for row in waiting if row["source"] in forums and row["created_at"] >= released
                          and mentions(row)], "created_at"))

    def staff(author: str | None, flag: Any) -> bool:
        return bool(flag) or config.is_staff(author)

    def back_to_us(row: dict[str, Any]) -> bool:
        thread = store.thread(row["key"])
        last = row["last_reply_by_staff"]
        if last is None:
            if not thread:
                return False
            last = staff(thread[-1]["author"], thread[-1]["author_is_staff"])
        return not last and (staff(row["author"], row["author_is_staff"])
                             or any(staff(r["author"], r["author_is_staff"]) for r in thread))

    sections.append(take([row for row in waiting if row["source"] in forums and row["replies"] > 0
                          and row["key"] not in seen and back_to_us(row)], "last_activity_at"))
    return sections


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("weekly", [False, True])
@pytest.mark.parametrize("limit", [1, 4, 1000])
def test_every_section_is_what_reading_every_row_finds(store: Store, seed: int, weekly: bool, limit: int) -> None:
    random_inbox(store, seed)
    config = make_config({"max_per_section": limit, "weekly_kinds": ["github", "gitlab"]})
    expected = brute_force_sweep(config, store, weekly=weekly)
    sweep = build_sweep(config, store, now=NOW, weekly=weekly)
    assert [section.total for section in sweep.sections] == [len(keys) for keys in expected]
    assert [[entry.item["key"] for entry in section.entries] for section in sweep.sections] == [
        keys[:limit] for keys in expected]
    assert sum(map(len, expected)) >= 3  # the random inbox has something in it
    # the sidebar's view of the sweep lists and counts the same posts
    store.sweeps = define_sweeps(config)
    term = "sweep:weekly" if weekly else "sweep:daily"
    listed = [row["key"] for row in store.list_items(term, now=NOW, me=config.team.me)]
    assert sorted(listed) == sorted(key for keys in expected for key in keys)
    assert store.count(term, now=NOW, me=config.team.me) == len(listed) == sweep.total


def test_the_sweep_of_an_exclusion_of_several_terms(store: Store) -> None:
    random_inbox(store, 4)
    config = make_config({"exclude": "label:bug -is:snoozed", "max_per_section": 3})
    expected = brute_force_sweep(config, store, weekly=False)
    sweep = build_sweep(config, store, now=NOW)
    assert [section.total for section in sweep.sections] == [len(keys) for keys in expected]
    assert not sweep.sections[0].exact  # the query language cannot negate two terms at once
    assert store.count(sweep.sections[0].query, now=NOW, me="alice") >= sweep.sections[0].total


def three_hundred(store: Store) -> None:
    """300 forum posts 3 to 8 days old that nobody answered, and 20 the exclusion takes."""
    items = [Item(source="forum", kind="discourse", external_id=str(n), url=f"https://forum.example.org/t/{n}",
                  title=f"Question {n}", body="?", author="rhys", author_is_staff=False,
                  created_at=NOW - timedelta(days=3, minutes=17 * n), last_activity_at=NOW - timedelta(days=3),
                  labels=["Help Wanted"] if n >= 300 else [])
             for n in range(320)]
    store.save_page("forum", items)


def test_three_hundred_posts_print_the_oldest_twenty_five_and_how_many_more(store: Store) -> None:
    three_hundred(store)
    config = make_config()
    sweep = build_sweep(config, store, now=NOW)
    first = sweep.sections[0]
    assert (len(first.entries), first.total, first.more) == (25, 300, 275)
    assert [entry.item["key"] for entry in first.entries] == [f"forum:{n}" for n in range(299, 274, -1)]
    text = render(sweep, "text")
    assert text.count("- Question ") == 25
    # the forums and GitHub: every other source left out by name (the query language has no OR)
    query = 'is:open -is:done -is:snoozed is:awaiting age:>=2d -source:lab -source:so -source:help -label:"Help Wanted"'
    assert f"- …and 275 more: inbox list '{query}'\n" in text
    # the query lists exactly the section: what `inbox list` shows is what was counted
    assert first.exact and store.count(first.query, now=NOW, me="alice") == 300
    assert "• …and 275 more: inbox list 'is:open -is:done -is:snoozed is:awaiting age:&gt;=2d" in render(sweep)
    assert "- …and 275 more: inbox list 'is:open -is:done -is:snoozed is:awaiting age:\\>=2d" in render(sweep, "markdown")
    data = json.loads(render(sweep, "json"))["sections"][0]
    assert (len(data["items"]), data["total"], data["more"], data["query"], data["query_exact"]) == (
        25, 300, 275, query, True)
    # a message stays far under what Slack shows, whatever the inbox holds
    assert len(render(sweep)) < 10_000


def test_the_limit_is_a_setting(store: Store) -> None:
    three_hundred(store)
    sweep = build_sweep(make_config({"max_per_section": 300}), store, now=NOW)
    assert (len(sweep.sections[0].entries), sweep.sections[0].more) == (300, 0)
    assert "…and" not in render(sweep, "text")
    sweep = build_sweep(make_config({"max_per_section": 1}), store, now=NOW)
    assert more_line(sweep.sections[0]).startswith("…and 299 more: inbox list ")


def test_the_command_prints_the_bounded_sweep(store: Store, tmp_path, capsys) -> None:
    three_hundred(store)
    path = tmp_path / "config.toml"
    path.write_text('[[sources]]\nname = "forum"\nkind = "discourse"\nbase_url = "https://forum.example.org"\n'
                    '[sweep]\nmax_per_section = 10\n')
    assert main(["--config", str(path), "--db", str(store.path), "sweep", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.count("- Question ") == 10
    assert "- …and 290 more: inbox list 'is:open -is:done -is:snoozed is:awaiting age:>=2d source:forum -label:\"Help Wanted\"'" in out
    assert main(["--config", str(path), "--db", str(store.path), "sweep", "--format", "json"]) == 0
    [first, *_] = json.loads(capsys.readouterr().out)["sections"]
    assert len(first["items"]) == 10 and first["items"][0]["body"] == "?"  # JSON carries the bodies


def test_the_weekly_query_leaves_out_the_team_by_name(store: Store) -> None:
    random_inbox(store, 5)
    config = make_config({"max_per_section": 2, "weekly_kinds": ["github"]})
    [section] = build_sweep(config, store, now=NOW, weekly=True).sections
    assert section.more > 0
    assert section.query == ("is:open -is:done -is:snoozed staff:no idle:>1w kind:github -author:alice "
                             '-author:Bob -label:"Help Wanted"')
    assert section.exact and store.count(section.query, now=NOW, me="alice") == section.total


# --- the stats, counted the brute-force way ----------------------------------------------------

def brute_force_stats(config: Config, store: Store, since: timedelta) -> dict[str, tuple]:
    """Per source and in total: (items in, replied, median, p90, within, decided, waiting,
    overdue), from every row read in Python."""
    settings = config.sla
    calendar = BusinessCalendar(settings) if settings else None
    span = int((settings.respond_within if settings else WALL_CLOCK_TARGET).total_seconds())
    latest = LATEST - span - 400 * 86400
    start = iso(NOW - since)
    figures: dict[str, dict[str, Any]] = {}

    def of(source: str) -> dict[str, Any]:
        return figures.setdefault(source, {"in": 0, "hours": [], "within": 0, "decided": 0, "waiting": 0,
                                           "overdue": 0})

    for row in store.list_items("", now=NOW):
        if not start <= row["created_at"] <= iso(NOW):
            continue
        stats = of(row["source"])
        stats["in"] += 1
        created = epoch_seconds(row["created_at"])
        if row["author_is_staff"] or not EARLIEST <= created <= latest:
            continue
        replies = [r["created_at"] for r in store.thread(row["key"])
                   if r["author_is_staff"] == 1 and r["created_at"] >= row["created_at"]]
        answered = epoch_seconds(min(replies)) if replies else None
        due = calendar.add(created, span) if calendar else created + span
        waiting = row["state"] == "open" and not row["done"] and row["awaiting"]
        if answered is not None:
            stats["hours"].append((answered - created) / 3600)
            stats["decided"] += 1
            stats["within"] += answered <= due
        elif waiting and due <= NOW.timestamp():
            stats["decided"] += 1
    for row in store.list_items("is:open -is:done is:awaiting", now=NOW):
        stats = of(row["source"])
        stats["waiting"] += 1
        stats["overdue"] += bool(row["sla_due_at"]) and row["sla_due_at"] <= iso(NOW)
    everything = {"in": 0, "hours": [], "within": 0, "decided": 0, "waiting": 0, "overdue": 0}
    for stats in figures.values():
        for name, value in stats.items():
            everything[name] += value
    figures["all channels"] = everything

    def shown(hours: list[float], p: int) -> float | None:
        value = percentile(sorted(hours), p)
        return None if value is None else round(value, 2)

    return {source: (s["in"], len(s["hours"]), shown(s["hours"], 50), shown(s["hours"], 90), s["within"],
                     s["decided"], s["waiting"], s["overdue"]) for source, s in figures.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("sla", [None, {"respond_within": "8h", "timezone": "Europe/Berlin"}])
@pytest.mark.parametrize("days", [3, 14, 400])
def test_stats_equal_a_brute_force_count(store: Store, seed: int, sla: dict[str, Any] | None, days: int) -> None:
    random_inbox(store, seed)
    config = make_config(sla=sla)
    refresh_sla(config, store, now=NOW)
    expected = brute_force_stats(config, store, timedelta(days=days))
    rows = channel_stats(config, store, now=NOW, since=timedelta(days=days))
    got = {row.source: (row.items_in, row.replied, row.median_hours, row.p90_hours, row.within_sla,
                        row.sla_decided, row.waiting, row.overdue) for row in rows}
    empty = (0, 0, None, None, 0, 0, 0, 0)
    assert {source: figures for source, figures in got.items() if figures != empty} == {
        source: figures for source, figures in expected.items() if figures != empty}
    assert expected["all channels"][1] > 3  # there were replies to time


def test_percentile_ranks_are_whole_numbers() -> None:
    # nearest rank: ceil(p% of n), with no floating-point rounding on the way
    for count in range(1, 500):
        values = [float(n) for n in range(1, count + 1)]
        assert percentile(values, 90) == max(1, math.ceil(90 * count / 100))
        assert percentile(values, 50) == max(1, math.ceil(count / 2))


# --- neither report reads the inbox row by row --------------------------------------------------

def test_the_reports_count_in_the_store_and_read_only_what_they_show(store: Store, monkeypatch) -> None:
    random_inbox(store, 6)
    three_hundred(store)
    config = make_config({"max_per_section": 5})
    refresh_sla(config, store, now=NOW)

    def every_row(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a report read rows one by one")

    monkeypatch.setattr(Store, "list_items", every_row)
    monkeypatch.setattr(Store, "thread", every_row)
    read: list[int] = []
    section = type(store.stats).section

    def counted(self, part, **kwargs):
        total, rows = section(self, part, **kwargs)
        read.append(len(rows))
        return total, rows

    monkeypatch.setattr(type(store.stats), "section", counted)
    for weekly in (False, True):
        build_sweep(config, store, now=NOW, weekly=weekly)
    assert read and max(read) == 5
    rows = channel_stats(config, store, now=NOW, since=timedelta(days=30))
    assert rows[-1].items_in > 300
    assert not hasattr(rows[-1], "hours")  # no distribution kept in memory


def test_the_sweep_query_shows_no_markup_or_secrets(store: Store) -> None:
    three_hundred(store)
    config = make_config({"exclude": 'label:"<!channel> *x*"', "max_per_section": 1})
    text = render(build_sweep(config, store, now=NOW))
    [more] = [line for line in text.splitlines() if "more:" in line]
    assert "<!channel>" not in more and "&lt;!channel&gt;" in more
    assert re.search(r"\u200b\*\u200bx\u200b\*\u200b", more)  # formatting stays as typed
