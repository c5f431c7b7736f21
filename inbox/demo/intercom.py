"""Intercom's answer for the demo's website chats (`data/intercom.yaml`):
`GET /conversations?order=desc&sort=updated_at` (Intercom-Version 2.11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.demo.common import ago, cook, data, epoch, span, stable_id

_ADMIN = "7310442"  # the teammate who answers the chats


def _statistics(created_at: int, updated_at: int, parts: int, closed: bool) -> dict[str, Any]:
    answered = bool(parts)
    return {
        "type": "conversation_statistics", "time_to_assignment": 0 if answered else None,
        "time_to_admin_reply": (updated_at - created_at) // max(parts, 1) if answered else None,
        "time_to_first_close": updated_at - created_at if closed else None,
        "time_to_last_close": updated_at - created_at if closed else None,
        "median_time_to_reply": None, "first_contact_reply_at": created_at,
        "first_assignment_at": created_at if answered else None,
        "first_admin_reply_at": updated_at if answered else None,
        "first_close_at": updated_at if closed else None,
        "last_assignment_at": created_at if answered else None,
        "last_assignment_admin_reply_at": updated_at if answered else None,
        "last_contact_reply_at": created_at, "last_admin_reply_at": updated_at if answered else None,
        "last_close_at": updated_at if closed else None,
        "last_closed_by_id": _ADMIN if closed else None, "count_reopens": 0,
        "count_assignments": 1 if answered else 0, "count_conversation_parts": parts,
    }


def _conversation(entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    conversation_id, author, parts = entry["id"], entry["author"], entry["parts"]
    state, waiting, snoozed = entry["state"], entry.get("waiting", False), entry.get("snoozed_for")
    created_at, updated_at = epoch(ago(now, entry["created"])), epoch(ago(now, entry["updated"]))
    contact = f"65f{stable_id(author['email'], 10**12, 8 * 10**12):013x}"[:24]
    return {
        "type": "conversation", "id": conversation_id, "created_at": created_at,
        "updated_at": updated_at, "waiting_since": updated_at if waiting else None,
        "snoozed_until": epoch(now + span(snoozed)) if snoozed else None,
        "source": {"type": "conversation", "id": str(stable_id(conversation_id, 10**8, 8 * 10**8)),
                   "delivered_as": "customer_initiated", "subject": "", "body": cook(entry["body"]),
                   "author": {"type": author["type"], "id": contact, "name": author["name"],
                              "email": author["email"]},
                   "attachments": [], "url": "https://example.org/pricing", "redacted": False},
        "contacts": {"type": "contact.list",
                     "contacts": [{"type": "contact", "id": contact, "external_id": None}]},
        "first_contact_reply": {"created_at": created_at, "type": "conversation",
                                "url": "https://example.org/pricing"},
        "admin_assignee_id": int(_ADMIN) if parts else None, "team_assignee_id": None,
        "open": state != "closed", "state": state, "read": not waiting,
        "tags": {"type": "tag.list", "tags": [
            {"type": "tag", "id": str(stable_id(tag, 1000, 9000)), "name": tag, "applied_at": created_at,
             "applied_by": {"type": "admin", "id": _ADMIN}} for tag in entry["tags"]]},
        "priority": entry["priority"], "sla_applied": None,
        "statistics": _statistics(created_at, updated_at, parts, state == "closed"),
        "conversation_rating": None,
        "teammates": ({"type": "admin.list", "admins": [{"type": "admin", "id": _ADMIN}]}
                      if parts else None),
        "title": entry.get("title"), "custom_attributes": {"Language": "English"}, "topics": {},
        "ticket": None,
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
        "ai_agent": None, "ai_agent_participated": False,
    }


def intercom_payloads(now: datetime) -> dict[str, Any]:
    """`GET /conversations?order=desc&sort=updated_at` (Intercom-Version 2.11)."""
    conversations = [_conversation(entry, now) for entry in data("intercom")["conversations"]]
    conversations.sort(key=lambda c: c["updated_at"], reverse=True)
    return {"type": "conversation.list", "conversations": conversations,
            "total_count": len(conversations),
            "pages": {"type": "pages", "page": 1, "per_page": 150, "total_pages": 1}}
