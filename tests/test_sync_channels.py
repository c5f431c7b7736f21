"""Sync end to end for Slack, Zendesk, GitLab, Intercom and UserVoice, over real HTTP.

The loopback server (tests/loopback.py) serves generated data with each channel's own
paging (Slack `next_cursor`/`has_more`, Zendesk's cursor export with `after_cursor` and
`end_of_stream`, GitLab `x-next-page`/`Link`, Intercom `starting_after`, UserVoice's
`pagination.cursor` behind a client-credentials token) and checks auth like the real API.
Waits go through an injected sleep: nothing here really waits or reaches the internet.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from inbox.config import Config, parse
from inbox.store import Store, item_json
from inbox.sync import SourceResult, sync_all
from tests.adapter_base import FakeSleep
from tests.loopback import (
    Channel,
    GitLabAPI,
    IntercomAPI,
    Loopback,
    Request,
    SlackAPI,
    UserVoiceAPI,
    ZendeskAPI,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)
SECRETS = {
    "ORCHARD_SLACK_TOKEN": "xoxb-1111111111-2222222222-LoopbackSlackTok3n",
    "ORCHARD_ZENDESK_TOKEN": "zdLoopbackTok3n0123456789abcdefABCDEF01",
    "ORCHARD_GITLAB_TOKEN": "glpat-LoopbackTok3n_0123456789",
    "ORCHARD_INTERCOM_TOKEN": "dG9rOmxvb3BiYWNrXzEyMzQ1Njc4OTA6MToww=",
    "ORCHARD_UV_SECRET": "uvLoopbackS3cret+/0123456789abcdef",
}
ZENDESK_EMAIL = "bot@orchardly.test"
CHANNEL = "C0ORCHARD"
NAMES = {"slack": "chat", "zendesk": "help", "gitlab": "lab", "intercom": "convo", "uservoice": "ideas"}
COUNTS = {"chat": 5, "help": 5, "lab": 5, "convo": 5, "ideas": 5}
"""Items a complete sync of the seeded channels stores, by source."""


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")



# --- the channels' data ----------------------------------------------------------------------


@dataclass
class Seeded:
    slack: SlackAPI
    zendesk: ZendeskAPI
    gitlab: GitLabAPI
    intercom: IntercomAPI
    uservoice: UserVoiceAPI
    ts: dict[str, str]
    """Slack message ts by a short name (m1, m3, ...)."""

    @property
    def channels(self) -> list[Channel]:
        return [self.slack, self.zendesk, self.gitlab, self.intercom, self.uservoice]


def seed_slack(slack: SlackAPI) -> dict[str, str]:
    slack.add_user("U01MAPLE", "maple", real_name="Maple Jo", display_name="Maple Jo", admin=True)
    slack.add_user("U02PIP", "pip", real_name="Pip Thornbury", display_name="pip")
    slack.add_user("U03QUINCE", "quince", real_name="Quince R")
    ts = {}
    ts["m1"] = slack.post("U02PIP", "Sync hangs on large albums\nlog attached", hours(1))["ts"]
    slack.reply(ts["m1"], "U01MAPLE", "Which version?", hours(1.5))
    slack.reply(ts["m1"], "U02PIP", "2.4.1 &amp; 2.4.2", hours(2))
    ts["join"] = slack.post("U03QUINCE", "<@U03QUINCE> has joined the channel", hours(2.5),
                            subtype="channel_join")["ts"]
    ts["m3"] = slack.post("U03QUINCE", "How do I mirror to <https://nas.local|my NAS>? cc <@U01MAPLE>",
                          hours(3))["ts"]
    ts["bot"] = slack.post(None, "Deployed 2.4.2", hours(4), bot="deploybot")["ts"]
    ts["m5"] = slack.post("U04GONE", "Anyone seen &lt;error 42&gt;?", hours(5))["ts"]
    ts["m6"] = slack.post("U01MAPLE", "Release 2.5 is out", hours(6))["ts"]
    ts["broadcast"] = slack.reply(ts["m6"], "U02PIP", "Thanks!", hours(7), broadcast=True)["ts"]
    ts["m7"] = slack.post("U02PIP", "Dark mode please", hours(8),
                          files=[{"id": "F01MOCK", "name": "mock.png", "title": "Mockup"}])["ts"]
    return ts


def seed_zendesk(zendesk: ZendeskAPI) -> None:
    zendesk.add_user(501, "Pip Thornbury", "pip@example.test")
    zendesk.add_user(502, "Maple Jo", "maple@orchardly.test", role="agent")
    zendesk.add_user(503, "Quince R", "quince@example.test")
    zendesk.add_user(504, "Rowan Ek", "rowan@orchardly.test", role="admin")
    zendesk.add_ticket(101, "Sync hangs on large albums", requester=501, at=hours(1),
                       description="Sync hangs at 40%.", tags=("sync", "bug"))
    zendesk.comment(101, 502, "Which version?", hours(2), status="open")
    zendesk.comment(101, 502, "Internal: probably the cache bug", hours(2.5), public=False)
    zendesk.comment(101, 501, "2.4.1", hours(3))
    zendesk.add_ticket(102, "Invoice for March", requester=503, at=hours(4), status="open", tags=("billing",))
    zendesk.add_ticket(103, "Cannot log in", requester=501, at=hours(5))
    zendesk.comment(103, 504, "Reset your password here.", hours(6), status="solved")
    zendesk.add_ticket(104, "Old question", requester=503, at=hours(7), status="closed")
    zendesk.comment(104, 502, "Answered by phone.", hours(7.5))
    zendesk.add_ticket(105, "Feature: dark mode", requester=503, at=hours(8), status="pending")
    zendesk.add_ticket(106, "Buy cheap watches", requester=503, at=hours(9))
    zendesk.delete(106, hours(10))


def seed_gitlab(gitlab: GitLabAPI) -> None:
    gitlab.add_issue(1, "Crash on start", author="pip-thornbury", at=hours(1), labels=("bug",))
    gitlab.note(1, "maple-jo", "Fixed in main", hours(2))
    gitlab.note(1, "maple-jo", "changed the description", hours(2.5), system=True)
    gitlab.add_issue(2, "WebDAV support", author="quince-r", at=hours(3), labels=("feature",))
    gitlab.add_issue(3, "Docs typo", author="yarrow", at=hours(4), state="closed")
    gitlab.add_issue(4, "Sync stalls", author="pip-thornbury", at=hours(5))
    gitlab.note(4, "quince-r", "Same here", hours(6))
    gitlab.note(4, "maple-jo", "Duplicate of #1?", hours(6.5), internal=True)
    gitlab.add_issue(5, "Proxy support", author="dill", at=hours(7), description=None)


def seed_intercom(intercom: IntercomAPI) -> None:
    intercom.add_conversation("1001", name="Pip Thornbury", email="pip@example.test", at=hours(1),
                              body="<p>Hello, sync hangs</p>")
    intercom.reply("1001", admin=True, at=hours(2))
    intercom.add_conversation("1002", name="Quince R", email="quince@example.test", at=hours(3))
    intercom.reply("1002", admin=False, at=hours(4))
    intercom.add_conversation("1003", name="Yarrow", email=None, at=hours(5), title="Billing &amp; plans")
    intercom.add_conversation("1004", name="Dill", email="dill@example.test", at=hours(6))
    intercom.set_state("1004", "closed", hours(6.5))
    intercom.add_conversation("1005", name="Sorrel", email="sorrel@example.test", at=hours(7))
    intercom.set_state("1005", "snoozed", hours(7.5))


def seed_uservoice(uservoice: UserVoiceAPI) -> None:
    uservoice.add_status(1, "Under Review")
    uservoice.add_status(2, "Planned")
    uservoice.add_status(3, "Completed", is_open=False)
    uservoice.add_user(901, "Pip Thornbury", "pip@example.test")
    uservoice.add_user(902, "Maple Jo", "maple@orchardly.test", admin=True)
    uservoice.add_label(71, "mobile")
    uservoice.add_suggestion(3001, "Dark mode", by=901, at=hours(1), status=1, labels=(71,))
    uservoice.add_suggestion(3002, "Offline albums", by=901, at=hours(2), status=2)
    uservoice.add_suggestion(3003, "Export to PDF", by=902, at=hours(3), status=3)
    uservoice.add_suggestion(3004, "Shared albums", by=901, at=hours(4))
    uservoice.add_suggestion(3005, "Face search", by=901, at=hours(5), status=1)


def seeded() -> Seeded:
    slack = SlackAPI(channel=CHANNEL, token=SECRETS["ORCHARD_SLACK_TOKEN"], page_size=2, replies_page_size=1)
    zendesk = ZendeskAPI(email=ZENDESK_EMAIL, token=SECRETS["ORCHARD_ZENDESK_TOKEN"], per_page=2,
                         comments_per_page=2)
    gitlab = GitLabAPI(token=SECRETS["ORCHARD_GITLAB_TOKEN"], per_page=2)
    intercom = IntercomAPI(token=SECRETS["ORCHARD_INTERCOM_TOKEN"], per_page=2)
    uservoice = UserVoiceAPI(client_secret=SECRETS["ORCHARD_UV_SECRET"], per_page=2)
    ts = seed_slack(slack)
    seed_zendesk(zendesk)
    seed_gitlab(gitlab)
    seed_intercom(intercom)
    seed_uservoice(uservoice)
    return Seeded(slack, zendesk, gitlab, intercom, uservoice, ts)


def sources_config(server: Loopback, data: Seeded) -> dict:
    return {
        "team": {"staff": ["maple-jo", "Maple Jo"], "me": "maple-jo"},
        "sources": [
            {"name": "chat", "kind": "slack", "channel": CHANNEL, "workspace": "orchardly",
             "token_env": "ORCHARD_SLACK_TOKEN", "base_url": server.base_url(data.slack)},
            {"name": "help", "kind": "zendesk", "email": ZENDESK_EMAIL, "token_env": "ORCHARD_ZENDESK_TOKEN",
             "base_url": server.base_url(data.zendesk)},
            {"name": "lab", "kind": "gitlab", "project": "orchardly/orchard-sync",
             "token_env": "ORCHARD_GITLAB_TOKEN", "base_url": server.base_url(data.gitlab)},
            {"name": "convo", "kind": "intercom", "app_id": "orch4rd1", "token_env": "ORCHARD_INTERCOM_TOKEN",
             "base_url": server.base_url(data.intercom)},
            {"name": "ideas", "kind": "uservoice", "client_id": "orchard-inbox", "secret_env": "ORCHARD_UV_SECRET",
             "base_url": server.base_url(data.uservoice)},
        ],
    }


# --- the world: server, config, store ------------------------------------------------------


@dataclass
class World:
    server: Loopback
    data: Seeded
    config: Config
    store: Store
    sleep: FakeSleep
    path: Path

    @property
    def slack(self) -> SlackAPI:
        return self.data.slack

    @property
    def zendesk(self) -> ZendeskAPI:
        return self.data.zendesk

    @property
    def gitlab(self) -> GitLabAPI:
        return self.data.gitlab

    @property
    def intercom(self) -> IntercomAPI:
        return self.data.intercom

    @property
    def uservoice(self) -> UserVoiceAPI:
        return self.data.uservoice

    async def sync(self, *only: str, store: Store | None = None, env: dict | None = None
                   ) -> dict[str, SourceResult]:
        results = await sync_all(self.config, store or self.store, only=only, env=env or SECRETS,
                                 sleep=self.sleep, now=NOW)
        return {result.name: result for result in results}

    def items(self, source: str | None = None, store: Store | None = None) -> dict[str, dict]:
        """`inbox list --json` items (every one, done or not) by key."""
        rows = (store or self.store).list_items("", now=NOW, with_body=True)
        return {row["key"]: item_json(row) for row in rows if source is None or row["source"] == source}

    def snapshot(self, store: Store | None = None, *, only: str | None = None) -> dict[str, Any]:
        """Everything a sync stores, but the time it ran: items, threads, labels, cursors."""
        return snapshot((store or self.store).db.conn, only=only)

    def thread(self, key: str) -> list[tuple]:
        return [(r["author"], bool(r["author_is_staff"]), r["body"]) for r in self.store.thread(key)]


def snapshot(conn: Any, *, only: str | None = None) -> dict[str, Any]:
    """What a sync stored (for `only` that source), but the time it ran: items, threads,
    labels and cursors, sorted."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(items)") if row[1] != "synced_at"]
    like = f"{only}:%" if only else "%"
    return {
        "items": sorted(conn.execute(f"SELECT {', '.join(columns)} FROM items WHERE key LIKE ?", [like]).fetchall()),
        "thread": sorted(conn.execute("SELECT key, reply_id, author, author_is_staff, created_at, body FROM thread "
                                      "WHERE key LIKE ?", [like]).fetchall()),
        "labels": sorted(conn.execute("SELECT key, label FROM item_labels WHERE key LIKE ?", [like]).fetchall()),
        "cursors": sorted(conn.execute("SELECT source, stream, next_url, high_water, pending_high_water FROM cursors "
                                       "WHERE source LIKE ?", [only or "%"]).fetchall(), key=repr),
    }


