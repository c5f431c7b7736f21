"""The list reads at every width: the title keeps at least 40 cells at 80 columns, the other
columns fit their longest value and drop whole, a header names them, no row runs past the
edge; and the overview screens keep their columns at 80."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from inbox.demo import demo_config, load_demo
from inbox.reports.sla import sla_label
from inbox.store import Store
from inbox.timeutil import ago, iso
from inbox.tui.app import make_app
from inbox.tui.demo_app import FROZEN_NOW, make_demo_app
from inbox.tui.widgets.columns import Column, cut, fit
from inbox.tui.widgets.item_list import (TITLE_MIN, ItemList, format_row, replying_note, row_columns,
                                         suggested_note)
from tests.pilot_helpers import settle, shown

LONG_TITLE = "Desktop app shows a blank window after upgrading to 10.2.1 on Windows 11 and 10"


def _row(**fields) -> dict:
    row = {"key": "server:1", "kind": "github", "title": LONG_TITLE, "author": "oliviachen-it",
           "author_is_staff": 0, "created_at": iso(FROZEN_NOW - timedelta(days=12)),
           "last_activity_at": iso(FROZEN_NOW - timedelta(hours=3)), "replies": 12, "awaiting": 1,
           "sla_due_at": iso(FROZEN_NOW - timedelta(days=11, hours=10)), "state": "open"}
    return {**row, **fields}


# --- the columns, pure ------------------------------------------------------------------------

def test_fixed_columns_drop_in_their_order_and_the_flexible_one_takes_the_rest() -> None:
    columns = [Column("a", "a", 2), Column("title", "title", 10, flexible=True),
               Column("b", "b", 5, drop=2), Column("c", "c", 3, drop=1)]
    assert fit(columns, 40).widths == (2, 27, 5, 3)
    assert [c.key for c in fit(columns, 20).columns] == ["a", "title", "b"]  # c goes first
    assert fit(columns, 20).widths == (2, 11, 5)
    assert [c.key for c in fit(columns, 12).columns] == ["a", "title"]
    assert fit(columns, 12).total == 12
    assert cut("overdue", 4) == "ove…" and cut("5h", 4, right=True) == "  5h"


def test_a_15_character_sla_label_keeps_the_row_within_the_width() -> None:
    row = _row()
    label = sla_label(row["sla_due_at"], FROZEN_NOW)
    assert label == "overdue 11d 10h" and len(label) == 15
    for width in (50, 70, 79, 93, 100, 120, 140, 200):
        text = format_row(row, width, FROZEN_NOW, sla_column=True)
        columns = row_columns(width, True)
        assert text.cell_len == width == columns.total
        if "sla" in columns:
            assert label in text.plain
        if "idle" in columns:  # the last column is whole, at the edge
            assert text.plain.endswith(f" {ago(row['last_activity_at'], FROZEN_NOW):>4}")


def test_a_longer_label_loses_its_hours_not_the_edge() -> None:
    row = _row(sla_due_at=iso(FROZEN_NOW - timedelta(days=123, hours=14)))
    assert len(sla_label(row["sla_due_at"], FROZEN_NOW)) == 16
    text = format_row(row, 120, FROZEN_NOW, sla_column=True)
    assert text.cell_len == 120 and "overdue 123d " in text.plain and "14h" not in text.plain


def test_the_title_shrinks_last() -> None:
    """As the width narrows, whole columns go, the reply count first, before the title
    drops under its 40 cells."""
    seen = []
    for width in range(140, 41, -1):
        columns = row_columns(width, True)
        assert columns.width("title") >= TITLE_MIN
        assert columns.width("title") == max(columns.widths)
        seen.append({c.key for c in columns.columns})
    order = ["replies", "age", "author", "idle", "sla", "type", "channel"]
    assert seen[0] >= set(order) and seen[-1] == {"marker", "title"}
    gone = [next(i for i, keys in enumerate(seen) if key not in keys) for key in order]
    assert gone == sorted(gone)


def test_header_names_every_column_shown() -> None:
    header = row_columns(140, True).header().plain
    for name in ("ch", "type", "title", "SLA", "author", "age", "↩", "idle"):
        assert name in header
    assert len(header) == 140
    assert header.index("age") < header.index("idle")  # created, then last activity


def test_hostile_text_in_a_narrow_row_stays_text() -> None:
    row = _row(title="[@click=app.quit]x[/] \x1b]52;c;ZXZpbA==\x07", author="[bold]amy\x1b[31m")
    plain = format_row(row, 60, FROZEN_NOW, sla_column=True).plain
    assert "[@click=app.quit]x[/]" in plain and "\x1b" not in plain


# --- in the app --------------------------------------------------------------------------------

@pytest.fixture
def later_demo(tmp_path):
    """The demo looked at 58 hours after it was loaded: its most overdue post is then
    `overdue 11d 10h`, the longest label of the SLA column."""
    store = Store(tmp_path / "demo.db")
    load_demo(store, now=FROZEN_NOW)
    later = FROZEN_NOW + timedelta(hours=58)
    yield make_app(demo_config(), store, now=lambda: later, demo=True), later
    store.close()


@pytest.fixture
def demo_app(tmp_path):
    app = make_demo_app(tmp_path / "demo.db")
    yield app
    app.store.close()


def _line(items: ItemList, y: int) -> str:
    return items.render_line(y).text


async def test_at_80_columns_the_title_gets_40_cells(later_demo) -> None:
    app, _ = later_demo
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        width = items.scrollable_content_region.width
        assert items.columns.width("title") >= 40
        # the first long title with nothing beside it (a suggested type takes its own cells)
        index = next(i for i in range(items.total) if len(items.row(i)["title"]) > 40
                     and not suggested_note(items.row(i)) and not replying_note(items.row(i)))
        assert items.row(index)["title"][:40] in _line(items, index)
        header = shown(app.screen.query_one("#list-columns", Static), width=200).rstrip("\n")
        assert header.rstrip() == items.columns.header().plain.rstrip()
        assert "title" in header and "SLA" in header and "idle" in header
        assert len(_line(items, 0)) == width


async def test_the_longest_sla_label_at_80_columns_keeps_the_row_whole(later_demo) -> None:
    app, now = later_demo
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        index = next(i for i in range(items.total)
                     if sla_label(items.row(i).get("sla_due_at"), now) == "overdue 11d 10h")
        items.move_to(index)
        await settle(pilot)
        row, line = items.row(index), _line(items, index - int(items.scroll_offset.y))
        assert "overdue 11d 10h" in line and row["title"][:40] in line
        assert len(line) == items.scrollable_content_region.width
        assert line.endswith(f" {ago(row['last_activity_at'], now):>4}")  # the last column whole


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_people_keeps_level_and_tags(demo_app, size) -> None:
    app = demo_app
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        keys = [str(key.value) for key in table.columns]
        assert keys[0] == "Name" and "Level" in keys and keys[-1] == "Tags"
        used = sum(column.get_render_width(table) for column in table.columns.values())
        assert used <= size[0] - 2  # no column behind the edge
        if size[0] >= 120:
            assert keys == ["Name", "Channels", "Posts", "Replies", "First seen", "Last seen", "Level", "Tags"]


async def test_stats_keeps_waiting_and_whole_percentages_at_80(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        svg = app.export_screenshot()
        assert "Waiting" in svg and "100%" in svg


def test_rows_are_text_not_markup() -> None:
    assert isinstance(format_row(_row(), 80, FROZEN_NOW), Text)
