"""Loading the demo: each channel's payloads through its own adapter into the store, the
way a sync brings them, then the demo's own triage (`data/triage.yaml`) and what runs
after every sync (rules, due times)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from inbox.config import Config
from inbox.demo.common import ago, data, demo_config, span
from inbox.demo.discourse import discourse_payloads
from inbox.demo.github import github_payloads
from inbox.demo.gitlab import gitlab_payloads
from inbox.demo.intercom import intercom_payloads
from inbox.demo.slack import slack_payloads
from inbox.demo.stackexchange import stackexchange_payloads
from inbox.demo.uservoice import uservoice_payloads
from inbox.demo.zendesk import zendesk_payloads
from inbox.models import Item, Reply
from inbox.sources import registry
from inbox.sources.base import Source
from inbox.sources.slack import is_post, is_reply
from inbox.store import Store
from inbox.timeutil import iso


def _github(source: Source, now: datetime) -> tuple[list[Item], dict[str, list[Reply]]]:
    issues, comments = github_payloads(now)
    items = [source.normalize(raw) for raw in issues if "pull_request" not in raw]
    replies: dict[str, list[Reply]] = {}
    for raw in comments:
        number = raw["issue_url"].rstrip("/").rsplit("/", 1)[-1]
        replies.setdefault(source.key(number), []).append(source.normalize_comment(raw))
    return items, replies


def _discourse(source: Source, now: datetime) -> list[Item]:
    listing, threads = discourse_payloads(now)
    users = {user["id"]: user for user in listing["users"]}
    return [source.normalize({"topic": topic, "users": users,
                              "posts": threads[topic["id"]]["post_stream"]["posts"]})
            for topic in listing["topic_list"]["topics"]]


def _stackexchange(source: Source, now: datetime) -> list[Item]:
    questions, answers = stackexchange_payloads(now)
    by_question: dict[Any, list[dict]] = {}
    for answer in answers["items"]:
        by_question.setdefault(answer["question_id"], []).append(answer)
    return [source.normalize({"question": question, "answers": by_question.get(question["question_id"])})
            for question in questions["items"]]


def _gitlab(source: Source, now: datetime) -> list[Item]:
    issues, notes = gitlab_payloads(now)
    # as the sync does: an issue without user notes is not asked for its notes
    return [source.normalize({"issue": issue,
                              "notes": notes[issue["iid"]] if issue["user_notes_count"] else []})
            for issue in issues]


def _slack(source: Source, now: datetime) -> list[Item]:
    history, threads, lookups = slack_payloads(now)
    # as the sync does: a user that cannot be looked up is None, and shown by id
    people = {user_id: answer.get("user") if answer.get("ok") else None
              for user_id, answer in lookups.items()}
    items = []
    for message in (m for m in history["messages"] if is_post(m)):
        thread = threads.get(message["ts"], {"messages": []})["messages"]
        items.append(source.normalize({"message": message, "users": people, "workspace": source.workspace,
                                       "replies": [r for r in thread if is_reply(r, message["ts"])]}))
    return items


def _zendesk(source: Source, now: datetime) -> list[Item]:
    export, comment_pages = zendesk_payloads(now)
    requesters = {user["id"]: user for user in export["users"]}
    items = []
    for ticket in export["tickets"]:
        page = comment_pages[ticket["id"]]
        items.append(source.normalize({"ticket": ticket, "comments": page["comments"],
                                       "users": {**requesters, **{u["id"]: u for u in page["users"]}}}))
    return items


def _intercom(source: Source, now: datetime) -> list[Item]:
    return [source.normalize(conversation) for conversation in intercom_payloads(now)["conversations"]]


def _uservoice(source: Source, now: datetime) -> list[Item]:
    board = uservoice_payloads(now)
    side = {name: {x["id"]: x for x in board[name]} for name in ("users", "statuses", "labels")}
    return [source.normalize({"suggestion": s, **side}) for s in board["suggestions"]]


_CHANNELS = {"discourse": _discourse, "stackexchange": _stackexchange, "gitlab": _gitlab,
             "slack": _slack, "zendesk": _zendesk, "intercom": _intercom, "uservoice": _uservoice}


def _channel(source: Source, now: datetime) -> tuple[list[Item], dict[str, list[Reply]] | None]:
    """A channel's items, and its replies when they come apart from the items (GitHub)."""
    if source.kind == "github":
        return _github(source, now)
    return _CHANNELS[source.kind](source, now), None


def items_of(kind: str, config: Config, now: datetime) -> tuple[Source, list[Item]]:
    """The demo's items of one channel kind, through that kind's adapter."""
    source = next(registry.build(s, config, env={}) for s in config.sources if s.kind == kind)
    return source, _channel(source, now)[0]


def preset_triage(now: datetime) -> list[tuple[list[str], dict[str, Any]]]:
    """`data/triage.yaml` as (keys, changes), its relative times made times; `duplicate_of`
    in the changes links the keys as duplicates of that post."""
    presets = []
    for entry in data("triage"):
        keys = entry.pop("keys")
        if "assigned_ago" in entry:
            entry["assigned_at"] = iso(ago(now, entry.pop("assigned_ago")))
        if "snoozed_for" in entry:
            entry["snoozed_until"] = iso(now + span(entry.pop("snoozed_for")))
        presets.append((keys, entry))
    return presets


def load_demo(store: Store, *, now: datetime) -> int:
    """Put the demo workspace into `store`, times relative to `now`; returns the item count.

    Loading again upserts the same keys (no duplicates), moves the times along with the
    new `now`, re-applies the demo's own triage on its pre-triaged items, and has its
    user read all but the last half day's posts. The type model is trained on the demo's
    tags as a sync would (once: the same tags load the same model), so the untagged posts
    open with their suggestions. (Slack
    keys are the messages' times, so another `now` replaces the Slack messages instead.)
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    config = demo_config()
    total = 0
    for source_config in config.sources:
        source = registry.build(source_config, config, env={})
        items, replies = _channel(source, now)
        extra: dict[str, Any] = {} if replies is None else {"replies": replies}
        if source.kind == "slack":
            # A Slack message's id is the time it was posted: loaded at another `now`, these
            # are other messages, and the ones from the earlier load go as deleted ones would.
            fresh = {item.key for item in items}
            extra["removed"] = [row["key"] for row in store.list_items(f"source:{source.name}", now=now)
                                if row["key"] not in fresh]
        store.save_page(source.name, items, synced_at=now, **extra)
        total += len(items)

    # The demo's user read everything up to half a day ago: newer posts are new to them.
    looked = now - timedelta(hours=12)
    store.history.seen(config.team.who, [row["key"] for row in store.list_items("idle:>=12h", now=now)],
                       now=looked)
    for keys, changes in preset_triage(now):
        fields = {name: value for name, value in changes.items() if name != "duplicate_of"}
        if fields:
            store.set_triage(keys, fields, now=now, by=config.team.who)
        if "duplicate_of" in changes:  # linked already on a load before: left as it is
            store.duplicates.link(keys, changes["duplicate_of"], by=config.team.who, now=now)
    # as after a real sync: type suggestions from the tags, the rules, and due times for
    # the Overdue view
    from inbox.reports.sla import refresh_sla
    from inbox.triage.people import sync_person_logins
    from inbox.triage.rules import rules_after_sync
    from inbox.triage.suggestions import after_sync

    sync_person_logins(config, store)
    after_sync(config, store, since=now, now=now)
    rules_after_sync(config, store, since=now, now=now)
    refresh_sla(config, store, now=now)
    return total