@pytest.fixture
def world(tmp_path: Path):
    data = seeded()
    with Loopback(*data.channels) as server:
        store = Store(tmp_path / "inbox.db")
        config = parse(sources_config(server, data))
        yield World(server, data, config, store, FakeSleep(), tmp_path)
        store.close()


def calls(channel: Channel, path: str, since: int = 0) -> list[Request]:
    return [r for r in channel.requests[since:] if r.path == path]


def slack_key(ts: str) -> str:
    return f"chat:{ts}"


def secret_forms() -> set[str]:
    """Every form a secret could leak in: raw, URL-encoded, and Zendesk's Basic credentials."""
    values = list(SECRETS.values())
    values.append(base64.b64encode(f"{ZENDESK_EMAIL}/token:{SECRETS['ORCHARD_ZENDESK_TOKEN']}".encode()).decode())
    return {form for value in values for form in (value, quote(value, safe=""), quote_plus(value))}


def assert_no_secret(text: str, extra: tuple[str, ...] = ()) -> None:
    for form in secret_forms() | set(extra):
        assert form not in text, f"a secret leaked: {form[:6]}..."


def assert_db_has_no_secret(world: World, extra: tuple[str, ...] = ()) -> None:
    world.store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    for path in world.path.glob("inbox.db*"):
        data = path.read_bytes()
        for form in secret_forms() | set(extra):
            assert form.encode() not in data, (path.name, form[:6])


