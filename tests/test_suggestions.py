"""Type suggestions: the model learns the team's tags, starts from nothing, is stored in the
database for the whole team, and shows in filters, `inbox list --json` and rules (on
SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.cli import main
from inbox.config import parse
from inbox.errors import ConfigError
from inbox.models import Item
from inbox.store import Store, open_store
from inbox.triage import suggestions
from inbox.triage.rules import apply_rules, preview_rules
from inbox.triage import suggest
from inbox.triage.suggest import Corpus, Model, Readiness, Suggestion, feature, features, train
from inbox.workspace import Workspace
from tests.conftest import postgres_database

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)

BUGS = ["crash on startup with a stack trace", "error when saving the file crashes the app",
        "exception thrown after upgrade, it crashes", "the app crashes with a null pointer error",
        "regression: crash when opening settings"]
FEATURES = ["please add a dark mode option", "it would be nice to support export to csv",
            "feature request: add keyboard shortcuts", "add an option to sync calendars",
            "proposal: support plugins for themes"]


def toy(n: int) -> list[tuple[str, str, str]]:
    """Posts of two types told apart by their words."""
    posts = []
    for i in range(n):
        posts.append((f"{BUGS[i % 5]} #{i}", f"It crashes every time. Error {i}.\n```\ntrace\n```", "bug"))
        posts.append((f"{FEATURES[i % 5]} {i}", "It would be great to add this, please consider it.", "feature"))
    return posts


# --- the model -------------------------------------------------------------------------

def test_the_model_learns_a_separable_set() -> None:
    model = train(toy(12), min_per_type=10)
    assert model is not None
    bug = model.suggest("The editor crashes with an error", "Crash after I click save.")
    feature = model.suggest("Please add an option for tabs", "It would be great to have it.")
    assert bug is not None and bug.type == "bug" and bug.confidence > 0.5
    assert feature is not None and feature.type == "feature" and feature.confidence > 0.5
    assert Suggestion("bug", 0.849).label == "Bug? 84%"


def test_code_and_traces_are_one_marker_each_and_the_title_counts_apart() -> None:
    found = features("Crash on save", "Steps:\n```\nline 1\nline 2\n```\n  at Foo.bar (foo.js:12:3)\nsee https://x.org/a")
    names = ["<code>", "<trace>", "<link>", "t:crash", "t:crash on", "t:on save", "crash", "steps", "see"]
    assert {feature(name) for name in names} <= set(found)
    for name in ("line", "foo", "x", "org", "t:save on", "crash on"):
        assert feature(name) not in found, name
    assert features("", None) == [feature("<nobody>")]
    # the numbers are the same in every process (a stored model reads any post)
    assert feature("crash") == 0x8F0DF and feature("t:crash on") == 0x9DFFC  # else: a new FORMAT


def test_hostile_or_huge_text_is_read_quickly_and_without_error() -> None:
    assert features("\ud800 \x00 \x1b[31mred\x1b[0m", "\udfff caf\u00e9 \x00 \u4e2d\u6587 [b]x[/b]")
    found = features("word " * 100_000, "a b " * 1_000_000)
    assert len(found) < 3 * (suggest.BODY_CHARS + suggest.TITLE_CHARS)


def test_a_retrain_reads_only_what_changed_and_learns_as_from_nothing() -> None:
    """The corpus keeps the posts' features between trainings: each training featurises
    only new or changed posts, and its model is the one a training from nothing gives."""
    posts = toy(12)
    corpus = Corpus()
    steps = [posts, posts + [("Crash with a trace on boot", "It crashes.", "bug")],  # one more
             posts[2:] + [posts[0]] * 2,  # two gone, one twice
             [(t, b, "feature" if k == "bug" and n < 4 else k) for n, (t, b, k) in enumerate(posts)],  # retagged,
             # and the post that was gone is back
             [(t + " now", b, k) if n == 5 else (t, b, k) for n, (t, b, k) in enumerate(posts)]]  # edited
    featurised = []
    for examples in steps:
        before = corpus.featurised
        model = train(examples, min_per_type=10, corpus=corpus)
        alone = train(examples, min_per_type=10)
        assert model is not None and alone is not None
        assert model.to_bytes() == alone.to_bytes()
        featurised.append(corpus.featurised - before)
    assert featurised == [24, 1, 0, 1, 1]


def test_a_model_survives_its_bytes() -> None:
    model = train(toy(12), min_per_type=10)
    assert model is not None
    data = model.to_bytes()
    again = Model.from_bytes(data)
    for title, body, _ in toy(3):
        one, other = model.suggest(title, body), again.suggest(title, body)
        assert one is not None and one == other  # exactly: the trained model is the stored one
    assert again.counts == {"bug": 12, "feature": 12}
    with pytest.raises(ValueError):
        Model.from_bytes(b"not a model")
    with pytest.raises(ValueError):
        Model.from_bytes(data[:-7])


def test_the_same_tags_train_the_same_model_in_any_process() -> None:
    """Bit for bit, whatever order a process keeps a set's strings in (hash seeds differ
    between processes): the demo's suggestions, and their snapshots, stay the same."""
    code = ("import hashlib, sys; from tests.test_suggestions import toy; from inbox.triage.suggest import train; "
            "sys.stdout.write(hashlib.sha256(train(toy(12), min_per_type=10).to_bytes()).hexdigest())")
    root = Path(__file__).parent.parent
    models = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(models) == 1


