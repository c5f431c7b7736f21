"""Event playbooks: Markdown files with YAML front matter, read offline.

A playbook is the team's procedure for a recurring event (office hours, demo day, a
livestream) or an incident (a leaked secret). Its `- [ ] step` task lines are the
checklist a run ticks; its front matter may tie steps to the event's start time
(`schedule`) and name the posts that call for it (`triggers`, a query).

Bundled playbooks ship inside the package; user folders (`[playbooks] paths`) come
after them, and a later file of the same name replaces an earlier one. A broken file is
reported in one line naming the file and line, and the others still load.

`frontmatter` reads such files (the reply templates are the same format) and `render`
prints a playbook in the terminal; they live here because playbooks are their main user.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from inbox.errors import QueryError
from inbox.playbooks import frontmatter
from inbox.playbooks.frontmatter import FrontMatterError
from inbox.query import parse_query
from inbox.text.wording import plural

BUNDLED_PACKAGE = "inbox.bundled_playbooks"
_OFFSET = re.compile(r"([+-]?)\s*(\d+)\s*([mhdw])")  # on stripped text: no backtracking
_UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
_UNIT_DELTAS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_TASK = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+\[(?P<mark>[ xX])\][ \t]+(?P<text>\S.*)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.+)")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s")


PlaybookError = FrontMatterError
"""A playbook file that cannot be used; the message names the file and line."""

MAX_OFFSET = timedelta(days=366)
"""A schedule reaches at most a year either side of the event, so due times stay dates."""
MAX_STEPS = 500
MAX_HEADINGS = 200
"""Each step and heading is a widget in the TUI, so these keep a playbook quick to open;
the bundled ones have a few dozen."""


# --- schedule maths -----------------------------------------------------------------


def parse_offset(text: object) -> timedelta:
    """`-10m`, `-7d`, `+1d`, `2h`, `0` -> timedelta from the event start.

    Raises:
        ValueError: not a signed number with a unit m, h, d or w, or more than a year.
    """
    if isinstance(text, int) and not isinstance(text, bool) and text == 0:
        return timedelta(0)
    match = _OFFSET.fullmatch(str(text).strip()) if isinstance(text, (str, int)) else None
    shown = frontmatter.shorten(repr(text))
    if not match:
        raise ValueError(f"bad offset {shown}: use a sign, a number and a unit m, h, d or w "
                         "(e.g. -10m, -7d, +1d)")
    sign, amount, unit = match.groups()
    amount = amount.lstrip("0") or "0"
    if len(amount) > 6 or (delta := timedelta(**{_UNIT_DELTAS[unit]: int(amount)})) > MAX_OFFSET:
        raise ValueError(f"offset {shown} is more than a year from the event start")
    return -delta if sign == "-" else delta


def describe_offset(offset: timedelta) -> str:
    """-10m -> "10 minutes before the start"; +1d -> "1 day after the start"."""
    seconds = int(offset.total_seconds())
    if seconds == 0:
        return "at the start"
    size = abs(seconds)
    for unit, length in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if size % length == 0:
            return f"{plural(size // length, _UNIT_WORDS[unit])} {'before' if seconds < 0 else 'after'} the start"
    return f"{plural(size // 60, 'minute')} {'before' if seconds < 0 else 'after'} the start"


def format_offset(offset: timedelta) -> str:
    """The compact form the front matter uses: -10m, +1d, 0m."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    size = abs(seconds)
    if size == 0:
        return "0m"
    for unit, length in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if size % length == 0:
            return f"{sign}{size // length}{unit}"
    return f"{sign}{size // 60}m"


# --- the model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One checklist step. Its id survives edits elsewhere in the file, so ticks stay put."""

    id: str
    text: str
    section: str
    line: int
    """Line in the file (1-based), 0 for a step that only the schedule names."""
    detail: str = ""
    offset: timedelta | None = None
    """When it is due, relative to the event start; None if the schedule does not say."""
    span: int = 1
    """Lines of the body it covers: the task line and its indented detail."""

    def due(self, event_start: datetime | None) -> datetime | None:
        """None when unscheduled, or when the event sits so near the calendar's end
        (year 9999) that the due time has no date."""
        if event_start is None or self.offset is None:
            return None
        try:
            return event_start + self.offset
        except OverflowError:
            return None

    def is_overdue(self, event_start: datetime | None, now: datetime, ticked: bool) -> bool:
        due = self.due(event_start)
        return due is not None and not ticked and due < now


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int

    @property
    def anchor(self) -> str:
        """The heading as a link target (`## Part B: in a post` is `part-b-in-a-post`):
        what `opens_at` names."""
        return anchor(self.text)


def anchor(text: str) -> str:
    """Lowercase words joined by `-`, punctuation dropped, as GitHub makes heading anchors."""
    return "-".join(re.sub(r"[^\w\s-]", "", text.lower()).split())


