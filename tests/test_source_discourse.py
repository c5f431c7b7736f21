"""Discourse adapter: the shared contract plus what only Discourse does.

`more_topics_url` comes without `.json`; posters are user ids resolved through the
page's `users[]`; `title` is raw while `fancy_title` carries entities; replies are
posts_count - 1; a topic's posts are fetched again only when its activity moved.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx

from inbox.store import Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    Contains,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://forum.orchardly.test"


def users(*pages: str) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for page in pages:
        found.update({u["id"]: u for u in load(page)["users"]})
    return found


def topic(topic_id: int, page: str = "discourse_latest.json") -> dict:
    return next(t for t in load(page)["topic_list"]["topics"] if t["id"] == topic_id)


def posts(topic_id: int) -> list[dict]:
    return load(f"discourse_topic_{topic_id}.json")["post_stream"]["posts"]


def raw(topic_id: int, *, page: str = "discourse_latest.json", with_posts: bool = False,
        **changes: Any) -> dict:
    """What the adapter hands `normalize`: the list's topic, the page's users, maybe the posts."""
    found = {"topic": {**topic(topic_id, page), **changes}, "users": users(page)}
    if with_posts:
        found["posts"] = posts(topic_id)
    return found


def thread_json(topic: dict, users_by_id: dict[int, dict]) -> dict:
    """`/t/{id}.json` for a list topic that has no thread fixture: one post per post count,
    the first by the original poster, the rest by the most recent poster."""
    def poster(role: str) -> dict:
        entry = next(p for p in topic["posters"] if role in p["description"])
        return users_by_id[entry["user_id"]]

    made = []
    for number in range(1, topic["posts_count"] + 1):
        user = poster("Original Poster" if number == 1 else "Most Recent Poster")
        post = {"id": topic["id"] * 100 + number, "name": user.get("name"), "username": user["username"],
                "created_at": topic["created_at"] if number == 1 else topic["last_posted_at"],
                "cooked": f"<p>Post {number} of {topic['id']}.</p>", "post_number": number,
                "post_type": 1, "topic_id": topic["id"], "user_id": user["id"],
                "reply_to_post_number": None}
        post.update({flag: True for flag in ("admin", "moderator") if user.get(flag)})
        if user.get("admin") or user.get("moderator"):
            post["staff"] = True
        made.append(post)
    detail = {k: v for k, v in topic.items() if k != "posters"}
    detail["post_stream"] = {"posts": made, "stream": [p["id"] for p in made]}
    return detail


class TestDiscourseAdapter(AdapterContract):
    kind = "discourse"
    name = "forum"
    base_url = BASE
    secret = "d1sc0urse5ecretApiKey0123456789abcdef0123456789abcdef0123456789ab"
    staff = ("YARROW",)
    list_path = "/latest.json"
    paged_keys = {f"forum:{n}" for n in (7, 231, 229, 226, 220, 214)}
    normalize_cases = [
        NormalizeCase("pinned-staff-topic-from-the-list-alone", lambda: raw(7), {
            "external_id": "7",
            "url": f"{BASE}/t/about-the-help-category/7",
            "title": "About the Help category",
            "body": "Ask for help with orchard-sync here. Search first \u2013 your question may already have an answer.",
            "author": "maple",
            "author_is_staff": True,
            "created_at": "2025-11-02T09:00:00Z",
            "last_activity_at": "2025-11-02T09:00:00Z",
            "replies": 0,
            "last_reply_by_staff": None,
            "answered": False,
            "state": "open",
            "labels": [],
            "thread": None,
        }),
        NormalizeCase("raw-title-accepted-answer-and-thread", lambda: raw(231, with_posts=True), {
            "url": f"{BASE}/t/cant-sync-orchard-co-albums-after-2-4/231",
            "title": "Can't sync \"Orchard & Co\" albums after 2.4",
            "body": "After upgrading to 2.4 the orchard sync command stops with:\n\n"
                    "error: quota exceeded (413)\n  at upload()\n\n"
                    "Albums named with an & fail, the others work. "
                    "See the limits page (https://docs.orchardly.test/limits).",
            "author": "juniper",
            "author_is_staff": False,
            "created_at": "2026-03-09T21:14:03Z",
            "last_activity_at": "2026-03-10T15:02:11Z",
            "replies": 3,
            "last_reply_by_staff": True,
            "answered": True,
            "state": "open",
            "labels": ["sync", "photos"],
            "thread": [("oak.barrel", False), ("juniper", False), ("maple", True)],
        }),
        NormalizeCase("raw-title-entities-decoded-lookalikes-kept", lambda: raw(229), {
            "title": "Link /search?q=apples&section=faq loses the & part",
            "author": "sorrel",
            "author_is_staff": True,  # moderator in users[]
            "labels": ["templates", "docs"],  # tags as objects
            "state": "closed",  # archived
            "replies": 0,
            "last_reply_by_staff": None,
        }),
        NormalizeCase("fancy-title-alone-is-decoded", lambda: {
            "topic": {k: v for k, v in topic(229).items() if k != "title"}, "users": users("discourse_latest.json")}, {
            "title": "Link /search?q=apples&section=faq loses the &amp; part",
        }),
        NormalizeCase("hostile-title-and-cooked-body", lambda: raw(226, with_posts=True), {
            "title": "[@click=app.quit]Free upgrade! click [bold red]here[/]",
            "body": Contains("Get it [bold red]now[/]", "[@click=app.quit]here (https://evil.example/x)",
                             "red text", lacking=("alert(1)", "52;c", "[31m")),
            "author": "tansy",
            "author_is_staff": False,
            "state": "closed",
            "replies": 1,
            "last_reply_by_staff": False,
            "thread": [("oak.barrel", False)],
        }),
        NormalizeCase("posters-resolved-through-that-pages-users", lambda: raw(220, page="discourse_latest_page1.json"), {
            "author": "yarrow",
            "author_is_staff": True,  # listed in team.staff, in another case
            "replies": 2,
            "last_reply_by_staff": True,  # sorrel is a moderator
            "labels": [],  # no tags key at all
            "created_at": "2026-03-07T16:00:00Z",
            "last_activity_at": "2026-03-08T13:12:45Z",
        }),
        NormalizeCase("no-posters-falls-back-to-the-first-post", lambda: {
            "topic": {**topic(214, "discourse_latest_page1.json"), "posters": [], "last_poster_username": None},
            "users": {},
            "posts": thread_json(topic(214, "discourse_latest_page1.json"),
                                 users("discourse_latest_page1.json"))["post_stream"]["posts"]}, {
            "author": "oak.barrel",
            "replies": 1,
            "last_reply_by_staff": False,
            "body": "Post 1 of 214.",
            "thread": [("juniper", False)],
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "api_key_env": "FORUM_API_KEY", "api_username": "inbox-bot"}

    def env(self) -> dict[str, str]:
        return {"FORUM_API_KEY": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on("/latest.json", ok(load("discourse_latest.json")))
        channel.on("/latest.json", ok(load("discourse_latest_page1.json")), page="1")
        for topic_id in (231, 226):
            channel.on(f"/t/{topic_id}.json", ok(load(f"discourse_topic_{topic_id}.json")))
        for topic_id, page in ((7, "discourse_latest.json"), (229, "discourse_latest.json"),
                               (220, "discourse_latest_page1.json"), (214, "discourse_latest_page1.json")):
            channel.on(f"/t/{topic_id}.json", ok(thread_json(topic(topic_id, page), users(page))))
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        page = "discourse_latest_page1.json"
        channel.on("/latest.json", ok(load(page)))
        for topic_id in (220, 214):
            channel.on(f"/t/{topic_id}.json", ok(thread_json(topic(topic_id, page), users(page))))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers["api-key"] == self.secret
        assert request.headers["api-username"] == "inbox-bot"

    def echoing_error(self) -> Canned:
        return Canned(403, {"errors": [f"You are not permitted to view the requested resource "
                                       f"with key {self.secret}."], "error_type": "invalid_access"})

    # --- what only Discourse does -------------------------------------------------------

    async def test_more_topics_url_gets_json(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        lists = [str(r.url) for r in channel.requests if not r.url.path.startswith("/t/")]
        assert lists == [f"{BASE}/latest.json", f"{BASE}/latest.json?page=1"]

    async def test_only_topics_with_new_activity_fetch_their_posts_again(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        latest = load("discourse_latest.json")
        topics = latest["topic_list"]["topics"]
        bumped = next(t for t in topics if t["id"] == 226)
        bumped.update(posts_count=3, last_posted_at="2026-03-10T18:00:00.000Z",
                      bumped_at="2026-03-10T18:00:00.000Z", last_poster_username="maple",
                      posters=[{"extras": None, "description": "Original Poster", "user_id": 15},
                               {"extras": "latest", "description": "Most Recent Poster", "user_id": 1}])
        topics.remove(bumped)
        topics.insert(1, bumped)  # after the pinned topic
        thread = load("discourse_topic_226.json")
        reply = copy.deepcopy(thread["post_stream"]["posts"][1])
        reply.update(id=1803, username="maple", name="Maple Jo", cooked="<p>Closed as spam.</p>",
                     created_at="2026-03-10T18:00:00.000Z", post_number=3, admin=True, moderator=True,
                     staff=True, user_id=1)
        thread["post_stream"]["posts"].append(reply)
        thread["post_stream"]["stream"].append(1803)
        thread["posts_count"] = 3

        channel = FakeChannel()
        channel.on("/latest.json", ok(latest))
        page_1 = channel.on("/latest.json", ok(load("discourse_latest_page1.json")), page="1")
        channel.on("/t/226.json", ok(thread))
        result = await self.sync(channel, store)

        assert result.error is None and result.warnings == []
        assert channel.unmatched == [], "only the bumped topic's posts are fetched again"
        assert [r.url.path for r in channel.requests] == ["/latest.json", "/t/226.json"]
        assert page_1.hits == [], "page 1 holds only activity the last sync saw"
        item = store.item("forum:226", now=NOW)
        assert (item["replies"], item["last_reply_by_staff"]) == (2, 1)
        assert [r["author"] for r in store.thread("forum:226")] == ["oak.barrel", "maple"]
        assert store.item("forum:231", now=NOW)["body"].startswith("After upgrading to 2.4")

    async def test_a_thread_that_fails_is_a_warning_and_the_topic_is_still_saved(self, store: Store) -> None:
        channel = self.paged_channel()
        channel.route("/t/231.json").responses = [Canned(502, raw=b"<html>Bad Gateway</html>",
                                                         headers={"Content-Type": "text/html"})]
        result = await self.sync(channel, store, sleep=FakeSleep())

        assert result.error is None
        assert len(result.warnings) == 1 and "topic 231" in result.warnings[0] and "502" in result.warnings[0]
        assert not result.ok and "incomplete" in result.summary()
        assert store.item_count("forum") == 6
        item = store.item("forum:231", now=NOW)
        assert item["title"] == "Can't sync \"Orchard & Co\" albums after 2.4" and item["replies"] == 3

    async def test_a_category_is_paged_through_its_own_list(self, store: Store) -> None:
        first = load("discourse_latest.json")
        first["topic_list"]["more_topics_url"] = "/c/help/5?page=1"
        channel = FakeChannel()
        channel.on("/c/help/5.json", ok(first))
        channel.on("/c/help/5.json", ok(load("discourse_latest_page1.json")), page="1")
        channel.on("/t/231.json", ok(load("discourse_topic_231.json")))
        channel.on("/t/226.json", ok(load("discourse_topic_226.json")))
        for topic_id, page in ((7, "discourse_latest.json"), (229, "discourse_latest.json"),
                               (220, "discourse_latest_page1.json"), (214, "discourse_latest_page1.json")):
            channel.on(f"/t/{topic_id}.json", ok(thread_json(topic(topic_id, page), users(page))))

        result = await self.sync(channel, store, source=self.source(category="help/5"))

        assert result.error is None and channel.unmatched == []
        lists = [str(r.url) for r in channel.requests if not r.url.path.startswith("/t/")]
        assert lists == [f"{BASE}/c/help/5.json", f"{BASE}/c/help/5.json?page=1"]
        assert store.item_count("forum") == 6

    async def test_an_unchanged_topic_keeps_the_body_its_posts_gave(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        before = {row["key"]: row["body"] for row in store.list_items("", now=NOW, with_body=True)}

        channel = FakeChannel()  # the same lists again, and no thread may be fetched
        channel.on("/latest.json", ok(load("discourse_latest.json")))
        channel.on("/latest.json", ok(load("discourse_latest_page1.json")), page="1")
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        after = {row["key"]: row["body"] for row in store.list_items("", now=NOW, with_body=True)}
        assert after == before
        assert after["forum:231"].startswith("After upgrading to 2.4")
        assert after["forum:7"] == "Post 1 of 7.", "not replaced by the list's excerpt"
        assert [r["author"] for r in store.thread("forum:231")] == ["oak.barrel", "juniper", "maple"]
