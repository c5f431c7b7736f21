"""Playbooks: the bundled set, user folders that override, broken files, schedule maths,
checklists, triggers and ticked runs."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from inbox.errors import UsageError
from inbox.models import Item
from inbox.playbooks import (
    PlaybookError,
    blocks,
    bundled_folder,
    checklist_lines,
    describe_offset,
    format_offset,
    load_library,
    parse_offset,
    parse_playbook,
)
from inbox.store import Store

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
REQUIRED = {"office-hours", "demo-day", "livestream", "secret-leak", "community-monitoring",
            "help-wanted-sweep", "feature-release"}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


SMALL = """
---
title: Release party
summary: Celebrate a release with the community.
event: release
tags: [events]
owner: community-manager
schedule:
  - at: -2d
    step: Announce the party
  - at: +1h
    step: Share the recording
  - at: -30m
    step: Test the microphone
triggers: 'label:party'
---

# Release party

Some words.

## Before

- [ ] Announce the party on the forum (two days before)
  With the date and the link.
- [ ] Book a room

## After

- [ ] Share the recording
- [x] Thank everyone
"""


# --- the bundled set --------------------------------------------------------------------


def test_every_required_playbook_is_bundled_and_loads_cleanly() -> None:
    library = load_library()
    assert library.warnings == []
    assert REQUIRED <= set(library.playbooks)
    for playbook in library:
        assert playbook.title and playbook.summary and playbook.owner and playbook.event
        assert playbook.steps, f"{playbook.name} has no checklist"
        assert len(playbook.summary) < 100


def test_bundled_schedules_all_attach_to_a_checklist_step() -> None:
    """A schedule entry that names no step would show up as a stray step of its own."""
    for playbook in load_library():
        assert all(step.line > 0 for step in playbook.steps), playbook.name


@pytest.mark.parametrize("name", sorted(REQUIRED & {"office-hours", "demo-day", "livestream"}))
def test_event_playbooks_have_a_schedule(name: str) -> None:
    assert load_library().get(name).scheduled


def test_secret_leak_playbook_is_offered_for_leaks_and_covers_posts_and_streams() -> None:
    playbook = load_library().get("secret-leak")
    assert playbook.triggers == "is:leak"
    words = " ".join(step.text.lower() for step in playbook.steps)
    for must in ("rotate", "private", "public", "record"):
        assert must in words, must
    # a post opens it at the part for posts, not at the livestream
    assert playbook.opens_at == "part-b-in-a-post"
    start = next(h for h in playbook.headings if h.anchor == playbook.opens_at)
    first = next(step for step in playbook.steps if step.line > start.line)
    assert start.text == "Part B: in a post" and first.section == start.text


def test_opens_at_names_a_heading_by_its_anchor() -> None:
    text = "---\ntitle: x\nsummary: y\nopens_at: '#After: the day!'\n---\n## Before\n## After: the day!\n"
    assert parse_playbook(text, name="x").opens_at == "after-the-day"
    assert parse_playbook(text.replace("opens_at: '#After: the day!'", "opens_at: after-the-day"),
                          name="x").opens_at == "after-the-day"


def test_demo_day_keeps_the_display_sizes() -> None:
    text = load_library().get("demo-day").body
    assert "20px" in text and "125%" in text


def test_bundled_folder_is_inside_the_installed_package() -> None:
    assert (bundled_folder() / "office-hours.md").is_file()


# --- user folders -------------------------------------------------------------------------


def test_user_folder_adds_and_overrides_later_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "team", tmp_path / "mine"
    write(first, "office-hours", SMALL.replace("Release party", "Team office hours"))
    write(first, "release-party", SMALL)
    write(second, "office-hours", SMALL.replace("Release party", "My office hours"))
    library = load_library([first, second])
    assert library.get("office-hours").title == "My office hours"
    assert library.get("release-party").title == "Release party"
    assert library.get("demo-day").path.parent == bundled_folder()


def test_broken_front_matter_names_file_and_line_and_the_rest_still_load(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    broken = write(folder, "broken", """
        ---
        title: Broken
        summary: this line is fine
        tags: [unclosed
        owner: x
        ---
        - [ ] step
        """)
    write(folder, "fine", SMALL)
    library = load_library([folder])
    assert "fine" in library.playbooks and "broken" not in library.playbooks
    assert REQUIRED <= set(library.playbooks)
    [warning] = library.warnings
    line = warning.split(":")[1]
    assert warning.startswith(f"{broken}:") and line.isdigit()
    try:
        yaml.safe_load("title: Broken\nsummary: this line is fine\ntags: [unclosed\nowner: x\n")
    except yaml.MarkedYAMLError as exc:
        assert int(line) == exc.problem_mark.line + 2  # + the opening --- line
    assert "\n" not in warning


@pytest.mark.parametrize(("text", "message"), [
    ("# no front matter\n- [ ] step\n", ":1: no front matter"),
    ("---\ntitle: x\nsummary: y\n", "never closed"),
    ("---\nsummary: y\n---\n", ":1: title: missing"),
    ("---\ntitle: x\nsummary: y\nschedule:\n  - at: soon\n    step: a\n---\n- [ ] a\n", ":4: schedule: entry 1: bad offset"),
    ("---\ntitle: x\nsummary: y\ntriggers: 'colour:red'\n---\n", ":4: triggers: unknown field"),
    ("---\ntitle: x\nsummary: y\nopens_at: during\n---\n## Before\n## After\n",
     ":4: opens_at: no heading 'during' (headings: before, after)"),
    ("---\n- a list\n---\n", ":2: front matter must be key: value"),
    ("---\ntitle: [a, b]\nsummary: y\n---\n", ":2: title: must be text"),
])
def test_bad_files_are_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(PlaybookError) as raised:
        parse_playbook(text, name="x", path=Path("team/x.md"))
    assert message in str(raised.value)
    assert str(raised.value).startswith("team/x.md:")


def test_missing_user_folder_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    library = load_library([tmp_path / "nowhere"])
    assert REQUIRED <= set(library.playbooks)
    assert library.warnings == [f"{tmp_path / 'nowhere'}: playbook folder not found"]


def test_unknown_name_suggests_the_closest() -> None:
    library = load_library()
    with pytest.raises(UsageError, match="did you mean office-hours"):
        library.get("office-hour")
    with pytest.raises(UsageError, match="known: "):
        library.get("zzzzzz")
    assert library.get("Office Hours").name == "office-hours"  # by title too


# --- checklist and schedule ------------------------------------------------------------


def test_checklist_steps_sections_details_and_schedule() -> None:
    playbook = parse_playbook(textwrap.dedent(SMALL).lstrip(), name="release-party")
    texts = [s.text for s in playbook.steps]
    assert texts == ["Test the microphone", "Announce the party on the forum (two days before)",
                     "Book a room", "Share the recording", "Thank everyone"]
    announce = playbook.steps[1]
    assert announce.section == "Before" and announce.detail == "With the date and the link."
    assert announce.offset == timedelta(days=-2)
    assert playbook.steps[0].section == "Schedule" and playbook.steps[0].line == 0
    assert [s.text for s in playbook.scheduled] == ["Announce the party on the forum (two days before)",
                                                    "Test the microphone", "Share the recording"]
    assert playbook.triggers == "label:party"
    assert [h.text for h in playbook.headings] == ["Release party", "Before", "After"]


def test_step_ids_survive_edits_elsewhere_in_the_file() -> None:
    original = parse_playbook(textwrap.dedent(SMALL).lstrip(), name="p")
    edited = parse_playbook(textwrap.dedent(SMALL).lstrip().replace("Some words.", "Other\n\nwords."), name="p")
    assert [s.id for s in original.steps] == [s.id for s in edited.steps]
    assert len({s.id for s in original.steps}) == len(original.steps)


def test_task_lines_in_code_fences_are_not_steps() -> None:
    text = "---\ntitle: t\nsummary: s\n---\n```\n- [ ] not a step\n```\n- [ ] a step\n"
    assert [s.text for s in parse_playbook(text, name="t").steps] == ["a step"]


@pytest.mark.parametrize(("text", "delta"), [
    ("-10m", timedelta(minutes=-10)), ("-7d", timedelta(days=-7)), ("+1d", timedelta(days=1)),
    ("2h", timedelta(hours=2)), ("-1w", timedelta(weeks=-1)), ("0m", timedelta(0)), (0, timedelta(0)),
])
def test_parse_offset(text: object, delta: timedelta) -> None:
    assert parse_offset(text) == delta


@pytest.mark.parametrize("text", ["soon", "-10", "10x", "", "--1d", None, 5])
def test_parse_offset_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_offset(text)


def test_describe_and_format_offsets() -> None:
    assert describe_offset(timedelta(minutes=-10)) == "10 minutes before the start"
    assert describe_offset(timedelta(days=1)) == "1 day after the start"
    assert describe_offset(timedelta(weeks=-2)) == "2 weeks before the start"
    assert describe_offset(timedelta(0)) == "at the start"
    assert format_offset(timedelta(minutes=-90)) == "-90m"
    assert format_offset(timedelta(days=7)) == "+1w"


def test_due_times_and_overdue() -> None:
    playbook = load_library().get("livestream")
    start = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    auth = next(s for s in playbook.scheduled if s.offset == timedelta(minutes=-10))
    assert auth.due(start) == datetime(2026, 11, 25, 16, 50, tzinfo=timezone.utc)
    assert auth.due(None) is None
    just_after = datetime(2026, 11, 25, 16, 51, tzinfo=timezone.utc)
    assert auth.is_overdue(start, just_after, ticked=False)
    assert not auth.is_overdue(start, just_after, ticked=True)
    assert not auth.is_overdue(start, datetime(2026, 11, 25, 16, 49, tzinfo=timezone.utc), ticked=False)


def test_checklist_lines_show_offsets_due_times_and_ticks() -> None:
    playbook = parse_playbook(textwrap.dedent(SMALL).lstrip(), name="p")
    start = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    lines = checklist_lines(playbook, event_start=start, ticked=[playbook.steps[2].id])
    assert "  [ ] Announce the party on the forum (two days before)  (-2d, Mon 23 Nov 17:00 UTC)" in lines
    assert "  [x] Book a room" in lines
    assert "Before" in lines and "After" in lines


def test_blocks_keep_reading_order_and_every_step_once() -> None:
    playbook = parse_playbook(textwrap.dedent(SMALL).lstrip(), name="p")
    kinds = [kind for kind, _ in blocks(playbook)]
    assert kinds == ["step", "heading", "text", "heading", "step", "step", "heading", "step", "step"]
    steps = [value for kind, value in blocks(playbook) if kind == "step"]
    assert steps == list(playbook.steps)
    assert all("With the date" not in value for kind, value in blocks(playbook) if kind == "text")


# --- triggers ---------------------------------------------------------------------------


def _item(external_id: str, title: str, body: str, labels: list[str]) -> Item:
    return Item(source="forum", kind="discourse", external_id=external_id, url=f"https://f.example/t/{external_id}",
                title=title, body=body, author="pat", author_is_staff=False, created_at=NOW - timedelta(days=3),
                last_activity_at=NOW - timedelta(days=3), replies=0, last_reply_by_staff=None,
                answered=False, state="open", labels=labels)


def test_triggers_match_posts(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    leaked = "ghp_" + "Zq8LmN2xT5vB7kR9wE3yU6iO1pA4sD0fG2hJ"
    store.save_page("forum", [
        _item("1", "Party next week?", "when is it", ["party"]),
        _item("2", "My CI fails", f"my config: token = {leaked}", []),
        _item("3", "Plain question", "nothing special", []),
    ])
    library = load_library()
    triggers = {p.name: p.triggers for p in library if p.triggers}
    offered = {key: sorted(n for n, q in triggers.items() if store.matches(key, q, now=NOW))
               for key in ("forum:1", "forum:2", "forum:3")}
    assert "secret-leak" in offered["forum:2"]
    assert "secret-leak" not in offered["forum:1"] + offered["forum:3"]
    assert "help-wanted-sweep" in offered["forum:3"]  # open, no replies, three days old
    store.close()


# --- runs -------------------------------------------------------------------------------


def test_runs_keep_ticks_per_date_and_past_runs_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    store = Store(path)
    playbook = load_library().get("office-hours")
    first, second = playbook.steps[0], playbook.steps[1]
    start = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    last_week = store.runs.start("office-hours", date(2026, 11, 18), now=NOW)
    this_week = store.runs.start("office-hours", date(2026, 11, 25), now=NOW, event_start=start)
    store.runs.tick(last_week.id, first.id, first.text, ticked=True, now=NOW)
    store.runs.tick(this_week.id, second.id, second.text, ticked=True, now=NOW)
    store.runs.tick(this_week.id, first.id, first.text, ticked=True, now=NOW)
    store.runs.tick(this_week.id, first.id, first.text, ticked=False, now=NOW)
    store.close()

    store = Store(path)  # ticks survive closing the app
    runs = store.runs.list("office-hours")
    assert [r.run_date for r in runs] == [date(2026, 11, 25), date(2026, 11, 18)]
    assert set(runs[0].ticks) == {second.id} and runs[0].event_start == start
    assert set(runs[1].ticks) == {first.id}
    assert runs[1].ticks[first.id].step_text == first.text  # readable even if the file changes
    again = store.runs.start("office-hours", date(2026, 11, 25), now=NOW)
    assert again.id == runs[0].id and again.event_start == start  # same run, time kept
    assert store.runs.list("demo-day") == []
    store.close()

