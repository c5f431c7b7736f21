"""The demo's triage at work: type suggestions learned from the team's tags, the same
questions asked on two channels found as each other's first similar post, and a pair
linked as duplicates (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

import pytest

from inbox import demo
from inbox.query import INBOX_QUERY
from inbox.store import Store, open_store
from inbox.triage import suggestions
from tests.conftest import postgres_database

NOW = datetime(2026, 11, 18, 12, 0, 30, tzinfo=timezone.utc)

TWINS = [("server:4131", "forum:9022"),      # the desktop app's blank window, on GitHub and the forum
         ("forum:9008", "so:79200116"),      # webhooks posting nothing after 10.2, forum and Stack Overflow
         ("server:4126", "helpdesk:2847")]   # the SAML sign-in loop, on GitHub and from a customer
"""The same question asked on two channels."""

SENSIBLE = {
    "server:4131": {"bug"}, "server:4110": {"bug"}, "server:4129": {"bug"}, "server:4130": {"bug"},
    "desktop:412": {"bug"}, "server:4114": {"bug"}, "server:4123": {"bug"},
    "so:79200114": {"question"}, "forum:9006": {"question"}, "server:4107": {"question"},
    "chat:215469031200418": {"question"}, "chat:215469029877102": {"question"},
    "server:4127": {"feature"}, "server:4125": {"feature"}, "server:4106": {"feature"},
    "forum:9013": {"feature"}, "ideas:47011853": {"feature"},
    "so:79200111": {"troubleshooting"}, "forum:9017": {"troubleshooting"}, "forum:9021": {"troubleshooting"},
    "forum:9020": {"troubleshooting", "bug"}, "forum:9012": {"troubleshooting", "bug"},
    "forum:9022": {"troubleshooting", "bug"}, "so:79200116": {"troubleshooting", "bug"},
    "helpdesk:2847": {"troubleshooting", "bug"}, "forum:9008": {"troubleshooting", "bug"},
    "forum:9007": {"troubleshooting"}, "so:79200106": {"question", "troubleshooting"},
    "so:79200109": {"troubleshooting", "question"}, "so:79200107": {"question"},
}
"""What an untagged post could sensibly be suggested as, by a person reading it."""
SLACK_SENSIBLE = {"The channel sidebar is empty": {"bug"}, "Hi all! We're a 300-person nonprofit": {"question"},
                  "Is there a way to see *who* reacted": {"question", "feature"},
                  "How do I reset the system admin's password": {"question", "troubleshooting"},
                  "Following the Helm guide": {"troubleshooting"}}
"""The same for Slack messages, whose keys are the times they were posted: by their start."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param == "sqlite":
        context = nullcontext(tmp_path_factory.mktemp("demo") / "demo.db")
    else:
        context = postgres_database()
    with context as location:
        opened = open_store(location)
        opened.suggest_threshold = demo.demo_config().suggest.threshold  # as the demo opens it
        demo.load_demo(opened, now=NOW)
        yield opened
        opened.close()


def _sensible(row: dict) -> set[str]:
    if row["kind"] == "slack":
        return next((kinds for start, kinds in SLACK_SENSIBLE.items() if row["title"].startswith(start)), set())
    return SENSIBLE.get(row["key"], set())


# --- type suggestions ------------------------------------------------------------------

def test_every_type_has_enough_tags_to_be_suggested(store: Store) -> None:
    config = demo.demo_config()
    ready = suggestions.readiness(config, store)
    assert ready.enough and len(ready.ready) == 4, ready.describe()
    assert min(ready.counts.values()) >= config.suggest.min_per_type
    # most posts are still untagged: the suggestions have somewhere to show
    assert store.count("type:none", now=NOW) > store.count("-type:none", now=NOW)


def test_the_demo_opens_with_sensible_suggestions(store: Store) -> None:
    """Trained at load, as after a sync: the untagged posts come with a suggested type,
    each one a person would agree with, several on the Inbox's first screen."""
    inbox = store.list_items(INBOX_QUERY, now=NOW, me=demo.ME)
    shown = [row for row in inbox if row["suggested_type"]]
    assert len(shown) >= 8
    for row in shown:
        assert not row["type"] and row["suggested_confidence"] >= 0.4
        assert row["suggested_type"] in _sensible(row), (row["key"], row["title"], row["suggested_type"])
    assert sum(1 for row in inbox[:25] if row["suggested_type"]) >= 3
    assert inbox[0]["key"] == "server:4131" and inbox[0]["suggested_type"] == "bug"
    assert {row["suggested_type"] for row in shown} == {"bug", "feature", "question", "troubleshooting"}


def test_loading_again_keeps_the_model_and_suggests_for_the_new_slack_keys(tmp_path) -> None:
    store = Store(tmp_path / "demo.db")
    store.suggest_threshold = 0.0  # every suggestion, shown or not
    demo.load_demo(store, now=NOW)
    generation = store.suggestions.generation()
    first = {row["title"]: (row["suggested_type"], row["suggested_confidence"])
             for row in store.list_items("", now=NOW)}
    later = NOW + timedelta(days=2)
    demo.load_demo(store, now=later)  # the Slack messages come back under other keys
    assert store.suggestions.generation() == generation  # the same tags: not trained again
    again = {row["title"]: (row["suggested_type"], row["suggested_confidence"])
             for row in store.list_items("", now=later)}
    assert again == first
    store.close()


# --- the same question on two channels ---------------------------------------------------

@pytest.mark.parametrize(("one", "other"), TWINS)
def test_each_twin_is_the_other_ones_first_similar_post(store: Store, one: str, other: str) -> None:
    for key, twin in ((one, other), (other, one)):
        found = store.similar(key, now=NOW)
        assert found and found[0]["key"] == twin, (key, [row["key"] for row in found])
        assert store.item(twin, now=NOW)["source"] != store.item(key, now=NOW)["source"]


def test_the_customer_ticket_is_linked_as_a_duplicate_of_the_github_issue(store: Store) -> None:
    [link] = store.duplicates.of("helpdesk:2847", now=NOW)
    assert link["key"] == "server:4126" and link["duplicate_of"]
    [back] = store.duplicates.of("server:4126", now=NOW)
    assert back["key"] == "helpdesk:2847" and not back["duplicate_of"]
    demo.load_demo(store, now=NOW)  # loading again links nothing twice
    assert len(store.duplicates.of("server:4126", now=NOW)) == 1
