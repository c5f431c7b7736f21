"""HTTP for every channel: credentials, limits, retries, rate-limit waits, ETags, no leaks.

One `Session` per source per sync. A source's credentials go only to the origin it is
configured for; every try has a deadline and a body size limit. Rate limits are waited
out (and shown through `notify`) rather than failed; 5xx and timeouts are retried with
backoff, then reported as a `SourceError` whose message never holds a secret.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from inbox import __version__
from inbox.errors import SourceError
from inbox.net.body import ACCEPT_ENCODING, BodyTooLarge, read_body, size
from inbox.text import link, valid_json
from inbox.text.redaction import Redactor

USER_AGENT = f"community-inbox/{__version__}"
SECRET_PARAMS = {"key", "access_token", "api_key", "token", "client_secret", "api_token"}
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""The longest wait for a connection, and for each read."""
DEADLINE = 120.0
"""Seconds one try may take in all: connecting, redirects and every byte of the body."""
MAX_BODY = 50 * 2**20
"""The largest body read, in bytes after decompression."""
MAX_REDIRECTS = 5
MAX_ENTRIES = 100_000
"""The longest list an answer may hold where adapters look for a page's objects (the top
three levels). Channels page by 100 to 1,000; millions of tiny objects fit within the body
limit and would each be read and skipped."""
_BODY_ARGS = ("content", "data", "files", "json")


@functools.lru_cache(maxsize=64)
def strip_secrets(url: str) -> str:
    """The URL without secret query parameters: what may be stored, logged or shown.
    (Cached: a page of many skipped objects names the same page in each warning.)"""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query, safe=";,:/")))


def with_params(url: str, **params: Any) -> str:
    """`url` with query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return urlunsplit(parts._replace(query=urlencode(query, safe=";,:/")))


class RateState:
    """What the channel last said about its rate limit."""

    def __init__(self) -> None:
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_at: datetime | None = None

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        remaining = _int(headers.get("x-ratelimit-remaining") or headers.get("ratelimit-remaining"))
        limit = _int(headers.get("x-ratelimit-limit") or headers.get("ratelimit-limit"))
        reset = _int(headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset"))
        if remaining is not None:
            self.remaining = remaining
        if limit is not None:
            self.limit = limit
        if reset is not None:
            # epoch seconds (GitHub) or seconds from now (IETF draft headers)
            epoch = reset if reset > 10**9 else time.time() + reset
            self.reset_at = datetime.fromtimestamp(epoch, timezone.utc)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (`Retry-After` as seconds or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now or time.time()))


def origin_of(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the default port filled in: what "the same server" means."""
    parsed = httpx.URL(str(url))
    scheme = parsed.scheme.lower()
    return scheme, (parsed.host or "").lower(), parsed.port or {"http": 80, "https": 443}.get(scheme)


def shown_origin(url: str | httpx.URL) -> str:
    """`http://host` or `http://host:8080` (the port when it is not the scheme's own), for messages."""
    scheme, host, port = origin_of(url)
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port != default else "")


class Login(Protocol):
    """A credential fetched while syncing (an OAuth token). The Session asks for its
    headers before a request to the origin, and on a 401 from there has it `forget` them
    and asks once more."""

    async def headers(self, session: Session) -> dict[str, str]: ...
    def forget(self) -> None: ...


