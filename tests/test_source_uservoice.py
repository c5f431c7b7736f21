"""UserVoice adapter: the shared contract plus what only UserVoice does.

A token comes from the OAuth client-credentials call and goes as Bearer; a 401 gets a new
token and the call is tried once more; neither the client secret nor the token reaches a
URL, an error or the store. The account's status names map to the idea lifecycle
(default names, the config's own map, unknown -> None); supporters are kept.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import parse_qsl

import httpx
import pytest

from inbox.config import parse
from inbox.errors import ConfigError, SourceError
from inbox.sources import registry
from inbox.store import Store
from tests.adapter_base import (
    AdapterContract,
    Canned,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
    stored_values,
)

BASE = "https://ideas.orchardly.test"
TOKEN_PATH = "/api/v2/oauth/token"
SUGGESTIONS = "/api/v2/admin/suggestions"
CURSOR = "eyJzb3J0IjoiLXVwZGF0ZWRfYXQiLCJsYXN0X2lkIjoyMDAxMDV9"
TOKEN = load("uservoice_token.json")["access_token"]
RATE = {"x-rate-limit-limit": "600", "x-rate-limit-remaining": "590", "x-rate-limit-reset": "1773224400"}


def side_loaded(page: str) -> dict[str, dict]:
    data = load(page)
    return {name: {x["id"]: x for x in data.get(name) or []} for name in ("users", "statuses", "labels")}


def raw(suggestion_id: int, **changes: Any) -> dict:
    for page in ("uservoice_suggestions_page1.json", "uservoice_suggestions_page2.json"):
        for found in load(page)["suggestions"]:
            if found["id"] == suggestion_id:
                return {"suggestion": {**found, **changes}, **side_loaded(page)}
    raise KeyError(suggestion_id)


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


def token(value: str = TOKEN) -> Canned:
    return ok({"access_token": value, "token_type": "bearer"})


class TestUserVoiceAdapter(AdapterContract):
    oauth_token = TOKEN
    kind = "uservoice"
    name = "ideas"
    base_url = BASE
    secret = "uvCl1ent5ecret/0rchard+test=="  # characters that URL-encode
    staff = ("yarrow",)
    list_path = SUGGESTIONS
    paged_keys: ClassVar[set[str]] = {f"ideas:{n}" for n in (200110, 200108, 200105, 200101, 200099)}
    normalize_cases: ClassVar[list[NormalizeCase]] = [
        NormalizeCase("hostile-title-in-progress-maps-to-started", lambda: raw(200110), {
            "external_id": "200110",
            "url": f"{BASE}/forums/2002-orchard-ideas/suggestions/200110-x",
            "title": "Dark mode for the [bold]sync[/] window",
            "body": "The window is too bright at night.",
            "author": "Pip Thornbury",
            "author_is_staff": False,
            "created_at": "2026-02-01T10:00:00Z",
            "last_activity_at": "2026-03-10T15:00:00Z",
            "replies": 4,
            "last_reply_by_staff": None,
            "answered": False,
            "state": "open",
            "labels": ["ui"],
            "thread": None,
            "idea_status": "started", "supporters": 57,
        }),
        NormalizeCase("html-body-shipped-is-completed-admin-author", lambda: raw(200108), {
            "title": "Export to CSV &amp; Excel",  # sent as typed: not decoded
            "body": "Please add CSV export & more.",
            "author": "Maple Jo",
            "author_is_staff": True,  # is_admin
            "state": "closed",
            "labels": ["ui", "export"],
            "idea_status": "completed", "supporters": 12,
        }),
        NormalizeCase("unknown-status-no-creator-null-supporters", lambda: raw(200105), {
            "author": "anonymous",
            "state": "closed",  # the status is not open
            "idea_status": None, "supporters": None,
        }),
        NormalizeCase("no-status-creator-not-side-loaded-no-portal-url", lambda: raw(200101), {
            "url": f"{BASE}/admin/v3/suggestions/200101",
            "author": "user 599",
            "body": "",
            "state": "open",
            "replies": 1,
            "idea_status": None, "supporters": 3,
        }),
        NormalizeCase("under-review-staff-from-config", lambda: raw(200099), {
            "title": "Tom & Jerry's <Shop> wants SSO",
            "author": "Yarrow",
            "author_is_staff": True,
            "labels": [],
            "idea_status": "under-review", "supporters": 8,
        }),
        NormalizeCase("bare-suggestion", lambda: {"id": 7, "title": "Bare", "created_at": "2026-03-01T00:00:00Z"}, {
            "url": f"{BASE}/admin/v3/suggestions/7",
            "author": "anonymous",
            "replies": 0,
            "last_activity_at": "2026-03-01T00:00:00Z",
            "idea_status": None, "supporters": None,
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "client_id": "orchard-inbox", "secret_env": "ORCHARD_UV_SECRET"}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_UV_SECRET": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(TOKEN_PATH, token())
        channel.on(SUGGESTIONS, ok(load("uservoice_suggestions_page1.json"), **RATE))
        channel.on(SUGGESTIONS, ok(load("uservoice_suggestions_page2.json"), **RATE), cursor=CURSOR)
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(TOKEN_PATH, token())
        channel.on(SUGGESTIONS, ok(load("uservoice_suggestions_page2.json"), **RATE))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        if request.url.path == TOKEN_PATH:
            assert request.method == "POST" and "authorization" not in request.headers
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            assert form(request) == {"grant_type": "client_credentials", "client_id": "orchard-inbox",
                                     "client_secret": self.secret}
            assert not request.url.query
        else:
            assert request.headers["authorization"] == f"Bearer {TOKEN}"

    def echoing_error(self) -> Canned:
        return Canned(401, {"errors": {"message": f"Unauthorized: client secret {self.secret}, token {TOKEN}"}})

    # --- what only UserVoice does -------------------------------------------------------

    async def test_the_token_is_fetched_once_then_used_on_every_page(self, store: Store) -> None:
        channel = self.paged_channel()
        result = await self.sync(channel, store)

        assert result.error is None
        assert [(r.method, r.url.path) for r in channel.requests] == [
            ("POST", TOKEN_PATH), ("GET", SUGGESTIONS), ("GET", SUGGESTIONS)]
        first, second = channel.requests[1:]
        assert dict(first.url.params) == {"per_page": "100", "includes": "statuses,users,labels",
                                          "sort": "-updated_at"}
        assert second.url.params["cursor"] == CURSOR

    async def test_a_401_fetches_a_new_token_and_the_request_is_tried_again(self, store: Store) -> None:
        channel = FakeChannel()
        tokens = channel.on(TOKEN_PATH, token("uvExpiredT0ken00000000000001"), token())
        sent: list[str] = []

        def expiring(request: httpx.Request) -> Canned:
            sent.append(request.headers["authorization"])
            if request.headers["authorization"] == f"Bearer {TOKEN}":
                return ok(load("uservoice_suggestions_page2.json"))
            return Canned(401, {"errors": {"message": "token expired"}})

        route = channel.on(SUGGESTIONS, expiring)
        result = await self.sync(channel, store)

        assert result.error is None and store.item_count("ideas") == 2
        assert len(tokens.hits) == 2 and len(route.hits) == 2
        assert sent == ["Bearer uvExpiredT0ken00000000000001", f"Bearer {TOKEN}"]

    async def test_a_second_401_is_an_error_not_a_loop(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(SUGGESTIONS).responses = [Canned(401, {"errors": {"message": "no access"}})]

        with pytest.raises(SourceError) as raised:
            await self.fetch(channel, store)

        assert raised.value.status == 401 and "unauthorized" in raised.value.reason
        assert len(channel.route(SUGGESTIONS).hits) == 2 and len(channel.route(TOKEN_PATH).hits) == 2

    async def test_a_refused_token_request_says_what_to_check_without_the_secret(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(TOKEN_PATH).responses = [Canned(401, {
            "error": "invalid_client", "error_description": f"client_secret {self.secret} does not match"})]
        result = await self.sync(channel, store)

        assert result.error and "OAuth token request was refused (HTTP 401" in result.error
        assert "check client_id and the secret in $ORCHARD_UV_SECRET" in result.error
        self.assert_no_secret(result.error)
        assert channel.route(SUGGESTIONS).hits == []

    async def test_a_token_endpoint_outage_is_retried_like_any_call(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(TOKEN_PATH).responses = [Canned(503, {"error": "down"}), token()]
        sleep = FakeSleep()
        result = await self.sync(channel, store, sleep=sleep)

        assert result.error is None and len(sleep.calls) == 1
        assert store.item_count("ideas") == 2

    async def test_the_token_and_the_secret_are_never_in_errors_urls_or_the_store(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        failing = self.small_channel()
        failing.route(SUGGESTIONS).responses = [self.echoing_error()]
        result = await self.sync(failing, store)

        assert result.error and "***" in result.error
        for text in [result.error, *(f"{t}: {v}" for t, v in stored_values(store))]:
            self.assert_no_secret(text)
            assert TOKEN not in text
        for request in failing.requests:
            assert TOKEN not in str(request.url) and "secret" not in str(request.url)

    async def test_a_resync_asks_only_for_what_changed(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        channel = self.small_channel()
        await self.sync(channel, store)

        assert channel.route(SUGGESTIONS).hits[0].url.params["updated_after"] == "2026-03-10T15:00:00Z"

    async def test_a_last_page_that_still_has_a_cursor_ends_at_total_pages(self, store: Store) -> None:
        channel = self.paged_channel()
        last = load("uservoice_suggestions_page2.json")
        last["pagination"]["cursor"] = "eyJsYXN0X2lkIjoyMDAwOTl9"
        channel.routes[-1].responses = [ok(last)]
        result = await self.sync(channel, store)

        assert result.error is None
        assert [r.url.params.get("cursor") for r in channel.requests if r.url.path == SUGGESTIONS] == [None, CURSOR]
        assert store.cursor("ideas", "suggestions").next_url is None

    def test_status_names_map_case_insensitively_and_the_config_map_wins(self) -> None:
        source = self.source(status_map={"Won't fix": "declined", "in-progress": "none", "Beta": "started"})

        assert source.normalize(raw(200105)).idea_status == "declined"
        assert source.normalize(raw(200110)).idea_status is None, "mapped to none"
        assert source.idea_status("BETA") == "started"
        assert source.idea_status("  under_review ") == "under-review"
        assert source.idea_status("Closed") is None, "ambiguous: left to the config"
        assert self.source().idea_status("Shipped") == "completed"

    @pytest.mark.parametrize("status_map, message", [
        ({"Beta": "beta"}, ("status_map.Beta must be one of completed, declined, help-wanted, planned, started, "
                            "under-review or none, not 'beta'")),
        ("planned", "status_map must be a table"),
    ])
    def test_a_bad_status_map_is_a_clear_config_error(self, status_map: Any, message: str) -> None:
        with pytest.raises(ConfigError) as raised:
            self.source(status_map=status_map)
        assert str(raised.value).startswith("source 'ideas': ") and message in str(raised.value)

    def test_the_subdomain_makes_the_base_url_and_one_is_required(self) -> None:
        entry = {"name": "ideas", "kind": "uservoice", "client_id": "orchard-inbox", "secret_env": "ORCHARD_UV_SECRET"}
        config = parse({"sources": [{**entry, "subdomain": "orchardly"}]})
        assert registry.build(config.sources[0], config, env=self.env()).base_url == "https://orchardly.uservoice.com"

        config = parse({"sources": [entry]})
        with pytest.raises(ConfigError, match="source 'ideas': uservoice needs subdomain"):
            registry.build(config.sources[0], config, env=self.env())

    def test_a_status_map_table_and_client_id_pass_the_config_file_checks(self) -> None:
        config = parse({"sources": [{"name": "ideas", "kind": "uservoice", "subdomain": "orchardly",
                                     "client_id": "orchard-inbox", "secret_env": "ORCHARD_UV_SECRET",
                                     "status_map": {"Beta": "started"}}]})
        assert config.sources[0].get("status_map") == {"Beta": "started"}

    async def test_supporters_and_status_come_with_every_item(self, store: Store) -> None:
        pages = await self.fetch(self.paged_channel(), store)

        found = {item.external_id: (item.idea_status, item.supporters)
                 for page in pages for item in page.items}
        assert found == {"200110": ("started", 57), "200108": ("completed", 12), "200105": (None, None),
                         "200101": (None, 3), "200099": ("under-review", 8)}


async def test_the_boards_status_shows_until_the_user_sets_one(tmp_path) -> None:
    """The idea board's status is channel data: it shows (and filters) as the item's status,
    but a status the user set wins, and a later sync never overwrites it."""
    from inbox.store import item_json

    test = TestUserVoiceAdapter()
    store = Store(tmp_path / "inbox.db")
    await test.sync(test.paged_channel(), store)
    from tests.adapter_base import NOW as now
    started = {row["key"] for row in store.list_items("status:started", now=now)}
    assert started == {f"{test.name}:200110"}
    [row] = [item_json(r) for r in store.list_items(f"source:{test.name}", now=now, with_body=True)
             if r["key"] == f"{test.name}:200110"]
    assert row["status"] == "started" and row["supporters"] == 57
    store.set_triage([f"{test.name}:200110"], {"status": "completed"}, now=now, by="test")
    await test.sync(test.paged_channel(), store)
    assert {r["key"] for r in store.list_items("status:completed", now=now)} >= {f"{test.name}:200110"}
    assert f"{test.name}:200110" not in {r["key"] for r in store.list_items("status:started", now=now)}
    store.close()
