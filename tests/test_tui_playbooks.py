"""The playbook panel and leak warnings in the TUI, driven by keys through Pilot."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from pathlib import Path

from rich.console import Console
from textual.widgets import TextArea

from inbox.config import parse
from inbox.tui.app import make_app
from inbox.tui.demo_app import FROZEN_NOW, make_demo_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList, format_row
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import Contents, PlaybookView, StepRow
from inbox.tui.widgets.preview import Preview
from tests.pilot_helpers import settle

TOKEN_TAIL = "2Ue7"


def _panel(app) -> PlaybookPanel:
    return app.screen.query_one(PlaybookPanel)


async def _filter(pilot, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


async def test_p_toggles_the_panel_with_every_playbook(tmp_path: Path) -> None:
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        panel = _panel(app)
        assert not panel.display or not app.screen.has_class("playbooks")
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.has_class("playbooks") and panel.region.width > 0
        options = panel.query_one(".pb-list")
        ids = {options.get_option_at_index(i).id for i in range(options.option_count)}
        assert {"office-hours", "demo-day", "livestream", "secret-leak"} <= ids
        assert app.focused is options
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.has_class("playbooks")
        assert isinstance(app.focused, ItemList)
    app.store.close()


async def test_ticks_are_saved_in_todays_run_and_untick(tmp_path: Path) -> None:
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        _panel(app).open("demo-day")
        await settle(pilot)
        view = app.screen.query_one(PlaybookView)
        rows = list(view.query(StepRow))
        assert app.focused is rows[0]
        await pilot.press("space", "j", "space")
        await settle(pilot)
        [run] = app.store.runs.list("demo-day")
        assert run.run_date == FROZEN_NOW.date()
        assert set(run.ticks) == {rows[0].step.id, rows[1].step.id}
        assert rows[0].ticked and rows[1].ticked and not rows[2].ticked
        await pilot.press("space")  # the second step again: unticked
        await settle(pilot)
        assert set(app.store.runs.list("demo-day")[0].ticks) == {rows[0].step.id}
        await pilot.press("escape")  # back to the list of playbooks
        await settle(pilot)
        assert not app.screen.query(PlaybookView)
        assert app.screen.has_class("playbooks")
    app.store.close()


async def test_a_run_with_an_event_time_shows_due_and_overdue_steps(tmp_path: Path) -> None:
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        _panel(app).open("livestream")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"2026-11-18 15:35", "enter")  # starts 5 minutes after "now"
        await settle(pilot)
        [run] = app.store.runs.list("livestream")
        assert run.run_date == date(2026, 11, 18)
        assert run.event_start == datetime(2026, 11, 18, 15, 35, tzinfo=timezone.utc)
        rows = {row.step.text: row for row in app.screen.query(StepRow)}
        auth = next(r for t, r in rows.items() if t.startswith("Start the YouTube auth flow"))
        go_live = next(r for t, r in rows.items() if t.startswith("Press Go Live"))
        assert auth.overdue and "due Wed 18 Nov 15:25" in auth.due_note  # 10 minutes before
        assert not go_live.overdue and "15:35" in go_live.due_note
        await pilot.press("n", "ctrl+u", *"next tuesday", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # a bad date is said, not swallowed
        await pilot.press("escape")
    app.store.close()


async def test_a_leaked_secret_is_flagged_masked_and_offers_the_leak_playbook(tmp_path: Path) -> None:
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _filter(pilot, "is:leak")
        row = app.screen.query_one(ItemList).highlighted
        assert row is not None and "GitHub Actions deploy" in row["title"]
        assert format_row(row, 100, FROZEN_NOW).plain.startswith("⚠")
        preview = app.screen.query_one(Preview)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(preview.query_one("#preview-body").content)
        shown = console.export_text()
        assert f"ghp_…{TOKEN_TAIL}" in shown and "R7kQ2mX9" not in shown
        assert "Playbook for this post: Secret leak response" in shown
        await pilot.press("p")
        await settle(pilot)
        panel = _panel(app)
        assert panel.offered[0] == "secret-leak"
        assert app.screen.query_one(PlaybookView).playbook.name == "secret-leak"
        await pilot.press("escape")  # back to the list: the leak playbook is offered first
        await settle(pilot)
        options = panel.query_one(".pb-list")
        assert options.get_option_at_index(0).id == "secret-leak" and options.highlighted == 0
    app.store.close()


async def test_p_on_a_leaked_post_opens_the_part_about_posts_and_enter_ticks(tmp_path: Path) -> None:
    """The routine for a leaked post: `p` is at the first step for a post (not at Part A,
    the livestream), `enter` ticks it, `r` has the secret-leak reply written."""
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _filter(pilot, "is:leak")
        await pilot.press("p")
        await settle(pilot)
        view = app.screen.query_one(PlaybookView)
        assert (view.playbook.name, view.start) == ("secret-leak", "part-b-in-a-post")
        for_posts = [step for step in view.playbook.steps if step.section == "Part B: in a post"]
        first = app.focused
        assert isinstance(first, StepRow) and first.step == for_posts[0]
        headings = {str(w.render()): w.virtual_region.y for w in view.query(".pb-heading")}
        top, height = view.scroll_offset.y, view.scrollable_content_region.height
        assert headings["Part A: on a livestream"] < top  # scrolled past the livestream
        assert top <= headings["Part B: in a post"] < top + height  # the part for posts on screen
        assert top <= first.virtual_region.y < top + height
        await pilot.press("enter")
        await settle(pilot)
        [run] = app.store.runs.list("secret-leak")
        assert set(run.ticks) == {for_posts[0].id}
        assert app.focused is first and first.ticked and app.screen.has_class("playbooks")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen) and app.screen.template_name == "secret-leak"
        text = app.screen.query_one(TextArea).text
        assert "rotate or revoke that credential" in text and "We have edited the post" in text
    app.store.close()


async def test_the_contents_are_reached_by_keys_and_enter_goes_to_the_part(tmp_path: Path) -> None:
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        _panel(app).open("secret-leak")
        await settle(pilot)
        view = app.screen.query_one(PlaybookView)
        contents = view.query_one(Contents)
        steps = list(view.query(StepRow))
        assert app.focused is steps[0]
        await pilot.press("k")  # up from the first step
        await settle(pilot)
        assert app.focused is contents
        await pilot.press("escape")
        await settle(pilot)
        _panel(app).open("secret-leak")
        await settle(pilot)
        await pilot.press("c")  # from any step
        await settle(pilot)
        contents = app.screen.query_one(Contents)
        assert app.focused is contents
        await pilot.press("j", "j", "j", "j", "enter")  # Part B: in a post
        await settle(pilot)
        view = app.screen.query_one(PlaybookView)
        assert isinstance(app.focused, StepRow) and app.focused.step.section == "Part B: in a post"
        assert app.focused.step == next(s for s in view.playbook.steps if s.section == "Part B: in a post")
    app.store.close()


async def test_a_broken_user_playbook_is_a_warning_and_the_rest_load(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "broken.md").write_text("---\ntitle: [oops\n---\n- [ ] x\n", encoding="utf-8")
    (folder / "office-hours.md").write_text(
        "---\ntitle: Our office hours\nsummary: Ours.\n---\n- [ ] Open the room\n", encoding="utf-8")
    config = parse({"playbooks": {"paths": [str(folder)]}})
    from inbox.store import Store

    store = Store(tmp_path / "inbox.db")
    app = make_app(config, store, now=lambda: FROZEN_NOW)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("broken.md:2" in m and "Playbook skipped" in m for m in messages), messages
        await pilot.press("p")
        await settle(pilot)
        panel = _panel(app)
        assert panel.library.get("office-hours").title == "Our office hours"
        assert "demo-day" in panel.library.playbooks
    store.close()
