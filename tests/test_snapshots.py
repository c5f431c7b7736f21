"""SVG snapshots of the demo, every screen at 80x24 (the smallest terminal it is built for)
and 160x45: the main screen, help, the filter bar, a thread, playbooks, reply, the sweep,
stats and people.

Frozen clock and fixed terminal size, so they only change when the UI does; cursors do not
blink and toasts (which leave on a timer) are cleared first. Update them with `python -m pytest -n 0 tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from inbox.tui.demo_app import make_demo_app
from tests.pilot_helpers import settle, steady_cursors

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]
at_every_size = pytest.mark.parametrize("size", SIZES)


async def _steady(pilot) -> None:
    """Nothing on screen that a timer changes: no blinking cursor, no toast."""
    pilot.app.clear_notifications()
    await steady_cursors(pilot)


def _keys(*keys):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        await _steady(pilot)
    return run_before


@pytest.fixture
def demo_app(tmp_path):
    app = make_demo_app(tmp_path / "demo.db")
    yield app
    app.store.close()


class TestMainScreen:
    @at_every_size
    def test_inbox(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys())

    def test_between_sizes_the_preview_goes_below(self, snap_compare, demo_app):
        assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_keys())


class TestHelp:
    @at_every_size
    def test_help_screen(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("question_mark"))


class TestFilterBar:
    @at_every_size
    def test_filter_in_use(self, snap_compare, demo_app, size):
        keys = ("slash", *"is:awaiting age:>=2d -label:enterprise")
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys(*keys))

    @at_every_size
    def test_bad_query_shows_the_error(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("slash", *"age:soon"))


class TestThread:
    @at_every_size
    def test_reading_a_thread(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("j", "j", "j", "enter"))


class TestLightTheme:
    def test_the_inbox_in_the_light_theme(self, snap_compare, demo_app):
        async def run_before(pilot) -> None:
            pilot.app.theme = "textual-light"
            await _keys()(pilot)

        assert snap_compare(demo_app, terminal_size=(160, 45), run_before=run_before)


class TestPlaybooks:
    @at_every_size
    def test_panel_lists_playbooks_and_offers_the_leak_one(self, snap_compare, demo_app, size):
        keys = ("slash", *"is:leak", "enter", "p", "escape")  # p opens it; escape goes back to the list
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys(*keys))

    @at_every_size
    def test_p_on_a_leaked_post_opens_the_part_about_posts(self, snap_compare, demo_app, size):
        keys = ("slash", *"is:leak", "enter", "p")
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys(*keys))

    @at_every_size
    def test_a_playbook_with_ticked_steps(self, snap_compare, demo_app, size):
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            pilot.app.screen.query_one("#playbooks").open("demo-day")
            await settle(pilot)
            await pilot.press("space", "j", "space", "j")
            await settle(pilot)
            await _steady(pilot)
        assert snap_compare(demo_app, terminal_size=size, run_before=run_before)

    @at_every_size
    def test_a_playbook_beside_the_open_filter_bar(self, snap_compare, demo_app, size):
        """The filter bar takes rows from the screen: the playbook keeps the larger share."""
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            pilot.app.screen.query_one("#playbooks").open("community-monitoring")
            await settle(pilot)
            await pilot.press("slash", *"kind:github")
            await settle(pilot)
            await _steady(pilot)
        assert snap_compare(demo_app, terminal_size=size, run_before=run_before)


class TestCompose:
    @at_every_size
    def test_reply_offers_the_template_for_the_post(self, snap_compare, demo_app, size):
        """Troubleshooting asked on GitLab: move-to-forum, filled in, with its preview."""
        keys = ["slash", *"kind:gitlab type:troubleshooting", "enter", "r"]

        async def run_before(pilot) -> None:
            await _keys(*keys)(pilot)
            await pilot.pause(0.6)  # the preview redraws once typing is quiet
            await settle(pilot)
            await _steady(pilot)
        assert snap_compare(demo_app, terminal_size=size, run_before=run_before)


class TestOverviews:
    @at_every_size
    def test_sweep(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("W"))

    @at_every_size
    def test_stats(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("T"))

    @at_every_size
    def test_people(self, snap_compare, demo_app, size):
        assert snap_compare(demo_app, terminal_size=size, run_before=_keys("P"))