class Session:
    """An httpx.AsyncClient wrapped with the inbox's policy for talking to a channel.

    Credentials (`headers`, `params`, `login`) are attached to each request, and only when
    its origin (scheme, host, port) is `origin`, the configured base URL's. Redirects are
    followed here, not by httpx, at most MAX_REDIRECTS: a hop to the origin gets the
    credentials again; a hop to another origin is made without any; and a request with a
    body (a POST or PUT, a token request with the client secret) is never sent on to
    another origin: that redirect is refused in one line.

    Each try has `deadline` seconds in all and a body of at most `max_body` bytes after
    decompression; going past either is one line naming the source and the URL, and is
    not retried (a server that drips or floods would do it again).

    Args:
        source: the source name, for messages.
        origin: the configured base URL; required when there are credentials.
        headers: auth and API headers for requests to the origin (never logged).
        params: query parameters for requests to the origin, never stored (e.g. `key=`).
        login: a credential fetched at run time (UserVoice's OAuth token).
        notify: called with a short status ("waiting 30s: rate limited") for the progress bar.
        sleep: awaitable sleep, replaceable in tests.
        max_wait: the longest single rate-limit wait in seconds before giving up.
        secrets: values masked in every message (`params`' values are added to them).
    """

    def __init__(
        self,
        source: str,
        *,
        origin: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        login: Login | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        notify: Callable[[str], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retries: int = 3,
        backoff: float = 1.0,
        max_wait: float = 900.0,
        deadline: float = DEADLINE,
        max_body: int = MAX_BODY,
        secrets: tuple[str, ...] = (),
    ) -> None:
        if origin is None and (headers or params or login):
            raise ValueError("a Session with credentials needs the origin they belong to")
        self.source = source
        self.origin = origin_of(origin) if origin else None
        self.auth_headers = dict(headers or {})
        self.auth_params = dict(params or {})
        self.login = login
        self.rate = RateState()
        self.notify = notify or (lambda status: None)
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.deadline = deadline
        self.max_body = max_body
        self.requests = 0
        self.last_response: httpx.Response | None = None
        """The last answer received (body read), for a caller that explains a refusal itself."""
        self.redactor = Redactor((*secrets, *self.auth_params.values()))
        self._holds: dict[str, float] = {}
        self.client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json",
                     "Accept-Encoding": ACCEPT_ENCODING},
            timeout=TIMEOUT, transport=transport, follow_redirects=False)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def redact(self, text: str) -> str:
        """`text` with every known secret (and any 8+ character start of one) masked."""
        return self.redactor(text)

    def add_secret(self, secret: str) -> None:
        """A secret learned mid-sync (an OAuth access token): redacted like the others."""
        self.redactor.add(secret)

    def error(self, message: str, status: int | None = None) -> SourceError:
        return SourceError(self.source, self.redactor.line(message), status)

    def trusted(self, url: str | httpx.URL) -> bool:
        """Whether `url` is on the configured origin, the only place credentials go."""
        return self.origin is not None and origin_of(url) == self.origin

    def hold(self, key: str, seconds: float) -> None:
        """Do not call `key` again for `seconds` (Stack Exchange `backoff`)."""
        self._holds[key] = max(self._holds.get(key, 0.0), time.monotonic() + seconds)

    async def _wait(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            raise self.error(f"{why}: the channel asks to wait {int(seconds)}s; try again later")
        if seconds > 0:
            self.notify(f"waiting {int(round(seconds))}s: {why}")
            await self.sleep(seconds)
            self.notify("")

    async def request(self, method: str, url: str, *, etag: str | None = None,
                      hold_key: str | None = None, once: bool = False, login: bool = True,
                      **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a 2xx or 304 response (body read), else raises SourceError.

        `once`: the request changes something (a posted reply), so it is only sent again
        when it surely never arrived (no connection, or a rate limit refused it); a timeout
        or a 5xx may have posted it already, and fails instead of posting twice.
        `login=False`: without the `login` credential (the request that fetches it).
        """
        url = link(url)  # an id with a control character in it (hostile data) is still an address
        shown = strip_secrets(url)
        if hold_key and hold_key in self._holds:
            await self._wait(self._holds.pop(hold_key) - time.monotonic(), "the channel asked for a pause")
        if self.rate.remaining == 0 and self.rate.reset_at is not None:
            seconds = (self.rate.reset_at - datetime.now(timezone.utc)).total_seconds()
            self.rate.remaining = None
            await self._wait(seconds + 1, "rate limit used up")
        headers = dict(kwargs.pop("headers", None) or {})
        if etag:
            headers["If-None-Match"] = etag
        params = kwargs.pop("params", None)
        if params:
            # Merged into the URL's own query now, so each redirect hop does not add it again.
            url = str(httpx.URL(url).copy_merge_params(params))
        use_login = login and self.login is not None and self.trusted(url)
        attempt = 0
        rate_waits = 0
        logged_in_again = False
        while True:
            attempt += 1
            fetched = await self.login.headers(self) if use_login else {}
            try:
                response = await self._exchange(method, url, headers, fetched, kwargs, shown, once)
            except httpx.TimeoutException as exc:
                if once and not isinstance(exc, httpx.ConnectTimeout):
                    raise self.error(f"timed out waiting for an answer; it may have gone through, "
                                     f"so check before retrying: {shown}") from None
                if attempt > self.retries:
                    raise self.error(f"timed out after {attempt} tries: {shown}") from None
                await self._wait(self._backoff(attempt), "timed out, retrying")
                continue
            except httpx.DecodingError:
                raise self.error(f"the answer's compressed body is damaged: {shown}") from None
            except httpx.HTTPError as exc:
                if attempt > self.retries:
                    raise self.error(f"cannot connect ({type(exc).__name__}): {shown}") from None
                await self._wait(self._backoff(attempt), "network error, retrying")
                continue
            self.rate.update_from_headers(response.headers)
            status = response.status_code
            if status < 300 or status == 304:
                return response
            if status == 401 and use_login and not logged_in_again and self.trusted(response.url):
                self.login.forget()  # an expired token: fetch a new one and try once more
                logged_in_again = True
                attempt -= 1
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                rate_waits += 1
                if rate_waits > 5:
                    raise self.error(f"still rate limited after {rate_waits - 1} waits: {shown}")
                await self._wait(wait, "rate limited")
                attempt -= 1  # a rate-limit wait is not a failed try
                continue
            if status >= 500:
                if once:
                    raise self.error(f"server error {status}: {shown}", status)
                if attempt > self.retries:
                    raise self.error(f"server error {status} after {attempt} tries: {shown}")
                await self._wait(self._backoff(attempt), f"server error {status}, retrying")
                continue
            raise self.error(self._client_error(response, shown), status)

    async def _exchange(self, method: str, url: str, headers: dict[str, str], fetched: dict[str, str],
                        kwargs: dict[str, Any], shown: str, once: bool) -> httpx.Response:
        """One try: the request and its redirects within the deadline, each body read
        within the size limit. `fetched`: the login's headers, for the origin only."""
        maybe_sent = "; it may have gone through, so check before retrying" if once else ""
        start = origin_of(url)
        deadline = asyncio.timeout(self.deadline)
        try:
            async with deadline:
                for _ in range(MAX_REDIRECTS + 1):
                    response = await self._send(method, url, headers, fetched, kwargs)
                    if not response.has_redirect_location:
                        return response
                    target = self._redirect_target(response, shown)
                    if response.status_code == 303 and method != "HEAD" or (
                            response.status_code in (301, 302) and method == "POST"):
                        method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in _BODY_ARGS}
                    elif any(kwargs.get(k) is not None for k in _BODY_ARGS) and origin_of(target) != start:
                        raise self.error(f"redirected (HTTP {response.status_code}) to {shown_origin(target)}, another "
                                         f"server: the request's body is not sent there: {shown}",
                                         response.status_code)
                    url = target
        except TimeoutError:
            if not deadline.expired():
                raise
            raise self.error(f"no complete answer within {self.deadline:g}s{maybe_sent}: {shown}") from None
        except BodyTooLarge:
            raise self.error(f"the answer is larger than {size(self.max_body)}, the most read"
                             f"{maybe_sent}: {shown}") from None
        raise self.error(f"more than {MAX_REDIRECTS} redirects: {shown}")

    async def _send(self, method: str, url: str, headers: dict[str, str], fetched: dict[str, str],
                    kwargs: dict[str, Any]) -> httpx.Response:
        """One HTTP exchange, with the credentials if (and only if) `url` is on the origin."""
        if self.trusted(url):
            headers = {**headers, **self.auth_headers, **fetched}
            if self.auth_params:
                url = str(httpx.URL(url).copy_merge_params(self.auth_params))
        request = self.client.build_request(method, url, headers=headers, **kwargs)
        self.requests += 1
        response = await self.client.send(request, stream=True)
        try:
            response._content = await read_body(response, self.max_body)  # what .aread() would set
        finally:
            await response.aclose()
        self.last_response = response
        return response

    def _redirect_target(self, response: httpx.Response, shown: str) -> str:
        """Where a redirect leads, less any query parameter holding one of our secrets (a
        server may echo `key=` into the address; ours are added again only on the origin)."""
        try:
            target = response.url.join(response.headers["location"])
        except httpx.InvalidURL:
            raise self.error(f"redirected to something that is not an address: {shown}",
                             response.status_code) from None
        query = parse_qsl(target.query.decode(errors="replace"), keep_blank_values=True)
        kept = [(k, v) for k, v in query if self.redactor(v) == v]
        if len(kept) != len(query):
            target = target.copy_with(query=urlencode(kept).encode() or None)
        if not self.trusted(target) and self.redactor(str(target)) != str(target):
            # a secret in the path (a webhook's): sent on, the other server would have it
            raise self.error(f"redirected (HTTP {response.status_code}) to {shown_origin(target)}, another "
                             f"server, with a secret in the address: not followed: {shown}",
                             response.status_code)
        return str(target)

    async def get_json(self, url: str, *, etag: str | None = None, hold_key: str | None = None,
                       **kwargs: Any) -> tuple[Any, httpx.Response]:
        """GET and decode JSON; (None, response) on 304 Not Modified."""
        response = await self.request("GET", url, etag=etag, hold_key=hold_key, **kwargs)
        if response.status_code == 304:
            return None, response
        return self.decode(response), response

    async def send_json(self, method: str, url: str, payload: Any, *, once: bool = True) -> tuple[Any, httpx.Response]:
        """Send a JSON body that changes something and decode the answer (None for an empty
        body). Never repeated once it may have arrived (see `request`), unless `once=False`
        says sending it twice does no harm (setting an assignee)."""
        response = await self.request(method, url, json=payload, once=once)
        if not response.content.strip():
            return None, response
        return self.decode(response), response

    def decode(self, response: httpx.Response) -> Any:
        """The JSON body, every string in it valid text (see `valid_json`): the one place
        channel data is parsed, before any adapter sees it."""
        try:
            data = valid_json(response.content)
        except ValueError:
            # The status it came with (usually 200): it is bad data, not a failed request.
            raise self.error(f"the response is not valid JSON: {strip_secrets(str(response.url))}",
                             response.status_code) from None
        except RecursionError:
            raise self.error(f"the JSON response is nested too deeply to read: "
                             f"{strip_secrets(str(response.url))}", response.status_code) from None
        if _longest_list(data) > MAX_ENTRIES:
            raise self.error(f"the response lists more than {MAX_ENTRIES:,} entries, more than a page of "
                             f"any channel holds: {strip_secrets(str(response.url))}", response.status_code)
        return data

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2 ** (attempt - 1)) * (1 + random.random() * 0.1)

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait if this response is a rate limit, else None."""
        status = response.status_code
        if status not in (403, 429):
            return None
        after = retry_after_seconds(response.headers)
        if after is not None:
            return after
        if response.headers.get("x-ratelimit-remaining") == "0" and self.rate.reset_at is not None:
            return max(1.0, (self.rate.reset_at - datetime.now(timezone.utc)).total_seconds() + 1)
        if status == 429:
            return self._backoff(3)  # no hint at all (Slack sends bare 429s): back off a while
        return None

    def _client_error(self, response: httpx.Response, shown: str) -> str:
        """The refusal in one line: what it means, the channel's reason (masked, then cut)."""
        status = response.status_code
        try:
            detail, limit = error_detail(valid_json(response.content)), 500
        except (ValueError, RecursionError):
            text = response.headers.get("content-type", "").startswith("text/")
            detail, limit = (response.text if text else ""), 200
        hint = {401: "unauthorized: check the token", 403: "forbidden: the token lacks access",
                404: "not found"}.get(status, f"HTTP {status}")
        if self.origin is not None and not self.trusted(response.url):
            hint += f" (answered by {shown_origin(response.url)}, which gets no credentials)"
        detail = self.redactor.line(detail, limit)
        return f"{hint}{': ' + detail if detail else ''} ({shown})"


