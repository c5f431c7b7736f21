"""The sweep in the TUI: W shows the message as it will be posted, w switches to the
weekly list, ctrl+s posts it (never from the demo)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.config import parse
from inbox.errors import SourceError
from inbox.models import Item
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.demo_app import make_demo_app
from inbox.tui.screens.sweep import SweepScreen
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(
        source="server", kind="github", external_id="3", url="https://github.com/orchardly/orchard/issues/3",
        title="<!channel> Sync *stalls*", body="?", author="wren", author_is_staff=False,
        created_at=NOW - timedelta(days=3), last_activity_at=NOW - timedelta(days=8))])
    yield store
    store.close()


def _app(store):
    config = parse({"team": {"me": "maya"}, "sweep": {"project": "Orchard"},
                    "slack": {"webhook_env": "ORCHARD_WEBHOOK"},
                    "sources": [{"name": "server", "kind": "github", "repo": "orchardly/orchard"}]})
    return make_app(config, store, now=lambda: NOW)


async def test_w_previews_posts_and_switches_to_weekly(store, monkeypatch):
    posted = []

    async def fake_post(settings, text, **kwargs):
        posted.append(text)
        if len(posted) == 1:
            raise SourceError("slack webhook", "channel_is_archived: the channel was archived", 410)

    monkeypatch.setattr("inbox.reports.sweep.post_to_webhook", fake_post)  # what the workspace posts with
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, SweepScreen)
        text = shown(app.screen.query_one("#sweep-text"))
        assert "[Help Wanted]" in text and "Orchard community" in text
        assert "&lt;!channel&gt;" in text  # a title cannot ping the channel
        assert "Help Wanted sweep: 1 post " in shown(app.screen.query_one("#sweep-title"))
        await pilot.press("w")
        await settle(pilot)
        assert "[Weekly]" in shown(app.screen.query_one("#sweep-text"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SweepScreen)  # refused: stays, says why
        assert "channel_is_archived" in shown(app.screen.query_one("#sweep-status"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SweepScreen)
        assert len(posted) == 2 and posted[1].startswith("[Weekly]")


async def test_the_demo_never_posts(tmp_path, monkeypatch):
    async def fail(*args, **kwargs):
        raise AssertionError("the demo must not post")

    monkeypatch.setattr("inbox.reports.sweep.post_to_webhook", fail)  # what the workspace posts with
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "demo" in shown(app.screen.query_one("#sweep-status"))
    app.store.close()


async def test_w_shows_the_same_bounded_sections_as_the_posted_message(tmp_path, monkeypatch):
    posted = []

    async def fake_post(settings, text, **kwargs):
        posted.append(text)

    monkeypatch.setattr("inbox.reports.sweep.post_to_webhook", fake_post)
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(
        source="server", kind="github", external_id=str(n), url=f"https://github.com/orchardly/orchard/issues/{n}",
        title=f"[b]Issue {n}[/b]", body="?", author="wren", author_is_staff=False,
        created_at=NOW - timedelta(days=3, hours=n), last_activity_at=NOW - timedelta(days=3)) for n in range(30)])
    config = parse({"team": {"me": "maya"}, "sweep": {"project": "Orchard", "max_per_section": 5},
                    "slack": {"webhook_env": "ORCHARD_WEBHOOK"},
                    "sources": [{"name": "server", "kind": "github", "repo": "orchardly/orchard"}]})
    app = make_app(config, store, now=lambda: NOW)
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        text = shown(app.screen.query_one("#sweep-text"), width=400)
        assert "Help Wanted sweep: 5 of 30 posts" in shown(app.screen.query_one("#sweep-title"))
        assert text.count("[b]Issue ") == 5 and "[b]Issue 29[/b]" in text  # oldest first, markup as typed
        assert ("…and 25 more: inbox list 'is:open -is:done -is:snoozed is:awaiting age:&gt;=2d "
                "source:server -label:\"Help Wanted\"'") in text
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert len(posted) == 1 and posted[0] == app.workspace.sweep()[1]  # what was shown is what went out
    assert posted[0].count("• <https://github.com") == 5 and "…and 25 more" in posted[0]
    store.close()
