"""What a hostile or broken server cannot do to the inbox, on every channel.

No credential leaves for another host (redirects, query keys, the OAuth token request);
no secret survives a message cut short; one post with a lone surrogate cannot stop a
channel; a server that drips its answer or inflates it to gigabytes fails the request
in one line, at the deadline or the size limit.

Channel-wide tests reuse each adapter's contract (tests/test_source_*.py): its source,
secret and small fake channel. The slow and huge answers come from a real server on
127.0.0.1, so streaming, timing and decompression are the real ones.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import json
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from inbox.config import SourceConfig, parse
from inbox.errors import SourceError
from inbox.net.http import Session
from inbox.sources import registry
from inbox.store import Store
from inbox.sync import QuietProgress, SourceResult, sync_source
from inbox.text.redaction import Redactor
from tests.adapter_base import NOW, AdapterContract, Canned, FakeChannel, FakeSleep, ok, stored_values

KINDS = ("github", "gitlab", "discourse", "stackexchange", "slack", "zendesk", "intercom", "uservoice")
ELSEWHERE = "elsewhere.example"
TOKEN_PATH = "/api/v2/oauth/token"  # UserVoice's client-credentials call


def contract(kind: str) -> AdapterContract:
    """The adapter contract of `kind` (its source, secret and fake channels)."""
    module = importlib.import_module(f"tests.test_source_{kind}")
    [found] = [cls for cls in vars(module).values() if isinstance(cls, type)
               and issubclass(cls, AdapterContract) and cls is not AdapterContract]
    return found()


def secrets_of(adapter: AdapterContract) -> list[str]:
    """Every value that must stay with the configured host, raw and URL-encoded."""
    values = [adapter.secret, *adapter.env().values()]
    if adapter.kind == "uservoice":
        values.append(adapter.oauth_token)
    forms = {form for value in values for form in (value, quote(value, safe=""), quote(value))}
    return sorted(forms)


def carried_secrets(request: httpx.Request, secrets: list[str]) -> list[str]:
    """The secrets a request carries anywhere: URL, any header, the body."""
    text = " ".join([str(request.url), *request.headers.values(), request.content.decode(errors="replace")])
    return [secret for secret in secrets if secret in text]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


async def sync(adapter: AdapterContract, handler: Callable[[httpx.Request], httpx.Response],
               store: Store) -> SourceResult:
    """One sync of the adapter's source, every request answered by `handler`."""
    return await sync_source(adapter.source(), store, progress=QuietProgress(), now=NOW,
                             transport=httpx.MockTransport(handler), sleep=FakeSleep())


# --- credentials stay with the configured origin ----------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_redirect_to_another_host_carries_no_credential(kind: str, status: int, store: Store) -> None:
    adapter = contract(kind)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == ELSEWHERE:
            return httpx.Response(200, json={})
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json={"access_token": adapter.oauth_token, "token_type": "bearer"})
        # The origin sends every call elsewhere, echoing the query it got (a key= included).
        query = request.url.query.decode()
        return httpx.Response(status, headers={"Location": f"https://{ELSEWHERE}:8443/landing?{query}"})

    result = await sync(adapter, handler, store)

    elsewhere = [r for r in seen if r.url.host == ELSEWHERE]
    assert elsewhere, "the redirect is followed"
    for request in elsewhere:
        assert carried_secrets(request, secrets_of(adapter)) == [], f"{request.method} {request.url}"
        for name in ("authorization", "private-token", "api-key", "api-username"):
            assert name not in request.headers
        assert "key" not in request.url.params
    assert result.error
    for secret in secrets_of(adapter):
        assert secret not in result.error


async def test_a_redirect_on_the_same_host_keeps_the_credentials(store: Store) -> None:
    adapter = contract("gitlab")
    channel = adapter.small_channel()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == adapter.list_path and "moved" not in request.url.params:
            url = request.url.copy_merge_params({"moved": "1"})
            return httpx.Response(301, headers={"Location": str(url)})
        return channel(request)

    result = await sync(adapter, handler, store)

    assert result.error is None, result.error
    moved = [r for r in channel.requests if r.url.params.get("moved") == "1"]
    assert moved and all(r.headers["private-token"] == adapter.secret for r in moved)


