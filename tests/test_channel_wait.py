"""A channel's own snooze or wait is read as such.

An Intercom conversation snoozed (until a time, or until someone reopens it) and a
Zendesk ticket pending or on hold stay out of the Inbox until they wake: Intercom's time
passes or its state changes, the ticket's status changes on a later sync. `is:snoozed`
covers them; the list, the preview and `inbox list --json` (`channel_waiting`) say why.
The user's own snooze is theirs: no sync writes it, and it outlasts a shorter wait.
Counts stay exact and pages stay on their indexes.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from inbox.cli import main
from inbox.config import parse
from inbox.models import ChannelWait, Item
from inbox.query import INBOX_QUERY, parse_query
from inbox.store.where import FROM, compile_query
from inbox.sources import registry
from inbox.store import Store, channel_wait_of, item_json, migrations, tallies
from inbox.store.lists import row_key
from inbox.sync import QuietProgress, sync_source
from inbox.timeutil import iso, utcnow
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList, format_row
from inbox.tui.widgets.preview import render_item
from inbox.tui.widgets.sidebar import Sidebar
from inbox.store.sweeps import define as define_sweeps
from inbox.views import BUILTIN_VIEWS
from tests.adapter_base import Canned, FakeChannel, FakeSleep
from tests.loopback import IntercomAPI, Loopback, ZendeskAPI
from tests.pilot_helpers import settle, shown
from tests.test_counts_and_pages import QUERIES, SWEEP_CONFIG, random_item

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
SNOOZE_END = datetime(2026, 12, 7, 8, 30, tzinfo=timezone.utc)
TOKENS = {"WAIT_INTERCOM_TOKEN": "dG9rOndhaXRfdGVzdF85ODc2NTQzMjE6MTow",
          "WAIT_ZENDESK_TOKEN": "zdWaitTestTok3n0123456789abcdef"}
ZENDESK_EMAIL = "desk-bot@quillpress.test"


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- the adapters read the wait, on fixtures ---------------------------------------------------------


def conversation(conversation_id: str, state: str, snoozed_until: Any = None, *, updated: datetime = NOW) -> dict:
    return {
        "type": "conversation", "id": conversation_id, "created_at": epoch(updated - timedelta(days=2)),
        "updated_at": epoch(updated), "waiting_since": None, "snoozed_until": snoozed_until,
        "state": state, "open": state != "closed", "title": None, "admin_assignee_id": None,
        "source": {"type": "conversation", "id": f"8{conversation_id}", "subject": "",
                   "body": f"<p>Question {conversation_id} about my plan</p>",
                   "author": {"type": "user", "id": "6601", "name": "Reader F", "email": "f@mail.test"}},
        "tags": {"type": "tag.list", "tags": []}, "priority": "not_priority",
        "statistics": {"type": "conversation_statistics", "count_conversation_parts": 1},
    }


def ticket(ticket_id: int, status: str, *, updated: datetime = NOW) -> dict:
    return {"id": ticket_id, "subject": f"Ticket {ticket_id}", "description": "Please help.", "status": status,
            "requester_id": 31, "assignee_id": None, "tags": [], "via": {"channel": "email"},
            "created_at": iso(updated - timedelta(days=1)), "updated_at": iso(updated)}


def adapter(kind: str):
    entries = {"intercom": {"token_env": "WAIT_INTERCOM_TOKEN", "base_url": "https://api.intercom.test"},
               "zendesk": {"subdomain": "quillpress", "email": ZENDESK_EMAIL, "token_env": "WAIT_ZENDESK_TOKEN"}}
    config = parse({"team": {"staff": []}, "sources": [{"name": kind[:4], "kind": kind, **entries[kind]}]})
    return registry.build(config.sources[0], config, env=TOKENS)


@pytest.mark.parametrize("raw, wait", [
    (conversation("1", "snoozed", epoch(SNOOZE_END)), ChannelWait("snoozed", SNOOZE_END)),
    (conversation("2", "snoozed"), ChannelWait("snoozed")),  # until someone reopens it
    (conversation("3", "snoozed", "next week"), ChannelWait("snoozed")),  # not a time: no end known
    (conversation("4", "snoozed", 10**18), ChannelWait("snoozed")),  # past any clock
    (conversation("5", "open", epoch(SNOOZE_END)), None),  # a stale snoozed_until on an open one
    (conversation("6", "closed"), None),
])
def test_intercom_snoozed_is_the_channels_wait(raw: dict, wait: ChannelWait | None) -> None:
    item = adapter("intercom").normalize(raw)
    assert item.channel_wait == wait
    assert item.state == ("closed" if raw["state"] == "closed" else "open")


@pytest.mark.parametrize("status, wait", [
    ("pending", ChannelWait("pending")), ("hold", ChannelWait("hold")),
    ("new", None), ("open", None), ("solved", None), ("closed", None),
])
def test_zendesk_pending_and_hold_are_waits(status: str, wait: ChannelWait | None) -> None:
    assert adapter("zendesk").normalize(ticket(9, status)).channel_wait == wait


async def sync(source, channel: FakeChannel, store: Store) -> None:
    result = await sync_source(source, store, progress=QuietProgress(), now=NOW,
                               transport=channel.transport(), sleep=FakeSleep())
    assert result.error is None, result.error


def export_page(*tickets: dict) -> Canned:
    return Canned(200, {"tickets": list(tickets), "after_cursor": "Y3Vyc29yLTE=", "end_of_stream": True,
                        "users": [{"id": 31, "name": "Reader G", "email": "g@mail.test", "role": "end-user"}]})


async def test_a_sync_stores_the_wait_and_a_later_one_lifts_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    intercom, zendesk = adapter("intercom"), adapter("zendesk")
    chat = FakeChannel()
    chat.on("/conversations", Canned(200, {"type": "conversation.list", "pages": {"type": "pages"}, "conversations": [
        conversation("11", "snoozed", epoch(SNOOZE_END)), conversation("12", "open")]}))
    desk = FakeChannel()
    desk.on("/api/v2/incremental/tickets/cursor.json", export_page(ticket(21, "pending"), ticket(22, "open")))
    for path in ("/api/v2/tickets/21/comments.json", "/api/v2/tickets/22/comments.json"):
        desk.on(path, Canned(200, {"comments": [], "next_page": None}))
    await sync(intercom, chat, store)
    await sync(zendesk, desk, store)
    assert keys(store, INBOX_QUERY) == ["inte:12", "zend:22"]
    assert keys(store, "is:snoozed") == ["inte:11", "zend:21"]
    assert item_json(store.item("inte:11", now=NOW))["channel_waiting"] == {
        "reason": "snoozed", "until": "2026-12-07T08:30:00Z"}
    assert item_json(store.item("zend:21", now=NOW))["channel_waiting"] == {"reason": "pending", "until": None}

    later = NOW + timedelta(hours=3)
    desk = FakeChannel()
    desk.on("/api/v2/incremental/tickets/cursor.json", export_page(ticket(21, "open", updated=later)))
    desk.on("/api/v2/tickets/21/comments.json", Canned(200, {"comments": [], "next_page": None}))
    await sync(zendesk, desk, store)
    assert keys(store, INBOX_QUERY) == ["zend:21", "inte:12", "zend:22"]
    assert item_json(store.item("zend:21", now=NOW))["channel_waiting"] is None
    store.close()


def keys(store: Store, query: str, now: datetime = NOW) -> list[str]:
    return [row["key"] for row in store.list_items(query, now=now)]


# --- the store: the user's snooze and the channel's, side by side -------------------------------------


def post(key: str, kind: str = "zendesk", wait: ChannelWait | None = None, hours_ago: int = 1) -> Item:
    source, number = key.split(":")
    at = NOW - timedelta(hours=hours_ago)
    return Item(source=source, kind=kind, external_id=number, url=f"https://channel.test/{number}",
                title=f"Post {number}", body="text", author="reader", author_is_staff=False,
                created_at=at - timedelta(days=1), last_activity_at=at, channel_wait=wait)


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "inbox.db")
    store.sweeps = define_sweeps(SWEEP_CONFIG)  # the sweep views are among QUERIES
    yield store
    store.close()


def test_the_wait_ends_when_its_time_passes(store: Store) -> None:
    store.save_page("chat", [post("chat:1", "intercom", ChannelWait("snoozed", SNOOZE_END))])
    assert keys(store, INBOX_QUERY) == [] and keys(store, "is:snoozed") == ["chat:1"]
    after = SNOOZE_END + timedelta(minutes=1)
    assert keys(store, INBOX_QUERY, after) == ["chat:1"] and keys(store, "is:snoozed", after) == []
    assert item_json(store.item("chat:1", now=after))["channel_waiting"] is None
    assert store.count(INBOX_QUERY, now=after) == 1 and store.count("is:snoozed", now=after) == 0


def test_a_sync_never_touches_the_users_snooze(store: Store) -> None:
    mine = NOW + timedelta(days=10)
    store.save_page("desk", [post("desk:1")])
    store.set_triage(["desk:1"], {"snoozed_until": mine}, now=NOW, by="test")
    store.save_page("desk", [post("desk:1", wait=ChannelWait("pending"))])
    store.save_page("desk", [post("desk:1", wait=None)])  # the customer answered: the wait lifts
    assert store.triage_rows(["desk:1"])["desk:1"]["snoozed_until"] == iso(mine)
    row = store.item("desk:1", now=NOW)
    assert item_json(row)["snoozed_until"] == iso(mine) and row["snoozed"] and not row["waiting"]
    assert keys(store, "is:snoozed") == ["desk:1"]  # still the user's snooze
    assert keys(store, INBOX_QUERY, mine + timedelta(seconds=1)) == ["desk:1"]


def test_the_later_of_the_two_ends_counts(store: Store) -> None:
    """A user's snooze shorter than the channel's wait ends, the wait goes on; a wait with
    no end holds until a sync lifts it; unsnoozing never lifts the channel's wait."""
    store.save_page("chat", [post("chat:1", "intercom", ChannelWait("snoozed", SNOOZE_END)),
                             post("chat:2", "intercom", ChannelWait("snoozed"))])
    store.set_triage(["chat:1", "chat:2"], {"snoozed_until": NOW + timedelta(days=1)}, now=NOW, by="test")
    two_days = NOW + timedelta(days=2)
    assert keys(store, "is:snoozed", two_days) == ["chat:1", "chat:2"]
    rows = {row["key"]: row for row in store.list_items("is:snoozed", now=two_days)}
    assert not rows["chat:1"]["snoozed"] and rows["chat:1"]["waiting"]
    store.set_triage(["chat:1", "chat:2"], {"snoozed_until": None}, now=NOW, by="test")
    assert keys(store, "is:snoozed", datetime(2099, 1, 1, tzinfo=timezone.utc)) == ["chat:2"]


