"""Responding in the TUI through Pilot: the compose screen, drafts that survive, posting
and handing over, rotation, idea status and Jira."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from textual.widgets import Markdown, OptionList, TextArea

from inbox.config import parse
from inbox.errors import SourceError
from inbox.models import Item, Reply
from inbox.respond.replies import Outcome
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
CONFIG = {
    "team": {"me": "maya", "staff": ["maya"], "rotation": ["devin", "priya"], "rotation_start": date(2026, 11, 2)},
    "sources": [{"name": "server", "kind": "github", "repo": "orchardly/orchard", "token_env": "ORCHARD_NO_TOKEN"},
                {"name": "so", "kind": "stackexchange", "site": "stackoverflow", "tagged": "orchard"}],
    "docs": {"forum": "https://forum.orchardly.test", "docs": "https://docs.orchardly.test",
             "troubleshooting": "https://docs.orchardly.test/trouble"},
}


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(
        source="server", kind="github", external_id="7", url="https://github.com/orchardly/orchard/issues/7",
        title="Sync stalls [@click=app.quit]after[/] upgrade", body="It stalls.", author="wren",
        author_is_staff=False, created_at=NOW - timedelta(days=1), last_activity_at=NOW - timedelta(hours=2))])
    store.save_page("so", [Item(
        source="so", kind="stackexchange", external_id="900", url="https://stackoverflow.com/q/900",
        title="How to configure orchard?", body="?", author="quinn", author_is_staff=False,
        created_at=NOW - timedelta(days=2), last_activity_at=NOW - timedelta(days=2))])
    store.set_triage(["server:7"], {"type": "troubleshooting"}, now=NOW, by="test")
    yield store
    store.close()


def _app(store: Store, **extra):
    return make_app(parse({**CONFIG, **extra}), store, now=lambda: NOW)


def _editor(app) -> TextArea:
    return app.screen.query_one(TextArea)


async def _open(pilot, key: str = "server:7") -> None:
    await settle(pilot)
    items = pilot.app.screen.query_one(ItemList)
    while items.highlighted["key"] != key:
        await pilot.press("j")
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ComposeScreen)


async def test_r_offers_the_template_that_suits_the_post(store):
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        # a troubleshooting post on GitHub: move it to the forum
        assert "https://forum.orchardly.test" in _editor(app).text
        assert "Hi wren" in _editor(app).text
        first = app.screen.query_one(OptionList).get_option_at_index(0)
        assert first.id == "move-to-forum"
        await pilot.pause(0.6)
        assert "forum.orchardly.test" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await settle(pilot)
        assert store.drafts.get("server:7") is None  # offered, not written: no draft


async def test_find_a_template_and_a_missing_link_is_named(store):
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        before = _editor(app).text
        await pilot.press("ctrl+t", *"ideas", "enter")  # needs {docs.ideas}, which the config lacks
        await settle(pilot)
        status = shown(app.screen.query_one("#compose-status"))
        assert "{docs.ideas}" in status and "[docs]" in status
        assert _editor(app).text == before
        await pilot.press("ctrl+t", *("ctrl+a",), "backspace", *"ask", "enter")
        await settle(pilot)
        assert "https://docs.orchardly.test/trouble" in _editor(app).text


async def test_the_picker_highlights_the_template_the_editor_holds(store):
    """Whichever way a template reached the editor (offered, chosen after a search, or a
    draft brought back), the picker's highlight is on it, not on the first in the list."""
    def highlighted(app) -> str:
        options = app.screen.query_one(OptionList)
        return str(options.get_option_at_index(options.highlighted).id)

    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        assert highlighted(app) == app.screen.template_name == "move-to-forum"
        await pilot.press("ctrl+t", *"ask", "enter")
        await settle(pilot)
        await pilot.press("ctrl+t", "end", "backspace", "backspace", "backspace")  # the search cleared
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(0).id == "move-to-forum"
        assert highlighted(app) == app.screen.template_name == "ask-details"
        await pilot.press("ctrl+r", *" Thanks!")
        await pilot.pause(0.6)
        await pilot.press("escape")
        await settle(pilot)
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)  # the draft comes back, and with it its template
        assert _editor(app).text.endswith("Thanks!")
        assert highlighted(app) == "ask-details"


