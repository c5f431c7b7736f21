"""Thread workers in the TUI report back with messages, never by calling into widgets.

A posted message is handled on the UI thread by an `on_...` method of whoever started
the worker, and it is dropped if that widget or screen is gone; a callback run with
`call_from_thread` runs whether or not its target still exists.
"""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

import inbox.tui
from inbox.errors import InboxError
from inbox.tui.screens import people as people_screen
from inbox.tui.widgets.item_list import PAGE_SIZE, ItemList, ListData
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TUI = Path(inbox.tui.__file__).parent


def test_no_tui_module_calls_call_from_thread():
    found = []
    for path in sorted(TUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            name = (node.attr if isinstance(node, ast.Attribute)
                    else node.id if isinstance(node, ast.Name) else None)
            if name == "call_from_thread":
                found.append(f"{path.relative_to(TUI.parent.parent)}:{node.lineno}")
    assert found == [], "post a message from the worker instead: " + ", ".join(found)


# --- the item list: pages of an old query are dropped -------------------------------------------

def _rows(label: str, start: int, count: int) -> list[dict[str, Any]]:
    return [{"key": f"{label}:{n}", "kind": "github", "type": None, "title": f"{label} {n}",
             "author": "ana", "author_is_staff": False, "created_at": NOW, "last_activity_at": NOW,
             "replies": 0, "state": "open"} for n in range(start, start + count)]


class ListApp(App):
    def compose(self) -> ComposeResult:
        yield ItemList(now=lambda: NOW)


def _reader(label: str, total: int, wait: threading.Event | None = None) -> ListData:
    """A query of `total` rows `label:0` ... in list order, read as the store reads them:
    by key after or before a row, from the end, or by offset."""

    def position(place: tuple[Any, str]) -> int:
        return int(place[1].split(":")[1])

    def read(limit: int, *, after=None, before=None, last: bool = False) -> list[dict[str, Any]]:
        if wait is not None:
            wait.wait(10)  # still reading when a new query replaces it
        if after is not None:
            start = position(after) + 1
        elif before is not None:
            start = max(0, position(before) - limit)
            limit = position(before) - start
        else:
            start = total - limit if last else 0
        return _rows(label, start, min(limit, total - start))

    def read_at(offset: int, limit: int) -> list[dict[str, Any]]:
        raise AssertionError("a page next to one already read is read by key")

    return ListData(total, read, read_at, _rows(label, 0, PAGE_SIZE), 0)


async def test_a_page_of_an_old_query_is_dropped_when_it_arrives():
    release = threading.Event()
    total = PAGE_SIZE * 3
    old, new = _reader("old", total, wait=release), _reader("new", total)
    old.generation, new.generation = 1, 2
    app = ListApp()
    async with app.run_test(size=(120, 20)) as pilot:
        items = app.query_one(ItemList)
        items.show(old, cursor=total - 1)
        await pilot.pause()
        items.show(new, cursor=total - 1)
        for _ in range(200):  # the new query's page arrives while the old one still reads
            await pilot.pause(0.01)
            if items.highlighted is not None:
                break
        assert items.highlighted["key"] == f"new:{total - 1}"
        release.set()
        await settle(pilot)
        assert items.highlighted["key"] == f"new:{total - 1}"
        assert all(row["key"].startswith("new:") for page in items._pages.values() for row in page)


async def test_a_page_of_the_current_query_is_drawn():
    app = ListApp()
    total = PAGE_SIZE * 2 + 17
    async with app.run_test(size=(120, 20)) as pilot:
        items = app.query_one(ItemList)
        items.show(_reader("q", total))
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert items.highlighted["key"] == f"q:{total - 1}"
        drawn = items.render_line(items.cursor - int(items.scroll_offset.y)).text
        assert f"q {total - 1}" in drawn and "…" not in drawn.split()[0]
        await pilot.press(*["pageup"] * 8)  # up from the last page: the page above by key
        await settle(pilot)
        assert items.highlighted["key"] == f"q:{items.cursor}"


# --- the People screen: a failed tag write is a toast, and nothing changes ----------------------

class PeopleApp(App):
    def __init__(self, tagger) -> None:
        super().__init__()
        self.tagger = tagger

    def on_mount(self) -> None:
        self.push_screen(people_screen.PeopleScreen(
            [people_screen.Person(name="amy", channels=["github"], posts=3)], now=NOW, on_tag=self.tagger))


async def test_a_tag_the_store_refuses_is_an_error_toast_and_no_tag():
    def refuse(name: str, tag: str, add: bool) -> None:
        raise InboxError("the database is read-only")

    app = PeopleApp(refuse)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t", *"champion", "enter")
        await settle(pilot)
        assert app.screen is screen
        notes = list(app._notifications)
        assert [(n.message, n.severity) for n in notes] == [("the database is read-only", "error")]
        assert screen.people[0].tags == []
        table = screen.query_one(DataTable)
        assert table.get_row_at(0)[-1].plain == ""