async def test_stack_exchange_key_goes_to_the_api_host_only(store: Store) -> None:
    adapter = contract("stackexchange")
    channel = adapter.small_channel()
    elsewhere: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == ELSEWHERE:
            elsewhere.append(request)
            return httpx.Response(404, json={"error_message": "no such method"})
        if request.url.path == adapter.list_path:
            query = request.url.query.decode()
            return httpx.Response(302, headers={"Location": f"https://{ELSEWHERE}/2.3/questions?{query}"})
        return channel(request)

    result = await sync(adapter, handler, store)

    [request] = elsewhere
    assert "key" not in request.url.params and request.url.params["site"] == "stackoverflow"
    assert result.error and ELSEWHERE in result.error, "says who answered, and that it got no key"
    assert adapter.secret not in result.error


@pytest.mark.parametrize("status", [307, 308])
async def test_the_uservoice_token_request_is_not_resent_to_another_host(status: int, store: Store) -> None:
    adapter = contract("uservoice")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == ELSEWHERE:
            return httpx.Response(200, json={"access_token": "stolen"})
        return httpx.Response(status, headers={"Location": f"https://{ELSEWHERE}{TOKEN_PATH}"})

    result = await sync(adapter, handler, store)

    assert [r.url.host for r in seen] == [httpx.URL(adapter.base_url).host], "the secret went nowhere else"
    assert result.error and f"HTTP {status}" in result.error and ELSEWHERE in result.error
    assert "\n" not in result.error and adapter.secret not in result.error


@pytest.mark.parametrize("kind", ["github", "discourse", "gitlab", "slack"])
async def test_a_posted_reply_is_not_resent_to_another_host(kind: str) -> None:
    adapter = contract(kind)
    source = adapter.source()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"Location": f"https://{ELSEWHERE}/collect"})

    item = {"key": f"{adapter.name}:5", "external_id": "5", "url": "https://example.test/5", "labels": "[]"}
    async with source.session(transport=httpx.MockTransport(handler), sleep=FakeSleep()) as session:
        with pytest.raises(SourceError) as raised:
            await source.post_reply(session, item, "Thanks, fixed in 2.4.2.")

    assert len(seen) == 1 and seen[0].url.host != ELSEWHERE, "the reply went nowhere else"
    assert "another server" in raised.value.reason and "\n" not in str(raised.value)


async def test_a_redirect_loop_ends_in_one_line(store: Store) -> None:
    adapter = contract("github")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url)})

    result = await sync(adapter, handler, store)

    assert result.error and "more than 5 redirects" in result.error and "\n" not in result.error


def test_a_session_with_credentials_knows_their_origin() -> None:
    with pytest.raises(ValueError, match="origin"):
        Session("x", headers={"Authorization": "Bearer abcdefgh12345"})


# --- no secret in a message, even cut short --------------------------------------------------