async def test_what_is_typed_survives_closing_and_comes_back(store):
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        await pilot.press("ctrl+r", *" Also [bold]this[/]")
        await pilot.pause(0.6)
        await settle(pilot)
        assert store.drafts.get("server:7").text.endswith("Also [bold]this[/]")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)
        preview = shown(app.screen.query_one("#preview-body"))
        assert "A draft reply is waiting" in preview
    # a new session, as after quitting the app
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        assert _editor(app).text.endswith("Also [bold]this[/]")
        assert "draft" in shown(app.screen.query_one("#compose-status"))


async def test_a_failed_post_keeps_the_text_and_a_retry_posts(store, monkeypatch):
    calls = []

    async def fake_send(config, store_, key, text, **kwargs):
        calls.append(text)
        if len(calls) == 1:
            store_.drafts.save(key, text, template=kwargs.get("template"), now=NOW)
            store_.drafts.failed(key, "HTTP 422: Validation Failed")
            raise SourceError("server", "not posted, the draft is kept: HTTP 422: Validation Failed", 422)
        store_.record_posted(key, Reply("c1", "maya", True, NOW, text))
        store_.drafts.discard(key)
        return Outcome(key, text, True, "https://github.com/orchardly/orchard/issues/7#issuecomment-1", "Posted: …")

    monkeypatch.setattr("inbox.respond.replies.send_reply", fake_send)  # what the workspace posts with
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert "422" in shown(app.screen.query_one("#compose-status"))
        assert store.drafts.get("server:7").error
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)
        assert len(calls) == 2 and calls[0] == calls[1]
        row = store.item("server:7", now=NOW)
        assert row["awaiting"] == 0 and row["replies"] == 1


@pytest.mark.parametrize("desktop_works", [True, False], ids=["a desktop", "no desktop"])
async def test_a_channel_without_a_reply_api_gets_the_text_copied_and_the_page_opened(
        store, monkeypatch, desktop_works):
    """Handed over, and the toast says what happened: copied and opening, or, where no
    clipboard tool or browser is, that they were not, with the page to paste it on."""
    copied, opened = [], []
    monkeypatch.setattr("inbox.desktop.copy_text", lambda text: copied.append(text) or desktop_works)
    monkeypatch.setattr("inbox.desktop.open_page", lambda url: opened.append(url) or desktop_works)
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot, "so:900")
        header = shown(app.screen.query_one("#compose-header"))
        assert "not posted" in header and "stackexchange replies are posted by hand" in header
        await pilot.press("ctrl+r", *"Try the docs.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)
        assert copied and copied[0].endswith("Try the docs.")
        assert app.clipboard.endswith("Try the docs.")  # the terminal is asked too
        assert opened == ["https://stackoverflow.com/q/900"]
        toast = [n.message for n in app._notifications][-1]
        if desktop_works:
            assert "copied to the clipboard" in toast and "Opening its page" in toast
        else:
            assert "copied" not in toast.replace("No clipboard", "") and "Opening" not in toast
            assert "No clipboard tool here" in toast and "paste it at https://stackoverflow.com/q/900" in toast
        assert store.drafts.get("so:900") is not None  # kept until the user posts it by hand
        assert store.item("so:900", now=NOW)["replies"] == 0


async def test_a_source_without_its_token_hands_over_too(store, monkeypatch):
    monkeypatch.delenv("ORCHARD_NO_TOKEN", raising=False)
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await _open(pilot)
        header = shown(app.screen.query_one("#compose-header"))
        assert "ORCHARD_NO_TOKEN" in header


async def test_rotation_status_and_jira_keys(store):
    app = _app(store)
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(ItemList).highlighted["key"]
        await pilot.press("A")
        await settle(pilot)
        assert store.triage_rows([key])[key]["assignee"] == "devin"  # 2 Nov + 16 days: the third week, devin again
        assert store.triage_rows([key])[key]["assigned_at"] is not None
        # status on a troubleshooting post is refused; on a feature proposal it is set
        await pilot.press("s")
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("2", "k", "s")  # tagging moved on to the next post: back to it
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"planned", "enter")
        await settle(pilot)
        assert store.triage_rows([key])[key]["status"] == "planned"
        await pilot.press("J")  # no [jira] section: says so, files nothing
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)
        assert store.triage_rows([key])[key]["jira_key"] is None
