"""Zendesk tickets from the cursor-based incremental export, with changed tickets' comments.

The export is a stream that never ends: each page carries `after_cursor`, and the last one
(`end_of_stream: true`) still does. That cursor is where the next sync starts, so the
stream's cursor keeps it as its high water (a token, not a time) once a sync finishes,
and as `next_url` while one is under way. Every page is saved with the cursor that
follows it, so a sync killed anywhere starts again at the first page it did not save:
nothing lost, and what is read twice is upserted by key, not duplicated.

Deleted tickets (status `deleted`, scrubbed to subject "SCRUBBED") leave the inbox. A
ticket `pending` (on the customer) or on `hold` (on a third party) is open but waits: the
channel's wait keeps it out of the Inbox until a later sync sees its status change.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from inbox.config import Option, SourceConfig
from inbox.errors import ConfigError, SourceError
from inbox.models import ChannelWait, Cursor, Item, Reply
from inbox.sources.base import (
    Page,
    Posted,
    Source,
    SyncContext,
    activity,
    by_id,
    usable_id,
)
from inbox.net.http import Session, with_params
from inbox.sources.pagination import next_url_pages
from inbox.text import clean, one_line
from inbox.text.markup import to_html
from inbox.timeutil import parse_time

STREAM = "tickets"
EXPORT = "/api/v2/incremental/tickets/cursor.json"
OPEN_STATUSES = {"new", "open", "pending", "hold"}
WAITING_STATUSES = {"pending", "hold"}
STAFF_ROLES = {"agent", "admin"}
_SUBDOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


class _Unexpected(SourceError):
    """A comments page that is not one: the ticket's thread is skipped, the sync goes on."""


def _deleted(ticket: dict[str, Any]) -> bool:
    return ticket.get("status") == "deleted" or ticket.get("subject") == "SCRUBBED"


def _after_cursor(data: dict[str, Any]) -> str | None:
    """The export's cursor after this page: `after_cursor`, or the one in `after_url`."""
    if data.get("after_cursor"):
        return str(data["after_cursor"])
    query = dict(parse_qsl(urlsplit(str(data.get("after_url") or "")).query))
    return query.get("cursor") or None


def _users(data: Any) -> dict[Any, dict]:
    """Side-loaded users (`include=users`) by id."""
    return by_id(data.get("users") if isinstance(data, dict) else None)


