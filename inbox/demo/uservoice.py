"""UserVoice's answer for the demo's ideas board (`data/uservoice.yaml`):
`GET /api/v2/admin/suggestions` with its side-loaded statuses, users and labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.demo.common import ago, cook, data, option, slug
from inbox.timeutil import iso

USERVOICE_URL = f"https://{option('ideas', 'subdomain')}.uservoice.com"


def _suggestion(entry: dict[str, Any], board: dict[str, Any], ids: dict[str, dict[str, int]],
                now: datetime) -> dict[str, Any]:
    suggestion_id, supporters, comments = entry["id"], entry["supporters"], entry["comments"]
    created = iso(ago(now, entry["created"]))
    body, mime = entry["body"], ""
    if entry.get("html"):
        body, mime = cook(body), "text/html"
    return {
        "id": suggestion_id, "title": entry["title"], "body": body, "body_mime_type": mime,
        "portal_url": (f"{board['portal']}/forums/{board['forum']}/suggestions/"
                       f"{suggestion_id}-{slug(entry['title'])[:40]}"),
        "admin_url": f"{USERVOICE_URL}/admin/v3/suggestions/{suggestion_id}",
        "created_at": created, "updated_at": iso(ago(now, entry["updated"])),
        "closed_at": iso(ago(now, entry["closed"])) if entry.get("closed") else None,
        "approved_at": created, "creator_user_agent": None,
        "creator_referrer": None, "creator_browser": "Firefox", "creator_browser_version": "132.0",
        "creator_os": "Linux", "creator_mobile": False, "state": "published",
        "inappropriate_flags_count": 0, "comments_count": comments, "notes_count": 0,
        "requests_count": 0, "votes_count": supporters, "supporters_count": supporters,
        "supporting_accounts_count": max(1, supporters // 4), "supporter_mrr": 0.0,
        "supporter_satisfaction_score": None, "satisfaction_promoter_count": 0,
        "satisfaction_neutral_count": 0, "satisfaction_detractor_count": 0,
        "average_engagement": 1.0, "engagement_trend": 1.0, "recent_engagement": comments,
        "first_support_at": created, "channel": "portal", "is_blocker": False,
        "links": {"category": None, "created_by": ids["users"][entry["author"]],
                  "forum": int(board["forum"].split("-")[0]),
                  "labels": [ids["labels"][name] for name in entry["labels"]],
                  "last_status_update": None, "parent_suggestion": None,
                  "parent_suggestions": [], "status": ids["statuses"][entry["status"]],
                  "ticket": None},
    }


def uservoice_payloads(now: datetime) -> dict[str, Any]:
    """`GET /api/v2/admin/suggestions?includes=statuses,users,labels&sort=-updated_at`."""
    board = data("uservoice")
    ids = {"users": {user["name"]: user_id for user_id, user in board["users"].items()},
           "labels": {name: label_id for label_id, name in board["labels"].items()},
           "statuses": {status["name"]: status["id"] for status in board["statuses"]}}
    suggestions = [_suggestion(entry, board, ids, now) for entry in board["suggestions"]]
    suggestions.sort(key=lambda s: s["updated_at"], reverse=True)
    return {
        "suggestions": suggestions,
        "statuses": [{"id": status["id"], "name": status["name"], "is_open": status["open"],
                      "hex_color": "#7fbf7f", "position": position, "allow_comments": True,
                      "created_at": "2023-04-12T09:00:00Z", "updated_at": "2025-02-03T09:00:00Z",
                      "links": {}}
                     for position, status in enumerate(board["statuses"], start=1)],
        "users": [{"id": user_id, "name": user["name"], "email_address": user["email"],
                   "email_confirmed": True, "is_admin": user["admin"], "is_owner": False,
                   "guid": None, "job_title": None, "avatar_url": None,
                   "created_at": "2024-01-01T00:00:00Z", "updated_at": "2025-10-01T00:00:00Z",
                   "supported_suggestions_count": 3, "satisfaction_score": None,
                   "last_login": None, "allowed_state": "allowed",
                   "links": {"current_nps_rating": None, "external_users": [], "teams": []}}
                  for user_id, user in board["users"].items()],
        "labels": [{"id": label_id, "name": name, "full_name": name, "open_suggestions_count": 1,
                    "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
                    "links": {"parent": None}} for label_id, name in board["labels"].items()],
        "list_meta": None,
        "pagination": {"cursor": None, "page": 1, "per_page": 100, "total_pages": 1,
                       "total_records": len(suggestions)},
    }
