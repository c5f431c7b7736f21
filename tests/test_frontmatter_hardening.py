"""Hostile playbooks and templates: YAML alias bombs, deep nesting, impossible dates,
overflowing durations, bytes that are not text. Each is refused quickly in one line
naming the file and line, and every other file in the folder still loads, in the
loaders, the CLI and the TUI."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual.widgets import OptionList

from inbox.config import parse
from inbox.models import Item
from inbox.playbooks import PlaybookError, load_library, parse_offset, parse_playbook
from inbox.playbooks.frontmatter import FrontMatterError
from inbox.respond.templates import load_templates, parse_template
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import PlaybookView
from tests.cli_helpers import run
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
GOOD_PLAYBOOK = "---\ntitle: Good one\nsummary: Still loads.\n---\n- [ ] Open the room\n"
GOOD_TEMPLATE = "---\ntitle: Good one\n---\nHi {author}, thanks.\n"


def front(*lines: str, body: str = "- [ ] Open the room\n") -> str:
    return "---\ntitle: T\nsummary: S\n" + "".join(f"{line}\n" for line in lines) + "---\n" + body


def alias_bomb(layers: int = 6) -> str:
    """Each layer lists the one before ten times: tiny in the file, 10**layers when expanded."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, layers)]
    return front(*lines, "schedule:", "  - at: -1d", f"    step: *l{layers - 1}")


DEEP = front("x: " + "[" * 5000 + "]" * 5000)
BAD_DATE = front("event: launch", "when: 2026-13-45")
OVERFLOW = front("schedule:", "  - at: -99999999999d", "    step: Open the room")

# (the file's text, the line the warning must name, words it must say)
BROKEN_PLAYBOOKS = {
    "alias-bomb": (alias_bomb(), 4, "aliases"),
    "deep": (DEEP, 4, "nested"),
    "bad-date": (BAD_DATE, 5, "2026-13-45"),
    "overflow": (OVERFLOW, 4, "more than a year"),
    "huge-number": (front("owner: 0x" + "f" * 5000), 4, "too large"),
    "not-utf8": (front("owner: caf\udcc3"), 4, "not UTF-8"),
    "control": (front("owner: a\x01b"), 4, "control character"),
    "lone-surrogate": (front('owner: "\\ud800"'), 4, "lone surrogate"),
    # more terms than SQLite compiles: the TUI asks the store for each post it shows
    "long-triggers": (front("triggers: '" + "a OR " * 600 + "b'"), 4, "more than 200 terms"),
}
BROKEN_TEMPLATES = {
    "alias-bomb": ("---\ntitle: &t Hello\nkinds: [*t]\n---\nHi\n", 2, "aliases"),
    "deep": ("---\ntitle: T\nlinks: " + "{a: " * 3000 + "\n---\nHi\n", 3, "nested"),
    "bad-date": ("---\ntitle: T\nupdated: 2026-02-30\n---\nHi\n", 3, "2026-02-30"),
    "huge-number": ("---\ntitle: 1" + ":59" * 3000 + "\n---\nHi\n", 2, "too large"),
    "not-utf8": ("---\ntitle: T\n---\nHi \udcff\n", 4, "not UTF-8"),
}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


def assert_one_warning(warnings: list[str], path: Path, line: int, words: str) -> None:
    [warning] = warnings
    assert warning.startswith(f"{path}:{line}: "), warning
    assert words in warning and "\n" not in warning and len(warning) < 300, warning


# --- the loaders ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BROKEN_PLAYBOOKS))
def test_a_broken_playbook_is_one_warning_with_its_line_and_the_others_load(tmp_path: Path, name: str) -> None:
    text, line, words = BROKEN_PLAYBOOKS[name]
    broken = write(tmp_path, name, text)
    write(tmp_path, "good", GOOD_PLAYBOOK)
    started = time.perf_counter()
    library = load_library([tmp_path], bundled=False)
    assert time.perf_counter() - started < 1
    assert list(library.playbooks) == ["good"]
    assert_one_warning(library.warnings, broken, line, words)


@pytest.mark.parametrize("name", list(BROKEN_TEMPLATES))
def test_a_broken_template_is_one_warning_with_its_line_and_the_others_load(tmp_path: Path, name: str) -> None:
    text, line, words = BROKEN_TEMPLATES[name]
    broken = write(tmp_path, name, text)
    write(tmp_path, "good", GOOD_TEMPLATE)
    started = time.perf_counter()
    library = load_templates([tmp_path], bundled=False)
    assert time.perf_counter() - started < 1
    assert list(library.templates) == ["good"]
    assert_one_warning(library.warnings, broken, line, words)


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    started = time.perf_counter()
    with pytest.raises(PlaybookError, match=r"^bomb\.md:4: front matter: anchors and aliases"):
        parse_playbook(alias_bomb(layers=7), name="bomb.md")  # 10**7 strings if expanded
    assert time.perf_counter() - started < 0.5


def test_deep_nesting_is_a_clear_error_not_a_recursion_error() -> None:
    for parse_file in (parse_playbook, parse_template):
        with pytest.raises(FrontMatterError, match=r"^deep\.md:4: front matter: nested more than \d+ levels"):
            parse_file(DEEP, name="deep.md")


def test_durations_are_range_checked_so_due_times_cannot_overflow() -> None:
    assert parse_offset("-52w") == timedelta(weeks=-52)
    for text in ("-99999999999d", "+367d", "9" * 5000 + "m"):
        with pytest.raises(ValueError, match="more than a year"):
            parse_offset(text)
    playbook = parse_playbook(front("schedule:", "  - at: +1d", "    step: Open the room"), name="edge")
    [step] = playbook.steps
    assert step.due(datetime(9999, 12, 31, 12, 0)) is None  # past the calendar: no due time
    assert step.due(datetime(2026, 1, 1)) == datetime(2026, 1, 2)