@dataclass(frozen=True)
class Playbook:
    name: str
    """The file stem: what `inbox playbook NAME` takes and what runs are stored under."""
    title: str
    summary: str
    body: str
    """The Markdown after the front matter."""
    path: Path | None = None
    event: str = ""
    tags: tuple[str, ...] = ()
    owner: str = ""
    triggers: str | None = None
    """A query: items matching it offer this playbook."""
    opens_at: str | None = None
    """The anchor of the heading a post that matches `triggers` opens the playbook at (the
    part for that post; the secret-leak playbook has one for a livestream first)."""
    steps: tuple[Step, ...] = ()
    headings: tuple[Heading, ...] = ()
    body_line: int = 1
    """The file line the body starts on, so body line numbers map back to the file."""

    @property
    def scheduled(self) -> list[Step]:
        """Steps tied to the event time, earliest first."""
        return sorted((s for s in self.steps if s.offset is not None), key=lambda s: s.offset)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass
class Library:
    """The playbooks found, by name, and one line per file that could not be used."""

    playbooks: dict[str, Playbook] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(sorted(self.playbooks.values(), key=lambda p: p.title.lower()))

    def __len__(self) -> int:
        return len(self.playbooks)

    def get(self, name: str) -> Playbook:
        """The playbook called `name`.

        Raises:
            UsageError: no such playbook; the message suggests the closest names.
        """
        return frontmatter.lookup(self.playbooks, name, "playbook")


# --- loading --------------------------------------------------------------------------


def bundled_folder() -> Path:
    """Where the playbooks shipped with the package live (`inbox.bundled_playbooks`, or
    the repo's `playbooks/` folder when run in place)."""
    return frontmatter.bundled_folder(BUNDLED_PACKAGE, "playbooks")


def load_library(user_folders: Sequence[Path] = (), *, bundled: bool = True) -> Library:
    """Every playbook: the bundled ones, then each user folder in order (later wins)."""
    folders = ([bundled_folder()] if bundled else []) + [Path(f) for f in user_folders]
    playbooks, warnings = frontmatter.load_folders(folders, load_file, "playbook")
    return Library(playbooks=playbooks, warnings=warnings)


def load_file(path: Path) -> Playbook:
    """Read one playbook file.

    Raises:
        PlaybookError: unreadable, no front matter, broken YAML or a bad field, said in
            one line as `file:line: what is wrong`.
    """
    return parse_playbook(frontmatter.read_text(path), name=path.stem.lower(), path=path)


def parse_playbook(text: str, *, name: str, path: Path | None = None) -> Playbook:
    document = frontmatter.parse_document(text, str(path) if path else name)
    fail = document.fail
    required = "every playbook needs a title and a summary"
    title = document.text("title", required=required)
    summary = document.text("summary", required=required)
    triggers = document.text("triggers")
    if triggers:
        try:
            parse_query(triggers)
        except QueryError as exc:
            raise fail("triggers", str(exc)) from None
    headings, steps = _outline(document)
    steps = _apply_schedule(document.front.get("schedule"), steps, fail)
    opens_at = anchor(document.text("opens_at").lstrip("#")) or None
    if opens_at is not None and opens_at not in {heading.anchor for heading in headings}:
        known = ", ".join(heading.anchor for heading in headings if heading.level > 1) or "none"
        raise fail("opens_at", f"no heading {opens_at!r} (headings: {known})")
    return Playbook(
        name=name, title=title, summary=summary, body=document.body, path=path,
        event=document.text("event"), tags=_tags(document.front.get("tags"), fail),
        owner=document.text("owner"), triggers=triggers or None, opens_at=opens_at,
        steps=tuple(steps), headings=tuple(headings), body_line=document.body_line,
    )