# --- a first sync ----------------------------------------------------------------------------

CONTRACT = ("key", "source", "kind", "external_id", "url", "title", "body", "author", "author_is_staff",
            "created_at", "last_activity_at", "replies", "last_reply_by_staff", "answered", "state", "labels")


def fields(item: dict) -> dict:
    return {name: item[name] for name in CONTRACT}


def expected_slack(ts: dict[str, str]) -> dict[str, dict]:
    def item(name: str, title: str, body: str, author: str, staff: bool, created: float, activity: float,
             replies: int = 0, last_staff: bool | None = None) -> tuple[str, dict]:
        key = slack_key(ts[name])
        return key, {"key": key, "source": "chat", "kind": "slack", "external_id": ts[name],
                     "url": f"https://orchardly.slack.com/archives/{CHANNEL}/p{ts[name].replace('.', '')}",
                     "title": title, "body": body, "author": author, "author_is_staff": staff,
                     "created_at": iso(hours(created)), "last_activity_at": iso(hours(activity)),
                     "replies": replies, "last_reply_by_staff": last_staff, "answered": False, "state": "open",
                     "labels": []}

    return dict([
        item("m1", "Sync hangs on large albums", "Sync hangs on large albums\nlog attached", "pip", False, 1, 2,
             replies=2, last_staff=False),
        item("m3", "How do I mirror to my NAS? cc @Maple Jo",
             "How do I mirror to my NAS (https://nas.local)? cc @Maple Jo", "Quince R", False, 3, 3),
        item("m5", "Anyone seen <error 42>?", "Anyone seen <error 42>?", "U04GONE", False, 5, 5),
        item("m6", "Release 2.5 is out", "Release 2.5 is out", "Maple Jo", True, 6, 7, replies=1, last_staff=False),
        item("m7", "Dark mode please", "Dark mode please\n[file: Mockup]", "pip", False, 8, 8),
    ])


def expected_zendesk(base: str) -> dict[str, dict]:
    def item(number: int, title: str, body: str, author: str, created: float, activity: float, *,
             replies: int = 0, last_staff: bool | None = None, status: str = "open",
             labels: tuple[str, ...] = ()) -> tuple[str, dict]:
        return f"help:{number}", {
            "key": f"help:{number}", "source": "help", "kind": "zendesk", "external_id": str(number),
            "url": f"{base}/agent/tickets/{number}", "title": title, "body": body, "author": author,
            "author_is_staff": False, "created_at": iso(hours(created)), "last_activity_at": iso(hours(activity)),
            "replies": replies, "last_reply_by_staff": last_staff, "answered": status in ("solved", "closed"),
            "state": "open" if status in ("new", "open", "pending", "hold") else "closed", "labels": list(labels)}

    return dict([
        item(101, "Sync hangs on large albums", "Sync hangs at 40%.", "Pip Thornbury", 1, 3, replies=2,
             last_staff=False, labels=("sync", "bug")),
        item(102, "Invoice for March", "It does not work.", "Quince R", 4, 4, labels=("billing",)),
        item(103, "Cannot log in", "It does not work.", "Pip Thornbury", 5, 6, replies=1, last_staff=True,
             status="solved"),
        # closed before the first sync: final, so its comments are not fetched then
        item(104, "Old question", "It does not work.", "Quince R", 7, 7.5, status="closed"),
        item(105, "Feature: dark mode", "It does not work.", "Quince R", 8, 8, status="pending"),
    ])