def echo_at_the_cut(secret: str, kind: str) -> Canned:
    """A 401 whose reason echoes the secret just where an error message is cut short."""
    if kind == "json":
        return Canned(401, {"message": "Bad credentials " + "x" * (500 - 16 - len(secret) // 2) + f" {secret}"})
    text = "invalid token " + "y" * (200 - 14 - len(secret) // 2) + f" {secret} was sent"
    return Canned(401, raw=text.encode(), headers={"Content-Type": "text/plain"})


@pytest.mark.parametrize("body", ["json", "text"])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_secret_echoed_at_the_cut_is_masked(kind: str, body: str, store: Store) -> None:
    adapter = contract(kind)
    channel = adapter.small_channel()
    channel.route(adapter.list_path).responses = [echo_at_the_cut(adapter.secret, body)]

    result = await adapter.sync(channel, store)

    assert result.error and "unauthorized" in result.error
    shown = [result.error, *(value for _, value in stored_values(store))]
    for text in shown:
        for length in range(8, len(adapter.secret) + 1):
            assert adapter.secret[:length] not in text, f"{length} characters of the secret in {text!r}"


def test_redaction_masks_every_start_of_a_secret_of_eight_or_more() -> None:
    token = "ghp_0123456789abcdefghijABCDEFGHIJ0123"
    redact = Redactor([token])

    assert redact(f"token {token[:8]}.") == "token ***."
    assert redact(f"cut: {token[:20]}") == "cut: ***"
    assert redact(f"{token[:7]} is too short to tell") == f"{token[:7]} is too short to tell"
    assert redact.line("a " * 300 + token, limit=100).endswith("…") and token[:8] not in redact.line(token)
    assert redact(quote(token[:12], safe="")) == "***"


def test_a_url_secret_is_masked_whole_and_by_its_secret_parts() -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
    redact = Redactor([url, "/services/T000/B000/XXXXsecretXXXX"])

    assert redact(f"posting to {url} failed") == "posting to *** failed"
    assert redact("see https://example.org/docs") == "see https://example.org/docs"
    assert redact("https://hooks.slack.com/services/T000/B0") == "https://hooks.slack.com***"


# --- text is made valid at the edge ----------------------------------------------------------


def github_issue(number: int, title: str) -> dict:
    return {"number": number, "title": title, "body": "It fails.", "state": "open",
            "user": {"login": "pip"}, "author_association": "NONE", "comments": 0,
            "created_at": "2026-03-10T08:00:00Z", "updated_at": f"2026-03-10T0{9 - number}:00:00Z",
            "html_url": f"https://github.test/o/r/issues/{number}", "labels": []}


async def test_a_lone_surrogate_in_a_title_keeps_every_item_of_its_page(store: Store) -> None:
    adapter = contract("github")
    issues = [github_issue(1, "Crash on start"), github_issue(2, "Bad \ud800 title"), github_issue(3, "Docs")]
    channel = FakeChannel()
    channel.on(adapter.list_path, Canned(200, raw=json.dumps(issues).encode()))  # "\ud800", escaped
    channel.on(adapter.list_path.replace("/issues", "/issues/comments"), ok([]))

    result = await adapter.sync(channel, store)

    assert result.error is None and result.warnings == []
    titles = dict(store.db.execute("SELECT external_id, title FROM items").fetchall())
    assert titles == {"1": "Crash on start", "2": "Bad \ufffd title", "3": "Docs"}


TEXT_FIELDS = {"title", "body", "subject", "text", "name", "display_name", "real_name", "cooked",
               "excerpt", "description", "username", "login", "fancy_title", "plain_body"}


def poisoned(value: Any) -> Any:
    """`value` with a lone surrogate (and a split pair) in every text field."""
    if isinstance(value, dict):
        return {k: (v + " \ud800x\udfff" if k in TEXT_FIELDS and isinstance(v, str) else poisoned(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [poisoned(v) for v in value]
    return value


@pytest.mark.parametrize("kind", KINDS)
async def test_lone_surrogates_in_every_text_field_never_stop_a_channel(kind: str, tmp_path: Path) -> None:
    adapter = contract(kind)
    clean_store, store = Store(tmp_path / "clean.db"), Store(tmp_path / "poisoned.db")
    channel = adapter.small_channel()
    for route in channel.routes:
        route.responses = [Canned(r.status, poisoned(r.data), r.headers) if isinstance(r, Canned) and r.data
                           else r for r in route.responses]

    expected = await adapter.sync(adapter.small_channel(), clean_store)
    result = await adapter.sync(channel, store)

    assert result.error is None, result.error
    assert result.warnings == expected.warnings
    assert store.item_count(adapter.name) == clean_store.item_count(adapter.name) > 0
    assert any("\ufffd" in value for _, value in stored_values(store))
    clean_store.close()
    store.close()


async def test_a_malformed_item_is_skipped_naming_it_and_its_page(store: Store) -> None:
    adapter = contract("stackexchange")
    channel = adapter.small_channel()
    page = channel.route(adapter.list_path).responses[0].data
    good = len(page["items"])
    page["items"].insert(1, {**page["items"][0], "question_id": 666, "creation_date": 10**20,
                             "last_activity_date": 10**20, "answer_count": 0})

    result = await adapter.sync(channel, store)

    assert result.error is None and store.item_count(adapter.name) == good
    [warning] = result.warnings
    assert warning.startswith("skipped question 666: unexpected data on ") and adapter.list_path in warning
    assert adapter.secret not in warning and "key=" not in warning


# --- deadlines and size limits, over real HTTP -----------------------------------------------


class _Server:
    """A server on 127.0.0.1 whose every GET gets `answer(handler)`."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                try:
                    answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> _Server:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every 0.3 s: each read is quick, the answer never ends."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(30):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.3)


@functools.cache
def bomb_body() -> bytes:
    return gzip.compress(b"\0" * 20 * 2**20, compresslevel=9)  # about 20 KB on the wire


@functools.cache
def bomb_layers(encoding: str) -> bytes:
    """`bomb_body` under one more layer for each encoding after the first (`gzip, gzip`:
    20 MB of zeros, gzipped, gzipped again: under 2 KB on the wire)."""
    body = bomb_body()
    for layer in [e.strip().lower() for e in encoding.split(",")][1:]:
        body = gzip.compress(body) if layer == "gzip" else zlib.compress(body)
    return body


def bomb(handler: BaseHTTPRequestHandler, encoding: str = "gzip") -> None:
    body = bomb_layers(encoding)
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Encoding", encoding)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def github_at(base_url: str) -> Any:
    adapter = contract("github")
    return adapter.source(base_url)


async def test_a_server_that_drips_fails_at_the_deadline_in_one_line(store: Store) -> None:
    with _Server(drip) as server:
        source = github_at(server.url)
        make = source.session
        source.session = lambda **kwargs: make(deadline=1.0, **kwargs)
        started = time.monotonic()
        result = await sync_source(source, store, progress=QuietProgress(), now=NOW, sleep=FakeSleep())
        took = time.monotonic() - started

    assert took < 1.9, f"took {took:.1f}s with a 1s deadline"
    assert result.error and "no complete answer within 1s" in result.error
    assert "/repos/orchardly/orchard-sync/issues" in result.error and "\n" not in result.error
    assert result.summary().startswith("orchard: failed: ")
    [state] = store.source_states()
    assert state["last_error"] == result.error


async def test_a_posted_reply_that_drips_may_have_gone_through() -> None:
    with _Server(drip) as server:
        session = Session("jira", origin=server.url, deadline=0.5, sleep=FakeSleep())
        async with session:
            with pytest.raises(SourceError) as raised:
                await session.request("GET", f"{server.url}/rest/api/3/issue", once=True)
    assert "within 0.5s; it may have gone through" in raised.value.reason


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip", "gzip, deflate", "GZIP , Gzip"])
async def test_a_gzip_bomb_fails_at_the_size_limit_with_little_memory(encoding: str) -> None:
    """Each layer is inflated a step at a time: httpx inflates a chunk of an inner layer
    whole, so two layers used to take all 20 MB (a gigabyte from a 1 MB body)."""
    bomb_layers(encoding)
    with _Server(functools.partial(bomb, encoding=encoding)) as server:
        source = github_at(server.url)
        tracemalloc.start()
        try:
            async with source.session(max_body=2**20, sleep=FakeSleep()) as session:
                started = time.monotonic()
                with pytest.raises(SourceError) as raised:
                    await session.get_json(f"{server.url}/repos/orchardly/orchard-sync/issues")
                took = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    message = str(raised.value)
    assert message.startswith("orchard: the answer is larger than 1 MB")
    assert f"{server.url}/repos/orchardly/orchard-sync/issues" in message and "\n" not in message
    assert took < 1.5 and peak < 8 * 2**20, f"{took:.2f}s, {peak / 2**20:.1f} MB"


async def test_an_answer_within_the_limits_is_read_whole() -> None:
    issues = [github_issue(1, "Crash on start")]
    body = gzip.compress(json.dumps(issues).encode())

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with _Server(answer) as server:
        async with github_at(server.url).session(max_body=2**20, deadline=5) as session:
            data, _ = await session.get_json(f"{server.url}/repos/o/r/issues")
    assert data == issues


async def test_a_source_takes_its_limits_from_the_config() -> None:
    config = parse({"sources": []})
    for options, limits in (({"repo": "o/r", "timeout": 30, "max_body_mb": 5}, (30.0, 5 * 2**20)),
                            ({"repo": "o/r"}, (120.0, 50 * 2**20))):
        source = registry.build(SourceConfig("orchard", "github", options), config, env={})
        async with source.session() as session:
            assert (session.deadline, session.max_body) == limits



def test_another_server_on_the_same_host_is_named_with_its_port() -> None:
    """127.0.0.1:8080 and 127.0.0.1:9090 are two servers: a message naming only the host
    would call the configured one "another server"."""
    from inbox.net.http import shown_origin

    assert shown_origin("http://127.0.0.1:9090/collect?x=1") == "http://127.0.0.1:9090"
    assert shown_origin("https://Example.TEST:443/a") == "https://example.test"
    assert shown_origin("http://example.test/a") == "http://example.test"


async def test_a_token_echoed_into_the_next_page_or_etag_is_not_stored(store: Store) -> None:
    """A server that puts the token into its next-page link and ETag, then fails on that
    page: the cursor saved for resuming would hold the token. It is not kept (the next sync
    reads the stream from its start), so no part of the token reaches the database."""
    adapter = contract("github")
    token = adapter.secret
    issue = {"number": 7, "title": "Echo", "body": "b", "user": {"login": "ann"}, "comments": 0,
             "state": "open", "created_at": "2026-11-17T09:00:00Z", "updated_at": "2026-11-17T10:00:00Z"}

    def handler(request: httpx.Request) -> httpx.Response:
        if "page=2" in str(request.url):
            return httpx.Response(500)
        if request.url.path.endswith("/issues"):
            return httpx.Response(200, json=[issue], headers={
                "ETag": f'W/"{token}"', "Link": f'<{request.url.copy_with(query=None)}?page=2&echo={token}>; rel="next"'})
        return httpx.Response(200, json=[])

    result = await sync(adapter, handler, store)

    assert result.error and "server error 500" in result.error
    assert store.item_count() == 1
    assert store.cursor(adapter.name, "issues").next_url is None
    store.close()
    stored = b"".join(path.read_bytes() for path in store.path.parent.glob("inbox.db*"))
    assert token[:8].encode() not in stored


@pytest.mark.parametrize("shape", ["list", "wrapped", "nested"])
async def test_millions_of_tiny_objects_within_the_size_limit_fail_fast_in_one_line(shape: str) -> None:
    """A few kilobytes of gzip inflate to a page of millions of `{}`: each would be read,
    skipped and warned about (minutes and gigabytes). No channel pages by more than a
    thousand, so an answer listing over 100,000 entries is refused whole."""
    many = b"[" + b"{}," * 150_000 + b"{}]"
    body = {"list": many, "wrapped": b'{"items": ' + many + b"}",
            "nested": b'{"topic_list": {"topics": ' + many + b"}}"}[shape]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async with github_at("https://ghe.orchardly.test").session(transport=httpx.MockTransport(handler)) as session:
        started = time.monotonic()
        with pytest.raises(SourceError) as raised:
            await session.get_json("https://ghe.orchardly.test/repos/o/r/issues")
    assert time.monotonic() - started < 2
    assert "lists more than 100,000 entries" in raised.value.reason and "\n" not in raised.value.reason


def test_warnings_past_a_hundred_are_counted_not_kept() -> None:
    from inbox.sync import MAX_WARNINGS, StoreContext

    result = SourceResult("orchard", "github")
    context = StoreContext(None, "orchard", NOW, result)  # type: ignore[arg-type]
    for n in range(MAX_WARNINGS + 5000):
        context.warn(f"skipped issue #{n}: unexpected data")
    assert len(result.warnings) == MAX_WARNINGS and result.more_warnings == 5000
    assert result.summary().endswith(f"(incomplete: skipped issue #0: unexpected data and {MAX_WARNINGS + 4999:,} more)")
