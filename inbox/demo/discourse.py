"""Discourse's answers for the demo's forum (`data/discourse.yaml`): `GET /latest.json`
with its side-loaded `users[]`, and each topic's `GET /t/{id}.json` with cooked HTML."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from inbox.demo.common import STAFF, ago, cook, data, ms_time, option, slug, stable_id

_HOST = urlsplit(option("forum", "base_url")).hostname


def _fancy(title: str) -> str:
    """Discourse's `fancy_title`: entities and typographic quotes."""
    return html.escape(title, quote=False).replace("'", "&rsquo;").replace('"', "&quot;")


def _user(username: str, info: dict[str, Any]) -> dict[str, Any]:
    user = {"id": stable_id(username, 2, 90_000), "username": username, "name": info["name"],
            "avatar_template": f"/user_avatar/{_HOST}/{username}/{{size}}/1_2.png"}
    for flag in ("admin", "moderator"):
        if info.get(flag):
            user[flag] = True
    return user


def _post(topic: dict[str, Any], number: int, entry: dict[str, Any], user: dict[str, Any],
          now: datetime) -> dict[str, Any]:
    at = ms_time(ago(now, entry["at"]))
    who = entry["author"]
    post = {
        "id": topic["id"] * 100 + number, "name": user["name"], "username": who,
        "avatar_template": user["avatar_template"], "created_at": at,
        "cooked": cook(entry["body"]), "post_number": number, "post_type": 1,
        "updated_at": at, "reply_count": 0,
        "reply_to_post_number": None if number <= 2 else number - 1,
        "quote_count": 0, "incoming_link_count": 0, "reads": 3 + number,
        "score": 0.4 * number, "yours": False, "topic_id": topic["id"], "topic_slug": slug(topic["title"]),
        "display_username": user["name"], "primary_group_name": None, "version": 1,
        "can_edit": False, "can_delete": False, "read": True, "user_title": None,
        "bookmarked": False, "actions_summary": [], "user_id": user["id"],
        "hidden": False, "trust_level": 4 if who in STAFF else 1,
        "deleted_at": None, "user_deleted": False, "wiki": False,
        "accepted_answer": bool(topic.get("accepted")) and number == 2,
        "can_accept_answer": False, "can_unaccept_answer": False,
    }
    if user.get("admin"):
        post["admin"] = True
    if user.get("moderator"):
        post["moderator"] = True
    if user.get("admin") or user.get("moderator"):
        post["staff"] = True
    return post


def _posters(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first, last = posts[0], posts[-1]
    posters = [{"extras": None, "description": "Original Poster", "user_id": first["user_id"]}]
    middle = {p["user_id"] for p in posts[1:-1]} - {first["user_id"], last["user_id"]}
    posters += [{"extras": None, "description": "Frequent Poster", "user_id": uid}
                for uid in sorted(middle)]
    if last["user_id"] == first["user_id"]:
        posters[0] = {"extras": "latest", "description": "Original Poster, Most Recent Poster",
                      "user_id": first["user_id"]}
    else:
        posters.append({"extras": "latest", "description": "Most Recent Poster",
                        "user_id": last["user_id"]})
    return posters


def discourse_payloads(now: datetime) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """`GET /latest.json` and each topic's `GET /t/{id}.json`."""
    forum = data("discourse")
    users = {name: _user(name, info) for name, info in forum["users"].items()}
    topics, threads, seen = [], {}, {}
    for entry in forum["topics"]:
        title, pinned, closed = entry["title"], entry.get("pinned", False), entry.get("closed", False)
        posts = []
        for number, post in enumerate(entry["posts"], start=1):
            seen[post["author"]] = users[post["author"]]
            posts.append(_post(entry, number, post, users[post["author"]], now))
        first, last = posts[0], posts[-1]
        topic = {
            "id": entry["id"], "title": title, "fancy_title": _fancy(title), "slug": slug(title),
            "posts_count": len(posts), "reply_count": max(0, len(posts) - 2),
            "highest_post_number": len(posts), "image_url": None,
            "created_at": first["created_at"], "last_posted_at": last["created_at"],
            "bumped": True, "bumped_at": last["created_at"], "archetype": "regular",
            "unseen": False, "pinned": pinned, "unpinned": None, "visible": True,
            "closed": closed, "archived": False, "bookmarked": None, "liked": None,
            "tags": entry["tags"], "tags_descriptions": {}, "views": 40 + 17 * len(posts),
            "like_count": len(posts) - 1, "has_summary": False,
            "last_poster_username": last["username"],
            "category_id": forum["categories"][entry["category"]],
            "pinned_globally": False, "featured_link": None,
            "has_accepted_answer": entry.get("accepted", False),
            "can_vote": False, "posters": _posters(posts),
        }
        if pinned:
            topic["excerpt"] = html.escape(entry["posts"][0]["body"].split("\n")[0])[:200] + "&hellip;"
        topics.append(topic)
        threads[entry["id"]] = {
            "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]},
            "id": entry["id"], "title": title, "fancy_title": topic["fancy_title"],
            "posts_count": len(posts), "created_at": topic["created_at"],
            "last_posted_at": topic["last_posted_at"], "closed": closed, "archived": False,
            "pinned": pinned, "slug": topic["slug"], "category_id": topic["category_id"],
            "tags": entry["tags"],
        }
    # pinned first, then newest activity: the order /latest.json uses
    topics.sort(key=lambda t: t["bumped_at"], reverse=True)
    topics.sort(key=lambda t: not t["pinned"])
    listing = {
        "users": sorted(seen.values(), key=lambda u: u["id"]),
        "primary_groups": [], "flair_groups": [],
        "topic_list": {"can_create_topic": True, "per_page": 30, "top_tags": [], "topics": topics},
    }
    return listing, threads
