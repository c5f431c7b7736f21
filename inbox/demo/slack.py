"""Slack's answers for the demo's help channel (`data/slack.yaml`): `conversations.history`,
`conversations.replies` for each thread and a `users.info` answer per user id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from inbox.demo.common import ago, data, epoch, stable_id


def _ts(moment: datetime, salt: str) -> str:
    """A Slack `ts`: epoch seconds and a per-message sequence (stable for the same text)."""
    return f"{epoch(moment)}.{stable_id(salt, 100, 899_900):06d}"


def _message(user: str | None, ts: str, text: str, team: str, bot: dict[str, str]) -> dict[str, Any]:
    if user is None:  # the FAQ bot answers through an incoming webhook
        return {"subtype": "bot_message", "text": text, "ts": ts, "username": bot["name"],
                "bot_id": bot["id"], "type": "message"}
    return {
        "user": user, "type": "message", "ts": ts,
        "client_msg_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"slack:{ts}")), "text": text,
        "team": team,
        "blocks": [{"type": "rich_text", "block_id": f"b{stable_id(ts, 1000, 9000)}", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
    }


def _user(user_id: str, info: dict[str, Any], team: str) -> dict[str, Any]:
    first = (info["real_name"] or info["name"]).split(" ")[0]
    return {
        "id": user_id, "team_id": team, "name": info["name"], "deleted": False,
        "color": "4bbe2e", "real_name": info["real_name"], "tz": "Europe/Berlin",
        "tz_label": "Central European Time", "tz_offset": 3600,
        "profile": {"title": "", "phone": "", "skype": "", "real_name": info["real_name"],
                    "real_name_normalized": info["real_name"], "display_name": info["display_name"],
                    "display_name_normalized": info["display_name"], "fields": None,
                    "status_text": "", "status_emoji": "", "status_expiration": 0,
                    "avatar_hash": f"g{stable_id(user_id, 100000, 800000)}", "first_name": first,
                    "last_name": "", "team": team},
        "is_admin": info.get("is_admin", False), "is_owner": info.get("is_owner", False),
        "is_primary_owner": info.get("is_owner", False), "is_restricted": False,
        "is_ultra_restricted": False, "is_bot": False, "is_app_user": False, "updated": 1767225600,
        "is_email_confirmed": True, "who_can_share_contact_card": "EVERYONE",
    }


def slack_payloads(now: datetime
                   ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """`conversations.history` of #community-help, `conversations.replies` for each thread
    (parent first, as Slack lists it) and a `users.info` answer per user id."""
    channel = data("slack")
    team, bot = channel["team"], channel["bot"]
    history, threads = [], {}
    for entry in channel["messages"]:
        user, text, posted = entry["user"], entry["text"], ago(now, entry["at"])
        ts = _ts(posted, text)
        message = _message(user, ts, text, team, bot)
        if entry.get("files"):
            message["subtype"] = "file_share"
            message["upload"] = False
            message["files"] = [{"id": f"F0{stable_id(f['name'], 10**8, 8 * 10**8)}",
                                 "created": epoch(posted), "timestamp": epoch(posted), "user": user, **f}
                                for f in entry["files"]]
        if entry.get("replies"):
            thread = [_message(r["user"], _ts(ago(now, r["at"]), r["text"]), r["text"], team, bot)
                      for r in entry["replies"]]
            for reply in thread:
                reply["thread_ts"] = ts
                reply["parent_user_id"] = user
            repliers = list(dict.fromkeys(r["user"] for r in thread if "user" in r))
            message.update(thread_ts=ts, reply_count=len(thread), reply_users_count=len(repliers),
                           latest_reply=max(r["ts"] for r in thread), reply_users=repliers,
                           is_locked=False, subscribed=False)
            threads[ts] = {"ok": True, "messages": [message, *thread], "has_more": False}
        history.append(message)
    for entry in channel["not_posts"]:  # a join and a scheduled reminder
        at = entry.pop("at")
        history.append({"type": "message", **entry, "ts": _ts(ago(now, at), entry["text"])})
    history.sort(key=lambda m: m["ts"], reverse=True)
    users = {user_id: {"ok": True, "user": _user(user_id, info, team)}
             for user_id, info in channel["users"].items()}
    users.update({guest: {"ok": False, "error": "user_not_found"} for guest in channel["guests"]})
    listing = {"ok": True, "messages": history, "has_more": False, "pin_count": 0,
               "channel_actions_ts": None, "channel_actions_count": 0,
               "response_metadata": {"next_cursor": ""}}
    return listing, threads, users