async def test_a_first_sync_stores_every_item_once_with_its_fields(world: World) -> None:
    results = await world.sync()

    for result in results.values():
        assert result.ok, result.summary()
    assert {name: world.store.item_count(name) for name in COUNTS} == COUNTS
    assert world.store.db.execute("SELECT count(*) FROM items").fetchone()[0] == sum(COUNTS.values())
    duplicates = world.store.db.execute(
        "SELECT key, reply_id, count(*) FROM thread GROUP BY key, reply_id HAVING count(*) > 1").fetchall()
    assert duplicates == []

    ts = world.data.ts
    slack = {key: fields(item) for key, item in world.items("chat").items()}
    assert slack == expected_slack(ts)
    assert slack_key(ts["join"]) not in slack and slack_key(ts["bot"]) not in slack
    assert slack_key(ts["broadcast"]) not in slack, "a thread broadcast is a reply, not a post"
    assert world.thread(slack_key(ts["m1"])) == [("Maple Jo", True, "Which version?"),
                                                 ("pip", False, "2.4.1 & 2.4.2")]
    assert world.thread(slack_key(ts["m6"])) == [("pip", False, "Thanks!")]

    zendesk = {key: fields(item) for key, item in world.items("help").items()}
    assert zendesk == expected_zendesk(world.server.base_url(world.zendesk))
    assert "help:106" not in zendesk, "a deleted ticket never enters the inbox"
    assert world.thread("help:101") == [("Maple Jo", True, "Which version?"), ("Pip Thornbury", False, "2.4.1")]
    assert world.thread("help:103") == [("Rowan Ek", True, "Reset your password here.")]

    lab = world.items("lab")
    assert (lab["lab:1"]["replies"], lab["lab:1"]["last_reply_by_staff"], lab["lab:1"]["labels"]) == (1, True, ["bug"])
    assert (lab["lab:3"]["state"], lab["lab:5"]["body"]) == ("closed", "")
    assert world.thread("lab:1") == [("maple-jo", True, "Fixed in main")], "system notes are not replies"
    assert world.thread("lab:4") == [("quince-r", False, "Same here")], "internal notes are not replies"
    convo = world.items("convo")
    assert (convo["convo:1001"]["last_reply_by_staff"], convo["convo:1002"]["last_reply_by_staff"]) == (True, False)
    assert (convo["convo:1003"]["title"], convo["convo:1004"]["state"]) == ("Billing & plans", "closed")
    assert convo["convo:1005"]["labels"] == ["snoozed"] and convo["convo:1005"]["snoozed_until"] is None
    ideas = world.items("ideas")
    assert (ideas["ideas:3001"]["author"], ideas["ideas:3001"]["labels"]) == ("Pip Thornbury", ["mobile"])
    assert (ideas["ideas:3003"]["author_is_staff"], ideas["ideas:3003"]["state"]) == (True, "closed")


async def test_paging_follows_each_channels_cursors(world: World) -> None:
    results = await world.sync()
    assert all(result.ok for result in results.values()), [r.summary() for r in results.values()]
    ts = world.data.ts

    # Slack: history by next_cursor until has_more is false; threads paged the same way
    history = calls(world.slack, "/conversations.history")
    assert len(history) == 4, "8 listed messages, 2 a page"
    assert "cursor" not in history[0].query
    for before, after in zip(history, history[1:]):
        assert before.answer.data["has_more"] is True
        assert after.query["cursor"] == before.answer.data["response_metadata"]["next_cursor"]
        assert (after.query["channel"], after.query["limit"]) == (CHANNEL, "200")
    assert history[-1].answer.data["has_more"] is False
    replies = calls(world.slack, "/conversations.replies")
    assert [(r.query["ts"], "cursor" in r.query) for r in replies] == [
        (ts["m6"], False), (ts["m1"], False), (ts["m1"], True)], "only threads with replies; m1 has two pages"
    assert sorted(r.query["user"] for r in calls(world.slack, "/users.info")) == [
        "U01MAPLE", "U02PIP", "U03QUINCE", "U04GONE"], "each user looked up once per sync"
    assert calls(world.slack, "/auth.test") == [], "the workspace is configured"
    assert results["chat"].requests == len(world.slack.requests)

    # Zendesk: the export by after_cursor (include=users kept) until end_of_stream
    export = calls(world.zendesk, "/api/v2/incremental/tickets/cursor.json")
    assert len(export) == 3 and export[0].query == {"start_time": "0", "include": "users"}
    for before, after in zip(export, export[1:]):
        assert before.answer.data["end_of_stream"] is False
        assert after.query == {"cursor": before.answer.data["after_cursor"], "include": "users"}
    assert export[-1].answer.data["end_of_stream"] is True
    comments = [(r.path.split("/")[4], r.query.get("page")) for r in world.zendesk.requests if "comments" in r.path]
    assert comments == [("101", None), ("101", "2"), ("102", None), ("103", None), ("105", None)]
    assert all(r.query.get("include") == "users" for r in world.zendesk.requests)
    stored = world.store.cursor("help", "tickets")
    assert (stored.next_url, stored.high_water) == (None, export[-1].answer.data["after_cursor"])

    # GitLab: Link rel=next; Intercom: starting_after; UserVoice: a token, then pagination.cursor
    issues = calls(world.gitlab, "/projects/orchardly%2Forchard-sync/issues")
    assert [r.query.get("page") for r in issues] == [None, "2", "3"]
    assert sorted(r.path for r in world.gitlab.requests if r.path.endswith("/notes")) == [
        "/projects/orchardly%2Forchard-sync/issues/1/notes", "/projects/orchardly%2Forchard-sync/issues/4/notes"]
    conversations = calls(world.intercom, "/conversations")
    assert len(conversations) == 3 and "starting_after" not in conversations[0].query
    for before, after in zip(conversations, conversations[1:]):
        assert after.query["starting_after"] == before.answer.data["pages"]["next"]["starting_after"]
    assert [r.method for r in world.uservoice.requests] == ["POST", "GET", "GET", "GET"]
    suggestions = calls(world.uservoice, "/api/v2/admin/suggestions")
    for before, after in zip(suggestions, suggestions[1:]):
        assert after.query["cursor"] == before.answer.data["pagination"]["cursor"]
    assert {r.headers["authorization"] for r in suggestions} == {f"Bearer {world.uservoice.issued[0]}"}


