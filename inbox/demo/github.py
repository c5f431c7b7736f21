"""GitHub's answers for the demo's issues (`data/github.yaml`): `GET /repos/{repo}/issues`
and `GET /repos/{repo}/issues/comments`, shaped as GitHub sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.demo.common import REPO, ago, data, stable_id
from inbox.timeutil import iso

_DEFAULT_LABELS = ("bug", "enhancement", "question")


def _user(login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None  # a deleted account: GitHub shows it as "ghost"
    return {
        "login": login, "id": stable_id(login), "node_id": f"U_demo{stable_id(login)}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{stable_id(login)}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False,
    }


def _comment(api: str, number: int, index: int, entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    comment_id = 2_400_000_000 + number * 100 + index
    at = iso(ago(now, entry["at"]))
    return {
        "url": f"{api}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/{REPO}/issues/{number}#issuecomment-{comment_id}",
        "issue_url": f"{api}/issues/{number}", "id": comment_id, "node_id": f"IC_demo{comment_id}",
        "user": _user(entry["author"]), "created_at": at, "updated_at": at,
        "author_association": entry["association"], "body": entry["body"],
        "reactions": {"total_count": 0, "+1": 0, "-1": 0},
        "performed_via_github_app": None,
    }


def github_payloads(now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`GET /repos/{repo}/issues` and `/issues/comments` as GitHub returns them."""
    api = f"https://api.github.com/repos/{REPO}"
    board = data("github")
    colours = board["label_colours"]
    issues, comments = [], []
    for entry in board["issues"]:
        number = entry["number"]
        thread = entry.get("comments", [])
        created_at = ago(now, entry["created"])
        closed_at = ago(now, entry["closed"]) if entry.get("closed") else None
        times = [created_at] + [ago(now, c["at"]) for c in thread] + ([closed_at] if closed_at else [])
        comments += [_comment(api, number, index, c, now) for index, c in enumerate(thread)]
        body = entry["body"]
        if entry.get("crlf"):
            body = body.replace("\n", "\r\n")
        issue_api = f"{api}/issues/{number}"
        issues.append({
            "url": issue_api, "repository_url": api,
            "labels_url": f"{issue_api}/labels{{/name}}", "comments_url": f"{issue_api}/comments",
            "html_url": f"https://github.com/{REPO}/issues/{number}",
            "id": 2_100_000_000 + number, "node_id": f"I_demo{number}", "number": number,
            "title": entry["title"], "user": _user(entry["author"]),
            "labels": [{"id": stable_id(name), "name": name, "color": colours.get(name, "ededed"),
                        "default": name in _DEFAULT_LABELS, "description": None}
                       for name in entry["labels"]],
            "state": "closed" if closed_at else "open", "state_reason": entry.get("reason"),
            "locked": False, "assignee": None, "assignees": [], "milestone": None,
            "comments": len(thread), "created_at": iso(created_at), "updated_at": iso(max(times)),
            "closed_at": iso(closed_at), "author_association": entry["association"],
            "active_lock_reason": None, "body": body,
            "reactions": {"total_count": 0, "+1": 0, "-1": 0},
            "timeline_url": f"{issue_api}/timeline", "performed_via_github_app": None,
        })
    # the API lists newest activity first
    issues.sort(key=lambda raw: raw["updated_at"], reverse=True)
    comments.sort(key=lambda raw: raw["updated_at"], reverse=True)
    return issues, comments
