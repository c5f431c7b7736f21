"""The triage history in words: `inbox log`'s lines and JSON, the preview's summary, and
the preview's lines on what rules did (`rule_history`).

Every value comes from the database, where a teammate (or a hostile post, through a rule)
may have put anything: each is made one line of plain text before it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from inbox.models import IdeaStatus, PostType
from inbox.store import Store
from inbox.store.history import Change
from inbox.text import one_line
from inbox.timeutil import ago, parse_time
from inbox.triage.rules_config import SKIPPED, TRIAGE_ACTIONS

NOTE_SHOWN = 60
"""Characters of a note a history line shows."""


def _label(enum: type[Enum], value: str | None) -> str:
    try:
        return enum(value).label  # type: ignore[attr-defined]
    except ValueError:
        return one_line(value or "")


def _when(moment: str | None) -> str:
    parsed = parse_time(moment)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else one_line(moment or "")


def _quoted(note: str | None) -> str:
    text = one_line(note or "")
    return f'"{text[:NOTE_SHOWN - 1]}…"' if len(text) > NOTE_SHOWN else f'"{text}"'


_SET: dict[str, Callable[[str | None, str | None], str]] = {
    "type": lambda old, new: f"tagged {_label(PostType, new)}" if new else
    f"removed the tag {_label(PostType, old)}",
    "status": lambda old, new: f"set the idea status to {_label(IdeaStatus, new)}" if new else
    "cleared the idea status",
    "assignee": lambda old, new: f"assigned to {one_line(new)}" if new else f"unassigned {one_line(old or '')}",
    "done": lambda old, new: "marked done" if new == "true" else "marked not done",
    "snoozed_until": lambda old, new: f"snoozed until {_when(new)}" if new else "unsnoozed",
    "note": lambda old, new: f"noted {_quoted(new)}" if new else "removed the note",
    "jira_key": lambda old, new: f"linked Jira {one_line(new)}" if new else f"unlinked Jira {one_line(old or '')}",
    "duplicate_of": lambda old, new: f"marked a duplicate of {one_line(new)}" if new else
    f"unmarked as a duplicate of {one_line(old or '')}",
    "duplicate": lambda old, new: f"linked {one_line(new)} as its duplicate" if new else
    f"unlinked its duplicate {one_line(old or '')}",
}


def describe(change: Change) -> str:
    """What the change did, in words: `tagged Bug`, `rule wordpress-notices: marked done`."""
    say = _SET.get(change.field)
    what = say(change.old, change.new) if say else (
        f"set {one_line(change.field)} to {one_line(change.new or 'nothing')}")
    return f"rule {one_line(change.rule)}: {what.strip()}" if change.rule else what.strip()


def log_lines(changes: Sequence[Change]) -> list[str]:
    """`inbox log`: one line per change, oldest first: `2026-12-05 10:02  amy  tagged Bug`."""
    who = [one_line(change.by) or "?" for change in changes]
    width = max((len(name) for name in who), default=0)
    return [f"{_when(change.at)}  {name:<{width}}  {describe(change)}" for change, name in zip(changes, who)]


def change_json(change: Change) -> dict[str, Any]:
    """`inbox log --json`: `done` as booleans, every other value as stored (text or null)."""
    def value(text: str | None) -> Any:
        return (text == "true") if change.field == "done" and text is not None else text

    return {"at": change.at, "by": change.by, "field": change.field, "old": value(change.old),
            "new": value(change.new), "rule": change.rule}


def summary(changes: Sequence[Change], now: datetime, *, limit: int = 4) -> str:
    """The preview's line, newest first: `tagged Bug by amy, 2h ago; assigned to carol by
    amy, 1d ago`, and how many earlier ones `inbox log` has."""
    newest = list(reversed(changes))
    parts = [f"{describe(change)} by {one_line(change.by)}, {ago(change.at, now)} ago" for change in newest[:limit]]
    if len(newest) > limit:
        parts.append(f"{len(newest) - limit} earlier (inbox log)")
    return "; ".join(parts)


# --- what rules did, for the preview -------------------------------------------------------

def rule_history(store: Store, key: str, *, triage: bool = True,
                 when: Callable[[str | None], str] | None = None) -> list[dict[str, Any]]:
    """What rules did to the item, oldest first: rule, field, value, at, and a `line` for
    the preview ("rule wordpress-notices set done at 2026-11-20 10:00"). `triage=False`
    leaves out the triage actions, which the triage history also names. `when` writes
    the moments (the preview's: human, in its time zone); by default UTC, as stored."""
    when = when or _when
    return [{"rule": done.rule, "field": done.field, "value": done.value, "at": done.at,
             "line": _rule_line(done.rule, done.field, done.value, done.at, when)}
            for done in store.rule_actions.history(key) if triage or done.field not in TRIAGE_ACTIONS]


_RULE_DID: dict[str, Callable[[str | None, Callable[[str | None], str]], str]] = {
    "type": lambda v, when: f"set type {_label(PostType, v)}",
    "status": lambda v, when: f"set status {_label(IdeaStatus, v)}",
    "assign": lambda v, when: f"assigned it to {one_line(v)}",
    "done": lambda v, when: "set done",
    "snooze": lambda v, when: f"snoozed it until {when(v)}",
    "label": lambda v, when: f"added the label {one_line(v)}",
    "template": lambda v, when: f"drafted a reply from the template {one_line(v)}",
}
_RULE_DID_NOT = {"label": "add a label", "template": "draft a reply"}


def _rule_line(rule: str, name: str, value: str | None, at: str,
               when: Callable[[str | None], str]) -> str:
    if name.startswith(SKIPPED):
        what = _RULE_DID_NOT.get(name[len(SKIPPED):], name[len(SKIPPED):])
        return f"rule {one_line(rule)} did not {what} at {when(at)}: {one_line(value or '')}"
    did = _RULE_DID.get(name, lambda v, _: f"set {one_line(name)} {one_line(v or '')}")(value, when)
    return f"rule {one_line(rule)} {did} at {when(at)}"
