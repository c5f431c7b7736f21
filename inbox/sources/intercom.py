"""Intercom conversations, most recently updated first (REST API, `Intercom-Version: 2.11`).

The list gives each conversation's first message (`source.body`, HTML) but not its
parts, so an item's thread is not fetched; `waiting_since` says whether the customer is
waiting for us (set) or a teammate answered last (null).

The inbox page of a conversation is `https://app.intercom.com/a/inbox/{app_id}/inbox/
conversation/{id}`. The API does not tell the app (workspace) id: set `app_id` in the
source to use it, else `_` stands in for it, which Intercom resolves to the workspace
the signed-in teammate is using. An EU or AU `base_url` (`api.eu.intercom.io`) links to
that region's app (`app.eu.intercom.com`).

Intercom's own `snoozed` state is the channel's wait (until `snoozed_until`, or until
the state changes): it keeps the item out of the Inbox, says so, and labels it `snoozed`,
but it stays channel data, apart from the snooze the user sets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

from inbox.config import Option
from inbox.errors import SourceError
from inbox.models import ChannelWait, Item, Reply
from inbox.net.http import Session, strip_secrets, with_params
from inbox.sources.base import Page, Posted, Source, Stream, SyncContext
from inbox.sources.pagination import cursor_pages
from inbox.text import html_to_text, one_line, unescape
from inbox.text.markup import to_html
from inbox.timeutil import iso, parse_time

API_VERSION = "2.11"
TITLE_LENGTH = 120
HIDDEN_PARTS = {"note", "note_and_reopen"}
"""Conversation parts only the team sees."""
STAFF_AUTHORS = {"admin"}
"""`source.author.type` values that are the team (contacts are `user`/`lead`/`contact`)."""


def _next_page(data: Any) -> str | None:
    """`pages.next.starting_after`; absent on the last page. Older API versions give the
    next page as a URL string, which the paginator follows as it is."""
    pages = data.get("pages") if isinstance(data, dict) else None
    following = pages.get("next") if isinstance(pages, dict) else None
    if isinstance(following, dict):
        return str(following.get("starting_after") or "") or None
    if isinstance(following, str):
        return following or None
    return None


def _time(value: Any) -> datetime | None:
    """Epoch seconds -> datetime; None for a value no clock can hold (it is skipped)."""
    try:
        return parse_time(value)
    except (OverflowError, OSError, ValueError):
        return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class IntercomSource(Source):
    kind = "intercom"
    required = ()
    options = {"token_env": Option.ENV, "api_version": Option.ASCII, "admin_id": Option.ID,
               "app_id": Option.TEXT}
    default_base_url = "https://api.intercom.io"
    writable = True

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.secret('token_env', required=True)}",
            "Intercom-Version": str(self.config.get("api_version") or API_VERSION),
            "Accept": "application/json",
        }

    @property
    def app_url(self) -> str:
        """`https://app.intercom.com`, or the region's app for an EU/AU API host."""
        host = urlsplit(self.base_url).hostname or ""
        if host.startswith("api.") and host.endswith(".intercom.io") and host != "api.intercom.io":
            region = host[len("api."):-len(".intercom.io")]
            return f"https://app.{region}.intercom.com"
        return "https://app.intercom.com"

    def check_url(self) -> str:
        return f"{self.base_url}/me"

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        stream = Stream("conversations", context.cursor("conversations"))
        fresh = with_params(f"{self.base_url}/conversations", per_page=150, order="desc", sort="updated_at")
        url = stream.first_url(fresh)
        async for fetched in cursor_pages(session, url, _next_page, param="starting_after"):
            data = fetched.data
            if isinstance(data, dict) and data.get("type") == "error.list":
                codes = ", ".join(one_line(e.get("code")) for e in data.get("errors") or [] if isinstance(e, dict))
                raise session.error(f"Intercom error {codes or 'unknown'} ({strip_secrets(fetched.url)})")
            if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
                raise SourceError(self.name, f"expected a conversation list ({strip_secrets(fetched.url)})")
            conversations = [c for c in data["conversations"] if isinstance(c, dict)]
            activity = [iso(_time(c.get("updated_at") or c.get("created_at"))) or "" for c in conversations]
            cursor, finished = stream.after_page(activity, fetched.next_url)
            normalized = (self.normalize_or_skip(c, context, f"conversation {c.get('id')}", page=fetched.url)
                          for c in conversations)
            yield Page("conversations", items=[item for item in normalized if item is not None], cursor=cursor)
            if finished:
                return

    def url_of(self, conversation_id: str) -> str:
        app_id = one_line(self.config.get("app_id")) or "_"
        return f"{self.app_url}/a/inbox/{app_id}/inbox/conversation/{conversation_id}"

    @staticmethod
    def replies(raw: dict[str, Any]) -> int:
        """`statistics.count_conversation_parts`, else `conversation_parts.total_count`
        (the single-conversation GET), else 0: the list often has neither."""
        statistics = raw.get("statistics") if isinstance(raw.get("statistics"), dict) else {}
        parts = raw.get("conversation_parts") if isinstance(raw.get("conversation_parts"), dict) else {}
        for count in (statistics.get("count_conversation_parts"), parts.get("total_count")):
            if _count(count) is not None:
                return count
        return 0

    def normalize(self, raw: dict[str, Any]) -> Item:
        if raw.get("id") in (None, ""):
            raise ValueError("a conversation without an id")
        conversation_id = one_line(raw["id"])
        source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
        author = source.get("author") if isinstance(source.get("author"), dict) else {}
        name = one_line(author.get("name")) or one_line(author.get("email")) or "anonymous"
        staff = (author.get("type") in STAFF_AUTHORS or self.is_staff(name)
                 or self.is_staff(one_line(author.get("email"))))
        body = html_to_text(source.get("body"))
        title = one_line(unescape(raw.get("title"))) or one_line(unescape(source.get("subject")))
        if not title:
            title = next((one_line(line) for line in body.split("\n") if one_line(line)), "")
            if len(title) > TITLE_LENGTH:
                title = title[:TITLE_LENGTH - 1].rstrip() + "…"
        created = _time(raw.get("created_at"))
        replies = self.replies(raw)
        if not replies and not staff and "waiting_since" in raw and raw["waiting_since"] is None:
            # The list rarely counts parts, but a customer's conversation that is no longer
            # waiting on us has had a teammate's reply: at least one, and it was staff's.
            replies = 1
        state = raw.get("state") or ("open" if raw.get("open", True) else "closed")
        tags = (raw.get("tags") or {}).get("tags") if isinstance(raw.get("tags"), dict) else None
        labels = [one_line(t.get("name") if isinstance(t, dict) else t) for t in tags or []]
        if state == "snoozed":
            labels.append("snoozed")
        if raw.get("priority") == "priority":
            labels.append("priority")
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=conversation_id,
            url=self.url_of(conversation_id),
            title=title or "(conversation without text)",
            body=body,
            author=name,
            author_is_staff=bool(staff),
            created_at=created,
            last_activity_at=_time(raw.get("updated_at")) or created,
            replies=replies,
            # waiting_since: when the customer started waiting; null once a teammate replied
            last_reply_by_staff=(raw.get("waiting_since") is None) if replies else None,
            answered=False,
            state="closed" if state == "closed" else "open",
            labels=list(dict.fromkeys(label for label in labels if label)),
            thread=None,
            channel_wait=ChannelWait("snoozed", _time(raw.get("snoozed_until"))) if state == "snoozed" else None,
        )

    def normalize_part(self, part: dict[str, Any]) -> Reply:
        """One conversation part (a reply in the thread)."""
        author = part.get("author") if isinstance(part.get("author"), dict) else {}
        name = one_line(author.get("name")) or one_line(author.get("email")) or "anonymous"
        return Reply(
            external_id=one_line(part.get("id")),
            author=name,
            author_is_staff=author.get("type") in STAFF_AUTHORS or self.is_staff(name),
            created_at=_time(part.get("created_at")),
            body=html_to_text(part.get("body")),
        )

    # --- writing back ------------------------------------------------------------------

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """`GET /conversations/{id}`: the conversation with its parts. A part the customer
        can read and that says something is a reply (a comment, or a message that reopened
        or closed it); notes are the team's own, and assignments say nothing."""
        url = f"{self.base_url}/conversations/{quote(str(item['external_id']), safe='')}"
        data, _ = await session.get_json(url)
        parts = data.get("conversation_parts") if isinstance(data, dict) else None
        parts = parts.get("conversation_parts") if isinstance(parts, dict) else None
        if not isinstance(parts, list):
            raise SourceError(self.name, f"expected a conversation with its parts ({strip_secrets(url)})")

        def normalize(conversation: Any) -> Item:
            thread = [self.normalize_part(p) for p in parts if isinstance(p, dict)
                      and p.get("part_type") not in HIDDEN_PARTS and html_to_text(p.get("body"))]
            fresh = self.normalize(conversation)
            return replace(fresh, thread=thread, replies=max(fresh.replies, len(thread)))

        return self.normalize_fetched(data, f"conversation {one_line(item['external_id'])}", url, normalize)

    @property
    def admin_id(self) -> str | None:
        """The teammate replies are sent as (Intercom needs one; the token alone is not)."""
        value = self.config.get("admin_id")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return None
        return one_line(value) or None

    def cannot_post(self) -> str | None:
        reason = super().cannot_post()
        if reason is None and self.admin_id is None:
            return (f"set admin_id = \"…\" on source {self.name!r} to post replies "
                    "(the teammate replies are sent as)")
        return reason

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """`POST /conversations/{id}/reply` as a comment from `admin_id`, the Markdown made
        HTML. Intercom answers with the conversation; the reply is its newest part."""
        if self.admin_id is None:
            raise session.error(self.cannot_post() or "admin_id is not set")
        conversation_id = quote(str(item["external_id"]), safe="")
        payload = {"message_type": "comment", "type": "admin", "admin_id": self.admin_id, "body": to_html(text)}
        data, _ = await session.send_json("POST", f"{self.base_url}/conversations/{conversation_id}/reply", payload)
        parts = data.get("conversation_parts") if isinstance(data, dict) else None
        parts = parts.get("conversation_parts") if isinstance(parts, dict) else None
        parts = [p for p in parts or [] if isinstance(p, dict) and p.get("id") not in (None, "")]
        if not parts:
            raise session.error("Intercom answered without the reply; check the conversation before "
                                "posting again")
        ours = [p for p in parts if p.get("part_type") == "comment" and isinstance(p.get("author"), dict)
                and one_line(p["author"].get("id")) == self.admin_id]
        part = (ours or parts)[-1]
        reply = self.normalize_part(part)
        if not isinstance(part.get("author"), dict):
            reply = replace(reply, author="you")
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        return Posted(reply=reply, url=str(item.get("url") or self.url_of(str(item["external_id"]))))
