"""Type suggestions in the TUI: shown dimmed on untagged posts, `t` accepts one, `1`-`4`
still override, and the model retrains in a background worker after the tags change."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.tui import suggesting
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.preview import render_item
from inbox.tui.widgets.status_line import StatusLine
from tests.pilot_helpers import settle, shown
from tests.test_suggestions import toy

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)


def _item(number: int, title: str, body: str, hours: float) -> Item:
    at = NOW - timedelta(hours=hours)
    return Item(source="server", kind="github", external_id=str(number), url=f"https://example.org/{number}",
                title=title, body=body, author="ana", author_is_staff=False, created_at=at, last_activity_at=at)


@pytest.fixture
def store(tmp_path):
    """Two untagged posts on top, twelve tagged posts of each of two types under them."""
    store = Store(tmp_path / "inbox.db")
    posts = toy(12)
    items = [_item(900, "The app crashes with an error on save", "It crashes. Error.", 0.5),
             _item(901, "Please add an option for dark themes", "It would be great.", 0.6)]
    items += [_item(n + 1, title, body, n + 2) for n, (title, body, _) in enumerate(posts)]
    store.save_page("server", items)
    for n, (_, _, kind) in enumerate(posts):
        store.set_triage([f"server:{n + 1}"], {"type": kind}, now=NOW, by="test")
    yield store
    store.close()


def _app(store: Store):
    return make_app(parse({"team": {"me": "ana"}}), store, now=lambda: NOW)


async def test_a_suggestion_shows_dimmed_and_t_accepts_it_while_1_overrides(store, monkeypatch):
    monkeypatch.setattr(suggesting, "DEBOUNCE", 0.05)
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)  # the model is trained on mount, in a worker
        items = app.screen.query_one(ItemList)
        first = items.highlighted
        assert first["key"] == "server:900" and first["suggested_type"] == "bug"
        header = render_item(store.item("server:900", now=NOW), [], NOW).renderables[0]
        assert "Bug? " in header.plain and "(t accepts, 1-4 tag)" in header.plain
        line = items.render_line(0).text
        assert "Bug? " in line and "%" in line
        assert "suggesting Feature Proposal, Bug" in shown(app.screen.query_one(StatusLine), 300)
        await pilot.press("t")
        await settle(pilot)
        assert store.triage_rows(["server:900"])["server:900"]["type"] == "bug"
        assert items.highlighted["key"] == "server:901"  # on to the next, like 1-4
        assert items.highlighted["suggested_type"] == "feature"
        await pilot.press("1")  # a key overrides the suggestion
        await settle(pilot)
        assert store.triage_rows(["server:901"])["server:901"]["type"] == "troubleshooting"
        # the tags changed: retrained in the background once the tagging paused
        await pilot.pause(0.2)
        await settle(pilot)
        assert store.suggestions.generation() == 3  # on mount, then once after the two tags


async def test_the_status_line_says_how_many_tags_are_missing(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [_item(1, "Crash", "It crashes", 1), _item(2, "Idea", "Add it", 2)])
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    app = _app(store)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        status = shown(app.screen.query_one(StatusLine), 300)
        assert "type suggestions start at 10 tagged posts of two types" in status
        assert "Bug 1" in status
        assert app.screen.query_one(ItemList).highlighted.get("suggested_type") is None
        await pilot.press("j", "t")  # no suggestion: said, nothing tagged
        await settle(pilot)
        assert store.triage_rows(["server:2"])["server:2"] is None
    store.close()
