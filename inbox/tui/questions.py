"""The questions the main screen asks before it changes an item (snooze until when? assign
to whom? which idea status? file it in Jira?), and how each answer reads.

Each returns the dialog and a `read` that turns its answer into the triage change and
the toast that says it was done (None: nothing to do). Kept apart from the screen so
the screen keeps to showing and dispatching.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from inbox.models import IdeaStatus, PostType
from inbox.store.triage import Undone
from inbox.text import one_line
from inbox.text.wording import shorten
from inbox.timeutil import human_time, iso, parse_time, parse_until
from inbox.tui.screens.prompt import PromptScreen

if TYPE_CHECKING:
    from inbox.config import JiraConfig, TeamConfig

Change = tuple[dict[str, Any], str]
"""The triage fields to set, and the toast that says so."""
Question = tuple[PromptScreen, Callable[[str], Change | None]]


def _none(answer: str, *words: str) -> bool:
    return answer.lower() in ("", *words)


def snooze(now: Callable[[], datetime], zone: tzinfo | None = None) -> Question:
    """Until when? An empty answer is asked again (escape cancels): only `none` or `off`
    unsnoozes, so enter on an untouched prompt changes nothing. The toast says the moment
    in `zone` (None: local time)."""
    def check(answer: str) -> str | None:
        if not answer:
            return "Type when: 4h, 2d, 1w or a date (2026-12-01); none unsnoozes, escape cancels"
        if answer.lower() in ("none", "off"):
            return None
        try:
            parse_until(answer, now())
        except ValueError as exc:
            return str(exc)
        return None

    def read(answer: str) -> Change | None:
        if not answer:
            return None
        if answer.lower() in ("none", "off"):
            return {"snoozed_until": None}, "Unsnoozed"
        moment = now()
        until = parse_until(answer, moment)
        return {"snoozed_until": iso(until)}, f"Snoozed until {human_time(until, moment, zone)}"

    return PromptScreen("Snooze until? 4h, 2d, 1w or a date (2026-12-01); none to unsnooze",
                        placeholder="e.g. 2d", check=check), read


def assign(team: TeamConfig, row: Mapping[str, Any]) -> Question:
    people = list(dict.fromkeys([*(team.rotation or []), *(team.staff or []), *([team.me] if team.me else [])]))

    def read(answer: str) -> Change:
        if _none(answer, "none"):
            return {"assignee": None}, "Unassigned"
        return {"assignee": answer}, f"Assigned to {answer}"

    return PromptScreen("Assign to whom? (empty or none to unassign)", placeholder=", ".join(people[:4]),
                        value=row.get("assignee") or "", suggestions=people), read


def idea_status(rows: Sequence[Mapping[str, Any]]) -> Question | str:
    """The question for the posts acted on, or why an idea status does not apply to them.
    Untagged posts become Feature Proposals with it (unless others are tagged otherwise)."""
    tagged = {row.get("type") for row in rows} - {None, PostType.FEATURE.value}
    other = [row for row in rows if row.get("type") in tagged and row.get("kind") != "uservoice"]
    if other:
        if len(rows) == 1:
            return (f"The idea status is for feature proposals; this one is tagged "
                    f"{PostType(other[0]['type']).label} (2 tags it a Feature Proposal)")
        return (f"The idea status is for feature proposals; {len(other)} of the {len(rows)} marked "
                f"posts are tagged otherwise (2 tags them Feature Proposals)")
    names = [status.value for status in IdeaStatus]

    def check(answer: str) -> str | None:
        if _none(answer, "none") or answer.lower() in names:
            return None
        return f"Use one of {', '.join(names)} (or none)"

    def read(answer: str) -> Change:
        if _none(answer, "none"):
            return {"status": None}, "Idea status cleared"
        changes: dict[str, Any] = {"status": answer.lower()}
        if not tagged and any(row.get("type") is None for row in rows):
            changes["type"] = PostType.FEATURE.value
        return changes, f"Idea: {IdeaStatus(answer.lower()).label}"

    return PromptScreen(
        "Idea status? under-review → planned → started → help-wanted → completed / declined",
        value=(rows[0].get("status") or "") if len(rows) == 1 else "", placeholder="planned",
        check=check, suggestions=names), read


def file_in_jira(jira: JiraConfig, row: Mapping[str, Any]) -> PromptScreen:
    """Confirmation: any answer files it, escape cancels."""
    return PromptScreen(
        f"File {shorten(one_line(row['title']), 60)!r} as a {jira.issue_type} in Jira project {jira.project}? "
        "(enter files it, esc cancels)", value="yes")


def new_run(title: str, today: date) -> tuple[PromptScreen, Callable[[str], tuple[date, datetime | None] | None]]:
    """A playbook run's date, and its event start when steps are scheduled."""
    def parse(answer: str) -> tuple[date, datetime | None] | str:
        text = answer.strip() or today.isoformat()
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
        moment = parse_time(text)
        if moment is None:
            return "Use a date (2026-11-25) or a date and time in UTC (2026-11-25 17:00)"
        return moment.date(), moment

    def check(answer: str) -> str | None:
        result = parse(answer)
        return result if isinstance(result, str) else None

    def read(answer: str) -> tuple[date, datetime | None] | None:
        result = parse(answer)
        return None if isinstance(result, str) else result

    return PromptScreen(
        f"New run of {one_line(title)}: the date, and the event "
        "start in UTC if steps are scheduled (2026-11-25 17:00)",
        value=today.isoformat(), check=check), read


def undone_toast(message: str, undone: Undone) -> tuple[str, str, float]:
    """What an undo did (text, severity, timeout), and what it left because someone
    changed it meanwhile."""
    left = [_changed_meanwhile(name, value) for fields in undone.left.values()
            for name, value in fields.items()]
    if not left:
        return f"Undone: {message}", "information", 2
    if undone.restored:
        text = (f"Undone: {message}; left {', '.join(left)}: someone changed "
                f"{'it' if len(left) == 1 else 'them'} meanwhile")
        return text, "warning", 6
    return f"Not undone: {message}: someone changed {', '.join(left)} meanwhile", "warning", 6


def _changed_meanwhile(field: str, value: Any) -> str:
    """A triage field undo left alone, with the value it has now (never a whole note)."""
    name = {"snoozed_until": "snooze", "jira_key": "Jira key"}.get(field, field)
    if field == "note":
        return name
    if field == "done":
        return f"{name} (now {'done' if value else 'not done'})"
    return f"{name} (now {shorten(one_line(str(value)), 40) if value else 'none'})"