def test_snoozed_and_inbox_views_stay_on_their_indexes(store: Store) -> None:
    store.save_page("desk", [post(f"desk:{n}", wait=ChannelWait("hold") if n % 3 else None) for n in range(30)])
    for query, index in (("is:snoozed", "items_snoozed"), (INBOX_QUERY, "items_by_lane")):
        where, params = compile_query(parse_query(query), now=NOW)
        plan = store.db.execute(f"EXPLAIN QUERY PLAN SELECT i.key FROM {FROM} WHERE {where} "
                                "ORDER BY i.last_activity_at DESC, i.key LIMIT 10", params).fetchall()
        assert any(f"USING INDEX {index}" in str(step) for step in plan), (query, plan)
    assert store.quick_count(INBOX_QUERY, now=NOW) == 10  # counted from the tallies, less the waits
    assert store.quick_count("is:snoozed", now=NOW) == 20


def test_counts_and_pages_stay_exact_with_waits_and_snoozes(store: Store) -> None:
    rng = random.Random(15)
    items = {}
    for number in range(140):
        item = random_item(rng, number)
        items[item.key] = item
    store.save_page("mixed", list(items.values()))
    waits = (None, None, ChannelWait("pending"), ChannelWait("hold"),
             ChannelWait("snoozed", NOW + timedelta(days=2)), ChannelWait("snoozed", NOW - timedelta(hours=1)))
    for _ in range(5):
        for key in rng.sample(sorted(items), 25):  # the channels put posts aside and take them back
            items[key] = replace(items[key], channel_wait=rng.choice(waits),
                                 last_activity_at=items[key].last_activity_at + timedelta(minutes=rng.randint(0, 90)))
            store.save_page(items[key].source, [items[key]])
        for key in rng.sample(sorted(items), 8):  # and the user snoozes and unsnoozes
            until = rng.choice((NOW + timedelta(days=1), NOW - timedelta(days=1), None))
            store.set_triage([key], {"snoozed_until": until}, now=NOW, by="test")
        assert tallies.drift(store.db.conn) == []
        waiting = {key for key, item in items.items() if item.channel_wait and (
            item.channel_wait.until is None or item.channel_wait.until > NOW)}
        assert waiting and waiting <= set(keys(store, "is:snoozed"))
        for query in QUERIES + ["is:snoozed is:open -is:done", "-is:snoozed kind:discourse"]:
            assert store.count(query, now=NOW, me="amy") == len(store.list_items(query, now=NOW, me="amy")), query
    for query in ("is:snoozed", INBOX_QUERY):
        everything = keys(store, query)
        forwards, page = [], store.page(query, now=NOW, limit=6)
        while page:
            forwards += [row["key"] for row in page]
            page = store.page(query, now=NOW, limit=6, after=row_key(page[-1]))
        backwards, page = [], store.page(query, now=NOW, limit=6, last=True)
        while page:
            backwards = [row["key"] for row in page] + backwards
            page = store.page(query, now=NOW, limit=6, before=row_key(page[0]))
        assert forwards == everything == backwards


