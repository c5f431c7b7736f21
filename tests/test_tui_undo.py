"""Undo in the TUI undoes only what its action did: a change another process made to the
same post meanwhile (the CLI assigning it, adding a note, retagging it) stays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [
        Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
             title=f"Desktop app crashes ({n})", body="steps", author="ana", author_is_staff=False,
             created_at=NOW - timedelta(days=n), last_activity_at=NOW - timedelta(hours=n), replies=0)
        for n in range(1, 4)
    ])
    store.close()
    return path


@pytest.fixture
def stores(path):
    """The TUI's store, and another process's on the same file (as `inbox triage` opens it)."""
    tui, cli = Store(path), Store(path)
    yield tui, cli
    tui.close()
    cli.close()


def _app(store: Store):
    return make_app(parse({"team": {"me": "ana", "staff": ["lee"]}}), store, now=lambda: NOW)


def _messages(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_undo_keeps_the_assignee_and_note_another_process_set(stores):
    tui, cli = stores
    app = _app(tui)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(ItemList).highlighted["key"]
        await pilot.press("3")  # tag it Bug
        await settle(pilot)
        assert cli.triage_rows([key])[key]["type"] == "bug"

        cli.set_triage([key], {"assignee": "lee", "note": "customer called"}, now=NOW + timedelta(minutes=1), by="test")
        await pilot.press("u")
        await settle(pilot)

        row = cli.triage_rows([key])[key]
        assert row["type"] is None
        assert row["assignee"] == "lee" and row["note"] == "customer called"
        assert _messages(app)[-1] == "Undone: Bug"


async def test_undo_says_what_someone_changed_meanwhile_and_leaves_it(stores):
    tui, cli = stores
    app = _app(tui)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(ItemList).highlighted["key"]
        await pilot.press("3")
        await settle(pilot)
        cli.set_triage([key], {"type": "feature"}, now=NOW + timedelta(minutes=1), by="test")

        await pilot.press("u")
        await settle(pilot)

        assert cli.triage_rows([key])[key]["type"] == "feature"
        assert _messages(app)[-1] == "Not undone: Bug: someone changed type (now feature) meanwhile"


async def test_undo_puts_back_what_it_can_and_names_what_it_left(stores):
    tui, cli = stores
    app = _app(tui)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(ItemList).highlighted["key"]
        await pilot.press("e")  # done
        await settle(pilot)
        cli.set_triage([key], {"type": "question"}, now=NOW + timedelta(minutes=1), by="test")
        await pilot.press("u")
        await settle(pilot)
        assert cli.triage_rows([key])[key]["done"] == 0
        assert cli.triage_rows([key])[key]["type"] == "question"
        assert _messages(app)[-1] == "Undone: Done"
        assert app.screen.query_one(ItemList).total == 3
