"""Intercom adapter: the shared contract plus what only Intercom does.

Every request carries `Intercom-Version`; pages follow `pages.next.starting_after` until
`next` is absent (an older version's next-page URL is followed as given); the first
message is HTML; `title` is often null; `waiting_since` says whether the customer is
waiting for us; Intercom's `snoozed` is channel data, never the inbox's snooze.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest

from inbox.store import Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    Contains,
    FakeChannel,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://intercom.orchardly.test"
CONVERSATIONS = "/conversations"
NEXT = "WzE3NzMwODE5MDAwMDAsMTg5OV0="


def conversation(conversation_id: str, **changes: Any) -> dict:
    for page in ("intercom_conversations_page1.json", "intercom_conversations_page2.json"):
        for raw in load(page)["conversations"]:
            if raw["id"] == conversation_id:
                return {**raw, **changes}
    raise KeyError(conversation_id)


class TestIntercomAdapter(AdapterContract):
    kind = "intercom"
    name = "support"
    base_url = BASE
    secret = "dG9rOjRmMGQ3YjEyXzBhYzFfNGI5ZV85ZDJmXzEyMzQ1Njc4OTBhYjoxOjA="
    staff = ("Quince R",)
    list_path = CONVERSATIONS
    paged_keys: ClassVar[set[str]] = {f"support:{n}" for n in (1911, 1907, 1899, 1890, 1884)}
    normalize_cases: ClassVar[list[NormalizeCase]] = [
        NormalizeCase("hostile-title-awaiting-us", lambda: conversation("1911"), {
            "external_id": "1911",
            "url": "https://app.intercom.com/a/inbox/_/inbox/conversation/1911",
            "title": "[bold]Refund[/] for order #88 & the invoice",
            "body": "I was charged twice for Orchard Pro.\n\nOrder #88 & #89.",
            "author": "Juniper Ash",
            "author_is_staff": False,
            "created_at": "2026-03-10T11:00:00Z",
            "last_activity_at": "2026-03-10T17:30:00Z",
            "replies": 3,  # statistics.count_conversation_parts
            "last_reply_by_staff": False,  # waiting_since is set: the customer waits for us
            "answered": False,
            "state": "open",
            "labels": ["billing", "refund"],
            "thread": None,
        }),
        NormalizeCase("null-title-from-html-body-snoozed-lead-by-email", lambda: conversation("1907"), {
            "title": "Hi! How do I export my orchard & keep the history?",
            "body": "Hi! How do I export my orchard & keep the history?\n\n"
                    "I read the export guide (https://docs.orchardly.test/export) but:\n\n"
                    "- the CSV has no dates\n- the JSON is empty",
            "author": "sorrel@example.test",  # a lead with no name
            "author_is_staff": False,
            "replies": 2,  # conversation_parts.total_count
            "last_reply_by_staff": True,  # waiting_since is null: a teammate answered last
            "state": "open",
            "labels": ["snoozed"],
        }),
        NormalizeCase("admin-initiated-closed-no-statistics", lambda: conversation("1899"), {
            "title": "Hello from Orchardly! Your trial ends in 3 days.",
            "author": "Maple Jo",
            "author_is_staff": True,  # source.author.type is admin
            "replies": 0,
            "last_reply_by_staff": None,
            "state": "closed",
            "labels": [],
        }),
        NormalizeCase("email-subject-anonymous-no-parts", lambda: conversation("1890"), {
            "title": "Account locked after 3 tries",
            "body": "",
            "author": "anonymous",
            "author_is_staff": False,
            "replies": 0,
            "last_reply_by_staff": None,
            "created_at": "2026-03-08T08:53:20Z",
        }),
        NormalizeCase("priority-entities-in-body-answered", lambda: conversation("1884"), {
            "title": "Webhook retries: how often?",
            "body": "How often are webhooks retried <exactly>?\nWe see gaps.",
            "author": "Yarrow L\u00fc",
            "replies": 4,
            "last_reply_by_staff": True,
            "labels": ["priority"],
        }),
        NormalizeCase("staff-by-config-name", lambda: conversation(
            "1884", source={**conversation("1884")["source"],
                            "author": {"type": "user", "id": "1", "name": "Quince R", "email": None}}), {
            "author": "Quince R",
            "author_is_staff": True,
        }),
        NormalizeCase("long-first-line-hostile-markup-body", lambda: conversation(
            "1890", subject="", source={**conversation("1890")["source"], "subject": "", "body":
                                        "<p>[@click=app.quit]Please \x1b[31mhelp\x1b[0m: " + "very " * 40
                                        + "long</p><script>alert(1)</script>"}), {
            "title": "[@click=app.quit]Please help: " + ("very " * 40)[:89].rstrip() + "…",
            "body": Contains("[@click=app.quit]Please help: very", lacking=("alert(1)", "[31m")),
        }),
        NormalizeCase("bare-minimum", lambda: {"type": "conversation", "id": 77, "created_at": 1773000000}, {
            "external_id": "77",
            "title": "(conversation without text)",
            "body": "",
            "author": "anonymous",
            "last_activity_at": "2026-03-08T20:00:00Z",
            "labels": [],
            "state": "open",
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"token_env": "ORCHARD_INTERCOM_TOKEN", "base_url": base_url}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_INTERCOM_TOKEN": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(CONVERSATIONS, ok(load("intercom_conversations_page1.json")))
        channel.on(CONVERSATIONS, ok(load("intercom_conversations_page2.json")), starting_after=NEXT)
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(CONVERSATIONS, ok(load("intercom_conversations_page2.json")))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {self.secret}"
        assert request.headers["intercom-version"] == "2.11"
        assert request.headers["accept"] == "application/json"

    def echoing_error(self) -> Canned:
        return Canned(401, {"type": "error.list", "request_id": "b14d75ab-0rch-4rd0-b33f-77ca0a4d4ede",
                            "errors": [{"code": "unauthorized",
                                        "message": f"Access Token Invalid: {self.secret}"}]})

    # --- what only Intercom does ----------------------------------------------------------

    async def test_list_is_asked_newest_update_first_with_the_api_version(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        first, second = channel.requests
        assert dict(first.url.params) == {"per_page": "150", "order": "desc", "sort": "updated_at"}
        assert dict(second.url.params) == {**dict(first.url.params), "starting_after": NEXT}
        assert all(r.headers["intercom-version"] == "2.11" for r in channel.requests)

    async def test_api_version_can_be_raised(self, store: Store) -> None:
        channel = self.small_channel()
        await self.sync(channel, store, source=self.source(api_version="2.14"))

        assert channel.requests[0].headers["intercom-version"] == "2.14"

    async def test_pagination_ends_when_next_is_absent(self, store: Store) -> None:
        channel = self.small_channel()
        result = await self.sync(channel, store)

        assert result.error is None and len(channel.requests) == 1
        [(next_url,)] = store.db.execute("SELECT next_url FROM cursors WHERE source = 'support'").fetchall()
        assert next_url is None

    async def test_an_older_versions_next_url_is_followed(self, store: Store) -> None:
        first = load("intercom_conversations_page1.json")
        first["pages"] = {"type": "pages", "next": f"{BASE}/conversations?per_page=150&page=2", "page": 1,
                          "per_page": 150, "total_pages": 2}
        channel = FakeChannel()
        channel.on(CONVERSATIONS, ok(first))
        channel.on(CONVERSATIONS, ok(load("intercom_conversations_page2.json")), page="2")

        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert str(channel.requests[1].url) == f"{BASE}/conversations?per_page=150&page=2"
        assert store.item_count("support") == 5

    async def test_resync_stops_at_updates_it_has_already_seen(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        changed = load("intercom_conversations_page1.json")
        newest = changed["conversations"][1]
        newest.update(updated_at=1773200000, waiting_since=1773200000, state="open")
        changed["conversations"].insert(0, changed["conversations"].pop(1))
        channel = FakeChannel()
        channel.on(CONVERSATIONS, ok(changed))
        page_2 = channel.on(CONVERSATIONS, ok(load("intercom_conversations_page2.json")), starting_after=NEXT)
        result = await self.sync(channel, store)

        assert result.error is None
        assert page_2.hits == [], "page 2 holds only updates the last sync saw"
        item = store.item("support:1907", now=NOW)
        assert (item["last_activity_at"], item["last_reply_by_staff"], item["awaiting"]) == (
            "2026-03-11T03:33:20Z", 0, 1)

    async def test_snoozed_in_intercom_is_not_the_inbox_snooze(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        item = store.item("support:1907", now=NOW)
        assert item["state"] == "open" and item["snoozed_until"] is None and not item["snoozed"]
        assert "snoozed" in item["labels"]
        assert store.db.execute("SELECT count(*) FROM triage").fetchone()[0] == 0

    async def test_waiting_since_says_who_is_awaited(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        awaiting = {row["key"] for row in store.list_items("is:awaiting", now=NOW)}
        # 1907 and 1884 were answered by a teammate last; 1899 and 1890 have no replies known
        assert awaiting == {"support:1911", "support:1899", "support:1890"}

    def test_a_customer_no_longer_waiting_had_a_teammates_reply(self) -> None:
        """The list rarely counts parts; `waiting_since: null` on a customer's
        conversation still says a teammate answered, so it is not awaiting us."""
        base = conversation("1911", statistics=None, conversation_parts=None)
        base["source"] = {**base["source"], "author": {"type": "user", "id": "u1", "name": "Ana"}}
        answered = self.source().normalize({**base, "waiting_since": None})
        assert (answered.replies, answered.last_reply_by_staff) == (1, True)
        waiting = self.source().normalize({**base, "waiting_since": 1773200000})
        assert (waiting.replies, waiting.last_reply_by_staff) == (0, None)

    @pytest.mark.parametrize("options, url", [
        ({"app_id": "orch4rd1"}, "https://app.intercom.com/a/inbox/orch4rd1/inbox/conversation/1911"),
        ({"base_url": "https://api.eu.intercom.io"}, "https://app.eu.intercom.com/a/inbox/_/inbox/conversation/1911"),
        ({"base_url": "https://api.intercom.io/"}, "https://app.intercom.com/a/inbox/_/inbox/conversation/1911"),
    ])
    def test_conversation_url(self, options: dict, url: str) -> None:
        source = self.source(**options)
        assert source.normalize(conversation("1911")).url == url

    async def test_a_malformed_conversation_is_skipped_with_a_warning(self, store: Store) -> None:
        page = load("intercom_conversations_page2.json")
        page["conversations"][1:1] = [
            {"type": "conversation", "id": "1888", "created_at": None},
            {"type": "conversation", "id": "1887", "created_at": 10**20, "updated_at": 10**20},
            {"type": "conversation", "created_at": 1772880000},
            "not a conversation",
        ]
        channel = FakeChannel()
        channel.on(CONVERSATIONS, ok(page))

        result = await self.sync(channel, store)

        assert result.error is None and store.item_count("support") == 2
        assert [w.split(":")[0] for w in result.warnings] == [
            "skipped conversation 1888", "skipped conversation 1887", "skipped conversation None"]

    async def test_an_error_list_is_reported_with_its_code_and_message(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(CONVERSATIONS).responses = [Canned(403, {
            "type": "error.list", "request_id": "48ad16d0", "errors": [
                {"code": "api_plan_restricted", "message": "Active subscription needed."}]})]

        result = await self.sync(channel, store)

        assert result.error and result.error.startswith("forbidden")
        assert "api_plan_restricted" in result.error and "Active subscription needed" in result.error
        assert store.item_count("support") == 0
