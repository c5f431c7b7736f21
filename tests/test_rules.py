"""Rules: each action, running twice changes nothing, a decision made by hand is never
undone, only what a sync brought is considered, drafts and labels once, a dry run writes
nothing, bad rules are one clear line, and the help desk's routines as rules."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox.cli.rules import add_parsers
from inbox.cli.rules import run as run_cli
from inbox.config import Config, parse
from inbox.errors import ConfigError
from inbox.models import Item
from inbox.store import Store
from inbox.triage.rules import (
    RuleAction,
    apply_rules,
    apply_rules_async,
    changed_keys_since,
    load_rules,
    preview_rules,
    rules_after_sync,
)
from inbox.triage.history import rule_history

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=1)
SOURCES = [
    {"name": "helpdesk", "kind": "zendesk", "subdomain": "parley", "email": "maya@example.org",
     "token_env": "ZENDESK_TOKEN"},
    {"name": "server", "kind": "github", "repo": "parley-chat/parley-server", "token_env": "GITHUB_TOKEN"},
    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
]
KINDS = {"helpdesk": "zendesk", "server": "github", "forum": "discourse"}
CAREERS = """---
title: Apply through the careers page
kinds: [zendesk]
links: [careers]
---
Hi {author}, thank you for your interest in joining the team!

Please apply through our careers page: {docs.careers}

