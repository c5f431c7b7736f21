"""What the inbox tells you, driven by keys through Pilot: a bad filter keeps the last
result and says so; `o` and `y` say when they could not open or copy; the snooze prompt's
hint is not an answer; toasts, times and counts read as sentences; the playbook panel
follows the post; the light theme is light everywhere and the highlighted row reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.geometry import Region

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.demo_app import make_demo_app
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import PlaybookView
from inbox.tui.widgets.sidebar import Sidebar
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
LONG_TITLE = "Webhooks stop firing after the upgrade to version ten point two on our production cluster"


def _items(count: int) -> list[Item]:
    return [Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/acme/chat/issues/{n}",
                 title=LONG_TITLE if n == 1 else f"Desktop app crashes on start ({n})", body=f"Steps for {n}",
                 author="ana", author_is_staff=False, created_at=NOW - timedelta(hours=n * 7),
                 last_activity_at=NOW - timedelta(hours=n), replies=n % 3, labels=["bug"] if n % 4 == 0 else [])
            for n in range(1, count + 1)]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", _items(30))
    yield store
    store.close()


def _app(store: Store, **config):
    return make_app(parse({"team": {"me": "ana"}, **config}), store, now=lambda: NOW)


def _list(app) -> ItemList:
    return app.screen.query_one(ItemList)


def _header(app) -> str:
    return shown(app.screen.query_one("#list-header"))


async def _view(pilot, name: str) -> None:
    sidebar = pilot.app.screen.query_one(Sidebar)
    sidebar.highlighted = [view.name for view in sidebar.views].index(name)
    await settle(pilot)
    pilot.app.screen.query_one(ItemList).focus()
    await settle(pilot)


def _toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


# --- the filter bar ---------------------------------------------------------------------


async def test_an_invalid_filter_keeps_the_last_result_and_says_so(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"label:bug")
        await settle(pilot)
        assert _list(app).total == 7 and "7 items  filter: label:bug" in _header(app)
        for char in " foo:bar":  # typed a key at a time, the list settling between keys
            await pilot.press("space" if char == " " else char)
            await settle(pilot)
            assert _list(app).total == 7, char  # never the result of the half-typed text
            assert "0 items" not in _header(app) and "filter: foo" not in _header(app)
        header = _header(app)
        assert "previous result: 7 items" in header and "filter: label:bug" in header
        error = app.screen.query_one("#filter-error")
        assert error.display and "unknown field 'foo:'" in shown(error)
        for _ in " foo:bar":
            await pilot.press("backspace")
        await settle(pilot)
        assert "previous result" not in _header(app) and not error.display
        assert "7 items  filter: label:bug" in _header(app)


@pytest.mark.parametrize("typed, said", [("is:foo", "is:foo is not known"),
                                         ('"unbalanced', 'unclosed quote: "unbalanced needs a closing "')])
async def test_a_bad_query_shows_the_error_over_the_unfiltered_list(store, typed, said):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed)
        await settle(pilot)
        await pilot.press("enter")  # enter does not search an invalid query either
        await settle(pilot)
        assert _list(app).total == 30
        assert "previous result: 30 items  (no filter)" in _header(app)
        assert said in shown(app.screen.query_one("#filter-error"))


async def test_a_filter_of_as_many_terms_as_a_query_may_hold_reads_within_its_view(store):
    """The view's terms and the filter's are each within the limit; together they may be
    more, and the list is read all the same (it used to end the inbox with a traceback)."""
    from inbox.query import MAX_TERMS

    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.screen.focused.value = "-label:nothing " * MAX_TERMS
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and _list(app).total == 30
        assert not app.screen.query_one("#filter-error").display


async def test_one_item_is_one_item(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"webhooks", "enter")  # server:1, the one not crashing
        await settle(pilot)
        assert _list(app).total == 1
        header = _header(app)
        assert "1 item " in header + " " and "1 items" not in header


# --- honest feedback ------------------------------------------------------------------------


@pytest.mark.parametrize("browser", [True, False], ids=["a browser", "no browser"])
async def test_open_says_whether_a_browser_took_the_link(store, monkeypatch, browser):
    opened = []
    monkeypatch.setattr("inbox.desktop.open_page", lambda url: opened.append(url) or browser)
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        url = "https://github.com/acme/chat/issues/1"
        assert opened == [url]
        [toast] = [n for n in app._notifications if url in n.message]
        if browser:
            assert toast.message == f"Opening in the browser: {url}"
        else:  # never "Opened": the link is there to copy by hand
            assert "No browser could be opened" in toast.message and "Open" not in toast.message
            assert toast.severity == "warning" and toast.timeout >= 10


@pytest.mark.parametrize("clipboard", [True, False], ids=["a clipboard tool", "no clipboard tool"])
async def test_copy_says_whether_the_link_is_known_to_be_copied(store, monkeypatch, clipboard):
    copied = []
    monkeypatch.setattr("inbox.desktop.copy_text", lambda text: copied.append(text) or clipboard)
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        url = "https://github.com/acme/chat/issues/1"
        assert copied == [url] and app.clipboard == url  # the terminal is asked as well
        [toast] = [n for n in app._notifications if url in n.message]
        if clipboard:
            assert toast.message == f"Copied {url}"
        else:  # the terminal never says whether it copied: not claimed
            assert not toast.message.startswith("Copied") and "no clipboard tool" in toast.message
            assert toast.severity == "warning" and toast.timeout >= 10


async def test_the_desktop_is_never_asked_on_the_ui_thread(store, monkeypatch):
    """A clipboard tool may hang for its whole timeout: the keys go on meanwhile."""
    import threading

    threads = []
    monkeypatch.setattr("inbox.desktop.copy_text", lambda text: threads.append(threading.current_thread()))
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert threads and threads[0] is not threading.main_thread()


# --- the small traps ------------------------------------------------------------------------


async def test_enter_on_the_snooze_prompt_is_not_an_answer(store):
    """The hint ("e.g. 2d") is not a value: enter on the empty prompt asks again, and
    never unsnoozes; `none` does."""
    store.set_triage(["server:1"], {"snoozed_until": "2026-11-25T12:00:00Z"}, now=NOW, by="ana")
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await _view(pilot, "Snoozed")
        assert _list(app).highlighted["key"] == "server:1"
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # asked again
        assert "none unsnoozes" in shown(app.screen.query_one("#prompt-error"))
        await pilot.press("escape")
        await settle(pilot)
        assert store.triage_rows(["server:1"])["server:1"]["snoozed_until"] == "2026-11-25T12:00:00Z"
        await pilot.press("z", *"none", "enter")
        await settle(pilot)
        assert store.triage_rows(["server:1"])["server:1"]["snoozed_until"] is None


async def test_snooze_toast_says_the_time_in_the_configured_zone(store):
    app = _app(store, sla={"timezone": "Europe/Berlin"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("z", "2", "d", "enter")
        await settle(pilot)
        toast = next(t for t in _toasts(app) if t.startswith("Snoozed until"))
        assert toast.startswith("Snoozed until Fri Nov 20 13:00: ")  # 12:00 UTC, in Berlin


async def test_a_toast_shortens_a_long_title_at_a_word(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert _list(app).highlighted["title"] == LONG_TITLE
        await pilot.press("3")
        await settle(pilot)
        toast = next(t for t in _toasts(app) if t.startswith("Bug: "))
        quoted = toast.removeprefix("Bug: ")
        assert quoted.endswith("…") and len(quoted) <= 60
        assert LONG_TITLE.startswith(quoted[:-1]) and LONG_TITLE[len(quoted) - 1] == " "


async def test_the_preview_says_times_in_the_configured_zone(store):
    store.set_triage(["server:1"], {"snoozed_until": "2026-11-20T08:30:00Z"}, now=NOW, by="ana")
    app = _app(store, sla={"timezone": "Europe/Berlin"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await _view(pilot, "Snoozed")
        text = shown(app.screen.query_one("#preview-body"))
        assert "opened 7h ago (today 06:00)" in text  # 05:00 UTC
        assert "snoozed until Fri Nov 20 09:30" in text
        assert "T08:30" not in text and "00Z" not in text


async def test_the_playbook_panel_follows_the_post_after_the_filter_changes(tmp_path: Path):
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(PlaybookPanel)
        assert panel.offered == ["community-monitoring"]
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")  # the playbook offered for this post
        await settle(pilot)
        assert app.screen.query_one(PlaybookView).playbook.name == "community-monitoring"
        await pilot.press("slash", *"is:leak", "enter")
        await settle(pilot)
        assert panel.offered[0] == "secret-leak"
        assert app.screen.query_one(PlaybookView).playbook.name == "secret-leak"
        assert isinstance(app.focused, ItemList)  # following the post took no focus
        await pilot.press("slash", "ctrl+u", *"nothing-matches-this", "enter")
        await settle(pilot)
        assert not app.screen.query(PlaybookView)  # no post: the list of playbooks
    app.store.close()


async def test_a_playbook_chosen_from_the_list_stays_while_the_post_changes(tmp_path: Path):
    app = make_demo_app(tmp_path / "demo.db")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one(PlaybookPanel).open("demo-day")  # not for this post: read on purpose
        await settle(pilot)
        await pilot.press("slash", *"is:leak", "enter")
        await settle(pilot)
        assert app.screen.query_one(PlaybookView).playbook.name == "demo-day"
    app.store.close()


# --- themes and contrast ----------------------------------------------------------------------


def _luminance(color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(segment: Segment) -> float:
    lighter, darker = sorted((_luminance(segment.style.color), _luminance(segment.style.bgcolor)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _drawn(widget, y: int) -> list[Segment]:
    """A line of the widget as the terminal gets it (after the app's colour filters)."""
    [line] = widget.render_lines(Region(0, y, widget.size.width, 1))
    return [segment for segment in line if segment.text.strip()]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("focused", [True, False], ids=["list focused", "list blurred"])
async def test_text_on_the_highlighted_row_reads_in_either_theme(store, theme, focused):
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="ana")  # a type tag on the row too
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.theme = theme
        if not focused:
            app.screen.query_one("#sidebar").focus()
        await settle(pilot)
        items = _list(app)
        cursor = _drawn(items, 0)
        assert "".join(s.text for s in cursor).lstrip().startswith("● GH BUG")  # marker, badge, tag
        for segment in cursor:
            assert not segment.style.dim
            assert _contrast(segment) >= 4.5, (segment.text, segment.style)


async def test_the_light_theme_makes_every_widget_light(store):
    """The list, sidebar, preview, header and status line all turn light, and the list's
    accents (badges, tags, times) take shades that read on it."""
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.theme = "textual-light"
        await settle(pilot)
        for selector in ("#items", "#sidebar", "#preview", "#list-header", "#status"):
            widget = app.screen.query_one(selector)
            for y in range(min(3, widget.size.height)):
                for segment in widget.render_lines(Region(0, y, widget.size.width, 1))[0]:
                    assert _luminance(segment.style.bgcolor) > 0.3, (selector, segment)  # dark: < 0.02
        items = _list(app)
        for y in range(1, 8):  # rows off the cursor: every accent reads on the light list
            for segment in _drawn(items, y):
                assert _contrast(segment) >= 4.5, (segment.text, segment.style)
