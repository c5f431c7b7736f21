"""The TUI driven by keys through Textual's Pilot: keys really triage, the filter really filters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.query import INBOX_QUERY
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.palette import commands
from inbox.tui.screens.help import HelpScreen
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.sidebar import Sidebar
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
HOSTILE_TITLE = "[@click=app.quit]Click me[/] [bold red]boom \x1b]52;c;ZXZpbA==\x07 \x1b[31mred"


def _items(count: int) -> list[Item]:
    items = []
    for n in range(1, count + 1):
        created = NOW - timedelta(hours=n * 7)
        items.append(Item(
            source="server", kind="github", external_id=str(n), url=f"https://github.com/acme/chat/issues/{n}",
            title=HOSTILE_TITLE if n == 2 else f"Desktop app crashes on start ({n})",
            body="Steps:\n1. open\n2. crash" if n != 2 else "[link=https://evil.example]x[/link] \x1b[2J",
            author="ana" if n % 2 else "lee", author_is_staff=n % 5 == 0, created_at=created,
            last_activity_at=NOW - timedelta(hours=n), replies=n % 3,
            labels=["bug"] if n % 4 == 0 else [],
        ))
    return items


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", _items(30))
    yield store
    store.close()


def _app(store: Store, **team):
    config = parse({"team": {"me": "ana", "staff": ["lee"], **team}})
    return make_app(config, store, now=lambda: NOW)




def _list(app) -> ItemList:
    return app.screen.query_one(ItemList)


async def test_opens_on_the_inbox_with_counts(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert _list(app).total == 30
        assert app.screen.query_one(Sidebar).counts["Inbox"] == 30


async def test_number_keys_tag_the_highlighted_item(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        key = _list(app).highlighted["key"]
        await pilot.press("3")
        await settle(pilot)
        assert store.triage_rows([key])[key]["type"] == "bug"
        assert app.screen.query_one(Sidebar).counts["Bugs"] == 1
        assert _list(app).highlighted["key"] != key  # on to the next post
        await pilot.press("k", "0")
        await settle(pilot)
        assert store.triage_rows([key])[key]["type"] is None


async def test_done_hides_and_undo_brings_back(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = _list(app).highlighted["key"]
        await pilot.press("e")
        await settle(pilot)
        assert _list(app).total == 29
        assert _list(app).highlighted["key"] != key
        assert app.screen.query_one(Sidebar).counts["Done"] == 1
        await pilot.press("u")
        await settle(pilot)
        assert _list(app).total == 30
        assert store.triage_rows([key])[key] is None  # as it was before


async def test_snooze_asks_for_a_duration_and_rejects_nonsense(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = _list(app).highlighted["key"]
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"soon", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)  # still asking: "soon" is not a time
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press("2", "d", "enter")
        await settle(pilot)
        assert store.triage_rows([key])[key]["snoozed_until"] == "2026-11-20T12:00:00Z"
        assert _list(app).total == 29


async def test_assign_puts_the_item_in_mine(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = _list(app).highlighted["key"]
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"ana", "enter")
        await settle(pilot)
        assert store.triage_rows([key])[key]["assignee"] == "ana"
        assert app.screen.query_one(Sidebar).counts["Mine"] == 1


async def test_filter_bar_filters_and_reports_bad_queries(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"label:bug")
        await settle(pilot)
        assert _list(app).total == 7  # 4, 8, ..., 28
        app.screen.query_one("#filter-input").value = "label:bug nosuch:field"  # as if pasted
        await settle(pilot)
        error = app.screen.query_one("#filter-error")
        assert error.display and "unknown field" in str(error.render())
        assert _list(app).total == 7  # the last good query stays
        await pilot.press("escape")
        await settle(pilot)
        assert _list(app).total == 30


async def test_a_word_is_searched_once_it_is_finished(store, monkeypatch):
    """`c`, `cr`, `cra`: a word being typed is not searched letter by letter (each search
    would read the index for nothing); a space or enter searches it. Fields filter as
    they are typed."""
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        reloads = []
        original = app.screen.reload
        monkeypatch.setattr(app.screen, "reload", lambda **kw: reloads.append(app.screen.filter_text) or original(**kw))
        await pilot.press("slash", *"cra")
        await settle(pilot)
        assert reloads == [] and _list(app).total == 30
        await pilot.press("space")
        await settle(pilot)
        assert reloads == ["cra "] and _list(app).total == 29  # all but the hostile title
        await pilot.press(*"label:bug")
        await settle(pilot)
        assert reloads[-1] == "cra label:bug" and _list(app).total == 7
        await pilot.press(*" sta")
        await settle(pilot)
        assert reloads[-1].strip() == "cra label:bug"  # `s`, `st`, `sta` not searched
        await pilot.press("enter")
        await settle(pilot)
        assert reloads[-1] == "cra label:bug sta"  # enter searches what is there
        assert _list(app).total == store.count(f"{INBOX_QUERY} cra label:bug sta", now=NOW)


async def test_hostile_title_is_shown_as_text_not_run(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # item 2 carries the hostile title
        await settle(pilot)
        row = _list(app).highlighted
        assert row["key"] == "server:2"
        line = _list(app).render_line(1)
        drawn = "".join(segment.text for segment in line)
        assert "[@click=app.quit]" in drawn
        assert "\x1b" not in drawn and "\x07" not in drawn
        assert all(not (segment.style and segment.style.meta) for segment in line)
        await pilot.click(ItemList, offset=(20, 1))
        await settle(pilot)
        assert app.is_running  # nothing in the title quit the app


async def test_help_and_palette_list_the_actions(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        titles = {command.title for command in commands(app.screen)}
        assert {"Done", "Snooze", "Assign", "Undo", "Filter", "Sync", "Open", "Copy link", "Bug", "Mark",
                "Views"} <= titles


async def test_keys_can_be_remapped_from_the_config(store):
    config = parse({"team": {"me": "ana"}, "keys": {"done": "d"}})
    app = make_app(config, store, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        key = _list(app).highlighted["key"]
        await pilot.press("d")
        await settle(pilot)
        assert store.triage_rows([key])[key]["done"]


async def test_copy_link_uses_the_clipboard(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "https://github.com/acme/chat/issues/1"


async def test_large_list_moves_to_the_bottom_and_loads_that_page(tmp_path):
    store = Store(tmp_path / "big.db")
    store.save_page("server", _items(1000))
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert _list(app).cursor == 999
        assert _list(app).highlighted["key"] == "server:1000"
    store.close()


async def test_pages_are_read_by_key_from_either_end(tmp_path, monkeypatch):
    """`G` reads the last page straight from the end and `k` from there reads the page
    above by key; no page is read by offset on the way."""
    store = Store(tmp_path / "big.db")
    store.save_page("server", _items(1000))
    offsets = []
    read_by_offset = store.list_items
    monkeypatch.setattr(store, "list_items", lambda *a, **k: offsets.append(k.get("offset")) or read_by_offset(*a, **k))
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert _list(app).highlighted["key"] == "server:1000"
        await pilot.press(*["pageup"] * 10, "k")
        await settle(pilot)
        cursor = _list(app).cursor
        assert cursor < 900 and _list(app).highlighted["key"] == f"server:{cursor + 1}"
        await pilot.press("g", *["pagedown"] * 10, "j")
        await settle(pilot)
        cursor = _list(app).cursor
        assert cursor > 100 and _list(app).highlighted["key"] == f"server:{cursor + 1}"
    assert offsets == []
    store.close()


async def test_keys_pressed_while_the_list_reloads_are_kept(store, monkeypatch):
    """Fresh data (an SLA refresh, a sync) reloads the list keeping the cursor's item; keys
    pressed meanwhile must not be undone when it arrives."""
    import time

    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        slow_position = store.position
        monkeypatch.setattr(store, "position", lambda *a, **k: time.sleep(0.4) or slow_position(*a, **k))
        app.screen.reload(keep_key=True)
        await pilot.press(*"jjjjj")
        await settle(pilot)
        assert _list(app).cursor == 5 and _list(app).highlighted["key"] == "server:6"


async def test_keys_typed_right_after_slash_reach_the_filter_bar(store):
    """A fast typist's `/` and query arrive in one burst: none of it may triage a post."""
    from textual import events

    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        for character in "/e1z2 3d":  # e: done, 1-3: tag, z: snooze, if they leaked
            key = events.Key("slash" if character == "/" else "space" if character == " " else character,
                             character)
            key.set_sender(app)
            app._driver.send_message(key)  # as the terminal delivers them: no pause between
        await settle(pilot)
        assert app.screen.query_one("#filter-input").value == "e1z2 3d"
        assert all(row is None for row in store.triage_rows([f"server:{n}" for n in range(1, 31)]).values())
        assert not isinstance(app.screen, PromptScreen), "no prompt opened"


