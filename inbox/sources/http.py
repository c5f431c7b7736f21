"""HTTP for every channel: timeouts, retries, rate-limit waits, ETags, and no leaked secrets.

One `Session` per source per sync. Rate limits are waited out (and shown through
`notify`) rather than failed; 5xx and timeouts are retried with backoff, then reported
as a `SourceError` whose message never holds a token or a secret query parameter.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import httpx

from inbox import __version__
from inbox.errors import SourceError
from inbox.text import one_line

USER_AGENT = f"community-inbox/{__version__}"
SECRET_PARAMS = {"key", "access_token", "api_key", "token", "client_secret", "api_token"}
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def strip_secrets(url: str) -> str:
    """The URL without secret query parameters: what may be stored, logged or shown."""
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


class Session:
    """An httpx.AsyncClient wrapped with the inbox's retry and rate-limit policy.

    Args:
        source: the source name, for messages.
        headers: auth and API headers, sent with every request (never logged).
        params: query parameters sent with every request but never stored (e.g. `key=`).
        notify: called with a short status ("waiting 30s: rate limited") for the progress bar.
        sleep: awaitable sleep, replaceable in tests.
        max_wait: the longest single rate-limit wait in seconds before giving up.
    """

    def __init__(
        self,
        source: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        notify: Callable[[str], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retries: int = 3,
        backoff: float = 1.0,
        max_wait: float = 900.0,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.source = source
        self.rate = RateState()
        self.notify = notify or (lambda status: None)
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.requests = 0
        self._secret_params = dict(params or {})
        self._secrets = tuple(s for s in secrets if s)
        self._holds: dict[str, float] = {}
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        all_headers.update(headers or {})
        self.client = httpx.AsyncClient(headers=all_headers, timeout=TIMEOUT, transport=transport,
                                        follow_redirects=True)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def redact(self, text: str) -> str:
        """A message with every known secret value replaced, raw or URL-encoded (as a
        `key=` parameter appears in a URL)."""
        for secret in self._secrets + tuple(self._secret_params.values()):
            if secret and len(secret) >= 4:  # shorter is no real secret, and would garble the text
                for form in sorted({secret, quote(secret, safe=""), quote_plus(secret)}, key=len, reverse=True):
                    text = text.replace(form, "***")
        return text

    def add_secret(self, secret: str) -> None:
        """A secret learned mid-sync (an OAuth access token): redacted like the others."""
        if secret and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    def error(self, message: str, status: int | None = None) -> SourceError:
        return SourceError(self.source, one_line(self.redact(message)), status)

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
                      hold_key: str | None = None, once: bool = False, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a 2xx or 304 response, else raises SourceError.

        `once`: the request changes something (a posted reply), so it is only sent again
        when it surely never arrived (no connection, or a rate limit refused it); a timeout
        or a 5xx may have posted it already, and fails instead of posting twice.
        """
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
        if self._secret_params or kwargs.get("params"):
            # Merged into the URL's own query: httpx's `params=` would replace that query
            # (site, tagged, page...) instead of adding to it.
            extra = {**self._secret_params, **(kwargs.pop("params", None) or {})}
            url = str(httpx.URL(url).copy_merge_params(extra))
        attempt = 0
        rate_waits = 0
        while True:
            attempt += 1
            try:
                self.requests += 1
                response = await self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException as exc:
                if once and not isinstance(exc, httpx.ConnectTimeout):
                    raise self.error(f"timed out waiting for an answer; it may have gone through, "
                                     f"so check before retrying: {shown}") from None
                if attempt > self.retries:
                    raise self.error(f"timed out after {attempt} tries: {shown}") from None
                await self._wait(self._backoff(attempt), "timed out, retrying")
                continue
            except httpx.HTTPError as exc:
                if attempt > self.retries:
                    raise self.error(f"cannot connect ({type(exc).__name__}): {shown}") from None
                await self._wait(self._backoff(attempt), "network error, retrying")
                continue
            self.rate.update_from_headers(response.headers)
            status = response.status_code
            if status < 300 or status == 304:
                return response
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

    async def get_json(self, url: str, *, etag: str | None = None, hold_key: str | None = None,
                       **kwargs: Any) -> tuple[Any, httpx.Response]:
        """GET and decode JSON; (None, response) on 304 Not Modified."""
        response = await self.request("GET", url, etag=etag, hold_key=hold_key, **kwargs)
        if response.status_code == 304:
            return None, response
        return self.decode(response), response

    async def send_json(self, method: str, url: str, payload: Any) -> tuple[Any, httpx.Response]:
        """Send a JSON body that changes something (never repeated; see `request`) and
        decode the answer (None for an empty body)."""
        response = await self.request(method, url, json=payload, once=True)
        if not response.content.strip():
            return None, response
        return self.decode(response), response

    def decode(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            # The status it came with (usually 200): it is bad data, not a failed request.
            raise self.error(f"the response is not valid JSON: {strip_secrets(str(response.url))}",
                             response.status_code) from None

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
        status = response.status_code
        detail = ""
        try:
            detail = error_detail(response.json())
        except ValueError:
            detail = response.text[:200] if response.headers.get("content-type", "").startswith("text/") else ""
        hint = {401: "unauthorized: check the token", 403: "forbidden: the token lacks access",
                404: "not found"}.get(status, f"HTTP {status}")
        detail = " ".join(detail.split())[:500]
        return f"{hint}{': ' + detail if detail else ''} ({shown})"


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
    for message in body.get("errorMessages") or []:
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
