"""The same question across channels in the inbox, through Pilot: the preview lists the
similar posts (and reads none while the playbook panel has its place), `D` links posts as
duplicates, `e` on one of a pair offers to mark the other done (only `E` does it), and
replying to one of a pair offers the template that links the other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input, TextArea

from inbox.config import parse
from inbox.models import Item, Reply
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SIZE = (170, 45)
POSTS = [
    ("server", "github", "1", "Webhooks stop firing after upgrading to 10.2",
     "Since the upgrade our outgoing webhooks never fire."),
    ("forum", "discourse", "7", "Outgoing webhooks not firing since the 10.2 upgrade",
     "After upgrading, none of our outgoing webhooks fire."),
    ("so", "stackexchange", "3", "How do I fire a webhook from a slash command?",
     "I want a slash command to call our webhook."),
    ("slack", "slack", "5", "Push notifications delayed on iOS", "They arrive minutes late."),
]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    for hours, (source, kind, number, title, body) in enumerate(POSTS, start=1):
        store.save_page(source, [Item(
            source=source, kind=kind, external_id=number, url=f"https://example.org/{source}/{number}",
            title=title, body=body, author="rhys", author_is_staff=False,
            created_at=NOW - timedelta(days=hours), last_activity_at=NOW - timedelta(hours=hours))],
            replies={"forum:7": [Reply(external_id="r1", author="maya", author_is_staff=True, body="Fixed in 10.2.1",
                                       created_at=NOW - timedelta(minutes=5))]} if source == "forum" else None)
    yield store
    store.close()


def _app(store: Store):
    return make_app(parse({"team": {"me": "ana", "staff": ["maya"]}}), store, now=lambda: NOW)


def _foot(app) -> str:
    foot = app.screen.query_one("#preview-similar")
    return shown(foot) if foot.display else ""


def _toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def _highlight(pilot, key: str) -> None:
    items = pilot.app.screen.query_one(ItemList)
    keys = [items.row(index)["key"] for index in range(items.total)]
    while items.highlighted["key"] != key:
        await pilot.press("j" if keys.index(key) > items.cursor else "k")
        await settle(pilot)


async def test_the_preview_lists_similar_posts_with_channel_state_and_answered(store):
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(ItemList).highlighted["key"] == "server:1"
        lines = _foot(app).splitlines()
        assert lines[0] == "Similar posts (D links one as a duplicate)"
        assert lines[1].startswith("1 forum:7 Discourse · open · answered  Outgoing webhooks not firing")
        assert any(line.startswith("2 so:3 Stack Overflow · open · unanswered") for line in lines)
        assert "server:1 " not in _foot(app)


async def test_no_similar_read_while_the_playbook_panel_has_the_preview_s_place(store, monkeypatch):
    reads: list[str] = []
    similar = store.similar

    def counted(key, **kwargs):
        reads.append(key)
        return similar(key, **kwargs)

    monkeypatch.setattr(store, "similar", counted)
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # read for the first post (again if a background refresh reloaded the preview)
        assert reads and set(reads) == {"server:1"}
        before = len(reads)
        await pilot.press("p")  # the playbook panel takes the preview's place
        await settle(pilot)
        app.screen.query_one(ItemList).focus()
        for _ in range(3):
            await pilot.press("j")
            await settle(pilot)
        assert len(reads) == before, "read while the preview was not shown"
        await pilot.press("p")  # the preview is back: its post's similar posts are read
        await settle(pilot)
        assert reads[before:] and set(reads[before:]) == {"slack:5"}
        assert "No similar post in any channel" in _foot(app)


async def test_d_links_the_post_to_a_similar_one_and_again_unlinks_it(store):
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen) and prompt.query_one(Input).value == "forum:7"
        await pilot.press("enter")
        await settle(pilot)
        assert store.duplicates.keys_of(["forum:7"]) == {"forum:7": ["server:1"]}
        assert _toasts(app)[-1].startswith("Linked as a duplicate of forum:7: Webhooks stop firing")
        assert "⧉ duplicate of forum:7 Discourse · open · answered" in _foot(app)
        assert [c.by for c in store.history.of("server:1")] == ["ana"]
        await _highlight(pilot, "forum:7")  # the pair shows on the other post too
        assert "⧉ duplicated by server:1 GitHub · open · unanswered" in _foot(app)
        await _highlight(pilot, "server:1")

        await pilot.press("D")  # a number picks from the similar posts; a linked one is unlinked
        await settle(pilot)
        app.screen.query_one(Input).value = "1"
        await pilot.press("enter")
        await settle(pilot)
        assert store.duplicates.keys_of(["server:1"]) == {"server:1": []}
        assert "⧉" not in _foot(app)

        await pilot.press("D")
        await settle(pilot)
        app.screen.query_one(Input).value = "server:1"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # not a duplicate of itself: asked again
        assert "cannot be a duplicate of itself" in shown(app.screen.query_one("#prompt-error"))
        await pilot.press("escape")


async def test_done_on_one_of_a_pair_offers_the_other_and_only_e_marks_it(store):
    store.duplicates.link(["server:1"], "forum:7", by="amy", now=NOW)
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert _toasts(app)[-1] == "Done, and its duplicate forum:7 is still open: E marks it done too"
        assert store.triage_rows(["forum:7"])["forum:7"] is None  # offered, never done by itself
        await pilot.press("E")
        await settle(pilot)
        assert store.triage_rows(["forum:7"])["forum:7"]["done"] == 1
        assert _toasts(app)[-1].startswith("Done (duplicate): Outgoing webhooks")
        await pilot.press("E")  # the offer is used up
        await settle(pilot)
        assert _toasts(app)[-1].startswith("Nothing offered")
        await pilot.press("u")  # undone like any triage key
        await settle(pilot)
        after = store.triage_rows(["forum:7"])["forum:7"]
        assert after is None or not after["done"]


async def test_replying_to_one_of_a_pair_offers_the_template_that_links_the_other(store):
    store.duplicates.link(["server:1"], "forum:7", by="amy", now=NOW)
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert "https://example.org/forum/7" in app.screen.query_one(TextArea).text
        assert "Same question as another post offered" in shown(app.screen.query_one("#compose-status"))
        await pilot.press("escape")
        await settle(pilot)
        await _highlight(pilot, "so:3")  # not linked: the usual offer
        await pilot.press("r")
        await settle(pilot)
        assert "example.org/forum/7" not in app.screen.query_one(TextArea).text
