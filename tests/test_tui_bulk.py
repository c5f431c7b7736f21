"""Bulk triage in the TUI: `space` marks posts, a triage key acts on every marked post in
one write (each in the history), `u` undoes it as one step, and the cursor moves on after
tagging or done unless `[tui] auto_advance = false`."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from inbox.config import parse
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.sidebar import Sidebar
from tests.pilot_helpers import numbered_posts, settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
KEYS = [f"server:{n}" for n in range(1, 31)]
"""In list order: the newest activity first."""


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", numbered_posts(30, NOW))
    yield store
    store.close()


def _app(store: Store, **config):
    return make_app(parse({"team": {"me": "ana", "staff": ["lee"]}, **config}), store, now=lambda: NOW)


def _list(app) -> ItemList:
    return app.screen.query_one(ItemList)


def _header(app) -> str:
    return shown(app.screen.query_one("#list-header"))


def _toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_ten_marked_posts_are_tagged_in_one_action_and_undone_in_one_step(store, monkeypatch):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        writes = []
        triage = app.workspace.triage
        monkeypatch.setattr(app.workspace, "triage", lambda keys, changes: writes.append(list(keys)) or
                            triage(keys, changes))
        await pilot.press(*["space"] * 10)
        await settle(pilot)
        assert _list(app).marked == set(KEYS[:10])
        assert _list(app).cursor == 10  # each mark moved on to the next post
        assert "10 marked" in _header(app)
        assert str(_list(app).render_line(0).text).startswith("◆")
        assert not str(_list(app).render_line(10).text).startswith("◆")

        await pilot.press("3")
        await settle(pilot)
        assert writes == [KEYS[:10]]  # one write for all ten
        rows = store.triage_rows(KEYS)
        assert [key for key in KEYS if (rows[key] or {}).get("type") == "bug"] == KEYS[:10]
        assert all(store.history.of(key) for key in KEYS[:10])  # each post's history has it
        assert not store.history.of(KEYS[10])
        assert app.screen.query_one(Sidebar).counts["Bugs"] == 10
        assert _list(app).marked == set() and "marked" not in _header(app)
        assert _toasts(app)[-1] == "Bug: 10 marked posts; marks cleared"
        assert _list(app).cursor == 10  # a bulk action leaves the cursor where it was

        await pilot.press("u")
        await settle(pilot)
        assert all(row is None for row in store.triage_rows(KEYS).values())
        assert _toasts(app)[-1] == "Undone: Bug on 10 posts"
        await pilot.press("u")
        await settle(pilot)
        assert _toasts(app)[-1] == "Nothing to undo"


async def test_done_snooze_and_assign_act_on_every_marked_post(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "j", "space")  # the first, second and fourth
        marked = [KEYS[0], KEYS[1], KEYS[3]]
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and app.screen.question.startswith("3 marked posts.")
        await pilot.press(*"lee", "enter")
        await settle(pilot)
        assert {key for key, row in store.triage_rows(KEYS).items() if row and row["assignee"] == "lee"} == set(marked)
        assert _list(app).marked == set()

        await pilot.press("g", "space", "space", "z")
        await pilot.pause()
        await pilot.press(*"2d", "enter")
        await settle(pilot)
        snoozed = {key for key, row in store.triage_rows(KEYS).items() if row and row["snoozed_until"]}
        assert snoozed == set(marked[:2])
        assert _list(app).total == 28

        await pilot.press("g", "space", "space", "space", "e")
        await settle(pilot)
        done = {key for key, row in store.triage_rows(KEYS).items() if row and row["done"]}
        assert done == {KEYS[2], KEYS[3], KEYS[4]}
        assert _list(app).total == 25
        await pilot.press("u")
        await settle(pilot)
        assert not any(row and row["done"] for row in store.triage_rows(KEYS).values())


async def test_escape_unmarks_and_nothing_is_written(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "v", "k", "v")  # v marks too, and unmarks
        assert _list(app).marked == {KEYS[0], KEYS[1]}
        await pilot.press("escape")
        await pilot.pause()
        assert _list(app).marked == set() and "marked" not in _header(app)
        await pilot.press("g", "3")  # the highlighted post alone
        await settle(pilot)
        tagged = [key for key, row in store.triage_rows(KEYS).items() if row and row["type"]]
        assert tagged == [KEYS[0]]


async def test_tagging_and_done_move_the_cursor_to_the_next_post(store):
    app = _app(store, views=[{"name": "Open", "query": "is:open"}])  # done posts stay listed
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert _list(app).highlighted["key"] == KEYS[1]
        await pilot.press("u")  # an undo goes back to the post it undid
        await settle(pilot)
        assert _list(app).highlighted["key"] == KEYS[0] and store.triage_rows([KEYS[0]])[KEYS[0]] is None
        await pilot.press("3", "2", "4")
        await settle(pilot)
        assert _list(app).highlighted["key"] == KEYS[3]
        assert [store.triage_rows([key])[key]["type"] for key in KEYS[:3]] == ["bug", "feature", "question"]
        await pilot.press("h", "G", "l")  # the Open view, the last in the sidebar
        await settle(pilot)
        assert app.screen.view.name == "Open" and _list(app).highlighted["key"] == KEYS[0]
        await pilot.press("e")
        await settle(pilot)
        assert store.triage_rows([KEYS[0]])[KEYS[0]]["done"]
        assert _list(app).highlighted["key"] == KEYS[1]


async def test_the_cursor_stays_when_auto_advance_is_off(store):
    app = _app(store, tui={"auto_advance": False}, views=[{"name": "Open", "query": "is:open"}])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "2")
        await settle(pilot)
        assert _list(app).highlighted["key"] == KEYS[0]
        assert store.triage_rows([KEYS[0]])[KEYS[0]]["type"] == "feature"
        await pilot.press("h", "G", "l", "e")
        await settle(pilot)
        assert store.triage_rows([KEYS[0]])[KEYS[0]]["done"]
        assert _list(app).highlighted["key"] == KEYS[0]


def test_auto_advance_is_checked_when_the_config_loads():
    from inbox.errors import ConfigError

    assert parse({}).tui.auto_advance is True
    with pytest.raises(ConfigError, match=r"tui.auto_advance must be true or false, not 'no'"):
        parse({"tui": {"auto_advance": "no"}})
    with pytest.raises(ConfigError, match=r"\[tui\]: unknown key advance \(did you mean auto_advance\?\)"):
        parse({"tui": {"advance": False}})