def _tags(value: Any, fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [t for t in re.split(r"[,\s]+", value) if t]
    if not isinstance(value, list) or any(isinstance(t, (dict, list)) for t in value):
        raise fail("tags", "must be a list like [events, video]")
    return tuple(str(t) for t in value)


def _outline(document: frontmatter.Document) -> tuple[list[Heading], list[Step]]:
    """Headings and task steps, skipping fenced code; each step keeps its indented detail.

    Raises:
        PlaybookError: more steps or headings than a checklist can sensibly hold.
    """
    first_line = document.body_line
    headings: list[Heading] = []
    steps: list[Step] = []
    section = ""
    in_fence = False
    lines = document.body.split("\n")
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            if len(headings) == MAX_HEADINGS:
                raise PlaybookError(f"{document.where}:{first_line + index}: more than {MAX_HEADINGS} "
                                    "headings; split the playbook")
            text = _heading_text(heading.group("text"))
            headings.append(Heading(len(heading.group("hashes")), text, first_line + index))
            if len(heading.group("hashes")) > 1:
                section = text
            continue
        task = _TASK.match(line)
        if not task:
            continue
        if len(steps) == MAX_STEPS:
            raise PlaybookError(f"{document.where}:{first_line + index}: more than {MAX_STEPS} "
                                "steps; split the playbook")
        indent = len(task.group("indent").expandtabs(4))
        detail, detail_lines = _detail(lines, index + 1, indent)
        text = task.group("text").rstrip()
        step_id = _step_id(section, text, seen)
        steps.append(Step(id=step_id, text=text, section=section, line=first_line + index, detail=detail,
                          span=1 + detail_lines))
    return headings, steps


def _heading_text(text: str) -> str:
    """The words of a heading, without a closing run of #s (as in `## Before ##`).

    Trimmed by hand: a regex that does it backtracks for ages on a long line of spaces."""
    return (text[0] + text[1:].rstrip(" \t").rstrip("#").rstrip(" \t")).strip()


def _detail(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """The text indented under a task, up to the next task or the outdent, and how many
    lines it took (blank ones included)."""
    collected: list[list[str]] = []
    taken = 0
    for line in lines[start:]:
        if not line.strip():
            collected.append([])
            taken += 1
            continue
        if len(line) - len(line.lstrip()) <= indent or _TASK.match(line) or _HEADING.match(line):
            break
        taken += 1
        line = line.strip()
        if collected and collected[-1] and not _LIST_ITEM.match(line):
            collected[-1].append(line)  # a hard-wrapped sentence reads as one line
        else:
            collected.append([line])
    return "\n".join(" ".join(words) for words in collected).strip(), taken


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".:;")


def _step_id(section: str, text: str, seen: set[str]) -> str:
    base = hashlib.sha1(f"{_normal(section)}\n{_normal(text)}".encode()).hexdigest()[:12]
    step_id, n = base, 1
    while step_id in seen:  # the same words twice in one section are still two steps
        n += 1
        step_id = f"{base}-{n}"
    seen.add(step_id)
    return step_id


def _apply_schedule(schedule: Any, steps: list[Step], fail) -> list[Step]:
    """Tie each schedule entry to the checklist step that starts with its words; an entry
    that names no step becomes a step of its own under "Schedule"."""
    if schedule is None:
        return steps
    if not isinstance(schedule, list):
        raise fail("schedule", "must be a list of `- at: -10m` / `step: ...` entries")
    steps = list(steps)
    extra: list[Step] = []
    seen = {s.id for s in steps}
    for number, entry in enumerate(schedule, start=1):
        if not isinstance(entry, dict) or "at" not in entry or not entry.get("step"):
            raise fail("schedule", f"entry {number} needs `at:` (e.g. -10m) and `step:`")
        try:
            offset = parse_offset(entry["at"])
        except ValueError as exc:
            raise fail("schedule", f"entry {number}: {exc}") from None
        wanted = _normal(str(entry["step"]))
        index = next((i for i, s in enumerate(steps) if _normal(s.text).startswith(wanted)), None)
        if index is not None:
            steps[index] = replace(steps[index], offset=offset)
        else:
            text = " ".join(str(entry["step"]).split())
            extra.append(Step(_step_id("Schedule", text, seen), text, "Schedule", 0, "", offset))
    return sorted(extra, key=lambda s: s.offset) + steps


# --- plain renderings (the CLI and tests) --------------------------------------------


def checklist_lines(playbook: Playbook, *, event_start: datetime | None = None,
                    ticked: Iterable[str] = ()) -> list[str]:
    """The steps as plain lines, grouped by section, with when each is due."""
    done = set(ticked)
    out: list[str] = []
    section = None
    for step in playbook.steps:
        if step.section != section:
            section = step.section
            if out:
                out.append("")
            if section:
                out.append(f"{section}")
        when = ""
        if step.offset is not None:
            due = step.due(event_start)
            when = f"  ({format_offset(step.offset)}" + (f", {due:%a %d %b %H:%M} UTC)" if due else ")")
        out.append(f"  [{'x' if step.id in done else ' '}] {step.text}{when}")
    return out


def checkbox_markdown(body: str) -> str:
    """Task lines drawn as boxes, for renderers that do not know task lists."""
    return re.sub(r"^([ \t]*[-*+][ \t]+)\[([ xX])\]", lambda m: m.group(1) + ("☑" if m.group(2) != " " else "☐"),
                  body, flags=re.MULTILINE)


Block = tuple[str, Any]
"""("heading", Heading) | ("text", markdown) | ("step", Step): a playbook in reading order."""


def blocks(playbook: Playbook) -> list[Block]:
    """The body cut into headings, prose and steps, so a viewer can make steps tickable
    and jump to a heading. Steps only the schedule names come first."""
    out: list[Block] = [("step", s) for s in playbook.steps if s.line == 0]
    by_line = {s.line - playbook.body_line: s for s in playbook.steps if s.line}
    headings = {h.line - playbook.body_line: h for h in playbook.headings}
    lines = playbook.body.split("\n")
    prose: list[str] = []

    def flush() -> None:
        text = "\n".join(prose).strip("\n")
        if text.strip():
            out.append(("text", text))
        prose.clear()

    index = 0
    while index < len(lines):
        if index in headings:
            flush()
            out.append(("heading", headings[index]))
            index += 1
        elif index in by_line:
            flush()
            out.append(("step", by_line[index]))
            index += by_line[index].span
        else:
            prose.append(lines[index])
            index += 1
    flush()
    return out