def test_an_inbox_from_before_channel_waits_is_upgraded(tmp_path: Path, monkeypatch) -> None:
    """Conversations stored as snoozed (Intercom's state was only a label then) wait until
    their next change; the user's snoozes are kept; counts stay exact."""
    path = tmp_path / "old.db"
    every = list(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in every if m.__name__ != "m015_channel_wait"])
    old = Store(path)
    for key, kind, state, labels in (("chat:1", "intercom", "open", ["snoozed"]), ("chat:2", "intercom", "open", []),
                                     ("chat:3", "intercom", "closed", ["snoozed"]), ("gh:4", "github", "open", [])):
        old.db["items"].insert({"key": key, "source": key.split(":")[0], "kind": kind, "external_id": key[-1],
                                "url": "https://channel.test", "title": key, "body": "", "author": "reader",
                                "created_at": iso(NOW - timedelta(days=1)), "last_activity_at": iso(NOW),
                                "state": state, "labels": json.dumps(labels)})
        for label in labels:
            old.db["item_labels"].insert({"key": key, "label": label})
    old.set_triage(["gh:4"], {"snoozed_until": NOW + timedelta(days=3)}, now=NOW, by="test")
    old.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", every)
    store = Store(path)
    store.sweeps = define_sweeps(SWEEP_CONFIG)
    assert keys(store, "is:snoozed") == ["chat:1", "gh:4"]
    assert keys(store, INBOX_QUERY) == ["chat:2"]
    assert store.triage_rows(["gh:4"])["gh:4"]["snoozed_until"] == iso(NOW + timedelta(days=3))
    assert tallies.drift(store.db.conn) == []
    for view in BUILTIN_VIEWS:
        assert store.count(view.query, now=NOW, me="amy") == len(store.list_items(view.query, now=NOW, me="amy"))
    store.close()