async def test_gitlab_pages_by_x_next_page_without_a_link_header(world: World) -> None:
    world.gitlab.link_header = False

    results = await world.sync("lab")

    assert results["lab"].ok and world.store.item_count("lab") == COUNTS["lab"]
    issues = calls(world.gitlab, "/projects/orchardly%2Forchard-sync/issues")
    assert [r.query.get("page") for r in issues] == [None, "2", "3"]


# --- a second sync ---------------------------------------------------------------------------


async def test_a_second_sync_brings_only_what_changed(world: World) -> None:
    await world.sync()
    before = world.items()
    ts = world.data.ts
    seen = {channel.name: len(channel.requests) for channel in world.data.channels}

    world.slack.reply(ts["m3"], "U01MAPLE", "Use the mirror command.", hours(20))
    new_ts = world.slack.post("U02PIP", "Is 2.5 on Homebrew?", hours(21))["ts"]
    world.slack.edit(ts["m7"], "Dark mode please (and a black theme)", hours(22))
    world.zendesk.comment(102, 502, "Sent it again.", hours(20))
    world.zendesk.add_ticket(107, "Refund please", requester=501, at=hours(21), description="Charged twice.")
    world.zendesk.delete(103, hours(22))
    world.gitlab.note(2, "maple-jo", "On the roadmap", hours(20))
    world.intercom.reply("1002", admin=True, at=hours(20))
    world.uservoice.update(3004, hours(20), status=2)
    results = await world.sync()

    assert all(result.ok for result in results.values()), [r.summary() for r in results.values()]
    after = world.items()
    changed = {key for key in after if after[key] != before.get(key)} | (set(before) - set(after))
    assert changed == {slack_key(ts["m3"]), slack_key(new_ts), slack_key(ts["m7"]), "help:102", "help:107",
                       "help:103", "lab:2", "convo:1002", "ideas:3004"}
    assert (after[slack_key(ts["m3"])]["replies"], after[slack_key(ts["m3"])]["last_reply_by_staff"],
            after[slack_key(ts["m3"])]["last_activity_at"]) == (1, True, iso(hours(20)))
    assert after[slack_key(ts["m7"])]["body"] == "Dark mode please (and a black theme)\n[file: Mockup]"
    assert after[slack_key(new_ts)]["title"] == "Is 2.5 on Homebrew?"
    assert (after["help:102"]["replies"], after["help:102"]["last_reply_by_staff"]) == (1, True)
    assert after["help:107"]["body"] == "Charged twice." and "help:103" not in after
    assert after["lab:2"]["last_reply_by_staff"] is True
    assert after["convo:1002"]["last_reply_by_staff"] is True
    assert after["ideas:3004"]["last_activity_at"] == iso(hours(20))

    # Slack lists what is new since the last sync, widened by thread_window (7 days: all of
    # it here), and fetches again only the thread whose latest_reply moved
    history = calls(world.slack, "/conversations.history", seen["slack"])
    assert history[0].query["oldest"] == f"{int((hours(8) - timedelta(days=7)).timestamp())}.000000"
    assert [r.query["ts"] for r in calls(world.slack, "/conversations.replies", seen["slack"])] == [ts["m3"]]
    # Zendesk goes on from the cursor where the last sync ended: only the changed tickets
    export = calls(world.zendesk, "/api/v2/incremental/tickets/cursor.json", seen["zendesk"])
    assert "start_time" not in export[0].query and len(export) == 2
    assert [t["id"] for r in export for t in r.answer.data["tickets"]] == [102, 107, 103]
    assert [r.path for r in world.zendesk.requests[seen["zendesk"]:] if "comments" in r.path] == [
        "/api/v2/tickets/102/comments.json", "/api/v2/tickets/107/comments.json"]
    assert (results["help"].items, world.store.item_count("help")) == (2, 5)
    assert results["lab"].items <= 2 and [r.path.split("/")[4] for r in world.gitlab.requests[seen["gitlab"]:]
                                          if r.path.endswith("/notes")] == ["2"]
    assert len(calls(world.intercom, "/conversations", seen["intercom"])) == 2, "stops once caught up"
    assert results["ideas"].items == 1



# --- rate limits and server errors -----------------------------------------------------------


def _page_two(source: str) -> Any:
    """The second page of each source's list (the first one that carries a cursor)."""
    return {
        "chat": lambda r: r.path == "/conversations.history" and "cursor" in r.query,
        "help": lambda r: r.path.endswith("/cursor.json") and "cursor" in r.query,
        "lab": lambda r: r.path.endswith("/issues") and r.query.get("page") == "2",
        "convo": lambda r: r.path == "/conversations" and "starting_after" in r.query,
        "ideas": lambda r: r.path == "/api/v2/admin/suggestions" and "cursor" in r.query,
    }[source]


KIND_OF = {name: kind for kind, name in NAMES.items()}
BARE_429 = {
    "chat history page": ("chat", _page_two("chat")),
    "chat thread": ("chat", lambda r: r.path == "/conversations.replies"),
    "chat users.info": ("chat", lambda r: r.path == "/users.info"),
    "help export page": ("help", _page_two("help")),
    "help comments": ("help", lambda r: r.path == "/api/v2/tickets/101/comments.json"),
    "lab issues page": ("lab", _page_two("lab")),
    "lab notes": ("lab", lambda r: r.path.endswith("/notes")),
    "convo page": ("convo", _page_two("convo")),
    "ideas page": ("ideas", _page_two("ideas")),
    "ideas token": ("ideas", lambda r: r.path == "/api/v2/oauth/token"),
}