def test_a_file_too_large_to_be_a_playbook_is_refused_unread(tmp_path: Path) -> None:
    broken = write(tmp_path, "huge", front(body="x" * 1024 * 1024))
    write(tmp_path, "good", GOOD_PLAYBOOK)
    library = load_library([tmp_path], bundled=False)
    assert list(library.playbooks) == ["good"]
    assert_one_warning(library.warnings, broken, 1, "larger than")


def test_long_lines_and_many_steps_load_quickly(tmp_path: Path) -> None:
    """Headings and task lines are read without regex backtracking, and a checklist
    has a ceiling, so no line or repetition makes loading slow."""
    spaces = front(body="# a" + " " * 3000 + "b\n- [ ] a" + " " * 20000 + "b\n")
    started = time.perf_counter()
    playbook = parse_playbook(spaces, name="spaces")
    assert [h.text for h in playbook.headings] == ["a" + " " * 3000 + "b"]
    assert [s.text for s in playbook.steps] == ["a" + " " * 20000 + "b"]
    with pytest.raises(PlaybookError, match=r"^many:\d+: more than \d+ steps; split the playbook"):
        parse_playbook(front(body="- [ ] same\n" * 5000), name="many")
    assert time.perf_counter() - started < 1


# --- the CLI -------------------------------------------------------------------------



def test_cli_playbook_lists_the_good_ones_and_warns_once(capsys, tmp_path: Path) -> None:
    team = tmp_path / "team"
    broken = write(team, "broken", BAD_DATE)
    write(team, "ours", GOOD_PLAYBOOK)
    config = tmp_path / "config.toml"
    config.write_text('[playbooks]\npaths = ["team"]\n')
    code, out, err = run(capsys, "--config", config, "playbook")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert "ours" in names and "office-hours" in names and "broken" not in names
    [warning] = err.splitlines()
    assert warning.startswith(f"inbox: warning: {broken}:5: front matter: '2026-13-45' is not a valid date")
    code, out, err = run(capsys, "--config", config, "playbook", "ours", "--checklist")
    assert code == 0 and out.splitlines() == ["Good one", "  [ ] Open the room"]


def test_cli_templates_lists_the_good_ones_and_warns_once(capsys, tmp_path: Path) -> None:
    team = tmp_path / "team"
    broken = write(team, "broken", BROKEN_TEMPLATES["deep"][0])
    write(team, "ours", GOOD_TEMPLATE)
    config = tmp_path / "config.toml"
    config.write_text('[templates]\npaths = ["team"]\n')
    code, out, err = run(capsys, "--config", config, "templates")
    assert code == 0
    assert "ours" in out and "move-to-forum" in out and "broken" not in out
    [warning] = err.splitlines()
    assert warning.startswith(f"inbox: warning: {broken}:3: front matter: nested more than")


def test_cli_shows_a_schedule_for_an_event_at_the_end_of_the_calendar(capsys) -> None:
    code, out, err = run(capsys, "playbook", "livestream", "--checklist", "--at", "9999-12-31 23:59")
    assert code == 0 and err == ""
    assert "Start the YouTube auth flow" in out


# --- the TUI -------------------------------------------------------------------------


async def test_tui_playbook_panel_opens_with_broken_files_beside_good_ones(tmp_path: Path) -> None:
    team = tmp_path / "team"
    for name in ("bad-date", "overflow", "deep"):
        write(team, name, BROKEN_PLAYBOOKS[name][0])
    write(team, "ours", GOOD_PLAYBOOK)
    store = Store(tmp_path / "inbox.db")
    app = make_app(parse({"playbooks": {"paths": [str(team)]}}), store, now=lambda: NOW)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        skipped = [n.message for n in app._notifications if "Playbook skipped" in n.message]
        assert len(skipped) == 3
        assert any(f"{team / 'overflow.md'}:4:" in m for m in skipped), skipped
        await pilot.press("p")
        await settle(pilot)
        options = app.screen.query_one(PlaybookPanel).query_one(".pb-list", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "ours" in ids and "office-hours" in ids and "overflow" not in ids
        options.highlighted = ids.index("ours")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(PlaybookView).playbook.title == "Good one"
    store.close()


async def test_tui_compose_picker_offers_the_good_templates_beside_a_broken_one(tmp_path: Path) -> None:
    team = tmp_path / "team"
    write(team, "broken", BROKEN_TEMPLATES["bad-date"][0])
    write(team, "ours", GOOD_TEMPLATE)
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(
        source="server", kind="github", external_id="7", url="https://github.com/o/r/issues/7",
        title="Sync stalls", body="It stalls.", author="wren", author_is_staff=False,
        created_at=NOW - timedelta(days=1), last_activity_at=NOW - timedelta(hours=2))])
    config = parse({"templates": {"paths": [str(team)]},
                    "sources": [{"name": "server", "kind": "github", "repo": "o/r", "token_env": "NO_TOKEN"}]})
    app = make_app(config, store, now=lambda: NOW)
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        assert any(f"{team / 'broken.md'}:3:" in n.message for n in app._notifications)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        options = app.screen.query_one("#compose-templates", OptionList)
        ids = {options.get_option_at_index(i).id for i in range(options.option_count)}
        assert "ours" in ids and "move-to-forum" in ids and "broken" not in ids
    store.close()
