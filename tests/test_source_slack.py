"""Slack adapter: the shared contract plus what only Slack does.

Errors come as HTTP 200 `{ok: false, error}`; a 429 may come bare (no Retry-After, no
body); joins and bot posts are not items; user ids become names through one `users.info`
per user per sync; mrkdwn links, mentions and entities are made readable; a thread is
fetched again only when its `latest_reply` moved; permalinks are built from the ts.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import httpx
import pytest

from inbox.config import parse
from inbox.errors import ConfigError, SourceError
from inbox.sources import registry
from inbox.sources.slack import SlackSource, workspace_url
from inbox.store import Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    Contains,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://slack.orchardly.test/api"
HISTORY = "/api/conversations.history"
REPLIES = "/api/conversations.replies"
USERS = "/api/users.info"
CHANNEL = "C07ORCHRD"
CURSOR = "bmV4dF90czoxNzczMDQ2ODAwMDAwNDAw"
THREADS = ("1773158400.001200", "1772957700.000500", "1772805600.000200")
PAGE_1_USERS = ("U07JUNIP", "U07OAKBR", "U07MAPLE", "U07GONE1")
PAGE_2_USERS = ("U07QUINC", "U07JUNIP", "U07TANSY", "U07MAPLE")


def message(ts: str, **changes: Any) -> dict:
    for page in ("slack_history_page1.json", "slack_history_page2.json"):
        for raw in load(page)["messages"]:
            if raw["ts"] == ts:
                return {**raw, **changes}
    raise KeyError(ts)


def users() -> dict[str, dict | None]:
    """What the adapter keeps from users.info: the user, or None where the lookup failed."""
    return {user_id: answer.get("user") for user_id, answer in load("slack_users.json").items()}


def replies(ts: str) -> list[dict]:
    return [m for m in load(f"slack_replies_{ts}.json")["messages"] if m["ts"] != ts]


def raw(ts: str, *, thread: bool = True, **changes: Any) -> dict:
    """What the adapter hands `normalize`: the message, the users, its replies if fetched."""
    found = message(ts, **changes)
    return {"message": found, "users": users(), "workspace": "https://orchardly.slack.com",
            "replies": replies(ts) if thread and found.get("reply_count") else ([] if thread else None)}


def route_users(channel: FakeChannel, ids: tuple[str, ...] = (*PAGE_1_USERS, *PAGE_2_USERS)) -> None:
    answers = load("slack_users.json")
    for user_id in dict.fromkeys(ids):
        channel.on(USERS, ok(answers[user_id]), user=user_id)


def route_threads(channel: FakeChannel, *threads: str) -> None:
    for ts in threads:
        channel.on(REPLIES, ok(load(f"slack_replies_{ts}.json")), ts=ts)


class TestSlackAdapter(AdapterContract):
    kind = "slack"
    name = "help"
    base_url = BASE
    secret = "xoxb-7001-8002-Orch4rdSlackT0kenSecret"
    staff = ("quince-r",)
    list_path = HISTORY
    paged_keys: ClassVar[set[str]] = {f"help:{ts}" for ts in ("1773158400.001200", "1773144000.000700", "1773046800.000400",
                                          "1772957700.000500", "1772881200.000300", "1772805600.000200")}
    normalize_cases: ClassVar[list[NormalizeCase]] = [
        NormalizeCase("hostile-title-link-entities-and-thread", lambda: raw("1773158400.001200"), {
            "external_id": "1773158400.001200",
            "url": "https://orchardly.slack.com/archives/C07ORCHRD/p1773158400001200",
            "title": "*[bold red]Sync[/] hangs* after upgrading to 2.4 & a restart <3",
            "body": "*[bold red]Sync[/] hangs* after upgrading to 2.4 (https://docs.orchardly.test/upgrade) "
                    "& a restart <3\nThe log says:\n```error: quota exceeded (413)```",
            "author": "juniper",
            "author_is_staff": False,
            "created_at": "2026-03-10T16:00:00Z",
            "last_activity_at": "2026-03-10T17:30:00Z",
            "replies": 2,
            "last_reply_by_staff": True,  # Maple Jo is a workspace admin
            "answered": False,
            "state": "open",
            "labels": [],
            "thread": [("oak.barrel", False), ("Maple Jo", True)],
        }),
        NormalizeCase("a-broken-reply-is-dropped-not-the-message", lambda: {
            **raw("1773158400.001200"), "replies": [{"type": "message", "user": "U07OAKBR", "ts": "soon"},
                                                    *replies("1773158400.001200")]}, {
            "thread": [("oak.barrel", False), ("Maple Jo", True)],
            "last_reply_by_staff": True,
        }),
        NormalizeCase("thread-not-fetched-this-time", lambda: raw("1773158400.001200", thread=False), {
            "replies": 2,
            "last_reply_by_staff": None,
            "thread": None,
        }),
        NormalizeCase("user-lookup-failed-keeps-the-id-mention-resolved", lambda: raw("1773144000.000700"), {
            "title": "Is there a way to pin a mirror per album? cc @Maple Jo",
            "author": "U07GONE1",
            "author_is_staff": False,
            "replies": 0,
            "last_reply_by_staff": None,
            "thread": [],
            "last_activity_at": "2026-03-10T12:00:00Z",
        }),
        NormalizeCase("admin-is-staff-and-here", lambda: raw("1773046800.000400"), {
            "title": "Office hours move to Thursday this week. @here",
            "author": "Maple Jo",
            "author_is_staff": True,
        }),
        NormalizeCase("staff-from-config-long-first-line-and-channel", lambda: raw("1772957700.000500"), {
            "title": "Heads-up for everyone running orchard-sync against a self-hosted MinIO: the 2.4 uploader "
                     "switches to virtual-host style…",
            "body": Contains("so set path_style = true or every upload fails\nDetails in #general."),
            "author": "Quince R",  # no display name: the real name; staff by login quince-r
            "author_is_staff": True,
            "replies": 1,
            "last_reply_by_staff": False,
            "thread": [("juniper", False)],
            "last_activity_at": "2026-03-10T10:00:00Z",
        }),
        NormalizeCase("file-share-hostile-display-name", lambda: raw("1772881200.000300"), {
            "title": "trace.png",
            "body": "[file: trace.png]",
            "author": "[@click=app.quit]tansy",
            "author_is_staff": False,
        }),
        NormalizeCase("entities-bare-link-bot-and-broadcast-replies", lambda: raw("1772805600.000200"), {
            "title": "Q&A: does https://orchardly.test/faq?a=1&b=2 cover proxies like <squid>?",
            "body": "Q&A: does https://orchardly.test/faq?a=1&b=2 cover proxies like <squid>?",
            "replies": 3,
            "last_reply_by_staff": True,
            "thread": [("faq-bot", False), ("juniper", False), ("Maple Jo", True)],
            "last_activity_at": "2026-03-09T18:45:00Z",
        }),
        NormalizeCase("old-style-mentions-mailto-subteam-and-date", lambda: {
            "message": {"type": "message", "ts": "1773000000.000100", "user": "U07NOBODY",
                        "text": "ping <@U99|bob> or <mailto:help@orchardly.test|help@orchardly.test>, "
                                "<!subteam^S07DOCS|@docs> by <!date^1773158400^{date_short}|Mar 10> "
                                "in <#C07GENRL> &amp;lt;literally&amp;gt;"},
            "users": {}, "replies": None, "workspace": None}, {
            "title": "ping @bob or help@orchardly.test, @docs by Mar 10 in #C07GENRL &lt;literally&gt;",
            "url": "https://orchardly.slack.com/archives/C07ORCHRD/p1773000000000100",
            "author": "U07NOBODY",
            "thread": [],
        }),
        NormalizeCase("bare-message", lambda: {"type": "message", "ts": "1773000000.000200", "text": "",
                                               "user": "U07JUNIP"}, {
            "title": "(message without text)",
            "body": "",
            "author": "U07JUNIP",
            "created_at": "2026-03-08T20:00:00Z",
            "labels": [],
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"channel": CHANNEL, "workspace": "orchardly", "token_env": "ORCHARD_SLACK_TOKEN",
                "base_url": base_url}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_SLACK_TOKEN": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(HISTORY, ok(load("slack_history_page1.json")))
        channel.on(HISTORY, ok(load("slack_history_page2.json")), cursor=CURSOR)
        route_threads(channel, *THREADS)
        route_users(channel)
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(HISTORY, ok(load("slack_history_page2.json")))
        route_threads(channel, "1772957700.000500", "1772805600.000200")
        route_users(channel, PAGE_2_USERS)
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {self.secret}"

    def echoing_error(self) -> Canned:
        return Canned(200, {"ok": False, "error": "invalid_auth", "response_metadata": {
            "messages": [f"[ERROR] the token {self.secret} is not valid for this workspace"]}})

    # --- what only Slack does -----------------------------------------------------------

    @pytest.mark.parametrize("code, hint", [
        ("not_in_channel", "/invite"),
        ("invalid_auth", "token"),
        ("channel_not_found", "channel id"),
        ("ratelimited", "try again"),
        ("fatal_error", "api.slack.com/methods/conversations.history"),
    ])
    async def test_ok_false_at_http_200_is_an_error_naming_the_code(self, store: Store, code: str,
                                                                    hint: str) -> None:
        channel = self.small_channel()
        channel.route(HISTORY).responses = [ok({"ok": False, "error": code})]

        with pytest.raises(SourceError) as raised:
            await self.fetch(channel, store)

        assert raised.value.source == "help" and str(raised.value).startswith("help: ")
        assert code in raised.value.reason and hint in raised.value.reason
        result = await self.sync(channel, store)
        assert result.error and code in result.error
        assert store.item_count("help") == 0

    async def test_missing_scope_names_the_scope_needed(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(HISTORY).responses = [ok({"ok": False, "error": "missing_scope",
                                                "needed": "channels:history", "provided": "users:read"})]

        with pytest.raises(SourceError, match="missing_scope.*needs channels:history"):
            await self.fetch(channel, store)

    async def test_bare_429_without_retry_after_waits_then_succeeds(self, store: Store) -> None:
        channel = self.small_channel()
        route = channel.route(HISTORY)
        route.responses.insert(0, Canned(429, raw=b"", headers={"Content-Type": "text/plain"}))
        sleep = FakeSleep()

        result = await self.sync(channel, store, sleep=sleep)

        assert result.error is None, result.error
        assert len(route.hits) == 2
        assert len(sleep.calls) == 1 and 1 <= sleep.calls[0] <= 10, sleep.calls
        assert store.item_count("help") == 3

    async def test_joins_bot_posts_and_broadcast_replies_are_not_items(self, store: Store) -> None:
        result = await self.sync(self.paged_channel(), store)

        assert result.error is None and result.warnings == []
        keys = {row["key"] for row in store.list_items("", now=NOW)}
        for ts in ("1773154800.000300", "1773151200.000900", "1773147600.000100", "1773079200.000800"):
            assert f"help:{ts}" not in keys  # channel_join, bot_message, bot without user, thread_broadcast

    async def test_users_are_looked_up_once_per_sync(self, store: Store) -> None:
        channel = self.paged_channel()
        result = await self.sync(channel, store)

        assert result.error is None and result.warnings == []
        looked_up = [r.url.params["user"] for r in channel.requests if r.url.path == USERS]
        assert sorted(looked_up) == sorted(set(PAGE_1_USERS) | set(PAGE_2_USERS)), looked_up
        assert "U07NEWBY" not in looked_up, "the join was left out, so its user is not needed"
        item = store.item("help:1773144000.000700", now=NOW)
        assert item["author"] == "U07GONE1" and item["title"].endswith("cc @Maple Jo")

    async def test_without_users_read_names_stay_ids_with_one_warning(self, store: Store) -> None:
        channel = FakeChannel()
        channel.on(HISTORY, ok(load("slack_history_page1.json")))
        channel.on(HISTORY, ok(load("slack_history_page2.json")), cursor=CURSOR)
        route_threads(channel, *THREADS)
        channel.on(USERS, ok({"ok": False, "error": "missing_scope", "needed": "users:read"}))

        result = await self.sync(channel, store)

        assert result.error is None
        assert len(result.warnings) == 1 and "missing_scope" in result.warnings[0]
        assert len(channel.route(USERS).hits) == 1, "a missing scope is not asked again per user"
        assert store.item_count("help") == 6
        assert store.item("help:1773158400.001200", now=NOW)["author"] == "U07JUNIP"

    async def test_a_users_info_server_error_never_fails_the_sync(self, store: Store) -> None:
        channel = self.small_channel()
        for route in channel.routes:
            if route.path == USERS:
                route.responses = [Canned(503, raw=b"", headers={"Content-Type": "text/plain"})]

        result = await self.sync(channel, store, sleep=FakeSleep())

        assert result.error is None and store.item_count("help") == 3
        assert len(result.warnings) == 1 and "503" in result.warnings[0]

    @pytest.mark.parametrize("workspace, url", [
        ("orchardly", "https://orchardly.slack.com"),
        ("orchardly.slack.com", "https://orchardly.slack.com"),
        ("https://orchardly.enterprise.slack.com/", "https://orchardly.enterprise.slack.com"),
    ])
    def test_permalink_is_the_ts_without_its_dot(self, workspace: str, url: str) -> None:
        assert workspace_url(workspace) == url
        source = self.source(workspace=workspace)
        item = source.normalize({"type": "message", "ts": "1773158400.001200", "user": "U1", "text": "hi"})
        assert item.url == f"{url}/archives/C07ORCHRD/p1773158400001200"

    async def test_without_workspace_auth_test_names_it_once(self, store: Store) -> None:
        channel = self.small_channel()
        auth = channel.on("/api/auth.test", ok({"ok": True, "url": "https://orchardly-help.slack.com/",
                                                "team": "Orchardly", "user": "inbox", "team_id": "T07ORCHARD"}))
        options = {k: v for k, v in self.options(BASE).items() if k != "workspace"}
        config = parse({"sources": [{"name": "help", "kind": "slack", **options}]})
        source = registry.build(config.sources[0], config, env=self.env())

        result = await self.sync(channel, store, source=source)

        assert result.error is None and len(auth.hits) == 1
        assert store.item("help:1772805600.000200", now=NOW)["url"] == (
            "https://orchardly-help.slack.com/archives/C07ORCHRD/p1772805600000200")

    async def test_threads_are_fetched_again_only_when_latest_reply_moved(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        # the same channel again: no thread is fetched, nothing is lost
        channel = FakeChannel()
        channel.on(HISTORY, ok(load("slack_history_page1.json")))
        channel.on(HISTORY, ok(load("slack_history_page2.json")), cursor=CURSOR)
        route_users(channel)  # names are looked up once per sync, not remembered between syncs
        result = await self.sync(channel, store)
        assert result.error is None and result.warnings == [] and channel.unmatched == []
        assert REPLIES not in [r.url.path for r in channel.requests]
        assert [r["author"] for r in store.thread("help:1772805600.000200")] == ["faq-bot", "juniper", "Maple Jo"]

        # a new reply on an older parent: only that thread is fetched
        page_2 = load("slack_history_page2.json")
        parent = page_2["messages"][2]
        parent.update(reply_count=4, latest_reply="1773210000.000100")
        thread = load("slack_replies_1772805600.000200.json")
        new = copy.deepcopy(thread["messages"][-1])
        new.update(ts="1773210000.000100", user="U07JUNIP", text="Still failing behind squid 6, sorry")
        thread["messages"].append(new)
        thread["messages"][0].update(reply_count=4, latest_reply="1773210000.000100")
        channel = FakeChannel()
        channel.on(HISTORY, ok(load("slack_history_page1.json")))
        channel.on(HISTORY, ok(page_2), cursor=CURSOR)
        replies_route = channel.on(REPLIES, ok(thread), ts="1772805600.000200")
        route_users(channel, ("U07JUNIP", "U07MAPLE", "U07OAKBR", "U07GONE1", "U07QUINC", "U07TANSY"))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert [r.url.path for r in channel.requests].count(REPLIES) == 1 and len(replies_route.hits) == 1
        item = store.item("help:1772805600.000200", now=NOW)
        assert (item["replies"], item["last_reply_by_staff"], item["last_activity_at"]) == (
            4, 0, "2026-03-11T06:20:00Z")
        assert store.thread("help:1772805600.000200")[-1]["body"] == "Still failing behind squid 6, sorry"

    async def test_resync_asks_only_for_messages_since_the_last_sync_less_the_thread_window(
            self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        first = [r for r in store.db.execute("SELECT high_water FROM cursors WHERE source = 'help'")]
        assert first == [("2026-03-10T17:30:00Z",)]

        channel = FakeChannel()
        channel.on(HISTORY, ok({"ok": True, "messages": [], "has_more": False}))
        await self.sync(channel, store)
        [request] = channel.requests
        # 2026-03-10T17:30:00Z is 1773163800; a week before it is 1772559000
        assert dict(request.url.params) == {"channel": CHANNEL, "limit": "200", "oldest": "1772559000.000000"}

        channel = FakeChannel()
        channel.on(HISTORY, ok({"ok": True, "messages": [], "has_more": False}))
        await self.sync(channel, store, source=self.source(thread_window="0d"))
        assert channel.requests[0].url.params["oldest"] == "1773163800.000000"

    async def test_history_bounds_the_first_sync_only(self, store: Store) -> None:
        channel = FakeChannel()
        channel.on(HISTORY, ok(load("slack_history_page2.json")))
        route_threads(channel, "1772957700.000500", "1772805600.000200")
        route_users(channel, PAGE_2_USERS)
        await self.sync(channel, store, source=self.source(history="90d"))
        # NOW is 2026-03-11T09:00:00Z = 1773219600; 90 days before it is 1765443600
        assert channel.requests[0].url.params["oldest"] == "1765443600.000000"

        channel = FakeChannel()
        channel.on(HISTORY, ok({"ok": True, "messages": [], "has_more": False}))
        await self.sync(channel, store, source=self.source(history="90d"))
        # the last sync saw 2026-03-10T10:00:00Z (1773136800): a week before that
        assert channel.requests[0].url.params["oldest"] == "1772532000.000000"

    @pytest.mark.parametrize("key", ["thread_window", "history"])
    def test_a_bad_duration_is_a_config_error(self, key: str) -> None:
        with pytest.raises(ConfigError, match=key):
            self.source(**{key: "a fortnight"})

    async def test_a_malformed_message_is_skipped_with_a_warning(self, store: Store) -> None:
        page = load("slack_history_page2.json")
        page["messages"][1:1] = [
            {"type": "message", "user": "U07JUNIP", "text": "inf", "ts": "inf"},
            {"type": "message", "user": "U07JUNIP", "text": "far", "ts": "999999999999.000001"},
            {"type": "message", "user": "U07JUNIP", "text": "no ts"},
            {"type": "message", "user": "U07JUNIP", "text": "list ts", "ts": ["1772900000.000100"]},
            {"type": "message", "user": "U07JUNIP", "text": "odd subtype", "ts": "1772900000.000200",
             "subtype": ["file_share"]},
            "not a message",
        ]
        channel = self.small_channel()
        channel.route(HISTORY).responses = [ok(page)]

        result = await self.sync(channel, store)

        assert result.error is None and store.item_count("help") == 3
        assert len(result.warnings) == 2 and all("skipped message" in w for w in result.warnings)

    async def test_replies_are_paged_by_cursor_and_the_parent_left_out(self, store: Store) -> None:
        ts = "1772805600.000200"
        thread = load(f"slack_replies_{ts}.json")
        parent, *rest = thread["messages"]
        first = {"ok": True, "messages": [parent, *rest[:2]], "has_more": True,
                 "response_metadata": {"next_cursor": "dGhyZWFkOjI="}}
        second = {"ok": True, "messages": [parent, rest[2]], "has_more": False}  # the parent again
        channel = self.small_channel()
        channel.route(REPLIES)  # the thread routes exist; make this one two pages
        for route in channel.routes:
            if route.path == REPLIES and route.query == {"ts": ts}:
                route.responses = [ok(first)]
        channel.on(REPLIES, ok(second), ts=ts, cursor="dGhyZWFkOjI=")

        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert [r["author"] for r in store.thread(f"help:{ts}")] == ["faq-bot", "juniper", "Maple Jo"]

    async def test_a_thread_that_fails_is_a_warning_and_is_fetched_next_time(self, store: Store) -> None:
        channel = self.small_channel()
        for route in channel.routes:
            if route.path == REPLIES and route.query == {"ts": "1772805600.000200"}:
                route.responses = [ok({"ok": False, "error": "ratelimited"})]
        result = await self.sync(channel, store)

        assert result.error is None and store.item_count("help") == 3
        assert len(result.warnings) == 1 and "1772805600.000200" in result.warnings[0]
        assert "ratelimited" in result.warnings[0]
        assert store.threads_fetched_at(["help:1772805600.000200"]) == {}

        channel = self.small_channel()
        result = await self.sync(channel, store)
        assert result.error is None and result.warnings == []
        hits = [r.url.params.get("ts") for r in channel.requests if r.url.path == REPLIES]
        assert hits == ["1772805600.000200"], "only the thread that failed is fetched again"
        assert len(store.thread("help:1772805600.000200")) == 3

    def test_token_is_required(self) -> None:
        options = {k: v for k, v in self.options(BASE).items() if k != "token_env"}
        config = parse({"sources": [{"name": "help", "kind": "slack", **options}]})
        source = registry.build(config.sources[0], config, env={})
        with pytest.raises(ConfigError, match="token_env"):
            source.headers()

    def test_readable_mrkdwn(self) -> None:
        source = self.source()
        assert isinstance(source, SlackSource)
        known = {"U1": {"id": "U1", "name": "amy", "profile": {"display_name": "Amy"}}}
        text = "<@U1> and <@U2>: see <https://x.test/a?b=1&amp;c=2|the *docs*> &amp; <https://y.test>"
        assert source.readable(text, known) == (
            "@Amy and @U2: see the *docs* (https://x.test/a?b=1&c=2) & https://y.test")
        assert source.readable(text, known, links=False) == "@Amy and @U2: see the *docs* & https://y.test"
        assert source.readable("a &lt;b&gt; &amp;amp; <!channel> <!everyone>", {}) == "a <b> &amp; @channel @everyone"