# --- saying why ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("wait, kind, text", [
    (ChannelWait("snoozed", SNOOZE_END), "intercom", "snoozed in Intercom until Dec 7"),
    (ChannelWait("snoozed", NOW + timedelta(hours=5)), "intercom", "snoozed in Intercom until 15:00 UTC"),
    (ChannelWait("snoozed", NOW + timedelta(hours=23)), "intercom", "snoozed in Intercom until Dec 2"),
    (ChannelWait("snoozed", datetime(2027, 1, 3, tzinfo=timezone.utc)), "intercom",
     "snoozed in Intercom until Jan 3 2027"),
    (ChannelWait("pending"), "zendesk", "pending in Zendesk"),
    (ChannelWait("hold"), "zendesk", "on hold in Zendesk"),
])
def test_the_wait_is_said_in_words(wait: ChannelWait, kind: str, text: str) -> None:
    assert wait.describe(kind, NOW) == text


def test_the_list_row_and_the_preview_say_why(store: Store) -> None:
    store.save_page("chat", [post("chat:1", "intercom", ChannelWait("snoozed", SNOOZE_END))])
    store.save_page("desk", [post("desk:2", wait=ChannelWait("pending")), post("desk:3")])
    rows = {row["key"]: row for row in store.list_items("", now=NOW)}
    line = format_row(rows["chat:1"], 140, NOW).plain
    assert line.startswith("z ") and "Post 1 · snoozed in Intercom until Dec 7" in line and len(line) == len(
        format_row(rows["desk:3"], 140, NOW).plain)
    assert "· pending in Zendesk" in format_row(rows["desk:2"], 140, NOW).plain
    assert "Post 1 · snoozed until Dec 7 " in format_row(rows["chat:1"], 82, NOW).plain  # narrower: no product
    assert "snoozed" not in format_row(rows["chat:1"], 30, NOW).plain  # no room: the preview says it
    with_sla = format_row(rows["desk:2"], 100, NOW, sla_column=True).plain  # in the time column when free
    assert "      pending " in with_sla and "· pending" not in with_sla
    assert "   until Dec 7 " in format_row(rows["chat:1"], 100, NOW, sla_column=True).plain
    assert format_row(rows["desk:3"], 140, NOW).plain.split("Post 3")[1].startswith("     ")
    assert channel_wait_of(rows["desk:3"]) is None
    preview = render_item(store.item("desk:2", now=NOW), [], NOW)
    header = preview.renderables[0].plain
    assert "pending in Zendesk" in header and "snoozed until" not in header


