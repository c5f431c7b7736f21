"""Zendesk's answers for the demo's help desk (`data/zendesk.yaml`): one page of the
incremental ticket export with side-loaded users (the end of the stream), and each
ticket's comments."""

from __future__ import annotations

import base64
import html
from datetime import datetime
from typing import Any

from inbox.demo.common import ago, data, epoch, option
from inbox.timeutil import iso

ZENDESK_URL = f"https://{option('helpdesk', 'subdomain')}.zendesk.com"
_STATUS_IDS = {"new": 360101, "open": 360102, "solved": 360105}


def _user(info: dict[str, Any]) -> dict[str, Any]:
    user_id, role = info["id"], info["role"]
    agent = role != "end-user"
    return {
        "id": user_id, "url": f"{ZENDESK_URL}/api/v2/users/{user_id}.json", "name": info["name"],
        "email": info["email"], "created_at": "2024-05-02T09:00:00Z",
        "updated_at": "2025-11-03T09:00:00Z",
        "time_zone": "Europe/Berlin", "iana_time_zone": "Europe/Berlin", "phone": None,
        "shared_phone_number": None, "photo": None, "locale_id": 1, "locale": "en-US",
        "organization_id": None, "role": role, "verified": True, "external_id": None, "tags": [],
        "alias": None, "active": True, "shared": False, "shared_agent": False,
        "last_login_at": None, "two_factor_auth_enabled": None, "signature": None,
        "details": None, "notes": None, "role_type": None, "custom_role_id": None,
        "moderator": agent, "ticket_restriction": None if agent else "requested",
        "only_private_comments": False, "restricted_agent": not agent, "suspended": False,
        "default_group_id": 360001 if agent else None, "report_csv": role == "admin",
        "user_fields": {},
    }


def _comment(comment_id: int, author_id: int, at: datetime, public: bool, body: str,
             channel: str) -> dict[str, Any]:
    paragraphs = "".join(f'<p dir="auto">{html.escape(p)}</p>' for p in body.split("\n\n"))
    return {
        "id": comment_id, "type": "Comment", "author_id": author_id, "body": body,
        "html_body": f'<div class="zd-comment" dir="auto">{paragraphs}</div>', "plain_body": body,
        "public": public, "attachments": [], "audit_id": comment_id + 1,
        "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(at), "metadata": {"system": {}, "custom": {}},
    }


def _ticket(entry: dict[str, Any], requester: dict[str, Any], assignee: int | None,
            created_at: datetime, updated_at: datetime) -> dict[str, Any]:
    ticket_id, user_id, status = entry["id"], requester["id"], entry["status"]
    return {
        "url": f"{ZENDESK_URL}/api/v2/tickets/{ticket_id}.json", "id": ticket_id,
        "external_id": None,
        "via": {"channel": "email", "source": {
            "from": {"address": requester["email"], "name": requester["name"]},
            "to": {"name": "Parley Support", "address": "support@example.org"}, "rel": None}},
        "created_at": iso(created_at), "updated_at": iso(updated_at),
        "type": entry.get("type"), "subject": entry["subject"],
        "raw_subject": entry["subject"], "description": entry["description"],
        "priority": entry.get("priority"), "status": status, "recipient": "support@example.org",
        "requester_id": user_id, "submitter_id": user_id, "assignee_id": assignee,
        "organization_id": None, "group_id": 360001, "collaborator_ids": [], "follower_ids": [],
        "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
        "is_public": True, "due_at": None, "tags": entry["tags"], "custom_fields": [],
        "satisfaction_rating": None, "sharing_agreement_ids": [], "fields": [],
        "custom_status_id": _STATUS_IDS.get(status, 360100),
        "followup_ids": [], "ticket_form_id": 360200, "brand_id": 360300,
        "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
        "generated_timestamp": epoch(updated_at),
    }


def zendesk_payloads(now: datetime) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """One page of `GET /api/v2/incremental/tickets/cursor.json?include=users` (the end of
    the stream) and each ticket's `GET /api/v2/tickets/{id}/comments.json?include=users`."""
    desk = data("zendesk")
    people = desk["users"]
    tickets, pages, requesters = [], {}, {}
    for entry in desk["tickets"]:
        ticket_id, requester = entry["id"], entry["requester"]
        comments = entry.get("comments", [])
        created_at = ago(now, entry["created"])
        requesters[requester] = _user(people[requester])
        raw = [_comment(ticket_id * 1000, people[requester]["id"], created_at, True,
                        entry["description"], "email")]
        for index, comment in enumerate(comments, start=1):
            who = comment["author"]
            raw.append(_comment(ticket_id * 1000 + index * 2, people[who]["id"],
                                ago(now, comment["at"]), comment["public"], comment["body"],
                                "email" if who == requester else "web"))
        updated_at = max([created_at] + [ago(now, c["at"]) for c in comments])
        agents = [c["author"] for c in comments if c["author"] != requester]
        pages[ticket_id] = {
            "comments": raw,
            "users": [_user(people[key]) for key in dict.fromkeys([requester, *agents])],
            "next_page": None, "previous_page": None, "count": len(raw),
        }
        assignee = people[agents[0]]["id"] if agents else None
        tickets.append(_ticket(entry, people[requester], assignee, created_at, updated_at))
    # the export lists tickets in the order they changed, oldest first
    tickets.sort(key=lambda t: (t["generated_timestamp"], t["id"]))
    last = tickets[-1]
    cursor = base64.b64encode(f"{last['generated_timestamp']}.{last['id']}".encode()).decode("ascii")
    export = {
        "tickets": tickets, "users": sorted(requesters.values(), key=lambda u: u["id"]),
        "after_url": f"{ZENDESK_URL}/api/v2/incremental/tickets/cursor.json?cursor={cursor}",
        "after_cursor": cursor, "before_url": None, "before_cursor": None, "end_of_stream": True,
    }
    return export, pages