@pytest.mark.parametrize("case", sorted(BARE_429))
async def test_a_bare_429_is_waited_out_and_retried(world: World, case: str) -> None:
    name, matches = BARE_429[case]
    kind = KIND_OF[name]
    fault = world.server.fail(lambda r: r.channel == kind and matches(r), 429, times=1, raw=b"")

    results = await world.sync(name)

    assert results[name].ok, results[name].summary()
    assert fault.hits == 1
    refused = next(r for r in world.server.log if r.answer is fault.answer)
    assert refused.answer.status == 429 and refused.answer.body() == b"" and not refused.answer.headers
    again = [r for r in world.server.log if r.target == refused.target and r.method == refused.method]
    assert len(again) >= 2 and again[1].answer.status == 200, "the refused request is sent again"
    # no Retry-After: the Session backs off on its own (backoff * 4, with up to 10% jitter)
    assert len(world.sleep.calls) == 1 and 4.0 <= world.sleep.calls[0] <= 4.4
    assert world.store.item_count(name) == COUNTS[name]


async def test_bare_429s_in_a_row_on_two_channels_are_each_waited_out(world: World) -> None:
    world.server.fail(lambda r: r.channel == "slack" and r.path == "/conversations.history", 429, times=3, raw=b"")
    world.server.fail(lambda r: r.channel == "zendesk" and r.path.endswith("/cursor.json"), 429, times=2, raw=b"")

    results = await world.sync("chat", "help")

    assert results["chat"].ok and results["help"].ok
    assert len(world.sleep.calls) == 5
    assert (world.store.item_count("chat"), world.store.item_count("help")) == (COUNTS["chat"], COUNTS["help"])


@pytest.mark.parametrize("name", sorted(COUNTS))
async def test_a_server_error_on_one_page_is_retried(world: World, name: str) -> None:
    matches = _page_two(name)
    world.server.fail(lambda r: r.channel == KIND_OF[name] and matches(r), 500, times=1)

    results = await world.sync(name)

    assert results[name].ok, results[name].summary()
    assert len(world.sleep.calls) == 1 and 1.0 <= world.sleep.calls[0] <= 1.1
    assert world.store.item_count(name) == COUNTS[name]


@pytest.mark.parametrize("name", sorted(COUNTS))
async def test_a_page_that_keeps_failing_is_resumed_from_its_cursor_next_time(world: World, name: str) -> None:
    kind, matches = KIND_OF[name], _page_two(name)
    world.server.fail(lambda r: r.channel == kind and matches(r), 500)

    results = await world.sync(name)

    assert results[name].error and "server error 500 after 4 tries" in results[name].error
    failed = [r for r in world.server.log if r.answer is not None and r.answer.status == 500]
    assert len(failed) == 4 and len({r.target for r in failed}) == 1
    assert world.server.root + failed[0].target in results[name].error, "the message names the page"
    assert 0 < world.store.item_count(name) < COUNTS[name]
    cursors = world.store.db.execute("SELECT next_url FROM cursors WHERE source = ? AND next_url IS NOT NULL",
                                     [name]).fetchall()
    assert [row[0] for row in cursors] == [world.server.root + failed[0].target], "mid-stream, at the failed page"

    world.server.clear_faults()
    channel = next(c for c in world.data.channels if c.name == kind)
    seen = len(channel.requests)
    results = await world.sync(name)

    assert results[name].ok, results[name].summary()
    first = next(r for r in channel.requests[seen:] if r.method == "GET")
    assert first.target == failed[0].target, "resumed at the page that failed, not restarted"
    reference = Store(world.path / "reference.db")
    try:
        assert (await world.sync(name, store=reference))[name].ok
        assert world.snapshot(only=name) == world.snapshot(reference, only=name), "as if never interrupted"
    finally:
        reference.close()


# --- corrupt and unexpected payloads ---------------------------------------------------------

BROKEN = b'{"ok": true, "messages": [{"ts": "17'
WRONG_SHAPE = {
    "chat": ({"ok": True, "messages": {"ts": "1772380800.000100"}}, "expected a list of messages"),
    "help": ({"tickets": None, "end_of_stream": False}, "expected a ticket export page"),
    "lab": ({"message": "a list was expected"}, "expected a list of issues"),
    "convo": ({"type": "conversation.list", "conversations": None}, "expected a conversation list"),
    "ideas": ({"suggestions": {"id": 3001}}, "expected a list of suggestions"),
}


@pytest.mark.parametrize("payload", ["broken JSON", "wrong shape"])
@pytest.mark.parametrize("name", sorted(COUNTS))
async def test_a_corrupt_page_names_the_source_and_url_and_the_others_finish(world: World, name: str,
                                                                            payload: str) -> None:
    kind, matches = KIND_OF[name], _page_two(name)
    data, message = WRONG_SHAPE[name]
    if payload == "broken JSON":
        fault = world.server.fail(lambda r: r.channel == kind and matches(r), 200, raw=BROKEN)
        message = "the response is not valid JSON"
    else:
        fault = world.server.fail(lambda r: r.channel == kind and matches(r), 200, data=data)

    results = await world.sync()

    result = results[name]
    target = next(r for r in world.server.log if r.answer is fault.answer).target
    assert result.error and message in result.error, result.error
    assert world.server.root + target in result.error, "the message names the page's URL"
    assert result.summary().startswith(f"{name}: failed: ")
    assert fault.hits == 1, "a payload that cannot be read is not asked for again and again"
    for other, count in COUNTS.items():
        if other != name:
            assert results[other].ok and world.store.item_count(other) == count, results[other].summary()
    assert 0 < world.store.item_count(name) < COUNTS[name], "the pages before it are kept"
    assert_no_secret(" ".join(r.summary() for r in results.values()))
    states = {state["name"]: state for state in world.store.source_states()}
    assert message in states[name]["last_error"]

    world.server.clear_faults()
    results = await world.sync(name)
    assert results[name].ok and world.store.item_count(name) == COUNTS[name]
    assert_db_has_no_secret(world, tuple(world.uservoice.issued))


