"""SVG snapshots of the demo: the main screen, the help screen, the filter bar in use, a thread.

Frozen clock and fixed terminal size, so they only change when the UI does.
Update them with `python -m pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from inbox.tui.demo_app import make_demo_app
from tests.pilot_helpers import settle, steady_cursors

SIZE = (170, 45)


def _keys(*keys):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        await steady_cursors(pilot)
    return run_before


@pytest.fixture
def demo_app(tmp_path):
    app = make_demo_app(tmp_path / "demo.db")
    yield app
    app.store.close()


class TestMainScreen:
    def test_inbox(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys())

    def test_narrow_terminal_puts_the_preview_below(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_keys())


class TestHelp:
    def test_help_screen(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys("question_mark"))


class TestFilterBar:
    def test_filter_in_use(self, snap_compare, demo_app):
        keys = ("slash", *"is:awaiting age:>=2d -label:enterprise")
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys(*keys))

    def test_bad_query_shows_the_error(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys("slash", *"age:soon"))


class TestThread:
    def test_reading_a_thread(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys("j", "j", "j", "enter"))


class TestLightTheme:
    def test_the_inbox_in_the_light_theme(self, snap_compare, demo_app):
        async def run_before(pilot) -> None:
            pilot.app.theme = "textual-light"
            await _keys()(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestPlaybooks:
    def test_panel_lists_playbooks_and_offers_the_leak_one(self, snap_compare, demo_app):
        keys = ("slash", *"is:leak", "enter", "p")
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=_keys(*keys))

    def test_a_playbook_with_ticked_steps(self, snap_compare, demo_app):
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            pilot.app.screen.query_one("#playbooks").open("demo-day")
            await settle(pilot)
            await pilot.press("space", "j", "space", "j")
            await settle(pilot)
            await steady_cursors(pilot)
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestCompose:
    def test_reply_offers_the_template_for_the_post(self, snap_compare, demo_app):
        """Troubleshooting asked on GitLab: move-to-forum, filled in, with its preview."""
        keys = ["slash", *"kind:gitlab type:troubleshooting", "enter", "r"]

        async def run_before(pilot) -> None:
            await _keys(*keys)(pilot)
            await pilot.pause(0.6)  # the preview redraws once typing is quiet
            await settle(pilot)
        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)
