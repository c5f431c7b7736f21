"""The Stack Exchange API's answers for the demo's questions (`data/stackexchange.yaml`):
`GET /questions?filter=withbody` and their `/answers`, with epoch dates, HTML bodies and
HTML-entity titles, inside the API's wrapper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.demo.common import ago, cook, data, entities, epoch, slug, stable_id

_PRE = "lang-none"  # the class Stack Exchange puts on a code block with no language


def _owner(name: str, deleted: set[str]) -> dict[str, Any]:
    if name in deleted:
        return {"user_type": "does_not_exist", "display_name": name}
    user_id = stable_id(name, 10_000_000, 20_000_000)
    return {"account_id": user_id + 7, "reputation": 1 + stable_id(name, 0, 5000),
            "user_id": user_id, "user_type": "registered", "display_name": entities(name),
            "link": f"https://stackoverflow.com/users/{user_id}/{slug(name)}"}


def stackexchange_payloads(now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """`GET /questions?tagged=parley&filter=withbody` and their `/answers`, with wrappers."""
    site = data("stackexchange")
    deleted = set(site["deleted"])
    questions, answers = [], []
    for entry in site["questions"]:
        question_id, thread = entry["id"], entry.get("answers", [])
        created_at = ago(now, entry["created"])
        times = [created_at]
        accepted_id = None
        for index, answer in enumerate(thread):
            answer_id = question_id + 500_000 + index
            at = ago(now, answer["at"])
            times.append(at)
            accepted = answer.get("accepted", False)
            if accepted:
                accepted_id = answer_id
            answers.append({
                "owner": _owner(answer["author"], deleted), "is_accepted": accepted,
                "score": answer["score"], "last_activity_date": epoch(at), "creation_date": epoch(at),
                "answer_id": answer_id, "question_id": question_id,
                "content_license": "CC BY-SA 4.0", "body": cook(answer["body"], pre_class=_PRE),
            })
        question = {
            "tags": entry["tags"], "owner": _owner(entry["author"], deleted),
            "is_answered": accepted_id is not None or any(a["score"] > 0 for a in thread),
            "view_count": 12 + 31 * len(thread), "answer_count": len(thread),
            "score": sum(a["score"] for a in thread) // 2,
            "last_activity_date": epoch(max(times)), "creation_date": epoch(created_at),
            "question_id": question_id, "content_license": "CC BY-SA 4.0",
            "link": f"https://stackoverflow.com/questions/{question_id}/{slug(entry['title'])}",
            "title": entities(entry["title"]), "body": cook(entry["body"], pre_class=_PRE),
        }
        if accepted_id is not None:
            question["accepted_answer_id"] = accepted_id
        if entry.get("closed"):
            question["closed_date"] = epoch(ago(now, entry["closed"]))
            question["closed_reason"] = "Duplicate"
        questions.append(question)
    questions.sort(key=lambda q: q["last_activity_date"], reverse=True)
    wrapper = {"items": questions, "has_more": False, "quota_max": 10000, "quota_remaining": 9871}
    answer_wrapper = {"items": answers, "has_more": False, "quota_max": 10000,
                      "quota_remaining": 9870}
    return wrapper, answer_wrapper