async def test_triage_toast_quotes_a_hostile_title_safely(store):
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # the hostile title
        await pilot.press("3")
        await settle(pilot)
        await pilot.pause(0.2)
        assert app.is_running and app._exception is None
        messages = [notification.message for notification in app._notifications]
        assert any("[@click=app.quit]" in message for message in messages)
        assert all(not notification.markup for notification in app._notifications)
    assert app.return_code in (None, 0)


async def test_an_empty_inbox_says_how_to_fill_it(tmp_path, monkeypatch):
    """Whole sentences (the pane wraps them, no line ends mid-sentence), the config file
    the inbox reads, and the command that writes one."""
    config_file = tmp_path / "where" / "config.toml"
    monkeypatch.setenv("INBOX_CONFIG", str(config_file))
    store = Store(tmp_path / "empty.db")
    app = _app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        text = app.screen.query_one("#preview-body").content.plain
        assert str(config_file) in text and "inbox init" in text and "inbox sync" in text
        for paragraph in text.split("\n\n"):
            lines = paragraph.split("\n")
            assert all(line.rstrip().endswith((".", ":")) for line in lines[:-1]), paragraph
        await pilot.press("e", "S")  # nothing highlighted, no sources: told, not crashed
        await settle(pilot)
        assert app.is_running
    store.close()
