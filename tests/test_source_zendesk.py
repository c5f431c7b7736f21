"""Zendesk adapter: the shared contract plus what only Zendesk does.

The cursor export never ends: `end_of_stream` still carries a cursor, and the next sync
starts from it; a sync killed mid-stream resumes at the first page it did not save.
Tickets repeat within and across pages (the last one wins), deleted ones leave the inbox,
requesters are names through the side-loaded users, and changed tickets' comments say
who replied last (agents and admins are staff).
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

import httpx
import pytest

from inbox.config import parse
from inbox.errors import ConfigError
from inbox.models import Item
from inbox.sources import registry
from inbox.sources.base import Page
from inbox.store import Cursor, Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://help.orchardly.test"
EXPORT = "/api/v2/incremental/tickets/cursor.json"
CURSOR_1 = "MTc3MjcxNTYwMC4wfHwxMDV8"
CURSOR_2 = "MTc3MzA0ODQwMC4wfHwxMDd8"
RATE = {"x-rate-limit": "700", "x-rate-limit-remaining": "690", "ratelimit-limit": "10",
        "ratelimit-remaining": "9", "ratelimit-reset": "42"}


def comments_path(ticket_id: int) -> str:
    return f"/api/v2/tickets/{ticket_id}/comments.json"


def export_users(page: str) -> dict[int, dict]:
    return {u["id"]: u for u in load(page)["users"]}


def ticket(ticket_id: int, page: str = "zendesk_export_page1.json", **changes: Any) -> dict:
    found = [t for t in load(page)["tickets"] if t["id"] == ticket_id]
    return {**found[-1], **changes}


def raw(ticket_id: int, page: str = "zendesk_export_page1.json", comments: bool = True, **changes: Any) -> dict:
    """What the adapter hands `normalize`: the ticket, the users it knows, maybe the comments."""
    users = export_users(page)
    found: dict[str, Any] = {"ticket": ticket(ticket_id, page, **changes), "users": users, "comments": None}
    if comments:
        data = load(f"zendesk_comments_{ticket_id}.json")
        found["comments"] = data["comments"]
        found["users"] = {**users, **{u["id"]: u for u in data["users"]}}
    return found


def page_2_export() -> dict:
    return load("zendesk_export_page2.json")


class TestZendeskAdapter(AdapterContract):
    kind = "zendesk"
    name = "zd"
    base_url = BASE
    secret = "zdT0ken0rchard5ecretABCDEFGHIJ0123456789"
    staff = ("Juniper",)
    list_path = EXPORT
    paged_keys: ClassVar[set[str]] = {f"zd:{n}" for n in (101, 102, 103, 105, 106, 107)}
    normalize_cases: ClassVar[list[NormalizeCase]] = [
        NormalizeCase("hostile-subject-requester-name-private-note-left-out", lambda: raw(101), {
            "external_id": "101",
            "url": f"{BASE}/agent/tickets/101",
            "title": "Sync fails with \"403\" & <AccessDenied> [bold red]now[/]",
            "body": "Every upload to S3 fails:\n\n403 Forbidden <AccessDenied>\nred",
            "author": "Fran\u00e7ois L'Estrange",
            "author_is_staff": False,
            "created_at": "2026-03-02T08:00:00Z",
            "last_activity_at": "2026-03-05T10:00:00Z",
            "replies": 2,
            "last_reply_by_staff": False,
            "answered": False,
            "state": "open",
            "labels": ["sync", "s3"],
            "thread": [("Maple Jo", True), ("Fran\u00e7ois L'Estrange", False)],
        }),
        NormalizeCase("pending-is-open-agent-replied-last", lambda: raw(102), {
            "state": "open",
            "replies": 1,
            "last_reply_by_staff": True,
            "thread": [("Maple Jo", True)],
        }),
        NormalizeCase("requester-not-side-loaded-falls-back-to-the-sender", lambda: raw(105), {
            "title": "Refund &amp; cancel",  # Zendesk sends subjects as typed
            "author": "Tom & Jerry's <Shop>",
            "author_is_staff": False,
            "state": "closed",  # solved
            "answered": True,
            "thread": [("Quince R", True)],
        }),
        NormalizeCase("no-subject-uses-the-first-line-admin-requester", lambda: raw(106, "zendesk_export_page2.json"), {
            "title": "Printer on fire",
            "body": "Printer on fire\nIt really is.",
            "author": "Sorrel Admin",
            "author_is_staff": True,  # role admin
            "state": "open",  # hold
            "replies": 0,
            "last_reply_by_staff": None,
            "thread": [],
        }),
        NormalizeCase("staff-from-config-comments-not-fetched", lambda: raw(103, comments=False), {
            "title": "Cannot log in with SSO",
            "author": "juniper",
            "author_is_staff": True,  # team.staff, case-insensitive
            "replies": 0,
            "thread": None,
        }),
        NormalizeCase("closed-unknown-requester-no-sender", lambda: {
            "ticket": ticket(107, "zendesk_export_page2.json", requester_id=424242), "users": {}, "comments": None}, {
            "author": "user 424242",
            "state": "closed",
            "answered": True,
            "labels": [],
        }),
        NormalizeCase("bare-ticket", lambda: {"id": 9, "subject": "Bare", "created_at": "2026-03-01T00:00:00Z",
                                              "status": "new", "description": None}, {
            "url": f"{BASE}/agent/tickets/9",
            "author": "unknown",
            "body": "",
            "state": "open",
            "last_activity_at": "2026-03-01T00:00:00Z",
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "email": "bot@orchardly.test", "token_env": "ORCHARD_ZENDESK_TOKEN"}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_ZENDESK_TOKEN": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(EXPORT, ok(load("zendesk_export_page1.json"), **RATE), start_time="0", include="users")
        channel.on(EXPORT, ok(page_2_export(), **RATE), cursor=CURSOR_1, include="users")
        for ticket_id in (101, 102, 103, 105, 106):
            channel.on(comments_path(ticket_id), ok(load(f"zendesk_comments_{ticket_id}.json")), include="users")
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(EXPORT, ok(page_2_export(), **RATE))
        for ticket_id in (106, 107):  # 107 is closed: its comments come only after the first sync
            channel.on(comments_path(ticket_id), ok(load(f"zendesk_comments_{ticket_id}.json")))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        expected = base64.b64encode(f"bot@orchardly.test/token:{self.secret}".encode()).decode()
        assert request.headers["authorization"] == f"Basic {expected}"

    def echoing_error(self) -> Canned:
        return Canned(401, {"error": "Couldn't authenticate you", "description": f"token {self.secret} is invalid"})

    # --- what only Zendesk does ---------------------------------------------------------

    async def test_end_of_stream_keeps_its_cursor_and_the_next_sync_starts_there(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        assert store.cursor("zd", "tickets").next_url is None
        assert store.cursor("zd", "tickets").high_water == CURSOR_2

        later = {"tickets": [ticket(102, updated_at="2026-03-10T08:00:00Z", status="solved")],
                 "users": [], "after_url": f"{BASE}{EXPORT}?cursor=MTc3MzEzMDQwMC4wfHwxMDJ8",
                 "after_cursor": "MTc3MzEzMDQwMC4wfHwxMDJ8", "before_url": None, "before_cursor": None,
                 "end_of_stream": True}
        channel = FakeChannel()
        route = channel.on(EXPORT, ok(later, **RATE))
        channel.on(comments_path(102), ok(load("zendesk_comments_102.json")))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert dict(route.hits[0].url.params) == {"cursor": CURSOR_2, "include": "users"}
        assert store.item("zd:102", now=NOW)["state"] == "closed"
        assert store.item("zd:102", now=NOW)["author"] == "Ivy C", "the requester comes from the comments' users"
        assert store.cursor("zd", "tickets").high_water == "MTc3MzEzMDQwMC4wfHwxMDJ8"

    async def test_an_unchanged_export_is_one_request_that_keeps_the_cursor(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        empty = {"tickets": [], "after_url": f"{BASE}{EXPORT}?cursor={CURSOR_2}", "after_cursor": CURSOR_2,
                 "before_url": None, "before_cursor": None, "end_of_stream": True}
        channel = FakeChannel()
        channel.on(EXPORT, ok(empty, **RATE))
        result = await self.sync(channel, store)

        assert result.error is None and len(channel.requests) == 1 and result.items == 0
        assert store.cursor("zd", "tickets") == Cursor(None, CURSOR_2, None)
        assert store.item_count("zd") == 6

    async def test_a_sync_killed_mid_stream_resumes_there_losing_and_doubling_nothing(self, store: Store) -> None:
        channel = self.paged_channel()
        next(r for r in channel.routes if r.query.get("cursor") == CURSOR_1).responses = [
            Canned(503, {"error": "ServiceUnavailable"})]
        result = await self.sync(channel, store, sleep=FakeSleep())

        assert result.error and "503" in result.error
        cursor = store.cursor("zd", "tickets")
        assert cursor.high_water is None
        assert dict(httpx.URL(cursor.next_url).params) == {"cursor": CURSOR_1, "include": "users"}
        assert store.item_count("zd") == 4  # page 1: 101, 102, 103, 105

        resumed = self.paged_channel()
        result = await self.sync(resumed, store)

        assert result.error is None
        assert dict(resumed.requests[0].url.params) == {"cursor": CURSOR_1, "include": "users"}
        assert store.item_count("zd") == 6
        assert store.db.execute("SELECT count(*) FROM thread WHERE key = 'zd:101'").fetchone()[0] == 2
        assert store.cursor("zd", "tickets").high_water == CURSOR_2

    async def test_a_page_read_again_does_not_fetch_saved_comments_again(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        # as if the sync had been killed right after saving page 1
        store.save_page("zd", [], stream="tickets", cursor=Cursor(f"{BASE}{EXPORT}?cursor={CURSOR_1}&include=users"))
        channel = FakeChannel()
        channel.on(EXPORT, ok(page_2_export(), **RATE))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert [r.url.path for r in channel.requests] == [EXPORT], "103 and 106 are saved at these updates"
        assert store.item("zd:103", now=NOW)["replies"] == 1, "not wiped by the re-read"

    async def test_deleted_and_scrubbed_tickets_leave_the_inbox(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        assert store.item("zd:104", now=NOW) is None
        store.set_triage(["zd:101"], {"type": "bug", "done": True}, now=NOW, by="test")

        gone = {"tickets": [ticket(101, status="deleted", updated_at="2026-03-10T08:00:00Z"),
                            ticket(102, subject="SCRUBBED", raw_subject="SCRUBBED", description="X",
                                   status="deleted", updated_at="2026-03-10T08:01:00Z")],
                "users": [], "after_cursor": "MTc3MzEzMDQ2MC4wfHwxMDJ8", "end_of_stream": True}
        channel = FakeChannel()
        channel.on(EXPORT, ok(gone, **RATE))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == [], "no comments fetched for deleted tickets"
        for key in ("zd:101", "zd:102"):
            assert store.item(key, now=NOW) is None
            for table in ("thread", "item_labels"):
                assert store.db.execute(f"SELECT count(*) FROM {table} WHERE key = ?", [key]).fetchone()[0] == 0
        assert store.item_count("zd") == 4
        assert store.triage_rows(["zd:101"])["zd:101"]["type"] == "bug", "the user's decision is kept"

    async def test_a_ticket_repeated_within_and_across_pages_is_one_item_last_wins(self, store: Store) -> None:
        channel = self.paged_channel()
        again = page_2_export()
        again["tickets"].insert(1, ticket(103, status="solved", updated_at="2026-03-09T09:30:00Z"))
        next(r for r in channel.routes if r.query.get("cursor") == CURSOR_1).responses = [ok(again)]
        result = await self.sync(channel, store)

        assert result.error is None
        assert store.db.execute("SELECT count(*) FROM items WHERE key = 'zd:103'").fetchone()[0] == 1
        row = store.item("zd:103", now=NOW)
        assert (row["title"], row["state"], row["last_activity_at"]) == (
            "Cannot log in with SSO", "closed", "2026-03-09T09:30:00Z")
        assert row["labels"] == '["sso"]'

        pages = await self.fetch(self.paged_channel(), Store(":memory:"))
        first: Page = pages[0]
        assert [item.external_id for item in first.items] == ["101", "102", "103", "105"]
        assert first.removed == ["zd:104"]
        [repeated] = [item for item in first.items if item.external_id == "103"]
        assert repeated.title == "Cannot log in with SSO", "the later copy on the page wins"

    async def test_requesters_are_named_and_agents_are_staff(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        authors = {row["key"]: (row["author"], row["author_is_staff"], row["last_reply_by_staff"])
                   for row in store.list_items("", now=NOW)}
        assert authors == {
            "zd:101": ("Fran\u00e7ois L'Estrange", 0, 0),
            "zd:102": ("Ivy C", 0, 1),
            "zd:103": ("juniper", 1, 1),
            "zd:105": ("Tom & Jerry's <Shop>", 0, 1),
            "zd:106": ("Sorrel Admin", 1, None),
            "zd:107": ("Ivy C", 0, None),  # closed in the first sync: comments not fetched
        }
        assert [r["body"] for r in store.thread("zd:101")] == ["Which region is the bucket in?",
                                                               "eu-west-3. Still failing."]

    async def test_comments_over_several_pages_are_all_read(self, store: Store) -> None:
        data = load("zendesk_comments_101.json")
        first = {**data, "comments": data["comments"][:2],
                 "next_page": f"{BASE}{comments_path(101)}?include=users&page=2"}
        second = {**data, "comments": data["comments"][2:], "next_page": None}
        channel = self.paged_channel()
        channel.route(comments_path(101)).responses = [ok(first)]
        channel.on(comments_path(101), ok(second), page="2", include="users")
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert [r["author"] for r in store.thread("zd:101")] == ["Maple Jo", "Fran\u00e7ois L'Estrange"]

    async def test_a_refused_comments_fetch_warns_and_keeps_the_ticket(self, store: Store) -> None:
        channel = self.paged_channel()
        channel.route(comments_path(102)).responses = [Canned(400, {"error": "InvalidEndpoint"})]
        gone = channel.route(comments_path(105))
        gone.responses = [Canned(404, {"error": "RecordNotFound", "description": "Not found"})]
        result = await self.sync(channel, store)

        assert result.error is None
        assert len(result.warnings) == 1 and "ticket 102" in result.warnings[0]
        assert store.item("zd:102", now=NOW)["title"] == "Invoice for March"
        assert store.item("zd:105", now=NOW)["author"] == "Tom & Jerry's <Shop>"

    async def test_a_server_error_on_comments_fails_the_page_so_it_is_read_again(self, store: Store) -> None:
        channel = self.paged_channel()
        channel.route(comments_path(106)).responses = [Canned(500, {"error": "boom"})]
        result = await self.sync(channel, store, sleep=FakeSleep())

        assert result.error and "500" in result.error
        assert store.item("zd:106", now=NOW) is None
        assert dict(httpx.URL(store.cursor("zd", "tickets").next_url).params)["cursor"] == CURSOR_1

    def test_the_subdomain_makes_the_base_url(self) -> None:
        entry = {"name": "zd", "kind": "zendesk", "subdomain": "orchardly", "email": "bot@orchardly.test",
                 "token_env": "ORCHARD_ZENDESK_TOKEN"}
        config = parse({"sources": [entry]})
        source = registry.build(config.sources[0], config, env=self.env())

        assert source.base_url == "https://orchardly.zendesk.com"
        item: Item = source.normalize(ticket(102))
        assert item.url == "https://orchardly.zendesk.com/agent/tickets/102"

    @pytest.mark.parametrize("entry, message", [
        ({}, "source 'zd': zendesk needs subdomain"),
        ({"subdomain": "evil.example/x"}, "source 'zd': subdomain must be"),
    ])
    def test_a_missing_or_odd_subdomain_is_a_clear_config_error(self, entry: dict, message: str) -> None:
        config = parse({"sources": [{"name": "zd", "kind": "zendesk", "email": "bot@orchardly.test",
                                     "token_env": "ORCHARD_ZENDESK_TOKEN", **entry}]})
        with pytest.raises(ConfigError) as raised:
            registry.build(config.sources[0], config, env=self.env())
        assert str(raised.value).startswith(message)

    async def test_an_unset_token_is_a_clear_error_not_an_anonymous_sync(self, store: Store) -> None:
        channel = self.small_channel()
        source = self.source()
        source.env = {}
        result = await self.sync(channel, store, source=source)

        assert result.error and "ORCHARD_ZENDESK_TOKEN" in result.error
        assert channel.requests == []

    async def test_the_encoded_credentials_are_redacted_too(self, store: Store) -> None:
        encoded = base64.b64encode(f"bot@orchardly.test/token:{self.secret}".encode()).decode()
        channel = self.small_channel()
        channel.route(EXPORT).responses = [Canned(403, {"error": f"Basic {encoded} is not allowed"})]
        result = await self.sync(channel, store)

        assert result.error == f"forbidden: the token lacks access: Basic *** is not allowed ({BASE}{EXPORT}" \
                               "?start_time=0&include=users)"
