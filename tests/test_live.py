"""Live between teammates: what another inbox (or `inbox sync` elsewhere) commits shows in
an open inbox within two seconds, with no key pressed and the cursor on the same item,
on a shared file and on a PostgreSQL server alike."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from inbox.config import parse
from inbox.models import Item
from inbox.store import open_store
from inbox.tui.app import make_app
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)


def _item(n: int, hours_ago: float) -> Item:
    at = NOW - timedelta(hours=hours_ago)
    return Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
                title=f"Issue {n}", body="text", author="ana", author_is_staff=False,
                created_at=at, last_activity_at=at)


async def _until(pilot, condition, seconds: float = 2.0) -> float:
    """How long `condition` took to hold, with no key pressed; fails after `seconds`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "not shown within the time"
        await asyncio.sleep(0.05)
        await pilot.pause()
    return time.monotonic() - start


async def test_a_teammates_triage_and_sync_show_without_a_key(store_location) -> None:
    mine = open_store(store_location)
    mine.save_page("server", [_item(n, n) for n in range(1, 6)])
    app = make_app(parse({}), mine, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")  # on Issue 3
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert items.highlighted["key"] == "server:3"
        teammate = open_store(store_location)  # another inbox on the same database
        try:
            teammate.set_triage(["server:4"], {"done": True}, now=NOW, by="amy")
            await _until(pilot, lambda: items.total == 4)
            assert items.highlighted["key"] == "server:3"
            teammate.save_page("server", [_item(100, 0.1)])  # a sync elsewhere: a newer item on top
            await _until(pilot, lambda: items.total == 5)
            assert items.highlighted["key"] == "server:3" and items.cursor == 3
        finally:
            teammate.close()
    mine.close()



async def test_the_inbox_says_it_reconnects_after_a_restart_and_carries_on(postgres_url, monkeypatch) -> None:
    from urllib.parse import urlsplit

    import psycopg

    from inbox.store.postgres import Pool

    monkeypatch.setattr(Pool, "CHECK_AFTER", 0.0)
    mine = open_store(postgres_url)
    mine.save_page("server", [_item(n, n) for n in range(1, 4)])
    app = make_app(parse({"team": {"me": "amy"}}), mine, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # what a restart does to us
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", [urlsplit(postgres_url).path[1:]])
        said = lambda: " | ".join(n.message for n in app._notifications)  # noqa: E731
        await _until(pilot, lambda: "reconnecting" in said() and "back" in said(), seconds=8)
        await pilot.press("3")  # tag the first post a bug: made once, on the new connection
        await settle(pilot)
    history = mine.history.of("server:1")
    assert [(c.field, c.new, c.by) for c in history] == [("type", "bug", "amy")]
    mine.close()
