"""Discourse topics from `/latest.json` (or a category), with each changed topic's posts.

The list names posters only by user id; they are resolved through the page's `users[]`.
Topics whose activity has not moved since the last sync are not fetched again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from inbox.config import Option
from inbox.errors import SourceError
from inbox.models import Item, Reply
from inbox.sources.base import (
    Page,
    Posted,
    Source,
    Stream,
    SyncContext,
    activity,
    by_id,
    usable_id,
)
from inbox.net.http import Session, error_detail
from inbox.sources.pagination import discourse_json_url, next_url_pages
from inbox.text import html_to_text, one_line, unescape
from inbox.timeutil import iso, parse_time


NEWEST_POSTS = 20
"""Posts asked for by id at once: the newest of a long topic, which its first page leaves out."""


def _stored_labels(item: Mapping[str, Any]) -> list[str]:
    """The labels of a stored row: a list, or the JSON text the items table keeps."""
    labels = item.get("labels")
    if isinstance(labels, str):
        try:
            labels = json.loads(labels or "[]")
        except ValueError:
            labels = []
    return [str(label) for label in labels or [] if label] if isinstance(labels, list) else []


def _flagged_staff(user: dict[str, Any] | None) -> bool:
    """Discourse marks staff with admin/moderator/staff keys (omitted when false)."""
    return bool(user) and any(user.get(flag) for flag in ("admin", "moderator", "staff"))


class DiscourseSource(Source):
    kind = "discourse"
    required = ("base_url",)
    options = {"api_username": Option.ASCII, "api_key_env": Option.ENV, "category": Option.ID}
    secret_keys = ("api_key_env",)
    writable = True
    labelable = True

    def headers(self) -> dict[str, str]:
        key = self.secret("api_key_env")
        if not key:
            return {}
        return {"Api-Key": key, "Api-Username": str(self.config.get("api_username") or "system")}

    def _list_url(self) -> str:
        category = self.config.get("category")
        path = f"/c/{str(category).strip('/')}.json" if category else "/latest.json"
        return f"{self.base_url}{path}"

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        stream = Stream("topics", context.cursor("topics"))
        url = stream.first_url(self._list_url())
        etag = None if stream.resuming else context.etag(url)

        def next_of(data: Any) -> str | None:
            more = (data.get("topic_list") or {}).get("more_topics_url") if isinstance(data, dict) else None
            return discourse_json_url(more) if more else None

        async for fetched in next_url_pages(session, url, next_of, etag=etag):
            if fetched.not_modified:
                yield Page("topics", not_modified=True)
                return
            data = fetched.data
            if not isinstance(data, dict) or not isinstance(data.get("topic_list"), dict):
                raise SourceError(self.name, f"expected a topic list ({fetched.url})")
            users = by_id(data.get("users"))
            topics = [t for t in data["topic_list"].get("topics") or [] if isinstance(t, dict)]
            times = [activity(t.get("bumped_at") or t.get("last_posted_at") or t.get("created_at"))
                     for t in topics]
            ordered = [a for a, t in zip(times, topics) if not t.get("pinned")]
            cursor, finished = stream.after_page(times, fetched.next_url, ordered)

            known = context.threads_fetched_at([self.key(t.get("id")) for t in topics])
            items = []
            for topic in topics:
                raw = {"topic": topic, "users": users}
                what = f"topic {topic.get('id')}"
                item = self.normalize_or_skip(raw, context, what, page=fetched.url)
                if item is None:
                    continue
                if known.get(item.key) != iso(item.last_activity_at):
                    raw["posts"] = await self._posts(session, context, topic)
                    if raw["posts"] is not None:
                        posts_page = f"{self.base_url}/t/{topic.get('id')}.json"
                        item = self.normalize_or_skip(raw, context, what, page=posts_page)
                        if item is None:
                            continue
                if item.thread is None:
                    # The posts did not come (unchanged, or their fetch failed): the list has
                    # no body, so keep the stored one (None); a failed fetch is retried.
                    item.body = None
                items.append(item)
            yield Page("topics", items=items, cursor=cursor,
                       etag=(fetched.url, fetched.etag) if fetched.url == url else None)
            if finished:
                return

    async def _posts(self, session: Session, context: SyncContext, topic: dict) -> list[dict] | None:
        """The first posts of a topic (Discourse loads ~20); None if they cannot be read."""
        try:
            data, _ = await session.get_json(f"{self.base_url}/t/{topic.get('id')}.json")
        except SourceError as exc:
            if not exc.not_there:  # a deleted or private topic keeps what the list said
                context.warn(f"topic {topic.get('id')}: {exc.reason}")
            return None
        posts = (data or {}).get("post_stream", {}).get("posts") if isinstance(data, dict) else None
        return [p for p in posts if isinstance(p, dict)] if isinstance(posts, list) else None

    def check_url(self) -> str:
        return self._list_url()

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"topic": ..., "users": {id: user}, "posts": [...] (optional)}."""
        topic, users = raw["topic"], raw.get("users") or {}
        posts = raw.get("posts")
        by_username = {p.get("username"): p for p in posts or []}

        def poster(role: str) -> dict[str, Any] | None:
            for entry in topic.get("posters") or []:
                if role in str(entry.get("description") or ""):
                    return users.get(entry.get("user_id"))
            return None

        def staff(username: str, user: dict | None) -> bool:
            return (self.is_staff(username) or _flagged_staff(user)
                    or _flagged_staff(by_username.get(username)))

        original = poster("Original Poster")
        author = one_line((original or {}).get("username") or (posts[0].get("username") if posts else "")
                          or "unknown")
        replies = max(0, int(topic.get("posts_count") or 1) - 1)
        last_reply_by_staff = None
        if replies:
            latest = poster("Most Recent Poster")
            last_name = topic.get("last_poster_username") or (latest or {}).get("username")
            if posts and len(posts) > 1 and not last_name:
                last_name = posts[-1].get("username")
            if last_name:
                last_reply_by_staff = staff(last_name, latest if (latest or {}).get("username") == last_name
                                            else None)
        created = parse_time(topic.get("created_at"))
        if posts:
            body = html_to_text(posts[0].get("cooked"))
        else:
            body = unescape(topic.get("excerpt") or "")
        # `title` is the raw title, `fancy_title` its HTML form; both are decoded, and only
        # complete entities are, so "?a=1&section=2" stays as typed.
        title = unescape(topic.get("title") or topic.get("fancy_title") or "")
        tags = [t.get("name") if isinstance(t, dict) else t for t in topic.get("tags") or []]
        slug = topic.get("slug") or "topic"
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(topic["id"]),
            url=f"{self.base_url}/t/{slug}/{topic['id']}",
            title=one_line(title),
            body=body,
            author=author,
            author_is_staff=staff(author, original),
            created_at=created,
            last_activity_at=parse_time(topic.get("last_posted_at") or topic.get("bumped_at")) or created,
            replies=replies,
            last_reply_by_staff=last_reply_by_staff,
            answered=bool(topic.get("has_accepted_answer") or topic.get("accepted_answer")),
            state="closed" if topic.get("closed") or topic.get("archived") else "open",
            labels=[one_line(tag) for tag in tags if tag],
            thread=[self.normalize_post(post) for post in posts[1:]] if posts else None,
        )

    def normalize_post(self, post: dict[str, Any]) -> Reply:
        username = one_line(post.get("username") or "unknown")
        return Reply(
            external_id=str(post.get("id")),
            author=username,
            author_is_staff=self.is_staff(username) or _flagged_staff(post),
            created_at=parse_time(post.get("created_at")),
            body=html_to_text(post.get("cooked")),
        )

    # --- writing back ------------------------------------------------------------------

    def _topic_id(self, session: Session, item: Mapping[str, Any]) -> int:
        try:
            return int(str(item["external_id"]))
        except ValueError:
            raise session.error(f"{one_line(item['external_id'])!r} is not a topic id") from None

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """GET /t/{id}.json, which loads the first posts (about 20) and lists every post's id;
        the newest ones not loaded come from /t/{id}/posts.json by id."""
        topic_id = self._topic_id(session, item)
        url = f"{self.base_url}/t/{topic_id}.json"
        data, _ = await session.get_json(url)
        stream = data.get("post_stream") if isinstance(data, dict) else None
        if not isinstance(stream, dict) or not isinstance(stream.get("posts"), list):
            raise SourceError(self.name, f"expected a topic with its posts ({url})")
        posts = [p for p in stream["posts"] if isinstance(p, dict)]
        loaded = {p.get("id") for p in posts}
        missing = [i for i in stream.get("stream") or [] if usable_id(i) is not None and i not in loaded]
        if missing:
            newest = missing[-NEWEST_POSTS:]
            more, _ = await session.get_json(f"{self.base_url}/t/{topic_id}/posts.json?"
                                             + "&".join(f"post_ids[]={quote(str(i))}" for i in newest))
            found = (more.get("post_stream") or {}).get("posts") if isinstance(more, dict) else None
            if not isinstance(found, list):
                raise SourceError(self.name, f"expected the topic's newest posts ({url})")
            posts += [p for p in found if isinstance(p, dict) and p.get("id") not in loaded]
        posts.sort(key=lambda p: p.get("post_number") if isinstance(p.get("post_number"), int) else 0)
        return self.normalize_fetched({"topic": data, "users": {}, "posts": posts}, f"topic {topic_id}", url)

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """POST /posts.json; the post is the reply the sync will see. A post held for a
        moderator comes back as `{"action": "enqueued"}`: accepted, not visible yet."""
        topic_id = self._topic_id(session, item)
        data, _ = await session.send_json("POST", f"{self.base_url}/posts.json", {"topic_id": topic_id, "raw": text})
        if isinstance(data, dict) and data.get("action") == "enqueued":
            return Posted(reply=None, url=str(item.get("url") or f"{self.base_url}/t/{topic_id}"), queued=True)
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            reason = error_detail(data) if isinstance(data, dict) else ""
            raise session.error(f"Discourse did not create the post: {reason}" if reason else
                                "Discourse answered without the post; check the topic before posting again")
        reply = self.normalize_post(data)
        if not data.get("username"):
            reply = replace(reply, author=one_line(self.config.get("api_username") or "system"))
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        slug = quote(str(data.get("topic_slug") or ""), safe="%")
        number = data.get("post_number")
        topic_url = f"{self.base_url}/t/{slug}/{topic_id}" if slug else str(item.get("url") or "")
        return Posted(reply=reply, url=f"{topic_url}/{number}" if number else topic_url)

    async def add_labels(self, session: Session, item: Mapping[str, Any], labels: list[str]) -> list[str]:
        """Tag the topic: `PUT /t/-/{id}.json` with `tags` REPLACES the topic's tags, so the
        ones it has are sent along. Discourse may lowercase or reshape a tag name: its answer
        (when it has the tags) says what they became."""
        topic_id = self._topic_id(session, item)
        current = _stored_labels(item)
        known = {tag.lower() for tag in current}
        wanted = current + [label for label in dict.fromkeys(labels) if label.lower() not in known]
        if len(wanted) == len(current):
            return current
        data, _ = await session.send_json("PUT", f"{self.base_url}/t/-/{topic_id}.json", {"tags": wanted})
        topic = data.get("basic_topic") if isinstance(data, dict) else None
        found = data.get("tags") if isinstance(data, dict) else None
        if found is None and isinstance(topic, dict):
            found = topic.get("tags")
        if not isinstance(found, list):
            return wanted  # older Discourse answers with the topic but not its tags
        names = [one_line(tag.get("name") if isinstance(tag, dict) else tag) for tag in found]
        return [name for name in names if name]
