"""UserVoice ideas (Admin API v2): suggestions with their status, supporters and author.

Auth is OAuth client credentials: a token is fetched before the first call and again,
once, when a call answers 401 (tokens expire); both secrets stay out of URLs, errors and
the store. Status names are the account's own: `status_map` in the config maps them to
the idea lifecycle (a sensible default covers the usual names).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

from inbox.config import Option, SourceConfig
from inbox.errors import ConfigError, SourceError
from inbox.models import IdeaStatus, Item
from inbox.net.http import Session, with_params
from inbox.sources.base import Page, Source, Stream, SyncContext, activity, by_id
from inbox.sources.pagination import cursor_pages
from inbox.text import clean, html_to_text, one_line
from inbox.timeutil import parse_time

LIFECYCLE = {status.value for status in IdeaStatus}
DEFAULT_STATUS_MAP = {
    "under review": "under-review",
    "reviewing": "under-review",
    "planned": "planned",
    "started": "started",
    "in progress": "started",
    "help wanted": "help-wanted",
    "completed": "completed",
    "shipped": "completed",
    "released": "completed",
    "declined": "declined",
}
"""Common status names; "closed" is left out on purpose (it means declined on some boards
and done on others): map it in the config."""
_SUBDOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def _status_key(name: object) -> str:
    """`Under-Review`, `under_review`, ` Under  review ` -> `under review`."""
    return " ".join(re.sub(r"[-_]", " ", str(name)).lower().split())


def _next_cursor(data: Any) -> str | None:
    """`pagination.cursor` until the last page (no cursor, or page = total_pages)."""
    pagination = data.get("pagination") if isinstance(data, dict) else None
    if not isinstance(pagination, dict) or not pagination.get("cursor"):
        return None
    page, pages = pagination.get("page"), pagination.get("total_pages")
    if isinstance(page, int) and isinstance(pages, int) and page >= pages:
        return None
    return str(pagination["cursor"])


class ClientCredentials:
    """OAuth client credentials, as the Session's `login`: before a request to UserVoice
    the Session asks for the Bearer header (the first time, a token is fetched); after a
    401 it has the token forgotten and asks again, once.

    The token request carries the client secret in its body, so it goes only to the
    configured origin and is never re-sent after a redirect to another one (see
    `Session`). An answer the Session can retry (429, 5xx) is retried like any call; a
    refusal names what to check, never the secret.
    """

    def __init__(self, source: UserVoiceSource, client_secret: str) -> None:
        self.source = source
        self._client_secret = client_secret
        self.token: str | None = None

    async def headers(self, session: Session) -> dict[str, str]:
        if self.token is None:
            self.token = await self._fetch(session)
        return {"Authorization": f"Bearer {self.token}"}

    def forget(self) -> None:
        self.token = None

    async def _fetch(self, session: Session) -> str:
        form = {"grant_type": "client_credentials", "client_id": str(self.source.config.get("client_id")),
                "client_secret": self._client_secret}
        try:
            response = await session.request("POST", f"{self.source.base_url}/api/v2/oauth/token",
                                             data=form, login=False)
        except SourceError as exc:
            if session.last_response is None or exc.status is None or not 400 <= exc.status < 500:
                raise  # no answer, a server error, or a redirect elsewhere: said as it is
            response = session.last_response  # a refusal: explained below
        try:
            body = session.decode(response)
        except SourceError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code >= 300 or not isinstance(token, str) or not token:
            detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            raise session.error(
                f"the OAuth token request was refused (HTTP {response.status_code}"
                f"{': ' + str(detail) if detail else ''}): check client_id and the secret in "
                f"${self.source.config.get('secret_env')}", response.status_code)
        session.add_secret(token)  # redacted from every message like the configured secrets
        return token


class UserVoiceSource(Source):
    kind = "uservoice"
    required = ("client_id", "secret_env")
    options = {"subdomain": Option.ASCII, "client_id": Option.TEXT, "secret_env": Option.ENV,
               "status_map": Option("table", values=(*sorted(LIFECYCLE), "none"))}
    default_base_url = None  # https://{subdomain}.uservoice.com, from the config's subdomain
    secret_keys = ("secret_env",)

    def __init__(self, config: SourceConfig, *, staff: frozenset[str] = frozenset(),
                 env: Mapping[str, str] | None = None) -> None:
        subdomain = config.get("subdomain")
        if not config.get("base_url"):
            if not subdomain:
                raise ConfigError(f"source {config.name!r}: uservoice needs subdomain = \"yourcompany\" "
                                  "(for https://yourcompany.uservoice.com) or base_url = \"https://...\"")
            if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain):
                raise ConfigError(f"source {config.name!r}: subdomain must be the first part of "
                                  f"yourcompany.uservoice.com (letters, digits, '-'), not {subdomain!r}")
            self.default_base_url = f"https://{subdomain}.uservoice.com"
        super().__init__(config, staff=staff, env=env)
        self.status_map = self._status_map(config.get("status_map"))

    def _status_map(self, table: Any) -> dict[str, str | None]:
        """The default map, overridden by the config's (names matched case-insensitively;
        "none" leaves a status unmapped)."""
        found: dict[str, str | None] = dict(DEFAULT_STATUS_MAP)
        if table is None:
            return found
        if not isinstance(table, dict):
            raise ConfigError(f"source {self.name!r}: status_map must be a table of status name = "
                              f"lifecycle value, not {table!r}")
        for name, value in table.items():
            if not isinstance(value, str) or (value not in LIFECYCLE and value != "none"):
                raise ConfigError(f"source {self.name!r}: status_map.{name} must be one of "
                                  f"{', '.join(sorted(LIFECYCLE))} or none, not {value!r}")
            found[_status_key(name)] = None if value == "none" else value
        return found

    def session(self, **kwargs: Any) -> Session:
        login = ClientCredentials(self, self.secret("secret_env", required=True))
        return super().session(login=login, **kwargs)

    def check_url(self) -> str:
        return with_params(f"{self.base_url}/api/v2/admin/suggestions", per_page=1)

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        stream = Stream("suggestions", context.cursor("suggestions"))
        fresh = with_params(f"{self.base_url}/api/v2/admin/suggestions", per_page=100,
                            updated_after=stream.start.high_water, includes="statuses,users,labels",
                            sort="-updated_at")
        async for fetched in cursor_pages(session, stream.first_url(fresh), _next_cursor, param="cursor"):
            data = fetched.data
            if not isinstance(data, dict) or not isinstance(data.get("suggestions"), list):
                raise SourceError(self.name, f"expected a list of suggestions ({fetched.url})")
            suggestions = [s for s in data["suggestions"] if isinstance(s, dict)]
            times = [activity(s.get("updated_at") or s.get("created_at")) for s in suggestions]
            cursor, finished = stream.after_page(times, fetched.next_url)
            side = {name: by_id(data.get(name)) for name in ("users", "statuses", "labels")}
            normalized = (self.normalize_or_skip({"suggestion": s, **side}, context, f"suggestion {s.get('id')}",
                                                 page=fetched.url) for s in suggestions)
            yield Page("suggestions", items=[item for item in normalized if item is not None], cursor=cursor)
            if finished:
                return

    def idea_status(self, name: str | None) -> str | None:
        """The lifecycle value of one of the account's status names, or None if unmapped."""
        return self.status_map.get(_status_key(name)) if name else None

    def _author(self, user: dict | None, user_id: Any) -> tuple[str, bool]:
        if user and (user.get("name") or user.get("email_address")):
            name = one_line(user.get("name") or user.get("email_address"))
            staff = bool(user.get("is_admin") or user.get("is_owner") or self.is_staff(name)
                         or self.is_staff(user.get("email_address")))
            return name, staff
        return (f"user {user_id}" if user_id else "anonymous"), False

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"suggestion": ..., "users"/"statuses"/"labels": {id: object}}, or a bare suggestion."""
        suggestion = raw.get("suggestion", raw)
        links = suggestion.get("links") or {}
        creator = links.get("created_by")
        author, author_is_staff = self._author((raw.get("users") or {}).get(creator), creator)
        status = (raw.get("statuses") or {}).get(links.get("status")) or {}
        status_name = one_line(status.get("name")) or None
        labels = [one_line(((raw.get("labels") or {}).get(label) or {}).get("name"))
                  for label in links.get("labels") or []]
        body = suggestion.get("body")
        body = html_to_text(body) if "html" in str(suggestion.get("body_mime_type") or "") else clean(body).strip()
        created = parse_time(suggestion.get("created_at"))
        closed = bool(suggestion.get("closed_at")) or status.get("is_open") is False
        supporters = suggestion.get("supporters_count")
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(suggestion["id"]),
            url=str(suggestion.get("portal_url") or suggestion.get("admin_url")
                    or f"{self.base_url}/admin/v3/suggestions/{suggestion['id']}"),
            title=one_line(suggestion.get("title")),
            body=body,
            author=author,
            author_is_staff=author_is_staff,
            created_at=created,
            last_activity_at=parse_time(suggestion.get("updated_at")) or created,
            replies=int(suggestion.get("comments_count") or 0),
            answered=False,
            state="closed" if closed else "open",
            labels=[label for label in labels if label],
            idea_status=self.idea_status(status_name),
            supporters=int(supporters) if isinstance(supporters, int) else None,
        )