def _longest_list(data: Any, depth: int = 3) -> int:
    """The most entries any list or object in the top `depth` levels of decoded JSON holds."""
    if not isinstance(data, (list, dict)) or depth == 0:
        return 0
    if len(data) > MAX_ENTRIES or depth == 1:
        return len(data)
    values = data if isinstance(data, list) else data.values()
    return max([len(data), *(_longest_list(value, depth - 1) for value in values)])


def error_detail(body: Any) -> str:
    """The reason an API gave for refusing a request, from the shapes channels use:
    `message` with `errors[]` (GitHub 422), `errors: ["..."]` (Discourse 422),
    `errorMessages` and `errors: {field: msg}` (Jira 400), `error` + `description`
    (Zendesk), `error_message` (Stack Exchange)."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    for key in ("message", "error_message", "error", "description"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
        elif isinstance(value, dict):  # GitLab: {"message": {"base": ["..."], "title": ["..."]}}
            for field, messages in value.items():
                text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
                parts.append(text if field == "base" else f"{field} {text}")
    messages = body.get("errorMessages")
    for message in messages if isinstance(messages, list) else []:
        parts.append(str(message))
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {message}" for field, message in errors.items()]
    elif isinstance(errors, list):
        for entry in errors:
            if isinstance(entry, dict):
                # GitHub: {resource, field, code[, message]}; Intercom: {code, message}
                where = " ".join(str(entry[k]) for k in ("resource", "field", "code") if entry.get(k))
                message = entry.get("message")
                parts.append(f"{where}: {message}" if where and message else str(message or where))
            elif entry:
                parts.append(str(entry))
    elif isinstance(errors, str):
        parts.append(errors)
    details = body.get("details")
    if isinstance(details, dict):  # Zendesk: {"base": [{"description": "..."}]}
        for field, entries in details.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                text = entry.get("description") if isinstance(entry, dict) else entry
                if text:
                    parts.append(f"{field}: {text}" if field != "base" else str(text))
    return "; ".join(p for p in parts if p)
