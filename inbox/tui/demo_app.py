"""The demo inbox as an app on a frozen clock: for screenshots and snapshot tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from inbox.demo import demo_config, load_demo
from inbox.store import Store
from inbox.tui.app import InboxApp, make_app

FROZEN_NOW = datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc)


def make_demo_app(db_path: Path, now: datetime = FROZEN_NOW) -> InboxApp:
    """A fresh demo database at `db_path`, and the app over it with the clock stopped at `now`."""
    store = Store(db_path)
    load_demo(store, now=now)
    return make_app(demo_config(), store, now=lambda: now, demo=True)
