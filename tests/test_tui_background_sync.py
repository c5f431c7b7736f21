"""`[sync] interval`: the TUI syncs on its own; new items appear without moving the cursor."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.sync import SourceResult
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def _item(n: int, hours_ago: float) -> Item:
    at = NOW - timedelta(hours=hours_ago)
    return Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
                title=f"Issue {n}", body="text", author="ana", author_is_staff=False,
                created_at=at, last_activity_at=at)


async def test_background_sync_adds_new_items_and_keeps_the_cursor(tmp_path, monkeypatch) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [_item(n, n) for n in range(1, 6)])
    calls: list[list[str]] = []

    async def fake_sync_all(config, sync_store, *, only=(), **_):
        calls.append(list(only))
        sync_store.save_page("server", [_item(100, 0.1), _item(101, 0.2)])  # newer than everything
        sync_store.record_sync("server", "github", now=NOW)
        return [SourceResult("server", "github", items=2)]

    monkeypatch.setattr("inbox.sync.sync_all", fake_sync_all)
    config = parse({"sync": {"interval": "5m"},
                    "sources": [{"name": "server", "kind": "github", "repo": "a/b", "token_env": "T"}]})
    app = make_app(config, store, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")  # on Issue 3
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert items.highlighted["key"] == "server:3"
        app.screen.syncer.in_background()
        await settle(pilot)
        assert calls == [["server"]]
        assert items.highlighted["key"] == "server:3"  # the cursor stays on the same item
        assert items.total == 7 and items.cursor == 4  # two new rows above it
        app.screen.syncer.in_background()  # just synced: nothing is due yet
        await settle(pilot)
        assert calls == [["server"]]
    store.close()
