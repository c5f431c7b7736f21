"""The tests every channel adapter must pass (like bugwarrior's `AbstractServiceTest`).

A `tests/test_source_<kind>.py` module subclasses `AdapterContract` and fills in its
hooks: fixtures for a multi-page sync, field-by-field normalize cases, how the kind
authenticates. The shared tests below then run for that kind, so no adapter can skip
paging, normalize, error handling, secrecy of its token, or `base_url`. The hooks are
abstract, so a subclass that forgets one fails instead of silently testing less.

Everything goes through `httpx.MockTransport` and an injected `sleep`: no test reaches
the network and none really waits.
"""

from __future__ import annotations

import abc
import copy
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import pytest

from inbox.config import parse
from inbox.errors import SourceError
from inbox.models import Item
from inbox.sources import registry
from inbox.sources.base import Page, Source
from inbox.store import Store
from inbox.sync import QuietProgress, SourceResult, StoreContext, sync_source
from inbox.timeutil import iso

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def load(name: str) -> Any:
    """A fixture file, freshly parsed (tests may change what they get)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- test doubles ------------------------------------------------------------------------


class FakeSleep:
    """The injected `sleep`: records how long the code asked to wait and returns at once."""

    def __init__(self, timeline: list | None = None) -> None:
        self.calls: list[float] = []
        self.timeline = timeline

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.timeline is not None:
            self.timeline.append(("sleep", seconds))


@dataclass
class Canned:
    """A response to build afresh for each request (httpx responses are single-use)."""

    status: int = 200
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def build(self, request: httpx.Request) -> httpx.Response:
        headers = dict(self.headers)
        if self.raw is not None:
            content = self.raw
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        elif self.data is not None:
            content = json.dumps(self.data).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            content = b""
        return httpx.Response(self.status, content=content, headers=headers, request=request)


def ok(data: Any, **headers: str) -> Canned:
    return Canned(200, data, {k.replace("_", "-"): v for k, v in headers.items()})


Responder = Canned | Callable[[httpx.Request], Canned]


@dataclass
class Route:
    """Requests to `path` whose query includes `query` get `responses` in turn (the last repeats)."""

    path: str
    query: dict[str, str]
    responses: list[Responder]
    hits: list[httpx.Request] = field(default_factory=list)

    def matches(self, request: httpx.Request) -> bool:
        params = dict(request.url.params)
        return request.url.path == self.path and all(params.get(k) == v for k, v in self.query.items())

    def respond(self, request: httpx.Request) -> httpx.Response:
        self.hits.append(request)
        responder = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        canned = responder(request) if callable(responder) else responder
        return canned.build(request)


class FakeChannel:
    """An `httpx.MockTransport` handler: routes by path (and query), records every request."""

    def __init__(self, timeline: list | None = None) -> None:
        self.routes: list[Route] = []
        self.requests: list[httpx.Request] = []
        self.unmatched: list[httpx.Request] = []
        self.timeline = timeline

    def on(self, path: str, *responses: Responder, **query: str) -> Route:
        route = Route(path, query, list(responses))
        self.routes.append(route)
        return route

    def route(self, path: str) -> Route:
        return next(r for r in self.routes if r.path == path)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.timeline is not None:
            self.timeline.append(("request", str(request.url)))
        candidates = [r for r in self.routes if r.matches(request)]
        if not candidates:
            self.unmatched.append(request)
            return httpx.Response(404, json={"message": "Not Found"}, request=request)
        # the most specific route wins (page=2 over the bare list path)
        return max(candidates, key=lambda r: len(r.query)).respond(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def unused(self) -> list[str]:
        return [f"{r.path} {r.query}" for r in self.routes if not r.hits]


def store_context(store: Store, source: str) -> StoreContext:
    """The `SyncContext` a source gets from the sync, reading from a real store."""
    return StoreContext(store, source, NOW, SourceResult(source, ""))


# --- normalize cases ---------------------------------------------------------------------


class Contains:
    """An expected text that must include `parts` and none of `lacking`."""

    def __init__(self, *parts: str, lacking: tuple[str, ...] = ()) -> None:
        self.parts, self.lacking = parts, lacking

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, str) and all(p in other for p in self.parts)
                and not any(p in other for p in self.lacking))

    def __repr__(self) -> str:
        return f"Contains({', '.join(map(repr, self.parts))}, lacking={self.lacking!r})"


@dataclass
class NormalizeCase:
    """One raw API object and what `normalize` must make of it, field by field.

    `expect` keys are Item attributes; datetimes are given as ISO `Z` strings; `thread`
    is a list of (author, author_is_staff) or None.
    """

    id: str
    raw: Callable[[], Any]
    expect: dict[str, Any]


def item_view(item: Item, fields: list[str]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name in fields:
        value = getattr(item, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif name == "thread" and value is not None:
            value = [(reply.author, reply.author_is_staff) for reply in value]
        view[name] = value
    return view


def texts(item: Item) -> list[str]:
    """Every piece of channel text an Item carries."""
    found = [item.title, item.body, item.author, item.url, *item.labels]
    for reply in item.thread or []:
        found += [reply.author, reply.body]
    return found


def stored_values(store: Store) -> list[tuple[str, str]]:
    """(table, value) for every text value in every table of the store."""
    found = []
    for table in store.db.table_names():
        for row in store.db.execute(f"SELECT * FROM [{table}]").fetchall():
            found += [(table, str(value)) for value in row if value is not None]
    return found


# --- the contract ------------------------------------------------------------------------


class AdapterContract(abc.ABC):
    """Subclass as `Test<Kind>Adapter` and fill in every hook."""

    kind: ClassVar[str]
    name: ClassVar[str]
    """The source name (the key prefix)."""
    base_url: ClassVar[str]
    """Where the fake channel lives; deliberately not the kind's default."""
    secret: ClassVar[str]
    """The token/key the environment holds; must never leak."""
    staff: ClassVar[tuple[str, ...]] = ()
    """`team.staff` from the config."""
    list_path: ClassVar[str]
    """Path of the first list request (errors are injected there)."""
    paged_keys: ClassVar[set[str]]
    """Keys a first sync of `paged_channel` stores."""
    normalize_cases: ClassVar[list[NormalizeCase]]
    oauth_token: ClassVar[str] = "check-access-token"
    """What a kind that fetches an OAuth token (UserVoice) is given by the fake token endpoint."""

    @abc.abstractmethod
    def options(self, base_url: str) -> dict[str, Any]:
        """The `[[sources]]` keys besides name and kind (base_url and the *_env included)."""

    @abc.abstractmethod
    def env(self) -> dict[str, str]:
        """The environment the secret comes from."""

    @abc.abstractmethod
    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        """A channel serving a first sync over several pages of the fixtures."""

    @abc.abstractmethod
    def small_channel(self) -> FakeChannel:
        """A channel serving a one-page sync; its `list_path` route is where faults go."""

    @abc.abstractmethod
    def assert_authenticated(self, request: httpx.Request) -> None:
        """The kind's auth (and API headers) are on this request."""

    @abc.abstractmethod
    def echoing_error(self) -> Canned:
        """A realistic client error from this channel whose text echoes the secret back."""

    # helpers ---------------------------------------------------------------------------

    def source(self, base_url: str | None = None, **overrides: Any) -> Source:
        """The adapter, built the way a user's config builds it."""
        entry = {"name": self.name, "kind": self.kind, **self.options(base_url or self.base_url), **overrides}
        config = parse({"team": {"staff": list(self.staff)}, "sources": [entry]})
        return registry.build(config.sources[0], config, env=self.env())

    async def sync(self, channel: FakeChannel, store: Store, *, sleep: FakeSleep | None = None,
                   source: Source | None = None, now: datetime = NOW) -> SourceResult:
        return await sync_source(source or self.source(), store, progress=QuietProgress(), now=now,
                                 transport=channel.transport(), sleep=sleep or FakeSleep())

    async def fetch(self, channel: FakeChannel, store: Store, *, sleep: FakeSleep | None = None,
                    source: Source | None = None) -> list[Page]:
        """Run `fetch` directly, so its SourceError reaches the test."""
        source = source or self.source()
        context = store_context(store, source.name)
        async with source.session(transport=channel.transport(), sleep=sleep or FakeSleep()) as session:
            return [page async for page in source.fetch(session, context)]

    def secret_forms(self) -> list[str]:
        """The secret as it might leak: raw and URL-encoded."""
        return sorted({self.secret, quote(self.secret, safe=""), quote(self.secret)})

    def assert_no_secret(self, text: str) -> None:
        for form in self.secret_forms():
            assert form not in text, f"the secret leaked: {text!r}"

    @pytest.fixture
    def store(self, tmp_path: Path) -> Store:
        store = Store(tmp_path / "inbox.db")
        yield store
        store.close()

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "case" in metafunc.fixturenames:
            metafunc.parametrize("case", self.normalize_cases, ids=[c.id for c in self.normalize_cases])

    # the shared tests --------------------------------------------------------------------

    async def test_paging_follows_the_paginator_to_the_last_page(self, store: Store) -> None:
        channel = self.paged_channel()
        result = await self.sync(channel, store)

        assert result.error is None, result.error
        assert result.warnings == []
        assert channel.unmatched == [], [str(r.url) for r in channel.unmatched]
        assert channel.unused() == [], "pages never requested"
        keys = {row["key"] for row in store.list_items("", now=NOW)}
        assert keys == self.paged_keys
        assert result.items == len(self.paged_keys) and result.pages >= 2
        streams = store.db.execute("SELECT stream, next_url FROM cursors WHERE source = ?",
                                   [self.name]).fetchall()
        assert streams and all(next_url is None for _, next_url in streams), streams

    def test_normalize(self, case: NormalizeCase) -> None:
        item = self.source().normalize(case.raw())

        assert item_view(item, list(case.expect)) == case.expect
        assert (item.source, item.kind, item.key) == (self.name, self.kind, f"{self.name}:{item.external_id}")
        for moment in (item.created_at, item.last_activity_at):
            assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0
        assert "\n" not in item.title and item.title == item.title.strip()
        for text in texts(item):
            assert not CONTROL.search(text.replace("\n", "").replace("\t", "")), repr(text)

    def test_normalize_is_pure(self) -> None:
        source = self.source()
        for case in self.normalize_cases:
            raw = case.raw()
            before = copy.deepcopy(raw)
            assert source.normalize(raw) == source.normalize(raw), case.id
            assert raw == before, f"{case.id}: normalize changed its input"

    async def test_server_error_is_retried_then_reported_naming_the_source(self, store: Store) -> None:
        channel = self.small_channel()
        route = channel.route(self.list_path)
        route.responses = [Canned(500, {"message": "Internal Server Error"})]
        sleep = FakeSleep()

        with pytest.raises(SourceError) as raised:
            await self.fetch(channel, store, sleep=sleep)

        error = raised.value
        assert error.source == self.name and str(error).startswith(f"{self.name}: ")
        assert "500" in error.reason
        assert len(route.hits) == 4, "one try and three retries"
        assert len(sleep.calls) == 3 and sleep.calls == sorted(sleep.calls), sleep.calls
        self.assert_no_secret(str(error))

        result = await self.sync(self.small_channel_failing(500), store)
        assert result.error and "500" in result.error
        assert result.summary().startswith(f"{self.name}: failed")
        [state] = [s for s in store.source_states() if s["name"] == self.name]
        assert "500" in state["last_error"] and state["last_success_at"] is None

    def small_channel_failing(self, status: int) -> FakeChannel:
        channel = self.small_channel()
        channel.route(self.list_path).responses = [Canned(status, {"message": "down"})]
        return channel

    async def test_rate_limited_429_waits_retry_after_then_succeeds(self, store: Store) -> None:
        channel = self.small_channel()
        route = channel.route(self.list_path)
        route.responses.insert(0, Canned(429, {"message": "Too Many Requests"}, {"Retry-After": "7"}))
        sleep = FakeSleep()

        result = await self.sync(channel, store, sleep=sleep)

        assert result.error is None, result.error
        assert 7 in sleep.calls
        assert len(route.hits) >= 2
        assert result.items > 0 and store.item_count(self.name) == result.items

    async def test_broken_json_is_a_source_error_naming_the_url(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(self.list_path).responses = [Canned(200, raw=b'{"items": [{"title": "cut sh')]

        with pytest.raises(SourceError) as raised:
            await self.fetch(channel, store)

        message = str(raised.value)
        assert raised.value.source == self.name
        assert "JSON" in message and self.list_path in message
        self.assert_no_secret(message)

    async def test_network_failure_is_a_source_error(self, store: Store) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        sleep = FakeSleep()
        result = await sync_source(self.source(), store, progress=QuietProgress(), now=NOW,
                                   transport=httpx.MockTransport(refuse), sleep=sleep)

        assert result.error and "cannot connect" in result.error
        assert len(sleep.calls) == 3
        self.assert_no_secret(result.error)

    async def test_auth_is_sent_on_every_request(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        assert channel.requests
        for request in channel.requests:
            self.assert_authenticated(request)
            assert request.headers.get("user-agent", "").startswith("community-inbox/")

    async def test_secret_never_in_error_messages(self, store: Store) -> None:
        channel = self.small_channel()
        channel.route(self.list_path).responses = [self.echoing_error()]

        with pytest.raises(SourceError) as raised:
            await self.fetch(channel, store)
        self.assert_no_secret(str(raised.value))

        result = await self.sync(channel, store)
        assert result.error
        self.assert_no_secret(result.error)
        self.assert_no_secret(result.summary())

    async def test_secret_never_stored(self, store: Store, tmp_path: Path) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)
        failing = self.small_channel()
        failing.route(self.list_path).responses = [self.echoing_error()]
        await self.sync(failing, store)

        for table, value in stored_values(store):
            self.assert_no_secret(f"{table}: {value}")
        store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        for path in tmp_path.glob("inbox.db*"):
            data = path.read_bytes()
            for form in self.secret_forms():
                assert form.encode() not in data, f"the secret is in {path.name}"

    async def _check(self, respond: Callable[[httpx.Request], httpx.Response]) -> list[httpx.Request]:
        requests: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            if request.method == "POST":  # an OAuth token request
                return httpx.Response(200, json={"access_token": self.oauth_token, "token_type": "bearer"})
            return respond(request)

        source = self.source()
        async with source.session(transport=httpx.MockTransport(handler), sleep=FakeSleep()) as session:
            await source.check(session)
        return requests

    async def test_check_tries_the_credentials_with_one_cheap_request(self) -> None:
        requests = await self._check(lambda request: httpx.Response(200, json={"ok": True}))
        reads = [r for r in requests if r.method == "GET"]
        assert len(reads) == 1, [str(r.url) for r in requests]
        assert str(reads[0].url).startswith(self.base_url + "/")
        self.assert_authenticated(reads[0])

    async def test_check_says_why_the_credentials_fail(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            return httpx.Response(401, json={"ok": False, "error": "invalid_auth", "message": "Bad credentials"})

        with pytest.raises(SourceError) as raised:
            await self._check(refuse)
        assert raised.value.source == self.name
        self.assert_no_secret(str(raised.value))

    async def test_base_url_is_respected(self, store: Store) -> None:
        for base_url in (self.base_url, self.base_url + "/"):
            channel = self.small_channel()
            result = await self.sync(channel, store, source=self.source(base_url))

            assert result.error is None, result.error
            assert channel.unmatched == [], [str(r.url) for r in channel.unmatched]
            for request in channel.requests:
                assert str(request.url).startswith(self.base_url + "/"), request.url
                assert "//" not in request.url.path, request.url

    def test_every_registered_kind_has_contract_tests(self) -> None:
        covered = set()
        for path in Path(__file__).parent.glob("test_source_*.py"):
            module = importlib.import_module(f"tests.{path.stem}")
            covered |= {getattr(obj, "kind", None) for obj in vars(module).values()
                        if isinstance(obj, type) and issubclass(obj, AdapterContract)
                        and obj is not AdapterContract}
        assert set(registry.KINDS) <= covered, f"no contract tests for {set(registry.KINDS) - covered}"
