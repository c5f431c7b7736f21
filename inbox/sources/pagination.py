"""The shared paginators: every channel pages through one of these, never its own loop.

Each yields `Response` pages carrying the decoded data and the URL of the next page,
which is what a sync stores as its cursor so an interrupted sync resumes mid-stream.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from inbox.net.http import Session, strip_secrets, with_params

_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


@dataclass
class Fetched:
    """One page as fetched: its URL, data (None when 304 Not Modified), ETag and next URL."""

    url: str
    data: Any
    etag: str | None
    next_url: str | None

    @property
    def not_modified(self) -> bool:
        return self.data is None


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 `Link` header -> {rel: url}; unknown rels (e.g. deprecation) are kept too."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1), match.group(2)
        rel = re.search(r'rel\s*=\s*"?([^";]+)"?', params or "")
        if rel:
            for name in rel.group(1).split():
                links[name] = url
    return links


async def link_header_pages(session: Session, url: str, *, etag: str | None = None,
                            hold_key: str | None = None, page_header: str | None = None,
                            ) -> AsyncIterator[Fetched]:
    """GitHub (and GitLab) style: follow `Link: <...>; rel="next"` exactly as given.

    `page_header` names a header holding the next page number (GitLab's `x-next-page`,
    empty on the last page), used as `page=` when a response has no `Link` next.
    """
    first = True
    while url:
        data, response = await session.get_json(url, etag=etag if first else None, hold_key=hold_key)
        next_url = parse_link_header(response.headers.get("link")).get("next")
        next_page = (response.headers.get(page_header) or "").strip() if page_header else ""
        if not next_url and next_page.isdigit():
            next_url = with_params(url, page=next_page)
        if next_url == url:
            next_url = None  # a page that points at itself would loop for ever
        yield Fetched(url, data, response.headers.get("etag"), strip_secrets(next_url) if next_url else None)
        if data is None:
            return
        url, first = next_url, False


async def next_url_pages(session: Session, url: str, next_of: Callable[[Any], str | None], *,
                         etag: str | None = None, hold_key: str | None = None,
                         ) -> AsyncIterator[Fetched]:
    """Discourse/Zendesk style: the body names the next page (`next_of(data)`).

    A relative next URL is resolved against the current one.
    """
    first = True
    while url:
        data, response = await session.get_json(url, etag=etag if first else None, hold_key=hold_key)
        following = next_of(data) if data is not None else None
        next_url = strip_secrets(urljoin(url, following)) if following else None
        if next_url == url:
            next_url = None  # a page that points at itself would loop for ever
        yield Fetched(url, data, response.headers.get("etag"), next_url)
        if data is None:
            return
        url, first = next_url, False


async def page_number_pages(session: Session, url: str, *, has_more: Callable[[Any], bool],
                            hold_key: str | None = None) -> AsyncIterator[Fetched]:
    """Stack Exchange style: `page=N` until the body says `has_more: false`."""
    while url:
        data, response = await session.get_json(url, hold_key=hold_key)
        page = int(dict(parse_qsl(urlsplit(url).query)).get("page", "1") or 1)
        next_url = with_params(url, page=page + 1) if has_more(data) else None
        yield Fetched(url, data, response.headers.get("etag"), next_url)
        url = next_url


async def cursor_pages(session: Session, url: str, cursor_of: Callable[[Any], str | None], *,
                       param: str = "cursor", hold_key: str | None = None) -> AsyncIterator[Fetched]:
    """Slack/Intercom/UserVoice style: the body carries an opaque cursor that goes back as
    `param=` on the same URL, until the body has none. A cursor that is an absolute URL
    (older Intercom versions give `pages.next` as one) is the next page itself."""
    while url:
        data, response = await session.get_json(url, hold_key=hold_key)
        cursor = cursor_of(data) if data is not None else None
        if cursor and str(cursor).startswith(("http://", "https://")):
            next_url = strip_secrets(str(cursor))
        else:
            next_url = with_params(url, **{param: cursor}) if cursor else None
        if next_url == url:
            next_url = None  # a cursor that points at this page would loop for ever
        yield Fetched(url, data, response.headers.get("etag"), next_url)
        url = next_url


def discourse_json_url(path: str) -> str:
    """`/latest?page=1` -> `/latest.json?page=1`: Discourse's next links lack the `.json`."""
    parts = urlsplit(path)
    if parts.path.endswith(".json"):
        return path
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + ".json"))