THREADS = {
    "slack": (lambda r: r.path == "/conversations.replies" and "cursor" in r.query, "chat", "thread "),
    "gitlab": (lambda r: r.path.endswith("/issues/4/notes"), "lab", "issue #4 notes"),
}


@pytest.mark.parametrize("kind", sorted(THREADS))
async def test_a_corrupt_thread_is_skipped_with_a_warning_naming_its_url(world: World, kind: str) -> None:
    matches, name, what = THREADS[kind]
    fault = world.server.fail(lambda r: r.channel == kind and matches(r), 200, raw=BROKEN)

    results = await world.sync(name)

    target = next(r for r in world.server.log if r.answer is fault.answer).target
    assert results[name].error is None and len(results[name].warnings) == 1
    warning = results[name].warnings[0]
    assert what in warning and "not valid JSON" in warning and world.server.root + target in warning
    assert world.store.item_count(name) == COUNTS[name], "the rest of the page and the sync go on"
    assert_no_secret(results[name].summary())


@pytest.mark.parametrize("kind", [
    "slack",
    "gitlab",
])
async def test_a_thread_that_failed_to_load_is_fetched_again_next_time(world: World, kind: str) -> None:
    matches, name, _ = THREADS[kind]
    world.server.fail(lambda r: r.channel == kind and matches(r), 200, raw=BROKEN)
    assert (await world.sync(name))[name].warnings

    world.server.clear_faults()
    results = await world.sync(name)

    assert results[name].ok
    if kind == "slack":
        assert len(world.thread(slack_key(world.data.ts["m1"]))) == 2
    else:
        assert world.thread("lab:4") == [("quince-r", False, "Same here")]


async def test_a_corrupt_zendesk_comments_page_is_skipped_and_the_export_goes_on(world: World) -> None:
    world.server.fail(lambda r: r.channel == "zendesk" and r.path == "/api/v2/tickets/101/comments.json",
                      200, raw=BROKEN)

    results = await world.sync("help")

    assert results["help"].error is None, results["help"].error
    assert any("101" in w and "/api/v2/tickets/101/comments.json" in w for w in results["help"].warnings)
    assert world.store.item_count("help") == COUNTS["help"]


async def test_a_malformed_item_is_skipped_with_a_warning_and_its_page_is_kept(world: World) -> None:
    world.slack.history["99999999999999.000100"] = {"type": "message", "user": "U02PIP", "text": "from the future",
                                                    "ts": "99999999999999.000100"}
    world.zendesk.tickets[102]["created_at"] = "last tuesday"

    results = await world.sync("chat", "help")

    assert results["chat"].error is None and results["help"].error is None
    assert [w.split(":")[0] for w in results["chat"].warnings] == ["skipped message 99999999999999.000100"]
    assert [w.split(":")[0] for w in results["help"].warnings] == ["skipped ticket 102"]
    assert results["chat"].summary().startswith("chat: 5 items") and "incomplete: skipped message" in \
        results["chat"].summary()
    assert world.store.item_count("chat") == COUNTS["chat"]
    assert world.store.item_count("help") == COUNTS["help"] - 1


async def test_a_zendesk_ticket_with_a_corrupt_update_time_is_reported(world: World) -> None:
    world.zendesk.tickets[102]["updated_at"] = "soon"

    results = await world.sync("help")

    assert any("102" in warning for warning in results["help"].warnings), results["help"].summary()


# --- secrets ---------------------------------------------------------------------------------

WRONG = {
    "chat": ("ORCHARD_SLACK_TOKEN", "Slack error invalid_auth: the token is not valid"),
    "help": ("ORCHARD_ZENDESK_TOKEN", "unauthorized: check the token: Couldn't authenticate you"),
    "lab": ("ORCHARD_GITLAB_TOKEN", "unauthorized: check the token: 401 Unauthorized"),
    "convo": ("ORCHARD_INTERCOM_TOKEN", "unauthorized: check the token"),
    "ideas": ("ORCHARD_UV_SECRET", "the OAuth token request was refused (HTTP 401: Client authentication failed)"),
}


async def test_a_wrong_token_is_refused_like_the_channel_does_and_never_shown(world: World) -> None:
    wrong = {variable: value[::-1] for variable, value in SECRETS.items()}

    results = await world.sync(env=wrong)

    for name, (variable, message) in WRONG.items():
        assert results[name].error and message in results[name].error, results[name].error
        assert wrong[variable] not in results[name].summary()
        assert world.store.item_count(name) == 0
    assert_no_secret(" ".join(r.summary() for r in results.values()), tuple(wrong.values()))
    statuses = {r.answer.status for r in world.server.log}
    assert statuses == {200, 401}, "Slack refuses at HTTP 200 with ok: false; the others with a 401"
    assert_db_has_no_secret(world, tuple(wrong.values()))


async def test_slack_errors_at_http_200_name_the_code_and_what_to_do(world: World) -> None:
    world.config.source("chat").options["channel"] = "C0NOTHERE"

    results = await world.sync("chat")

    assert results["chat"].error == ("conversations.history: Slack error channel_not_found: check channel = "
                                     "\"C…\": it is the channel id, not its name, and a private channel "
                                     "needs the groups:history scope")
    assert world.store.item_count("chat") == 0


async def test_an_expired_uservoice_token_is_renewed_once_mid_sync(world: World) -> None:
    world.server.fail(when_first(lambda r: r.channel == "uservoice" and "cursor" in r.query,
                                 world.uservoice.expire_tokens))

    results = await world.sync("ideas")

    assert results["ideas"].ok and world.store.item_count("ideas") == COUNTS["ideas"]
    assert [(r.method, r.answer.status) for r in world.uservoice.requests] == [
        ("POST", 200), ("GET", 200), ("GET", 401), ("POST", 200), ("GET", 200), ("GET", 200)]
    assert len(world.uservoice.issued) == 2
    assert_db_has_no_secret(world, tuple(world.uservoice.issued))


