"""The store's side of the rules: `rule_actions`, and a rules pass that reads and writes in
one transaction, committed whole, or rolled back whole for a dry run or an error."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.query import parse_query
from inbox.store import Store
from inbox.store.rules import RuleRecord
from inbox.triage.rules import apply_rules

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def make_item(number: int, title: str = "It does not work", **changes: Any) -> Item:
    item = Item(source="server", kind="github", external_id=str(number), url=f"https://example.org/{number}",
                title=title, body="Help!", author="rhys", author_is_staff=False,
                created_at=NOW - timedelta(days=1), last_activity_at=NOW - timedelta(hours=2))
    return replace(item, **changes)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [make_item(1), make_item(2, "Feature idea"), make_item(3)],
                    synced_at=NOW - timedelta(minutes=5))
    yield store
    store.close()


def written(store: Store) -> tuple:
    """Everything a pass can write, as the store reads it back."""
    return (store.triage_rows(["server:1", "server:2", "server:3"]), store.rule_actions.history("server:1"),
            store.drafts.all(), store.history.of("server:1"))


def test_a_pass_commits_its_triage_records_and_drafts_together(store: Store) -> None:
    with store.rules_pass() as rules:
        rules.set_triage("server:1", {"type": "bug", "done": True}, now=NOW, by="test", rule="bugs")
        rules.record("server:1", "bugs", "type", "bug", now=NOW)
        rules.add_draft("server:1", "Thanks!", template="thanks", now=NOW)
    assert store.triage_rows(["server:1"])["server:1"]["type"] == "bug"
    assert store.rule_actions.history("server:1") == [RuleRecord("server:1", "bugs", "type", "bug",
                                                                 "2026-11-20T10:00:00Z")]
    [draft] = store.drafts.all()
    assert (draft.key, draft.text, draft.template) == ("server:1", "Thanks!", "thanks")


def test_a_pass_sees_what_it_wrote_before_it_commits(store: Store) -> None:
    with store.rules_pass() as rules:
        assert rules.matching(parse_query("type:bug"), now=NOW, me=None, keys=None) == []
        rules.set_triage("server:3", {"type": "bug"}, now=NOW, by="test", rule="bugs")
        rules.record("server:3", "bugs", "type", "bug", now=NOW)
        rules.add_draft("server:3", "Thanks!", template="thanks", now=NOW)
        assert [row["key"] for row in rules.matching(parse_query("type:bug"), now=NOW, me=None, keys=None)] \
            == ["server:3"]
        assert [done.rule for done in rules.history(["server:3"])] == ["bugs"]
        assert rules.has_draft("server:3") and not rules.has_draft("server:1")


@pytest.mark.parametrize("how", ["dry run", "error"])
def test_a_dry_run_or_an_error_leaves_nothing(store: Store, how: str) -> None:
    before = written(store)
    with pytest.raises(RuntimeError) if how == "error" else nullcontext():
        with store.rules_pass(dry_run=how == "dry run") as rules:
            rules.set_triage("server:1", {"assignee": "amy"}, now=NOW, by="test", rule="routing")
            rules.record("server:1", "routing", "assign", "amy", now=NOW)
            rules.add_draft("server:1", "Hello", template="hello", now=NOW)
            if how == "error":
                raise RuntimeError("a rule failed")
    assert written(store) == before
    with store.rules_pass() as rules:  # the store is usable after
        rules.record("server:1", "routing", "assign", "amy", now=NOW)
    assert len(store.rule_actions.history("server:1")) == 1


def test_a_draft_already_there_is_never_overwritten(store: Store) -> None:
    store.drafts.save("server:1", "my own words", template=None, now=NOW)
    with store.rules_pass() as rules:
        rules.add_draft("server:1", "a template's words", template="thanks", now=NOW)
    assert store.drafts.get("server:1").text == "my own words"


def test_matching_takes_the_given_keys_in_key_order_with_the_triage_row(store: Store) -> None:
    store.set_triage(["server:3"], {"status": "planned"}, now=NOW, by="test")
    query = parse_query('"does not work"')
    with store.rules_pass(dry_run=True) as rules:
        assert [row["key"] for row in rules.matching(query, now=NOW, me=None, keys=None)] == ["server:1", "server:3"]
        assert [row["key"] for row in rules.matching(query, now=NOW, me=None, keys=["server:3", "server:2"])] \
            == ["server:3"]
        assert rules.matching(query, now=NOW, me=None, keys=[]) == []
        [row] = rules.matching(query, now=NOW, me=None, keys=["server:3"])
    assert type(row) is dict
    assert (row["triage_status"], row["done_flag"], row["triage_updated_at"]) == ("planned", 0, "2026-11-20T10:00:00Z")
    assert row["title"] == "It does not work" and row["sla_due_at"] is None  # a list row, as list_items gives


def test_history_is_oldest_first_and_for_the_keys_asked(store: Store) -> None:
    store.rule_actions.record("server:1", "b", "type", "bug", now=NOW)
    store.rule_actions.record("server:2", "a", "done", "true", now=NOW - timedelta(hours=1))
    store.rule_actions.record("server:1", "a", "skip:label", "no token", now=NOW - timedelta(hours=1))
    assert [(r.rule, r.field) for r in store.rule_actions.history("server:1")] == [("a", "skip:label"), ("b", "type")]
    with store.rules_pass(dry_run=True) as rules:
        assert [r.key for r in rules.history(None)] == ["server:2", "server:1", "server:1"]
        assert [r.key for r in rules.history(["server:2"])] == ["server:2"]


def test_keys_synced_since_are_what_a_sync_saved_from_then_on(store: Store) -> None:
    store.save_page("server", [make_item(4)], synced_at=NOW)
    assert store.keys_synced_since(NOW) == ["server:4"]
    assert store.keys_synced_since("2026-11-20T09:55:00Z") == ["server:1", "server:2", "server:3", "server:4"]
    assert store.keys_synced_since(NOW + timedelta(seconds=1)) == []


def test_a_rule_decides_exactly_as_the_tui_does(store: Store) -> None:
    """A rule's triage and the same decision made by hand leave the same row (but the key)."""
    config = parse({"team": {"me": "maya"},
                    "sources": [{"name": "server", "kind": "github", "repo": "parley-chat/parley-server"}],
                    "rules": [{"name": "all", "query": "source:server", "type": "bug", "assign": "Amy",
                               "done": True, "snooze": "2d"}]})
    apply_rules(config, store, now=NOW, keys=["server:1"])
    store.set_triage(["server:2"], {"type": "bug", "assignee": "Amy", "done": True,
                                    "snoozed_until": NOW + timedelta(days=2)}, now=NOW, by="test")
    by_rule, by_hand = (store.triage_rows([key])[key] for key in ("server:1", "server:2"))
    assert {**by_rule, "key": None} == {**by_hand, "key": None}
    assert by_rule["assigned_at"] == "2026-11-20T10:00:00Z" and by_rule["done_activity_at"] == "2026-11-20T08:00:00Z"


def test_a_pass_refuses_what_is_not_a_triage_field(store: Store) -> None:
    with pytest.raises(ValueError, match="not triage fields"):
        with store.rules_pass() as rules:
            rules.set_triage("server:1", {"assign": "amy"}, now=NOW, by="test", rule="routing")
    assert store.triage_rows(["server:1"])["server:1"] is None