Thanks, {me}
"""


def make_config(*rules: dict[str, Any], templates: Path | None = None, **extra: Any) -> Config:
    data: dict[str, Any] = {"team": {"staff": ["maya"], "me": "maya"}, "sources": SOURCES,
                            "rules": list(rules), **extra}
    if templates is not None:
        data["templates"] = {"paths": [str(templates)]}
    return parse(data)


def make_item(source: str, number: int, title: str = "It does not work", *, body: str = "Help!",
              active: datetime = NOW - timedelta(hours=2), **changes: Any) -> Item:
    item = Item(source=source, kind=KINDS[source], external_id=str(number),
                url=f"https://example.org/{source}/{number}", title=title, body=body, author="rhys",
                author_is_staff=False, created_at=NOW - timedelta(days=1), last_activity_at=active)
    return replace(item, **changes)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def save(store: Store, *items: Item, at: datetime = NOW - timedelta(minutes=5)) -> None:
    for source in dict.fromkeys(item.source for item in items):
        store.save_page(source, [item for item in items if item.source == source], synced_at=at)


def triage(store: Store, key: str) -> dict[str, Any] | None:
    return store.triage_rows([key])[key]


def recorded(store: Store) -> list[tuple]:
    return store.db.execute("SELECT key, rule, field, value, at FROM rule_actions ORDER BY id").fetchall()


def applied(actions: list[RuleAction]) -> list[str]:
    return [action.describe() for action in actions if action.applied]


def skipped(actions: list[RuleAction]) -> list[str]:
    return [action.describe() for action in actions if not action.applied]


# --- each action ------------------------------------------------------------------------

TRIAGE_ACTIONS = [
    ({"type": "bug"}, {"type": "bug"}, ("type", "bug")),
    ({"status": "planned"}, {"status": "planned"}, ("status", "planned")),
    ({"assign": "amy"}, {"assignee": "amy", "assigned_at": "2026-11-20T10:00:00Z"}, ("assign", "amy")),
    ({"done": True}, {"done": 1, "done_activity_at": "2026-11-20T08:00:00Z"}, ("done", "true")),
    ({"snooze": "2d"}, {"snoozed_until": "2026-11-22T10:00:00Z"}, ("snooze", "2026-11-22T10:00:00Z")),
]


@pytest.mark.parametrize(("action", "expected", "record"), TRIAGE_ACTIONS, ids=[a[2][0] for a in TRIAGE_ACTIONS])
def test_each_triage_action_is_applied_and_recorded(store: Store, action: dict, expected: dict,
                                                    record: tuple) -> None:
    save(store, make_item("server", 1), make_item("server", 2, "Something else"))
    config = make_config({"name": "r", "query": "source:server \"does not work\"", **action})
    actions = apply_rules(config, store, now=NOW)
    assert [(a.key, a.field, a.value, a.applied) for a in actions] == [("server:1", *record, True)]
    row = triage(store, "server:1")
    assert {name: row[name] for name in expected} == expected
    assert triage(store, "server:2") is None
    assert recorded(store) == [("server:1", "r", *record, "2026-11-20T10:00:00Z")]
    assert store.db.execute("SELECT updated_at FROM triage WHERE key = 'server:1'").fetchone()[0] == \
        "2026-11-20T10:00:00Z"


def test_done_by_a_rule_hides_the_item_until_new_activity(store: Store) -> None:
    save(store, make_item("server", 1))
    apply_rules(make_config({"name": "r", "query": "source:server", "done": True}), store, now=NOW)
    assert store.count("is:done", now=NOW) == 1
    save(store, make_item("server", 1, active=LATER), at=LATER)
    assert store.count("is:done", now=LATER) == 0


def test_template_drafts_a_reply(store: Store, tmp_path: Path) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    save(store, make_item("helpdesk", 7, "Application: Developer Advocate"))
    config = make_config({"name": "jobs", "query": "kind:zendesk application", "template": "careers"},
                         templates=tmp_path, docs={"careers": "https://example.org/careers"})
    actions = apply_rules(config, store, now=NOW)
    assert applied(actions) == ["helpdesk:7 template=careers"]
    draft = store.drafts.get("helpdesk:7")
    assert draft.template == "careers" and draft.updated_at == "2026-11-20T10:00:00Z"
    assert draft.text == ("Hi rhys, thank you for your interest in joining the team!\n\n"
                          "Please apply through our careers page: https://example.org/careers\n\nThanks, maya")


def github_labels(answer: httpx.Response | None = None, seen: list | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append((request.method, request.url.path, json.loads(request.content),
                         request.headers.get("authorization")))
        if answer is not None:
            return answer
        return httpx.Response(200, json=[{"name": "existing"}, {"name": "needs-triage"}])
    return httpx.MockTransport(handle)


def test_label_is_added_on_the_channel(store: Store) -> None:
    save(store, make_item("server", 1, labels=["existing"]))
    config = make_config({"name": "triage-label", "query": "source:server", "label": "needs-triage"})
    seen: list = []
    actions = apply_rules(config, store, now=NOW, env={"GITHUB_TOKEN": "ghp_token"},
                          transport=github_labels(seen=seen))
    assert applied(actions) == ["server:1 label=needs-triage"]
    assert seen == [("POST", "/repos/parley-chat/parley-server/issues/1/labels",
                     {"labels": ["needs-triage"]}, "Bearer ghp_token")]
    assert store.count("label:needs-triage", now=NOW) == 1
    assert recorded(store) == [("server:1", "triage-label", "label", "needs-triage", "2026-11-20T10:00:00Z")]
    # once: not asked again, even if someone removes it on the channel
    seen.clear()
    store.set_labels("server:1", ["existing"])
    assert apply_rules(config, store, now=LATER, env={"GITHUB_TOKEN": "ghp_token"},
                       transport=github_labels(seen=seen)) == []
    assert seen == []


def test_a_label_the_channel_refuses_is_recorded_as_skipped(store: Store) -> None:
    save(store, make_item("server", 1))
    config = make_config({"name": "triage-label", "query": "source:server", "label": "needs-triage"})
    refusal = httpx.Response(404, json={"message": "Not Found"})
    actions = apply_rules(config, store, now=NOW, env={"GITHUB_TOKEN": "t"}, transport=github_labels(refusal))
    assert len(actions) == 1 and not actions[0].applied
    assert actions[0].reason.startswith("label 'needs-triage' not added: ")
    assert [row[2] for row in recorded(store)] == ["skip:label"]
    assert store.count("label:needs-triage", now=NOW) == 0


@pytest.mark.parametrize(("source", "reason"), [
    ("server", "label 'x' not added: source 'server': environment variable GITHUB_TOKEN "
               "(named by token_env) is not set"),
    ("forum", "label 'x' not added: source 'forum' has no token to post with"),
    ("helpdesk", "label 'x' not added: zendesk has no labels to write"),
])
def test_a_label_that_cannot_be_written_is_recorded_as_skipped(store: Store, source: str, reason: str) -> None:
    save(store, make_item(source, 1))
    config = make_config({"name": "lbl", "query": f"source:{source}", "label": "x"})
    actions = apply_rules(config, store, now=NOW, env={}, transport=github_labels(httpx.Response(500)))
    assert skipped(actions) == [f"{source}:1 label=x ({reason})"]
    assert recorded(store) == [(f"{source}:1", "lbl", "skip:label", reason, "2026-11-20T10:00:00Z")]
    assert [h["line"] for h in rule_history(store, f"{source}:1")] == [
        f"rule lbl did not add a label at 2026-11-20 10:00: {reason}"]
    # the same reason is recorded once
    apply_rules(config, store, now=LATER, env={})
    assert len(recorded(store)) == 1


# --- idempotence ------------------------------------------------------------------------

ALL_ACTIONS = {"type": "bug", "status": "under-review", "assign": "amy", "done": True, "snooze": "2d",
               "label": "x", "template": "careers"}


def test_running_twice_records_nothing_new(store: Store, tmp_path: Path) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    save(store, make_item("helpdesk", 1), make_item("helpdesk", 2), make_item("forum", 3))
    config = make_config({"name": "everything", "query": "\"does not work\"", **ALL_ACTIONS},
                         templates=tmp_path, docs={"careers": "https://example.org/careers"})
    first = apply_rules(config, store, now=NOW)
    assert len(applied(first)) == 3 * 6  # the label cannot be written to either channel
    rows = store.triage_rows(["helpdesk:1", "helpdesk:2", "forum:3"])
    history = recorded(store)
    drafts = store.drafts.all()

    for moment in (NOW, LATER):
        again = apply_rules(config, store, now=moment)
        assert applied(again) == []
        assert store.triage_rows(["helpdesk:1", "helpdesk:2", "forum:3"]) == rows
        assert recorded(store) == history
        assert store.drafts.all() == drafts


def test_a_later_rule_sees_what_an_earlier_one_did_so_a_second_run_adds_nothing(store: Store) -> None:
    save(store, make_item("server", 1, "Crash on start"))
    config = make_config({"name": "crashes", "query": "crash", "type": "bug"},
                         {"name": "bugs-to-amy", "query": "type:bug", "assign": "amy"})
    assert applied(apply_rules(config, store, now=NOW)) == ["server:1 type=bug", "server:1 assign=amy"]
    assert apply_rules(config, store, now=LATER) == []


def test_the_first_rule_in_the_config_decides_a_field(store: Store) -> None:
    save(store, make_item("server", 1, "Crash on start"))
    config = make_config({"name": "crashes", "query": "crash", "type": "bug"},
                         {"name": "starts", "query": "start", "type": "question", "done": True})
    actions = apply_rules(config, store, now=NOW)
    assert [a.describe() for a in actions] == [
        "server:1 type=bug", "server:1 type=question (left to rule crashes, earlier in the config)",
        "server:1 done=true"]
    assert triage(store, "server:1")["type"] == "bug"
    assert applied(apply_rules(config, store, now=LATER)) == []
    assert triage(store, "server:1")["type"] == "bug"


def test_a_rule_whose_config_changed_replaces_its_own_value(store: Store) -> None:
    save(store, make_item("server", 1))
    apply_rules(make_config({"name": "r", "query": "source:server", "type": "bug"}), store, now=NOW)
    actions = apply_rules(make_config({"name": "r", "query": "source:server", "type": "question"}),
                          store, now=LATER)
    assert applied(actions) == ["server:1 type=question"]
    assert triage(store, "server:1")["type"] == "question"


# --- never undo a decision made by hand ---------------------------------------------------

@pytest.mark.parametrize(("by_hand", "action", "reason"), [
    ({"type": "question"}, {"type": "bug"}, "type=bug (set by hand to question: left alone)"),
    ({"status": "declined"}, {"status": "planned"}, "status=planned (set by hand to declined: left alone)"),
    ({"assignee": "bob"}, {"assign": "amy"}, "assign=amy (set by hand to bob: left alone)"),
    ({"snoozed_until": "2026-11-25T09:00:00Z"}, {"snooze": "2d"},
     "snooze=until 2026-11-22 10:00 (snoozed by hand until 2026-11-25 09:00: left alone)"),
])
def test_a_field_set_by_hand_is_left_alone(store: Store, by_hand: dict, action: dict, reason: str) -> None:
    save(store, make_item("server", 1))
    store.set_triage(["server:1"], by_hand, now=NOW - timedelta(hours=1), by="test")
    before = triage(store, "server:1")
    actions = apply_rules(make_config({"name": "r", "query": "source:server", **action}), store, now=NOW)
    assert skipped(actions) == [f"server:1 {reason}"]
    assert triage(store, "server:1") == before
    assert recorded(store) == []


def test_a_hand_value_set_after_the_rule_wins_even_after_new_activity(store: Store) -> None:
    save(store, make_item("server", 1))
    config = make_config({"name": "r", "query": "source:server", "type": "bug"})
    apply_rules(config, store, now=NOW)
    store.set_triage(["server:1"], {"type": "question"}, now=NOW + timedelta(minutes=10), by="test")
    assert skipped(apply_rules(config, store, now=LATER, keys=["server:1"])) == [
        "server:1 type=bug (set by hand to question: left alone)"]
    save(store, make_item("server", 1, active=LATER), at=LATER)
    apply_rules(config, store, now=LATER + timedelta(minutes=1), keys=["server:1"])
    assert triage(store, "server:1")["type"] == "question"
    assert len(recorded(store)) == 1


def test_marked_not_done_by_hand_stays_until_the_item_has_new_activity(store: Store) -> None:
    """The decision: a field a rule set and the user cleared is left alone until the item
    changes; then the rule may act again, and that is a new action."""
    save(store, make_item("server", 1))
    config = make_config({"name": "noise", "query": "source:server", "done": True})
    apply_rules(config, store, now=NOW)
    store.set_triage(["server:1"], {"done": False}, now=NOW + timedelta(minutes=10), by="test")

    actions = apply_rules(config, store, now=NOW + timedelta(minutes=20), keys=["server:1"])
    assert skipped(actions) == ["server:1 done=true (marked not done by hand after rule noise set it: "
                                "left alone until the item has new activity)"]
    assert not triage(store, "server:1")["done"]

    save(store, make_item("server", 1, active=LATER), at=LATER)
    actions = apply_rules(config, store, now=LATER + timedelta(minutes=1),
                          keys=changed_keys_since(store, LATER))
    assert applied(actions) == ["server:1 done=true"]
    assert [h["line"] for h in rule_history(store, "server:1")] == [
        "rule noise set done at 2026-11-20 10:00", "rule noise set done at 2026-11-20 11:01"]


def test_done_that_new_activity_brought_back_is_marked_done_again(store: Store) -> None:
    save(store, make_item("server", 1))
    config = make_config({"name": "noise", "query": "source:server", "done": True})
    apply_rules(config, store, now=NOW)
    # the channel reports activity stamped before the rule ran (a late comment): still new
    save(store, make_item("server", 1, active=NOW - timedelta(minutes=30)), at=LATER)
    assert store.count("is:done", now=LATER) == 0
    assert applied(apply_rules(config, store, now=LATER, keys=["server:1"])) == ["server:1 done=true"]
    assert store.count("is:done", now=LATER) == 1


def test_an_item_done_by_hand_is_not_touched(store: Store) -> None:
    save(store, make_item("server", 1))
    store.set_triage(["server:1"], {"done": True}, now=NOW - timedelta(hours=1), by="test")
    assert apply_rules(make_config({"name": "r", "query": "source:server", "done": True}), store, now=NOW) == []
    assert recorded(store) == []


def test_a_snooze_is_set_once_and_not_again_until_new_activity(store: Store) -> None:
    save(store, make_item("server", 1))
    config = make_config({"name": "later", "query": "source:server", "snooze": "1d"})
    assert applied(apply_rules(config, store, now=NOW)) == ["server:1 snooze=until 2026-11-21 10:00"]
    assert apply_rules(config, store, now=NOW + timedelta(hours=2)) == []  # its snooze is still on
    after = NOW + timedelta(days=2)
    assert skipped(apply_rules(config, store, now=after)) == [
        "server:1 snooze=until 2026-11-23 10:00 (rule later snoozed it until 2026-11-21 10:00: "
        "not again until the item has new activity)"]
    save(store, make_item("server", 1, active=after), at=after)
    assert applied(apply_rules(config, store, now=after + timedelta(minutes=1), keys=["server:1"])) == [
        "server:1 snooze=until 2026-11-23 10:01"]


def test_unassigned_by_hand_stays_unassigned(store: Store) -> None:
    save(store, make_item("server", 1))
    config = make_config({"name": "r", "query": "source:server", "assign": "amy"})
    apply_rules(config, store, now=NOW)
    store.set_triage(["server:1"], {"assignee": None}, now=NOW + timedelta(minutes=5), by="test")
    assert skipped(apply_rules(config, store, now=LATER)) == [
        "server:1 assign=amy (unassigned by hand after rule r set it: left alone until the item has new activity)"]
    assert triage(store, "server:1")["assignee"] is None


def test_assignee_compares_without_case(store: Store) -> None:
    save(store, make_item("server", 1))
    store.set_triage(["server:1"], {"assignee": "Amy"}, now=NOW - timedelta(hours=1), by="test")
    assert apply_rules(make_config({"name": "r", "query": "source:server", "assign": "amy"}), store, now=NOW) == []


# --- only what a sync brought ----------------------------------------------------------

def test_only_the_given_keys_are_considered(store: Store) -> None:
    save(store, make_item("server", 1), make_item("server", 2))
    config = make_config({"name": "r", "query": "source:server", "type": "bug"})
    assert applied(apply_rules(config, store, now=NOW, keys=["server:2", "server:9"])) == ["server:2 type=bug"]
    assert triage(store, "server:1") is None
    assert apply_rules(config, store, now=NOW, keys=[]) == []


def test_changed_keys_are_what_the_sync_saved(store: Store) -> None:
    save(store, make_item("server", 1), make_item("forum", 2), at=NOW - timedelta(days=1))
    save(store, make_item("server", 3), make_item("forum", 2, active=NOW), at=NOW)
    assert changed_keys_since(store, NOW) == ["forum:2", "server:3"]
    assert changed_keys_since(store, "2026-11-20T10:00:00Z") == ["forum:2", "server:3"]
    assert changed_keys_since(store, LATER) == []


def test_after_sync_runs_the_rules_on_what_the_sync_brought(store: Store) -> None:
    save(store, make_item("server", 1), at=NOW - timedelta(days=1))
    save(store, make_item("server", 2), at=NOW)
    config = make_config({"name": "r", "query": "source:server", "type": "bug"})
    assert applied(rules_after_sync(config, store, since=NOW, now=LATER)) == ["server:2 type=bug"]
    assert rules_after_sync(make_config(), store, since=NOW - timedelta(days=2), now=LATER) == []


# --- drafts ---------------------------------------------------------------------------

def test_a_template_drafts_once_and_never_over_a_draft(store: Store, tmp_path: Path) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    save(store, make_item("helpdesk", 1, "Application: designer"), make_item("helpdesk", 2, "Application: writer"))
    store.drafts.save("helpdesk:1", "My own words", template=None, now=NOW - timedelta(hours=1))
    config = make_config({"name": "jobs", "query": "application", "template": "careers"},
                         templates=tmp_path, docs={"careers": "https://example.org/careers"})
    actions = apply_rules(config, store, now=NOW)
    assert [a.describe() for a in actions] == [
        "helpdesk:1 template=careers (the item has a draft already: left alone)",
        "helpdesk:2 template=careers"]
    assert store.drafts.get("helpdesk:1").text == "My own words"
    # the reply was sent (the draft is gone) and the applicant wrote back: no second draft
    store.drafts.discard("helpdesk:2")
    save(store, make_item("helpdesk", 2, "Application: writer", active=LATER), at=LATER)
    assert applied(apply_rules(config, store, now=LATER, keys=["helpdesk:2"])) == []
    assert store.drafts.get("helpdesk:2") is None


@pytest.mark.parametrize(("docs", "template", "reason"), [
    ({}, "careers", "template 'careers' needs {docs.careers}: add careers = \"https://…\" under [docs] in "
                    "the config"),
    ({"careers": "https://example.org/careers"}, "carrers", "no template named 'carrers'; did you mean careers?"),
])
def test_a_template_that_cannot_be_rendered_is_recorded_as_skipped(store: Store, tmp_path: Path, docs: dict,
                                                                   template: str, reason: str) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    save(store, make_item("helpdesk", 1, "Application: designer"))
    config = make_config({"name": "jobs", "query": "application", "template": template},
                         templates=tmp_path, docs=docs)
    actions = apply_rules(config, store, now=NOW)
    assert skipped(actions) == [f"helpdesk:1 template={template} ({reason})"]
    assert store.drafts.get("helpdesk:1") is None
    assert [h["line"] for h in rule_history(store, "helpdesk:1")] == [
        f"rule jobs did not draft a reply at 2026-11-20 10:00: {reason}"]
    apply_rules(config, store, now=LATER)
    assert len(recorded(store)) == 1  # the same reason, once


# --- dry run ------------------------------------------------------------------------------

def snapshot(store: Store) -> tuple:
    return tuple(store.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                 for table in ("triage", "rule_actions", "drafts", "item_labels"))


def test_a_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    save(store, make_item("server", 1, "Crash on start"), make_item("helpdesk", 2, "Application"))
    store.set_triage(["server:1"], {"assignee": "bob"}, now=NOW - timedelta(hours=1), by="test")
    config = make_config({"name": "crashes", "query": "crash", "type": "bug", "assign": "amy", "label": "bug"},
                         {"name": "bugs", "query": "type:bug", "status": "planned"},
                         {"name": "jobs", "query": "application", "template": "careers", "done": True},
                         templates=tmp_path, docs={"careers": "https://example.org/careers"})
    before = snapshot(store)
    seen: list = []
    actions = apply_rules(config, store, now=NOW, dry_run=True, env={"GITHUB_TOKEN": "t"},
                          transport=github_labels(seen=seen))
    assert [a.describe() for a in actions] == [
        "server:1 type=bug", "server:1 assign=amy (set by hand to bob: left alone)", "server:1 label=bug",
        "server:1 status=planned",  # what the rule before it would have done counts
        "helpdesk:2 done=true", "helpdesk:2 template=careers"]
    assert snapshot(store) == before
    assert seen == []  # no label is added
    assert applied(apply_rules(config, store, now=NOW, env={"GITHUB_TOKEN": "t"},
                               transport=github_labels(seen=seen))) == applied(actions)


def test_preview_counts_what_each_rule_matches(store: Store) -> None:
    save(store, make_item("server", 1), make_item("server", 2), make_item("forum", 3))
    store.set_triage(["server:2"], {"type": "bug"}, now=NOW, by="test")
    config = make_config({"name": "bugs", "query": "source:server", "type": "bug"},
                         {"name": "nothing", "query": "kind:slack", "done": True})
    previews = preview_rules(config, store, now=NOW)
    assert [(p.rule.name, p.matched, applied(p.actions)) for p in previews] == [
        ("bugs", 2, ["server:1 type=bug"]), ("nothing", 0, [])]
    assert recorded(store) == []


# --- bad rules ------------------------------------------------------------------------

BAD_RULES = [
    ({"rules": {"name": "x"}}, "config: rules: write each rule as its own [[rules]] table"),
    ({"rules": ["done"]}, "config: rules #1: must be a table: write [[rules]] above its keys"),
    ({"rules": [{"query": "kind:zendesk", "done": True}]},
     'config: rules #1: name: every rule needs a name = "..." (each item it acts on shows it)'),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "done": True},
                {"name": "A", "query": "kind:github", "done": True}]},
     "config: rules #2 (A): name: rules #1 has the same name"),
    ({"rules": [{"name": "a", "done": True}]},
     "config: rules #1 (a): query: every rule needs a query = '...' in the query language (as in the filter bar)"),
    ({"rules": [{"name": "a", "query": "kind:zendsk", "done": True}]},
     "config: rules #1 (a): query: kind:zendsk is not a channel kind "
     "(use github|gitlab|discourse|stackexchange|slack|zendesk|intercom|uservoice)"),
    ({"rules": [{"name": "a", "query": "  ", "done": True}]},
     "config: rules #1 (a): query: an empty query would match every item"),
    ({"rules": [{"name": "a", "query": "assignee:me", "done": True}], "team": {}},
     "config: rules #1 (a): query: assignee:me needs `me = \"your-login\"` under [team] in the config"),
    ({"rules": [{"name": "a", "query": "kind:zendesk"}]},
     "config: rules #1 (a): no action: add one of type, status, assign, done, snooze, label, template "
     "beside name and query"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "assignee": "amy"}]},
     "config: rules #1 (a): unknown key assignee (did you mean assign?)"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "colour": "red"}]},
     "config: rules #1 (a): unknown key colour (known: name, query, type, status, assign, done, "
     "snooze, label, template)"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "type": "bugs"}]},
     "config: rules #1 (a): type: 'bugs' is not a post type (use troubleshooting, feature, bug, question)"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "status": "done"}]},
     "config: rules #1 (a): status: 'done' is not a status "
     "(use under-review, planned, started, help-wanted, completed, declined)"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "done": "yes"}]},
     "config: rules #1 (a): done: must be true, not 'yes'"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "done": False}]},
     "config: rules #1 (a): done: a rule only marks items done (it never takes a decision back): "
     "write done = true, or leave done out"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "snooze": "2 days"}]},
     "config: rules #1 (a): snooze: bad duration '2 days': use a number and a unit m, h, d or w (e.g. 2d)"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "snooze": "0d"}]},
     "config: rules #1 (a): snooze must be longer than 0, not '0d'"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "snooze": 2}]},
     "config: rules #1 (a): snooze must be a duration like \"2d\", not 2"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "assign": ""}]},
     "config: rules #1 (a): assign: must be a person's login, not ''"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "assign": "none"}]},
     "config: rules #1 (a): assign: a rule only assigns (it never takes a decision back): "
     "name the person, or leave assign out"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "label": ["x"]}]},
     "config: rules #1 (a): label: must be a label name, not ['x']"),
    ({"rules": [{"name": "a", "query": "kind:zendesk", "template": 3}]},
     "config: rules #1 (a): template: must be a template name, not 3"),
]


@pytest.mark.parametrize(("data", "message"), BAD_RULES, ids=[m.split(": ", 2)[-1][:40] for _, m in BAD_RULES])
def test_a_bad_rule_is_one_line_naming_the_rule_and_field(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse(data)
    assert str(error.value) == message


def test_the_error_names_the_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^.*config\.toml: rules #1 \(a\): no action"):
        parse({"rules": [{"name": "a", "query": "kind:zendesk"}]}, tmp_path / "config.toml")


def test_good_rules_load_in_order() -> None:
    rules = load_rules(make_config({"name": " wordpress ", "query": 'kind:zendesk "WordPress"', "done": True},
                                   {"name": "later", "query": "kind:github", "snooze": "36h", "type": "Bug"}))
    assert [(r.name, r.query.text, r.describe_actions()) for r in rules] == [
        ("wordpress", 'kind:zendesk "WordPress"', "done=true"),
        ("later", "kind:github", "type=bug snooze=36h")]
    assert load_rules(make_config()) == []


# --- the help desk's routines ------------------------------------------------------------

HELP_DESK_RULES = [
    {"name": "wordpress-notices", "query": 'kind:zendesk "WordPress"', "done": True},
    {"name": "domain-changes", "query": "kind:zendesk label:domains", "done": True},
    {"name": "netlify-minutes", "query": 'kind:zendesk author:Netlify "build minutes"', "done": True},
    {"name": "job-applications", "query": 'kind:zendesk "Application:"', "assign": "douwe",
     "template": "careers"},
]


def help_desk(store: Store, at: datetime) -> None:
    save(store,
         make_item("helpdesk", 2845, "[Blog] 3 plugins were updated automatically", author="WordPress",
                   body="These WordPress plugins on blog.example.org were updated: Social Cards 4.2.1.",
                   labels=["automated"], active=at),
         make_item("helpdesk", 2841, "Confirmation: DNS records changed for example.org", author="SiteHost Domains",
                   body="This confirms the following changes to the DNS zone.", labels=["domains"], active=at),
         make_item("helpdesk", 2843, "You've used 90% of your build minutes", author="Netlify",
                   body="Your team has used 270 of the 300 build minutes included this billing period.",
                   active=at),
         make_item("helpdesk", 2842, "Application: Developer Advocate", author="Aisha Bello",
                   body="I'd love to apply for a Developer Advocate role.", active=at),
         make_item("helpdesk", 2844, "Enterprise licence still shows 50 seats", author="Daniel Reyes",
                   body="We renewed our Enterprise subscription.", active=at),
         make_item("server", 4131, "WordPress plugin for Parley embeds", body="A build minutes question"),
         at=at)


def test_the_help_desk_routines_as_rules(store: Store, tmp_path: Path) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    config = make_config(*HELP_DESK_RULES, templates=tmp_path, docs={"careers": "https://careers.example.org"})
    help_desk(store, NOW - timedelta(hours=1))
    actions = rules_after_sync(config, store, since=NOW - timedelta(hours=1), now=NOW)
    assert [(a.rule, a.describe()) for a in actions] == [
        ("wordpress-notices", "helpdesk:2845 done=true"),
        ("domain-changes", "helpdesk:2841 done=true"),
        ("netlify-minutes", "helpdesk:2843 done=true"),
        ("job-applications", "helpdesk:2842 assign=douwe"),
        ("job-applications", "helpdesk:2842 template=careers"),
    ]
    inbox = [row["key"] for row in store.list_items("is:open -is:done -is:snoozed kind:zendesk", now=NOW)]
    assert sorted(inbox) == ["helpdesk:2842", "helpdesk:2844"]
    assert store.list_items("assignee:douwe", now=NOW)[0]["key"] == "helpdesk:2842"
    assert store.drafts.get("helpdesk:2842").text.startswith("Hi Aisha Bello, thank you")
    assert [h["line"] for h in rule_history(store, "helpdesk:2842")] == [
        "rule job-applications assigned it to douwe at 2026-11-20 10:00",
        "rule job-applications drafted a reply from the template careers at 2026-11-20 10:00"]
    assert [h["line"] for h in rule_history(store, "helpdesk:2845")] == [
        "rule wordpress-notices set done at 2026-11-20 10:00"]
    assert rule_history(store, "helpdesk:2844") == []

    # the next sync brings the same tickets unchanged: nothing new
    help_desk(store, NOW - timedelta(hours=1))
    assert rules_after_sync(config, store, since=NOW - timedelta(hours=1), now=LATER) == []


# --- the command ------------------------------------------------------------------------

def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def test_rules_lists_the_rules(capsys: pytest.CaptureFixture) -> None:
    config = make_config(*HELP_DESK_RULES[:2])
    assert run_cli("rules", config, None, cli("rules")) == 0
    assert capsys.readouterr().out.splitlines() == [
        'wordpress-notices  kind:zendesk "WordPress"  ->  done=true',
        "domain-changes     kind:zendesk label:domains  ->  done=true"]
    assert run_cli("rules", make_config(), None, cli("rules")) == 0
    assert "No rules yet" in capsys.readouterr().err


def test_rules_dry_run_shows_what_each_would_do(store: Store, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    help_desk(store, NOW - timedelta(hours=1))
    store.set_triage(["helpdesk:2842"], {"assignee": "maya"}, now=NOW - timedelta(minutes=30), by="test")
    config = make_config(*HELP_DESK_RULES, {"name": "slack", "query": "kind:slack", "done": True},
                         templates=tmp_path, docs={"careers": "https://careers.example.org"})
    before = snapshot(store)
    assert run_cli("rules", config, store, cli("rules", "--dry-run")) == 0
    out = capsys.readouterr().out
    assert snapshot(store) == before
    assert out.split("\n\n") == [
        'wordpress-notices (kind:zendesk "WordPress" -> done=true): matches 1 item\n'
        "  helpdesk:2845 done=true  [Blog] 3 plugins were updated automatically",
        "domain-changes (kind:zendesk label:domains -> done=true): matches 1 item\n"
        "  helpdesk:2841 done=true  Confirmation: DNS records changed for example.org",
        'netlify-minutes (kind:zendesk author:Netlify "build minutes" -> done=true): matches 1 item\n'
        "  helpdesk:2843 done=true  You've used 90% of your build minutes",
        'job-applications (kind:zendesk "Application:" -> assign=douwe template=careers): matches 1 item\n'
        "  helpdesk:2842 assign=douwe (set by hand to maya: left alone)  Application: Developer Advocate\n"
        "  helpdesk:2842 template=careers  Application: Developer Advocate",
        "slack (kind:slack -> done=true): matches 0 items\n  nothing matches now\n",
    ]


# --- the demo's rules (the entries recommended for DEMO_CONFIG) -----------------------

DEMO_RULES = [
    {"name": "blog-plugin-updates", "query": 'kind:zendesk "plugins were updated"', "done": True},
    {"name": "domain-changes", "query": "kind:zendesk label:domains", "done": True},
    {"name": "build-minutes", "query": 'kind:zendesk "build minutes"', "done": True},
    {"name": "job-applications", "query": 'kind:zendesk "Application:"', "assign": "maya-okafor",
     "template": "careers"},
]


def test_the_demo_help_desk_routines(store: Store, tmp_path: Path) -> None:
    """With these rules in DEMO_CONFIG, loading the demo may already apply them (its
    after-sync hook): either way the help desk ends up the same, and nothing more happens."""
    import copy

    from inbox import demo

    (tmp_path / "careers.md").write_text(CAREERS, encoding="utf-8")
    data = copy.deepcopy(demo.DEMO_CONFIG)
    data["rules"] = DEMO_RULES
    data["docs"]["careers"] = "https://example.org/careers"
    data["templates"] = {"paths": [str(tmp_path)]}
    config = parse(data)
    demo.load_demo(store, now=NOW)
    apply_rules(config, store, now=NOW)
    done = {row["key"] for row in store.list_items("kind:zendesk is:done", now=NOW)}
    assert done == {"helpdesk:2841", "helpdesk:2843", "helpdesk:2845"}
    assert triage(store, "helpdesk:2842")["assignee"] == "maya-okafor"
    assert store.drafts.get("helpdesk:2842").text.startswith("Hi Aisha Bello,")
    assert [(h["rule"], h["field"]) for h in rule_history(store, "helpdesk:2842")] == [
        ("job-applications", "assign"), ("job-applications", "template")]
    assert [h["rule"] for h in rule_history(store, "helpdesk:2845")] == ["blog-plugin-updates"]
    demo.load_demo(store, now=NOW)  # loading again brings the same tickets: nothing new
    assert applied(apply_rules(config, store, now=NOW)) == []


# --- called from async code ----------------------------------------------------------

def test_labels_are_written_when_called_from_a_running_event_loop(store: Store) -> None:
    import asyncio

    save(store, make_item("server", 1))
    config = make_config({"name": "lbl", "query": "source:server", "label": "needs-triage"})

    async def inside_a_loop() -> list[RuleAction]:
        return await apply_rules_async(config, store, now=NOW, env={"GITHUB_TOKEN": "t"},
                                       transport=github_labels())

    assert applied(asyncio.run(inside_a_loop())) == ["server:1 label=needs-triage"]
    assert store.count("label:needs-triage", now=NOW) == 1