def test_nothing_is_suggested_until_two_types_have_enough_tags() -> None:
    assert train(toy(9), min_per_type=10) is None
    assert train([p for p in toy(20) if p[2] == "bug"], min_per_type=10) is None
    readiness = Readiness({"bug": 9, "feature": 12}, 10)
    assert not readiness.enough
    assert readiness.describe() == ("type suggestions start at 10 tagged posts of two types "
                                    "(Troubleshooting 0, Feature Proposal 12, Bug 9, Question 0)")
    # a type with too few tags is learned from, never suggested
    posts = toy(12) + [("How do I configure the proxy?", "A question about setup.", "question")] * 3
    model = train(posts, min_per_type=10)
    assert model is not None and model.suggested == {"bug", "feature"}
    assert Readiness({"bug": 12, "feature": 10}, 10).describe() == "suggesting Feature Proposal, Bug"


@pytest.mark.parametrize(("section", "message"), [
    ({"threshold": 1.5}, "suggest.threshold must be a number from 0 to 1"),
    ({"threshold": "high"}, "suggest.threshold"),
    ({"min_per_type": 0}, "suggest.min_per_type must be a whole number"),
    ({"min_per_type": True}, "suggest.min_per_type"),
    ({"treshold": 0.5}, "did you mean threshold?"),
])
def test_bad_suggest_settings_are_one_clear_line(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse({"suggest": section})
    assert parse({"suggest": {"threshold": 0.8, "min_per_type": 3}}).suggest.threshold == 0.8


# --- in the database --------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        context = nullcontext(tmp_path / "inbox.db")
    else:
        context = postgres_database()
    with context as location:
        opened = open_store(location)
        yield opened
        opened.close()


def _item(number: int, title: str, body: str, *, at: datetime = NOW) -> Item:
    return Item(source="server", kind="github", external_id=str(number), url=f"https://example.org/{number}",
                title=title, body=body, author="ana", author_is_staff=False, created_at=at, last_activity_at=at)


def _fill(store: Store, tagged: int = 12) -> None:
    """`tagged` posts of each type, tagged, and two untagged ones."""
    items, types = [], {}
    for n, (title, body, kind) in enumerate(toy(tagged)):
        items.append(_item(n + 1, title, body, at=NOW - timedelta(hours=n + 2)))
        types[f"server:{n + 1}"] = kind
    items.append(_item(900, "The app crashes with an error on save", "It crashes. Error."))
    items.append(_item(901, "Please add an option for dark themes", "It would be great."))
    store.save_page("server", items)
    for key, kind in types.items():
        store.set_triage([key], {"type": kind}, now=NOW, by="test")


CONFIG = {"team": {"me": "ana"}, "sources": [{"name": "server", "kind": "github", "repo": "a/b"}]}


def test_retrain_stores_the_model_and_suggests_for_untagged_posts(store: Store) -> None:
    config = parse(CONFIG)
    _fill(store, tagged=6)
    first = suggestions.retrain(config, store, now=NOW)
    assert not first.trained and not first.readiness.enough and store.suggestions.generation() is None
    assert store.item("server:900", now=NOW)["suggested_type"] is None
    for n in range(13, 25):  # six more of each: now twelve
        store.set_triage([f"server:{n}"], {"type": "bug" if n % 2 else "feature"}, now=NOW, by="test")
    _fill(store)
    done = suggestions.retrain(config, store, now=NOW)
    assert done.trained and done.suggested == 2 and store.suggestions.generation() == 1
    bug, feature = store.item("server:900", now=NOW), store.item("server:901", now=NOW)
    assert bug["suggested_type"] == "bug" and 0.5 <= bug["suggested_confidence"] <= 1
    assert feature["suggested_type"] == "feature"
    assert store.item("server:1", now=NOW)["suggested_type"] is None  # tagged
    # the same tags again: nothing to do
    assert not suggestions.retrain(config, store, now=NOW).trained
    assert store.suggestions.generation() == 1
    # a teammate on the same database loads the stored model
    other = store.another() or store
    assert suggestions.loaded_model(other) is not None
    # `type:` never matches a mere suggestion; accepting it makes it the type
    assert [r["key"] for r in store.list_items("suggested:bug", now=NOW)] == ["server:900"]
    assert "server:900" not in {r["key"] for r in store.list_items("type:bug", now=NOW)}
    store.set_triage(["server:900"], {"type": "bug"}, now=NOW, by="test")
    assert store.list_items("suggested:bug", now=NOW) == []
    assert store.item("server:900", now=NOW)["suggested_type"] is None


def test_a_retrain_featurises_only_the_posts_tagged_since(store: Store) -> None:
    config = parse(CONFIG)
    _fill(store)
    assert suggestions.retrain(config, store, now=NOW).trained
    corpus = suggestions._corpora[str(store)]
    before = corpus.featurised
    store.set_triage(["server:900"], {"type": "bug"}, now=NOW, by="test")
    assert suggestions.retrain(config, store, now=NOW).trained
    assert corpus.featurised - before == 1


def test_too_few_tags_again_drops_the_model_and_every_suggestion(store: Store) -> None:
    config = parse(CONFIG)
    _fill(store)
    assert suggestions.retrain(config, store, now=NOW).trained
    keys = [f"server:{n}" for n in range(1, 25)]
    store.set_triage(keys, {"type": None}, now=NOW, by="test")
    assert not suggestions.retrain(config, store, now=NOW).readiness.enough
    assert store.suggestions.generation() is None
    assert store.list_items("suggested:bug", now=NOW) == []


def test_a_sync_suggests_for_what_it_brought(store: Store) -> None:
    config = parse(CONFIG)
    _fill(store)
    workspace = Workspace(config, store, now=lambda: NOW)
    asyncio.run(workspace.after_sync(NOW))  # the tags changed since: a retrain
    assert store.suggestions.generation() == 1
    later = NOW + timedelta(minutes=5)
    store.save_page("server", [_item(902, "Crash with an error when I open it", "It crashes.", at=later)],
                    synced_at=later)
    asyncio.run(workspace.after_sync(later))
    assert store.item("server:902", now=later)["suggested_type"] == "bug"
    assert store.suggestions.generation() == 1  # no retrain: the tags had not changed


def test_list_json_gives_the_suggestion_or_null(store: Store, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _fill(store)
    suggestions.retrain(parse(CONFIG), store, now=NOW)
    config = tmp_path / "config.toml"
    config.write_text('[team]\nme = "ana"\n[suggest]\nthreshold = 0.4\n', encoding="utf-8")
    where = str(store.location.url) if hasattr(store, "location") else str(store.path)
    assert main(["--config", str(config), "--db", where, "list", "--json", "-is:done"]) == 0
    items = {item["key"]: item for item in json.loads(capsys.readouterr().out)}
    assert items["server:900"]["suggested_type"] == "bug"
    assert 0.4 <= items["server:900"]["suggested_confidence"] <= 1
    assert items["server:1"]["suggested_type"] is None and items["server:1"]["suggested_confidence"] is None
    config.write_text('[team]\nme = "ana"\n[suggest]\nthreshold = 1.0\n', encoding="utf-8")
    assert main(["--config", str(config), "--db", where, "list", "--json", "-is:done"]) == 0
    items = {item["key"]: item for item in json.loads(capsys.readouterr().out)}
    assert items["server:900"]["suggested_type"] is None  # under the threshold: none


def test_a_rule_acts_on_a_suggestion_with_dry_run_and_history(store: Store) -> None:
    _fill(store)
    config = parse({**CONFIG, "rules": [{"name": "likely-bugs", "query": "suggested:bug confidence:>=0.5",
                                          "type": "bug"}]})
    suggestions.retrain(config, store, now=NOW)
    preview = preview_rules(config, store, now=NOW)
    assert [a.key for a in preview[0].actions] == ["server:900"]
    assert store.item("server:900", now=NOW)["type"] is None  # a dry run writes nothing
    actions = apply_rules(config, store, now=NOW)
    assert [(a.key, a.field, a.value) for a in actions] == [("server:900", "type", "bug")]
    assert store.item("server:900", now=NOW)["type"] == "bug"
    history = store.history.of("server:900")
    assert any(entry.rule == "likely-bugs" for entry in history)
