"""GitLab's answers for the demo's desktop-app issues (`data/gitlab.yaml`):
`GET /projects/{id}/issues` and each issue's `GET .../issues/{iid}/notes?sort=asc`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.demo.common import ago, data, ms_time, option, stable_id

GITLAB_URL = option("desktop", "base_url").removesuffix("/api/v4")
PROJECT = option("desktop", "project")


def _user(username: str, names: dict[str, str]) -> dict[str, Any]:
    user_id = stable_id(username, 4_000, 900_000)
    return {"id": user_id, "username": username, "name": names[username], "state": "active",
            "locked": False,
            "avatar_url": f"{GITLAB_URL}/uploads/-/system/user/avatar/{user_id}/avatar.png",
            "web_url": f"{GITLAB_URL}/{username}"}


def _note(issue: dict[str, Any], index: int, entry: dict[str, Any], names: dict[str, str],
          project_id: int, now: datetime) -> dict[str, Any]:
    at = ms_time(ago(now, entry["at"]))
    return {
        "id": 1_940_000 + issue["iid"] * 100 + index, "type": None, "body": entry["body"],
        "attachment": None, "author": _user(entry["author"], names), "created_at": at,
        "updated_at": at, "system": entry.get("system", False),
        "noteable_id": issue["id"], "noteable_type": "Issue", "project_id": project_id,
        "resolvable": False, "confidential": False, "internal": False, "noteable_iid": issue["iid"],
        "commands_changes": {},
    }


def gitlab_payloads(now: datetime) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """`GET /projects/{project}/issues` (newest activity first) and each issue's
    `GET .../issues/{iid}/notes?sort=asc`."""
    project = data("gitlab")
    project_id, names = project["project_id"], project["users"]
    api = f"{GITLAB_URL}/api/v4/projects/{project_id}"
    issues, notes = [], {}
    for entry in project["issues"]:
        iid, labels, thread = entry["iid"], entry["labels"], entry.get("notes", [])
        created_at = ago(now, entry["created"])
        closed_at = ago(now, entry["closed"]) if entry.get("closed") else None
        stamps = [created_at] + [ago(now, n["at"]) for n in thread] + ([closed_at] if closed_at else [])
        issue = {"id": 73_100_000 + iid, "iid": iid}
        notes[iid] = [_note(issue, index, n, names, project_id, now) for index, n in enumerate(thread)]
        issues.append({
            **issue, "project_id": project_id, "title": entry["title"],
            "description": entry["description"], "state": "closed" if closed_at else "opened",
            "created_at": ms_time(created_at), "updated_at": ms_time(max(stamps)),
            "closed_at": ms_time(closed_at) if closed_at else None,
            "closed_by": _user(thread[-1]["author"], names) if closed_at else None,
            "labels": labels, "milestone": None, "assignees": [],
            "author": _user(entry["author"], names), "type": "ISSUE", "assignee": None,
            "user_notes_count": sum(1 for note in thread if not note.get("system")),
            "merge_requests_count": 0, "upvotes": 2 if "enhancement" in labels else 0,
            "downvotes": 0, "due_date": None, "confidential": False, "discussion_locked": None,
            "issue_type": "issue", "web_url": f"{GITLAB_URL}/{PROJECT}/-/issues/{iid}",
            "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                           "human_total_time_spent": None},
            "task_completion_status": {"count": 0, "completed_count": 0}, "weight": None,
            "blocking_issues_count": 0, "has_tasks": False,
            "_links": {"self": f"{api}/issues/{iid}", "notes": f"{api}/issues/{iid}/notes",
                       "award_emoji": f"{api}/issues/{iid}/award_emoji", "project": api,
                       "closed_as_duplicate_of": None},
            "references": {"short": f"#{iid}", "relative": f"#{iid}", "full": f"{PROJECT}#{iid}"},
            "severity": "UNKNOWN", "moved_to_id": None, "service_desk_reply_to": None,
        })
    issues.sort(key=lambda raw: raw["updated_at"], reverse=True)
    return issues, notes
