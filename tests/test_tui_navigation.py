"""Moving between views and lists by keys: j/k in the sidebar and every other list, `h`
then a digit for the first nine views, and the command palette opening a view, a
playbook or a reply template by name, each with its key."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from textual import events
from textual.command import CommandPalette

from inbox.config import parse
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.demo_app import make_demo_app
from inbox.tui.palette import commands
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.screens.help import HelpScreen
from inbox.tui.screens.people import PeopleScreen
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import PlaybookView
from inbox.tui.widgets.sidebar import Sidebar
from tests.pilot_helpers import numbered_posts, settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
TYPES = ("bug", "feature", "question", None)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", numbered_posts(12, NOW))
    for n in range(1, 13):  # three of each type, so each type's view differs from the Inbox
        if TYPES[n % 4]:
            store.set_triage([f"server:{n}"], {"type": TYPES[n % 4]}, now=NOW, by="test")
    yield store
    store.close()


def _app(store: Store, **config):
    return make_app(parse({"team": {"me": "ana"}, **config}), store, now=lambda: NOW)


def _screen(app):
    return app.screen


def _sidebar(app) -> Sidebar:
    return app.screen.query_one(Sidebar)


def _names(app) -> list[str]:
    return [view.name for view in _sidebar(app).views]


async def test_h_reaches_the_sidebar_where_j_and_k_move_through_the_views(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert app.focused is items
        await pilot.press("h")
        assert app.focused is _sidebar(app)
        await pilot.press("j", "j")
        await settle(pilot)
        assert _sidebar(app).highlighted == 2
        assert app.screen.view.name == _names(app)[2]
        await pilot.press("k")
        await settle(pilot)
        assert app.screen.view.name == _names(app)[1]
        await pilot.press("G")
        await settle(pilot)
        assert app.screen.view.name == _names(app)[-1]
        await pilot.press("g", "l")
        await settle(pilot)
        assert app.screen.view.name == _names(app)[0]
        assert app.focused is items
        await pilot.press("left")  # the arrow reaches it too, and enter goes back
        assert app.focused is _sidebar(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is items


async def test_h_then_a_digit_opens_that_view_and_the_list_has_the_keys_after_it(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        bugs = _names(app).index("Bugs")
        assert bugs < 9
        everything = [f"server:{n}" for n in range(1, 13)]
        before = store.triage_rows(everything)
        # As a terminal delivers a fast typist's keys: in one burst, no pause between.
        for key in ("h", str(bugs + 1), "j"):
            event = events.Key(key, key)
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert app.screen.view.name == "Bugs"
        assert items.total == 3 and items.cursor == 1  # `j` moved the list, not the sidebar
        assert app.focused is items
        assert store.triage_rows(everything) == before, "the digit opened a view; it tagged nothing"
        await pilot.press("h", "1")
        await settle(pilot)
        assert app.screen.view.name == "Inbox" and items.total == 12


async def test_the_sidebar_shows_each_views_digit_while_it_has_the_focus(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        first = lambda: str(_sidebar(app).get_option_at_index(0).prompt)  # noqa: E731
        tenth = lambda: str(_sidebar(app).get_option_at_index(9).prompt)  # noqa: E731
        assert first().startswith("Inbox")
        await pilot.press("h")
        await pilot.pause()
        assert first().startswith("1 Inbox") and not tenth()[0].isdigit()
        await pilot.press("escape")
        await pilot.pause()
        assert first().startswith("Inbox")


async def test_view_keys_are_remapped_from_the_config(store):
    app = _app(store, keys={"views": "b", "view_2": "w"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b", "w")
        await settle(pilot)
        assert app.screen.view.name == _names(app)[1]
        keys = {command.title: command.keys for command in commands(app.screen)}
        assert keys["Views"] == "b" and keys[f"View: {_names(app)[1]}"] == "b w"
        assert keys[f"View: {_names(app)[0]}"] == "b 1"


async def test_the_palette_shows_each_commands_key(store):
    app = _app(store, keys={"done": "d"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        keys = {command.title: command.keys for command in commands(app.screen)}
        assert keys["Done"] == "d" and keys["Bug"] == "3" and keys["Filter"] == "/"
        assert keys["Mark"] == "space / v" and keys["Views"] == "h / left"
        assert keys[f"View: {_names(app)[8]}"] == "h 9" and keys[f"View: {_names(app)[9]}"] == ""


async def _palette(pilot, text: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*text)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_palette_opens_a_view_by_name(store):
    app = _app(store, views=[{"name": "Quarantine", "query": "type:question"}])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await _palette(pilot, "View: Quarantine")
        screen = app.screen
        assert screen.view.name == "Quarantine"
        assert screen.query_one(ItemList).total == 3
        assert _sidebar(app).highlighted == _names(app).index("Quarantine")
        assert app.focused is screen.query_one(ItemList)


async def test_the_palette_opens_a_playbook_and_a_reply_template_by_name(tmp_path):
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _palette(pilot, "Playbook: Office hours")
        panel = app.screen.query_one(PlaybookPanel)
        assert app.screen.has_class("playbooks")
        assert panel.view is not None and panel.view.playbook.name == "office-hours"
        assert isinstance(panel.view, PlaybookView)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await _palette(pilot, "Reply with: Move to the ideas board")
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.template_name == "move-to-ideas"
    app.store.close()


async def test_j_and_k_move_in_the_playbook_list_and_the_people(tmp_path):
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        playbooks = app.screen.query_one(".pb-list")
        assert app.focused is playbooks and playbooks.highlighted == 0
        await pilot.press("j", "j", "k")
        assert playbooks.highlighted == 1
        await pilot.press("G")
        assert playbooks.highlighted == playbooks.option_count - 1
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, PeopleScreen)
        table = app.screen.query_one("#people-table")
        await pilot.press("j", "j", "j", "k")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
    app.store.close()


async def test_j_and_k_scroll_the_help(store):
    app = _app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        assert box.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
        await pilot.press("G")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("k")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y - 1