async def test_tokens_never_reach_the_database(world: World) -> None:
    world.uservoice.expire_tokens()
    await world.sync()
    world.uservoice.expire_tokens()  # the next call answers 401: a new token, once
    world.server.fail(lambda r: r.channel == "zendesk", 401, times=1,
                      data={"error": f"Couldn't authenticate {SECRETS['ORCHARD_ZENDESK_TOKEN']}"})
    world.server.fail(lambda r: r.channel == "slack" and r.path == "/conversations.history", 200, times=1,
                      data={"ok": False, "error": "invalid_auth", "token": SECRETS["ORCHARD_SLACK_TOKEN"],
                            "response_metadata": {"messages": [SECRETS["ORCHARD_SLACK_TOKEN"]]}})
    results = await world.sync()

    assert results["help"].error and results["chat"].error
    assert results["ideas"].ok and len(world.uservoice.issued) == 2
    assert_no_secret(" ".join(r.summary() for r in results.values()), tuple(world.uservoice.issued))
    for table in world.store.db.table_names():
        for row in world.store.db.execute(f"SELECT * FROM [{table}]").fetchall():
            assert_no_secret(repr(row), tuple(world.uservoice.issued))
    assert_db_has_no_secret(world, tuple(world.uservoice.issued))


# --- changes while a sync runs ---------------------------------------------------------------


def when_first(matches: Any, change: Any) -> Any:
    """A fault matcher that never matches: it makes `change` once, as the first request
    matching `matches` arrives (before it is answered)."""
    done = []

    def matcher(request: Request) -> bool:
        if not done and matches(request):
            done.append(request)
            change()
        return False

    return matcher


async def test_a_ticket_changed_during_the_export_is_stored_once_in_its_latest_state(world: World) -> None:
    world.server.fail(when_first(lambda r: r.channel == "zendesk" and "cursor" in r.query,
                                 lambda: world.zendesk.comment(101, 502, "Try 2.4.3.", hours(30))))

    results = await world.sync("help")

    assert results["help"].ok
    export = calls(world.zendesk, "/api/v2/incremental/tickets/cursor.json")
    assert [t["id"] for r in export for t in r.answer.data["tickets"]] == [101, 102, 103, 104, 105, 106, 101]
    assert world.store.item_count("help") == COUNTS["help"]
    assert world.items("help")["help:101"]["last_activity_at"] == iso(hours(30))
    assert [body for _, _, body in world.thread("help:101")] == ["Which version?", "2.4.1", "Try 2.4.3."]


async def test_a_slack_message_posted_during_a_sync_comes_with_the_next_one(world: World) -> None:
    late = []
    world.server.fail(when_first(lambda r: r.channel == "slack" and "cursor" in r.query,
                                 lambda: late.append(world.slack.post("U03QUINCE", "Hello?", hours(30))["ts"])))

    results = await world.sync("chat")
    assert results["chat"].ok and world.store.item_count("chat") == COUNTS["chat"]

    results = await world.sync("chat")
    assert results["chat"].ok and world.store.item_count("chat") == COUNTS["chat"] + 1
    assert world.items("chat")[slack_key(late[0])]["author"] == "Quince R"


async def test_an_expired_slack_cursor_starts_the_stream_over(world: World) -> None:
    stale = world.slack.cursor_at(world.data.ts["bot"])  # page 3
    world.server.fail(lambda r: r.channel == "slack" and r.query.get("cursor") == stale, 500)
    assert (await world.sync("chat"))["chat"].error
    assert stale in world.store.cursor("chat", "messages").next_url
    world.server.clear_faults()
    world.server.fail(lambda r: r.channel == "slack" and r.query.get("cursor") == stale, 200,
                      data={"ok": False, "error": "invalid_cursor"}, times=1)  # Slack no longer knows it

    results = await world.sync("chat")  # starts over at once: nothing lost, nothing twice
    assert results["chat"].ok, results["chat"].summary()
    assert world.store.item_count("chat") == COUNTS["chat"]
    assert world.store.cursor("chat", "messages").next_url is None


# --- the command line ------------------------------------------------------------------------


def write_config(path: Path, data: dict) -> Path:
    lines = ["[team]", f"staff = {json.dumps(data['team']['staff'])}", f"me = {json.dumps(data['team']['me'])}"]
    for source in data["sources"]:
        lines.append("\n[[sources]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_inbox_sync_and_list_json_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from inbox.cli import main

    data = seeded()
    for variable, value in SECRETS.items():
        monkeypatch.setenv(variable, value)
    db = tmp_path / "inbox.db"
    with Loopback(*data.channels) as server:
        config = write_config(tmp_path / "config.toml", sources_config(server, data))
        # a corrupt Slack page: named with its URL on stderr; the other channels finish
        fault = server.fail(lambda r: r.channel == "slack" and "cursor" in r.query, 200, raw=BROKEN)

        code = main(["--config", str(config), "--db", str(db), "sync"])
        out, err = capsys.readouterr()
        assert code == 1
        target = next(r for r in server.log if r.answer is fault.answer).target
        assert f"inbox: chat: failed: the response is not valid JSON: {server.root}{target}" in err
        for name, count in COUNTS.items():
            if name != "chat":
                assert f"{name}: {count} items" in out
        assert_no_secret(out + err, tuple(data.uservoice.issued))

        server.clear_faults()
        code = main(["--config", str(config), "--db", str(db), "sync", "--source", "chat"])
        out, err = capsys.readouterr()
        assert code == 0 and out.startswith("chat: ") and err == "", err

        for kind, expected in (("slack", expected_slack(data.ts)),
                               ("zendesk", expected_zendesk(server.base_url(data.zendesk)))):
            code = main(["--config", str(config), "--db", str(db), "list", "--json", f"kind:{kind}"])
            out, err = capsys.readouterr()
            assert code == 0, err
            listed = json.loads(out)
            assert len(listed) == len({item["key"] for item in listed}), "no duplicates"
            assert {item["key"]: fields(item) for item in listed} == expected
    store = Store(db)
    try:
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    for path in tmp_path.glob("inbox.db*"):
        for form in secret_forms() | set(data.uservoice.issued):
            assert form.encode() not in path.read_bytes(), path.name