class ZendeskSource(Source):
    kind = "zendesk"
    required = ("email", "token_env")
    options = {"subdomain": Option.ASCII, "email": Option.ASCII, "token_env": Option.ENV}
    default_base_url = None  # https://{subdomain}.zendesk.com, from the config's subdomain
    writable = True
    assignable = True

    def __init__(self, config: SourceConfig, *, staff: frozenset[str] = frozenset(),
                 env: Mapping[str, str] | None = None) -> None:
        subdomain = config.get("subdomain")
        if not config.get("base_url"):
            if not subdomain:
                raise ConfigError(f"source {config.name!r}: zendesk needs subdomain = \"yourcompany\" "
                                  "(for https://yourcompany.zendesk.com) or base_url = \"https://...\"")
            if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain):
                raise ConfigError(f"source {config.name!r}: subdomain must be the first part of "
                                  f"yourcompany.zendesk.com (letters, digits, '-'), not {subdomain!r}")
            self.default_base_url = f"https://{subdomain}.zendesk.com"
        super().__init__(config, staff=staff, env=env)

    def _credentials(self) -> str:
        token = self.secret("token_env", required=True)
        pair = f"{self.config.get('email')}/token:{token}"
        return base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Basic {self._credentials()}"}

    def secrets(self) -> tuple[str, ...]:
        # the encoded credentials too: an echoed Authorization header must not show
        return (*super().secrets(), self._credentials())

    def _export_url(self, cursor: str | None = None) -> str:
        if cursor:
            return with_params(f"{self.base_url}{EXPORT}", cursor=cursor, include="users")
        return with_params(f"{self.base_url}{EXPORT}", start_time=0, include="users")

    def _next(self, data: Any) -> str | None:
        """The next page, built on our base URL (so `include=users` is kept); None at the end."""
        if not isinstance(data, dict) or data.get("end_of_stream"):
            return None
        cursor = _after_cursor(data)
        return self._export_url(cursor) if cursor else None

    def check_url(self) -> str:
        return f"{self.base_url}/api/v2/users/me.json"

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        start = context.cursor(STREAM)
        resume_at = start.high_water  # the after_cursor that ended the last complete sync
        url = start.next_url or self._export_url(resume_at)
        async for fetched in next_url_pages(session, url, self._next):
            data = fetched.data
            if not isinstance(data, dict) or not isinstance(data.get("tickets"), list):
                raise SourceError(self.name, f"expected a ticket export page ({fetched.url})")
            latest: dict[Any, dict] = {}
            for ticket in data["tickets"]:
                if isinstance(ticket, dict):
                    key = usable_id(ticket.get("id"))
                    key = id(ticket) if key is None else key  # no id: skipped by normalize_or_skip
                    latest.pop(key, None)
                    latest[key] = ticket  # the export can repeat a ticket: last wins
            users = _users(data)
            removed = [self.key(t["id"]) for t in latest.values() if _deleted(t) and t.get("id") is not None]
            live = [t for t in latest.values() if not _deleted(t)]
            known = context.threads_fetched_at([self.key(t.get("id")) for t in live])
            items = []
            for ticket in live:
                when = activity(ticket.get("updated_at") or ticket.get("created_at")) or None
                if when is not None and known.get(self.key(ticket.get("id"))) == when:
                    continue  # saved with its comments at this very update (a page read again)
                raw: dict[str, Any] = {"ticket": ticket, "users": users, "comments": None}
                # The first sync reads every ticket ever: closed ones (final) skip their
                # comments there, which keeps it to one request per open ticket.
                if not (resume_at is None and ticket.get("status") == "closed"):
                    comments, comment_users = await self._comments(session, context, ticket)
                    raw.update(comments=comments, users={**users, **comment_users})
                item = self.normalize_or_skip(raw, context, f"ticket {ticket.get('id')}", page=fetched.url)
                if item is not None:
                    items.append(item)
            if fetched.next_url:
                cursor = Cursor(next_url=fetched.next_url, high_water=resume_at)
            else:  # the end of the stream: its cursor is where the next sync starts
                cursor = Cursor(next_url=None, high_water=_after_cursor(data) or resume_at)
            yield Page(STREAM, items=items, cursor=cursor, removed=removed)

    async def _comments(self, session: Session, context: SyncContext,
                        ticket: dict) -> tuple[list[dict] | None, dict[Any, dict]]:
        """A ticket's comments, oldest first, and their authors; None when they cannot be had.

        A refusal (4xx) keeps what the export said, with a warning unless the ticket is
        simply gone. A server or network failure stops the sync before this page is saved:
        the export moves on and would not bring the ticket back, so the page is read again
        next time instead.
        """
        try:
            return await self._read_comments(session, ticket.get("id"))
        except _Unexpected as exc:
            context.warn(f"ticket {ticket.get('id')} comments: {exc.reason}")
            return None, {}
        except SourceError as exc:
            if exc.status is None or exc.status >= 500:
                raise
            if not exc.not_there:
                context.warn(f"ticket {ticket.get('id')} comments: {exc.reason}")
            return None, {}

    async def _read_comments(self, session: Session, ticket_id: Any) -> tuple[list[dict], dict[Any, dict]]:
        """A ticket's comments, oldest first, and their authors, every page."""
        url = with_params(f"{self.base_url}/api/v2/tickets/{ticket_id}/comments.json", include="users")
        comments: list[dict] = []
        users: dict[Any, dict] = {}
        async for fetched in next_url_pages(session, url, lambda d: d.get("next_page")
                                            if isinstance(d, dict) else None):
            found = fetched.data.get("comments") if isinstance(fetched.data, dict) else None
            if not isinstance(found, list):
                raise _Unexpected(self.name, f"unexpected data ({fetched.url})")
            comments += [c for c in found if isinstance(c, dict)]
            users.update(_users(fetched.data))
        return comments, users

    # --- normalize -------------------------------------------------------------------

    def _person(self, user: dict | None, user_id: Any, fallback: str | None = None) -> tuple[str, bool]:
        """(name, is staff) for a Zendesk user id, through the side-loaded users."""
        if user and (user.get("name") or user.get("email")):
            name = one_line(user.get("name") or user.get("email"))
            staff = (user.get("role") in STAFF_ROLES or self.is_staff(name)
                     or self.is_staff(user.get("email")))
            return name, staff
        if fallback:
            return one_line(fallback), self.is_staff(fallback)
        return (f"user {user_id}" if user_id else "unknown"), False

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"ticket": ..., "users": {id: user}, "comments": [...] or None}, or a bare ticket."""
        ticket = raw.get("ticket", raw)
        users = raw.get("users") or {} if "ticket" in raw else {}
        comments = raw.get("comments") if "ticket" in raw else None
        requester = ticket.get("requester_id")
        sender = (((ticket.get("via") or {}).get("source") or {}).get("from") or {})
        author, author_is_staff = self._person(users.get(requester), requester,
                                               sender.get("name") or sender.get("address"))
        status = ticket.get("status")
        thread = None
        if comments is not None:
            # the first comment is the description; private notes are not replies
            thread = [self.normalize_comment(c, users) for c in comments[1:] if c.get("public", True)]
        replies = len(thread) if thread is not None else 0
        description = clean(ticket.get("description")).strip()
        title = one_line(ticket.get("subject")) or one_line(description.split("\n", 1)[0])[:80]
        created = parse_time(ticket.get("created_at"))
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(ticket["id"]),
            url=f"{self.base_url}/agent/tickets/{ticket['id']}",
            title=title or f"Ticket #{ticket['id']}",
            body=description,
            author=author,
            author_is_staff=author_is_staff,
            created_at=created,
            last_activity_at=_updated(ticket) or created,
            replies=replies,
            last_reply_by_staff=thread[-1].author_is_staff if thread else None,
            answered=status == "solved" or status == "closed",
            state="open" if status in OPEN_STATUSES else "closed",
            labels=[one_line(tag) for tag in ticket.get("tags") or [] if tag],
            thread=thread,
            channel_wait=ChannelWait(status) if status in WAITING_STATUSES else None,
        )

    def normalize_comment(self, comment: dict[str, Any], users: dict[Any, dict]) -> Reply:
        author_id = comment.get("author_id")
        author, staff = self._person(users.get(author_id), author_id)
        return Reply(
            external_id=str(comment.get("id")),
            author=author,
            author_is_staff=staff,
            created_at=parse_time(comment.get("created_at")),
            body=clean(comment.get("body") or comment.get("plain_body")).strip(),
        )

    # --- writing back ------------------------------------------------------------------

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """GET /api/v2/tickets/{id}.json with its requester, then its comments."""
        ticket_id = quote(str(item["external_id"]), safe="")
        url = with_params(f"{self.base_url}/api/v2/tickets/{ticket_id}.json", include="users")
        data, _ = await session.get_json(url)
        ticket = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(ticket, dict) or _deleted(ticket):
            raise SourceError(self.name, f"ticket {one_line(item['external_id'])} is gone or unreadable ({url})")
        comments, users = await self._read_comments(session, ticket_id)
        raw = {"ticket": ticket, "users": {**_users(data), **users}, "comments": comments}
        return self.normalize_fetched(raw, f"ticket {ticket_id}", url)

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """A public comment through `PUT /api/v2/tickets/{id}.json` (the status is left as
        it is), its Markdown sent as `html_body` (`inbox.text.markup.to_html`), so the customer
        reads formatting rather than asterisks and every character typed stays text. The
        audit's Comment event is the comment the sync will see."""
        ticket_id = quote(str(item["external_id"]), safe="")
        payload = {"ticket": {"comment": {"html_body": to_html(text), "public": True}}}
        data, _ = await session.send_json("PUT", f"{self.base_url}/api/v2/tickets/{ticket_id}.json", payload)
        audit = data.get("audit") if isinstance(data, dict) else None
        events = audit.get("events") if isinstance(audit, dict) else None
        comments = [e for e in events or [] if isinstance(e, dict) and e.get("type") == "Comment"]
        if not comments or comments[-1].get("id") in (None, ""):
            raise session.error("Zendesk updated the ticket but its answer shows no comment; "
                                "check the ticket before posting again")
        comment = dict(comments[-1])
        comment.setdefault("created_at", audit.get("created_at"))
        author_id = comment.get("author_id") or audit.get("author_id")
        # Who posted is the token's user (the config's email) unless Zendesk says otherwise;
        # the next sync names them as the ticket's users do.
        users = {author_id: {"email": self.config.get("email"), "role": "agent"}} if author_id else {}
        reply = self.normalize_comment(comment, users)
        if not author_id:
            reply = replace(reply, author=one_line(self.config.get("email")) or "you")
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        return Posted(reply=reply, url=f"{self.base_url}/agent/tickets/{ticket_id}")

    async def set_assignee(self, session: Session, item: Mapping[str, Any], login: str | None,
                           previous: str | None) -> bool:
        """A ticket has one assignee: the agent whose email `login` is (found through
        `GET /api/v2/users/search.json`), or nobody; set with `PUT /api/v2/tickets/{id}.json
        {"ticket": {"assignee_id"}}`, and the answer checked for it."""
        agent = await self._agent_id(session, login) if login else None
        ticket_id = quote(str(item["external_id"]), safe="")
        data, _ = await session.send_json("PUT", f"{self.base_url}/api/v2/tickets/{ticket_id}.json",
                                          {"ticket": {"assignee_id": agent}}, once=False)
        ticket = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(ticket, dict) or "assignee_id" not in ticket:
            raise session.error("Zendesk answered without the ticket's assignee")
        if ticket["assignee_id"] != agent:
            raise session.error(f"Zendesk kept the ticket's assignee as it was, not {login or 'nobody'}", 422)
        return True

    async def _agent_id(self, session: Session, email: str) -> int:
        """The id of the agent (or admin) with this email: end users cannot be assigned."""
        url = with_params(f"{self.base_url}/api/v2/users/search.json", query=email)
        data, _ = await session.get_json(url)
        users = data.get("users") if isinstance(data, dict) else None
        found = [user for user in users if isinstance(user, dict)
                 and str(user.get("email") or "").lower() == email.lower()] if isinstance(users, list) else []
        if not found:
            raise session.error(f"no Zendesk user with the email {email}", 404)
        agents = [user for user in found if user.get("role") in STAFF_ROLES and usable_id(user.get("id")) is not None]
        if not agents:
            raise session.error(f"{email} is not an agent in Zendesk: only agents are assigned tickets", 422)
        return agents[0]["id"]


def _updated(ticket: dict[str, Any]) -> datetime | None:
    """When the ticket last changed; an `updated_at` that is there but not a time is bad data."""
    value = ticket.get("updated_at")
    moment = parse_time(value)
    if value not in (None, "") and moment is None:
        raise ValueError(f"updated_at is not a time: {one_line(value)[:40]!r}")
    return moment
