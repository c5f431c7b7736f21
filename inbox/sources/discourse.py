"""Discourse topics from `/latest.json` (or a category), with each changed topic's posts.

The list names posters only by user id; they are resolved through the page's `users[]`.
Topics whose activity has not moved since the last sync are not fetched again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from inbox.errors import SourceError
from inbox.models import Item, Reply
from inbox.sources.base import Page, Source, Stream, SyncContext
from inbox.sources.http import Session
from inbox.sources.pagination import discourse_json_url, next_url_pages
from inbox.text import html_to_text, one_line, unescape
from inbox.timeutil import iso, parse_time


def _flagged_staff(user: dict[str, Any] | None) -> bool:
    """Discourse marks staff with admin/moderator/staff keys (omitted when false)."""
    return bool(user) and any(user.get(flag) for flag in ("admin", "moderator", "staff"))


class DiscourseSource(Source):
    kind = "discourse"
    required = ("base_url",)
    secret_keys = ("api_key_env",)

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
            users = {u.get("id"): u for u in data.get("users") or [] if isinstance(u, dict)}
            topics = [t for t in data["topic_list"].get("topics") or [] if isinstance(t, dict)]
            activity = [iso(parse_time(t.get("bumped_at") or t.get("last_posted_at")
                                       or t.get("created_at"))) or "" for t in topics]
            ordered = [a for a, t in zip(activity, topics) if not t.get("pinned")]
            cursor, finished = stream.after_page(activity, fetched.next_url, ordered)

            known = context.threads_fetched_at([self.key(t.get("id")) for t in topics])
            items = []
            for topic in topics:
                raw = {"topic": topic, "users": users}
                what = f"topic {topic.get('id')}"
                item = self.normalize_or_skip(raw, context, what)
                if item is None:
                    continue
                if known.get(item.key) != iso(item.last_activity_at):
                    raw["posts"] = await self._posts(session, context, topic)
                    if raw["posts"] is not None:
                        item = self.normalize_or_skip(raw, context, what)
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
