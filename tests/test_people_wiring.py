from datetime import datetime, timedelta, timezone

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.triage.people import sync_person_logins
from inbox.tui.app import make_app
from inbox.tui.screens.people import PeopleScreen
from inbox.tui.widgets.item_list import ItemList
from tests.pilot_helpers import settle

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)


def _item(source, kind, n, author):
    return Item(source=source, kind=kind, external_id=str(n), url=f"https://x/{n}", title=f"Post {n}", body="b",
                author=author, author_is_staff=False, created_at=NOW - timedelta(days=1),
                last_activity_at=NOW - timedelta(hours=n))


async def test_P_opens_people_and_enter_filters_the_inbox(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [_item("server", "github", 1, "amy-acme"), _item("server", "github", 2, "bob")])
    store.save_page("forum", [_item("forum", "discourse", 3, "core-amy")])
    config = parse({"sources": [{"name": "server", "kind": "github", "repo": "a/b"},
                                {"name": "forum", "kind": "discourse", "base_url": "https://f"}],
                    "people": {"amy": {"github": "amy-acme", "discourse": "core-amy"}}})
    sync_person_logins(config, store)
    app = make_app(config, store, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(ItemList).total == 3
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, PeopleScreen)
        assert app.screen.highlighted.name == "amy"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.filter_text == "author:amy"
        assert app.screen.query_one(ItemList).total == 2
    store.close()


def test_bad_people_config_fails_at_load():
    import pytest

    from inbox.errors import ConfigError
    with pytest.raises(ConfigError, match="people.amy.githb"):
        parse({"people": {"amy": {"githb": "x"}}})
