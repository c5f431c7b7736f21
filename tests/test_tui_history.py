"""Who did what, in the inbox: triage by key and undo are recorded as the user's, the
preview shows the item's latest changes as plain text, and the list marks what is new to
the user until they open it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
SIZE = (170, 40)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [
        Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
             title=f"Desktop app crashes ({n})", body="steps", author="rhys", author_is_staff=False,
             created_at=NOW - timedelta(days=n), last_activity_at=NOW - timedelta(hours=n))
        for n in range(1, 4)
    ])
    store.close()
    return path


@pytest.fixture
def stores(path):
    """The inbox's store, and a teammate's on the same file."""
    mine, theirs = Store(path), Store(path)
    yield mine, theirs
    mine.close()
    theirs.close()


def _app(store: Store):
    return make_app(parse({"team": {"me": "ana"}}), store, now=lambda: NOW)


def _preview(app) -> str:
    return shown(app.screen.query_one("#preview-body"))


def _marked_new(items: ItemList) -> list[bool]:
    """Per row, whether it is marked new: its title drawn in bold. The cursor's row is all
    bold anyway: for it, what the row it draws says."""
    marked = []
    for index in range(items.total):
        row = items.row(index)
        if index == items.cursor:
            marked.append(bool(row["new"]))
            continue
        strip = items.render_line(index - int(items.scroll_offset.y))
        marked.append(any(row["title"][:10] in segment.text and bool(segment.style and segment.style.bold)
                          for segment in strip))
    return marked


async def test_keys_and_undo_are_recorded_as_the_user_and_the_preview_shows_them(stores):
    mine, theirs = stores
    theirs.set_triage(["server:1"], {"assignee": "carol"}, now=NOW - timedelta(days=1), by="bob")
    app = _app(mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "History: assigned to carol by bob, 1d ago" in _preview(app)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert [(c.by, c.field, c.old, c.new) for c in theirs.history.of("server:1")] == [
            ("bob", "assignee", None, "carol"), ("ana", "type", None, "bug"), ("ana", "type", "bug", None)]
        assert ("History: removed the tag Bug by ana, 1m ago; tagged Bug by ana, 1m ago; "
                "assigned to carol by bob, 1d ago") in _preview(app)


async def test_the_preview_shows_history_as_plain_text(stores):
    mine, theirs = stores
    hostile = "[@click=app.quit]carol[/]\x1b]52;c;aGk=\x07"
    theirs.set_triage(["server:1"], {"assignee": hostile}, now=NOW - timedelta(hours=2), by="[b]bob[/b]")
    app = _app(mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "History: assigned to [@click=app.quit]carol[/] by [b]bob[/b], 2h ago" in _preview(app)
        assert app.is_running


async def test_the_list_marks_what_is_new_to_you_until_you_open_it(stores):
    mine, theirs = stores
    theirs.history.seen("bob", ["server:2", "server:3"], now=NOW)  # a teammate's reading is theirs
    app = _app(mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        # the preview settled on the first: opened; the others are new to ana
        assert _marked_new(items) == [False, True, True]
        assert theirs.history.seen_at("ana", "server:1") == "2026-12-05T12:00:00Z"
        assert theirs.history.seen_at("ana", "server:2") is None

        await pilot.press("j")
        await settle(pilot)
        assert _marked_new(items) == [False, False, True]

        # bob retags the first: new to ana again; her own change to the second keeps it seen
        theirs.set_triage(["server:1"], {"type": "bug"}, now=NOW + timedelta(minutes=1), by="bob")
        await pilot.press("4")
        await settle(pilot)
        assert [items.row(i)["key"] for i in range(3)] == ["server:1", "server:2", "server:3"]
        assert items.cursor == 2  # tagging moved on to the third: opened, no longer new
        assert _marked_new(items) == [True, False, False]