# --- end to end: a real sync over HTTP, and the command line ---------------------------------------------


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "INBOX_CONFIG", "INBOX_DB", "INBOX_ME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)


class World:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
        self.now = utcnow()
        at = self.now - timedelta(days=2)
        self.intercom = IntercomAPI(token=TOKENS["WAIT_INTERCOM_TOKEN"])
        for number in ("7001", "7002", "7003"):
            self.intercom.add_conversation(number, name=f"Reader {number}", email=f"r{number}@mail.test",
                                           at=at, body=f"<p>Question {number}</p>")
        self.snoozed_until = (self.now + timedelta(days=3)).replace(microsecond=0)
        self.intercom.snooze("7001", self.snoozed_until, at + timedelta(minutes=5))
        self.intercom.snooze("7002", self.now - timedelta(hours=1), at + timedelta(minutes=6))  # its time passed
        self.zendesk = ZendeskAPI(email=ZENDESK_EMAIL, token=TOKENS["WAIT_ZENDESK_TOKEN"])
        self.zendesk.add_user(31, "Reader H", "h@mail.test")
        for number, status in ((501, "pending"), (502, "hold"), (503, "open")):
            self.zendesk.add_ticket(number, f"Ticket {number}", requester=31, at=at, status=status)
        self.server = Loopback(self.intercom, self.zendesk)
        self.path, self.capsys = tmp_path, capsys

    def write_config(self) -> None:
        base = self.server.base_url
        (self.path / "config.toml").write_text("\n".join([
            '[[sources]]', 'name = "chat"', 'kind = "intercom"', 'token_env = "WAIT_INTERCOM_TOKEN"',
            f'base_url = "{base(self.intercom)}"', '',
            '[[sources]]', 'name = "desk"', 'kind = "zendesk"', f'email = "{ZENDESK_EMAIL}"',
            'token_env = "WAIT_ZENDESK_TOKEN"', f'base_url = "{base(self.zendesk)}"', '']), encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--config", str(self.path / "config.toml"), "--db", str(self.path / "inbox.db"), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def listed(self, *args: str) -> dict[str, dict]:
        code, out, err = self.run("list", *args, "--json")
        assert code == 0, err
        return {row["key"]: row for row in json.loads(out)}


@pytest.fixture
def world(tmp_path: Path, capsys: pytest.CaptureFixture):
    world = World(tmp_path, capsys)
    with world.server:
        world.write_config()
        code, _, err = world.run("sync")
        assert code == 0, err
        yield world


def test_waiting_posts_leave_the_inbox_and_say_why(world: World) -> None:
    assert sorted(world.listed()) == ["chat:7002", "chat:7003", "desk:503"]
    snoozed = world.listed("is:snoozed")
    assert {key: row["channel_waiting"] for key, row in snoozed.items()} == {
        "chat:7001": {"reason": "snoozed", "until": iso(world.snoozed_until)},
        "desk:501": {"reason": "pending", "until": None},
        "desk:502": {"reason": "hold", "until": None},
    }
    assert all(row["snoozed_until"] is None for row in snoozed.values())  # not the user's snooze
    assert world.listed()["chat:7002"]["channel_waiting"] is None
    code, out, _ = world.run("list", "is:snoozed")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["desk:502"].endswith("Ticket 502 (on hold in Zendesk)")
    said = ChannelWait("snoozed", world.snoozed_until).describe("intercom", utcnow())
    assert said.startswith("snoozed in Intercom until ") and lines["chat:7001"].endswith(f"({said})")


def test_a_later_sync_that_sees_the_change_brings_them_back_and_keeps_the_users_snooze(world: World) -> None:
    code, _, err = world.run("triage", "desk:503", "chat:7001", "--snooze", "5d")
    assert code == 0, err
    mine = world.listed("is:snoozed")["desk:503"]["snoozed_until"]
    later = world.now - timedelta(hours=2)
    world.zendesk.update(501, later, status="open")  # the customer answered
    world.zendesk.update(503, later, status="pending")
    world.intercom.set_state("7001", "open", later)  # a teammate reopened it
    code, _, err = world.run("sync")
    assert code == 0, err
    assert sorted(world.listed()) == ["chat:7002", "chat:7003", "desk:501"]
    snoozed = world.listed("is:snoozed")
    assert sorted(snoozed) == ["chat:7001", "desk:502", "desk:503"]
    assert snoozed["desk:503"]["snoozed_until"] == mine  # the sync wrote the wait, never the snooze
    assert snoozed["desk:503"]["channel_waiting"] == {"reason": "pending", "until": None}
    assert snoozed["chat:7001"]["channel_waiting"] is None and snoozed["chat:7001"]["snoozed_until"] == mine
    code, _, _ = world.run("triage", "desk:503", "--snooze", "none")
    assert "desk:503" in world.listed("is:snoozed")  # unsnoozing is the user's; the ticket still waits


async def test_the_tui_counts_and_shows_the_wait(world: World) -> None:
    config = registry.load_config(world.path / "config.toml")
    store = Store(world.path / "inbox.db")
    app = make_app(config, store, now=lambda: world.now)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            counts = app.screen.query_one(Sidebar).counts
            assert (counts["Inbox"], counts["Snoozed"]) == (3, 3)
            sidebar = app.screen.query_one(Sidebar)
            sidebar.highlighted = [view.name for view in sidebar.views].index("Snoozed")
            await settle(pilot)
            listed = app.screen.query_one(ItemList)
            assert listed.total == 3
            row = listed.highlighted
            why = channel_wait_of(row).describe(row["kind"], world.now)
            assert why in shown(app.screen.query_one("#preview-body"))
    finally:
        store.close()
