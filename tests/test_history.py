"""Who did what: every triage change is in the item's history with who made it, when, the
value it replaced and the rule if one did; `inbox log` prints it; and what is new to each
person since they last opened an item."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.store.history import Change
from inbox.triage.history import describe, summary
from inbox.triage.rules import apply_rules
from tests.cli_helpers import run

NOW = datetime(2026, 12, 5, 10, 2, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def make_item(number: int, *, active: datetime = NOW - timedelta(hours=3)) -> Item:
    return Item(source="server", kind="github", external_id=str(number), url=f"https://example.org/{number}",
                title=f"Desktop app crashes ({number})", body="steps", author="rhys", author_is_staff=False,
                created_at=NOW - timedelta(days=2), last_activity_at=active)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item(1), make_item(2), make_item(3)], synced_at=NOW - timedelta(hours=1))
    store.close()
    return path


@pytest.fixture
def store(path: Path) -> Store:
    store = Store(path)
    yield store
    store.close()


def entries(store: Store, key: str = "server:1") -> list[tuple]:
    return [(c.by, c.field, c.old, c.new, c.rule) for c in store.history.of(key)]


# --- the store ---------------------------------------------------------------------------

def test_each_field_changed_is_an_entry_with_who_when_and_what_it_replaced(store):
    store.set_triage(["server:1", "server:2"], {"type": "bug", "assignee": "carol"}, now=NOW, by="amy")
    store.set_triage(["server:1"], {"type": "question", "assignee": "carol", "note": "asked for logs"},
                     now=NOW + MINUTE, by="bob")
    assert entries(store) == [
        ("amy", "type", None, "bug", None), ("amy", "assignee", None, "carol", None),
        ("bob", "type", "bug", "question", None), ("bob", "note", None, "asked for logs", None)]
    assert [c.at for c in store.history.of("server:1")] == ["2026-12-05T10:02:00Z"] * 2 + ["2026-12-05T10:03:00Z"] * 2
    assert entries(store, "server:2") == [("amy", "type", None, "bug", None), ("amy", "assignee", None, "carol", None)]
    assert entries(store, "server:3") == []


def test_a_moment_goes_with_its_field_and_is_no_entry_of_its_own(store):
    store.set_triage(["server:1"], {"assignee": "carol", "done": True}, now=NOW, by="amy")
    store.set_triage(["server:1"], {"assignee": "Carol"}, now=NOW + MINUTE, by="amy")  # same person: same moment
    fields = [c.field for c in store.history.of("server:1")]
    assert fields == ["assignee", "done", "assignee"]
    assert "assigned_at" not in fields and "done_activity_at" not in fields


def test_done_is_whether_the_item_counted_as_done(store):
    store.set_triage(["server:1"], {"done": True}, now=NOW, by="amy")
    store.save_page("server", [make_item(1, active=NOW + MINUTE)])  # new activity brings it back
    store.set_triage(["server:1"], {"done": True}, now=NOW + 2 * MINUTE, by="bob")  # marked done again
    store.set_triage(["server:1"], {"done": False}, now=NOW + 3 * MINUTE, by="amy")
    assert entries(store) == [("amy", "done", "false", "true", None), ("bob", "done", "false", "true", None),
                              ("amy", "done", "true", "false", None)]


def test_a_write_that_changes_nothing_records_nothing(store):
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW + MINUTE, by="bob")
    assert entries(store) == [("amy", "type", None, "bug", None)]


def test_an_undo_is_its_writers_change_from_the_value_it_replaced(store):
    action = store.set_triage(["server:1"], {"type": "bug", "assignee": "carol"}, now=NOW, by="amy")
    store.set_triage(["server:1"], {"assignee": "dave"}, now=NOW + MINUTE, by="bob")
    store.restore_triage(action, now=NOW + 2 * MINUTE, by="amy")  # the type goes back; bob's assignee stays
    assert entries(store)[3:] == [("amy", "type", "bug", None, None)]
    assert store.history.of("server:1")[-1].at == "2026-12-05T10:04:00Z"


def test_a_rules_entries_name_the_rule_and_whose_run_it_was(store):
    config = parse({"team": {"me": "amy"}, "rules": [
        {"name": "crashes", "query": "crashes", "type": "bug", "assign": "carol"}]})
    apply_rules(config, store, now=NOW, keys=["server:1"])
    assert entries(store) == [("amy", "type", None, "bug", "crashes"), ("amy", "assignee", None, "carol", "crashes")]
    apply_rules(config, store, now=NOW + MINUTE, keys=["server:1"], dry_run=True)
    assert len(store.history.of("server:1")) == 2  # a dry run leaves no history


def test_two_writers_racing_on_one_field_both_leave_an_entry_and_the_last_wins(path):
    """Two processes assign the same item at once: whichever commits last is the value,
    and its entry replaced what the first wrote."""
    stores = [Store(path), Store(path)]
    start = threading.Barrier(2)
    failed: list[BaseException] = []

    def assign(store: Store, who: str) -> None:
        try:
            start.wait()
            for round in range(5):
                store.set_triage(["server:1"], {"assignee": f"{who}-{round}"}, now=NOW, by=who)
        except BaseException as exc:  # pragma: no cover - reported below
            failed.append(exc)

    threads = [threading.Thread(target=assign, args=(store, who)) for store, who in zip(stores, ("amy", "bob"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed
    history = stores[0].history.of("server:1")
    assert len(history) == 10 and {c.by for c in history} == {"amy", "bob"}
    assert history[0].old is None
    for earlier, later in zip(history, history[1:]):
        assert later.old == earlier.new  # each write replaced what the one before it wrote
    assert stores[1].triage_rows(["server:1"])["server:1"]["assignee"] == history[-1].new
    for store in stores:
        store.close()


# --- new since you last looked -----------------------------------------------------------

def new_to(store: Store, person: str) -> dict[str, int]:
    return {row["key"]: row["new"] for row in store.page("", now=NOW + timedelta(hours=1), limit=50,
                                                         seen_by=person)}


def test_an_item_is_new_to_you_until_you_open_it_whatever_teammates_read(store):
    assert new_to(store, "amy") == {"server:1": 1, "server:2": 1, "server:3": 1}
    store.history.seen("bob", ["server:1", "server:2"], now=NOW)
    store.history.seen("amy", ["server:1"], now=NOW)
    assert new_to(store, "amy") == {"server:1": 0, "server:2": 1, "server:3": 1}
    assert new_to(store, "bob") == {"server:1": 0, "server:2": 0, "server:3": 1}
    assert "new" not in store.page("", now=NOW, limit=1)[0]  # only when asked for


def test_new_activity_or_someone_elses_change_makes_it_new_again_your_own_does_not(store):
    store.history.seen("amy", ["server:1", "server:2", "server:3"], now=NOW)
    store.save_page("server", [make_item(1, active=NOW + MINUTE)])
    store.set_triage(["server:2"], {"type": "bug"}, now=NOW + MINUTE, by="bob")
    store.set_triage(["server:3"], {"type": "bug"}, now=NOW + MINUTE, by="amy")
    assert new_to(store, "amy") == {"server:1": 1, "server:2": 1, "server:3": 0}
    assert new_to(store, "bob") == {"server:1": 1, "server:2": 1, "server:3": 1}  # bob never opened them


def test_your_own_change_keeps_new_what_you_had_not_seen(store):
    store.history.seen("amy", ["server:1"], now=NOW)
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW + MINUTE, by="bob")
    store.set_triage(["server:1"], {"assignee": "carol"}, now=NOW + 2 * MINUTE, by="amy")  # without looking
    assert new_to(store, "amy")["server:1"] == 1
    store.history.seen("amy", ["server:1"], now=NOW + 3 * MINUTE)
    store.history.seen("amy", ["server:1"], now=NOW)  # a mark never moves back
    assert store.history.seen_at("amy", "server:1") == "2026-12-05T10:05:00Z"
    assert new_to(store, "amy")["server:1"] == 0


def test_the_marker_adds_only_primary_key_lookups_to_a_page(tmp_path):
    """The page's plan for the items is the same with the marker; what it adds is a lookup
    by primary key of the person's mark and of the item's last change, per row returned."""
    store = Store(":memory:")
    store.save_page("server", [make_item(n) for n in range(1, 30)])
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)

    def plan(**seen) -> list[str]:
        statements.clear()
        store.page("is:open -is:done -is:snoozed", now=NOW, limit=50, **seen)
        sql = next(s for s in statements if s.lstrip().startswith("SELECT"))
        return [row[3] for row in store.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]

    without, marked = plan(), plan(seen_by="amy")
    store.db.conn.set_trace_callback(None)
    added = [step for step in marked if step not in without]
    assert [step for step in marked if step in without] == without
    assert len(added) == 2 and all(step.startswith("SEARCH") and "sqlite_autoindex" in step for step in added)
    assert not any(step.startswith("SCAN") for step in added)
    store.close()


# --- in words ------------------------------------------------------------------------------

AT = "2026-12-05T10:02:00Z"


@pytest.mark.parametrize(("field", "old", "new", "said"), [
    ("type", None, "bug", "tagged Bug"),
    ("type", "bug", None, "removed the tag Bug"),
    ("status", None, "planned", "set the idea status to Planned"),
    ("assignee", None, "carol", "assigned to carol"),
    ("assignee", "carol", None, "unassigned carol"),
    ("done", "false", "true", "marked done"),
    ("done", "true", "false", "marked not done"),
    ("snoozed_until", None, "2026-12-08T09:00:00Z", "snoozed until 2026-12-08 09:00"),
    ("snoozed_until", "2026-12-08T09:00:00Z", None, "unsnoozed"),
    ("note", None, "asked for logs", 'noted "asked for logs"'),
    ("jira_key", None, "CHAT-12", "linked Jira CHAT-12"),
])
def test_each_change_in_words(field, old, new, said):
    assert describe(Change(AT, "amy", field, old, new)) == said
    assert describe(Change(AT, "amy", field, old, new, rule="wordpress-notices")) == f"rule wordpress-notices: {said}"


def test_words_from_the_database_are_plain_text():
    change = Change(AT, "amy", "assignee", None, "[@click=app.quit]\x1b]52;c;aGk=\x07carol\nx", rule="r\x1b[31m")
    assert describe(change) == "rule r: assigned to [@click=app.quit]carol x"
    assert describe(Change(AT, "amy", "type", None, "not-a-type")) == "tagged not-a-type"


def test_the_summary_is_newest_first_with_who_and_how_long_ago():
    changes = [Change("2026-12-04T10:02:00Z", "amy", "assignee", None, "carol"),
               Change("2026-12-05T08:02:00Z", "amy", "type", None, "bug")]
    assert summary(changes, NOW) == "tagged Bug by amy, 2h ago; assigned to carol by amy, 1d ago"
    assert summary(changes * 3, NOW, limit=2).endswith("; 4 earlier (inbox log)")


# --- inbox log ------------------------------------------------------------------------------

@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "amy"\n')
    return path



def test_log_prints_the_whole_history_oldest_first(capsys, path, config):
    store = Store(path)
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")
    store.set_triage(["server:1"], {"assignee": "carol", "snoozed_until": NOW + timedelta(days=3)},
                     now=NOW + timedelta(hours=1), by="bob")
    apply_rules(parse({"team": {"me": "amy"}, "rules": [
        {"name": "wordpress-notices", "query": "crashes", "done": True}]}), store, now=NOW + timedelta(hours=2),
        keys=["server:1"])
    store.close()
    code, out, err = run(capsys, "--config", config, "--db", path, "log", "server:1")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-12-05 10:02  amy  tagged Bug",
        "2026-12-05 11:02  bob  assigned to carol",
        "2026-12-05 11:02  bob  snoozed until 2026-12-08 10:02",
        "2026-12-05 12:02  amy  rule wordpress-notices: marked done",
    ]
    code, out, _ = run(capsys, "--config", config, "--db", path, "log", "server:1", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"at": "2026-12-05T10:02:00Z", "by": "amy", "field": "type", "old": None, "new": "bug", "rule": None},
        {"at": "2026-12-05T11:02:00Z", "by": "bob", "field": "assignee", "old": None, "new": "carol", "rule": None},
        {"at": "2026-12-05T11:02:00Z", "by": "bob", "field": "snoozed_until", "old": None,
         "new": "2026-12-08T10:02:00Z", "rule": None},
        {"at": "2026-12-05T12:02:00Z", "by": "amy", "field": "done", "old": False, "new": True,
         "rule": "wordpress-notices"},
    ]


def test_inbox_triage_is_recorded_as_the_teammate_the_environment_names(capsys, path, config, monkeypatch):
    assert run(capsys, "--config", config, "--db", path, "triage", "server:2", "--type", "bug")[0] == 0
    monkeypatch.setenv("INBOX_ME", "carol")
    assert run(capsys, "--config", config, "--db", path, "triage", "server:2", "--done")[0] == 0
    code, out, _ = run(capsys, "--config", config, "--db", path, "log", "server:2", "--json")
    assert [(e["by"], e["field"], e["new"]) for e in json.loads(out)] == [("amy", "type", "bug"), ("carol", "done", True)]


def test_without_a_name_the_login_is_who(capsys, path, tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "rowan")
    config = tmp_path / "nobody.toml"
    config.write_text("[team]\n")
    assert run(capsys, "--config", config, "--db", path, "triage", "server:3", "--assign", "carol")[0] == 0
    code, out, _ = run(capsys, "--config", config, "--db", path, "log", "server:3")
    assert out.split()[2:] == ["rowan", "assigned", "to", "carol"]


def test_log_with_no_history_says_so(capsys, path, config):
    assert run(capsys, "--config", config, "--db", path, "log", "server:3") == (
        0, "server:3: no triage change recorded yet\n", "")
    assert run(capsys, "--config", config, "--db", path, "log", "server:3", "--json") == (0, "[]\n", "")


@pytest.mark.parametrize("key", ["server:99", "", "[@click=app.quit]\x1b]52;c;aGk=\x07"])
def test_log_of_an_unknown_key_is_one_line_and_exit_2(capsys, path, config, key):
    code, out, err = run(capsys, "--config", config, "--db", path, "log", key)
    assert (code, out) == (2, "")
    assert err.startswith("inbox: no item with key ") and err.count("\n") == 1 and "\x1b" not in err


def test_log_prints_hostile_values_as_plain_text(capsys, path, config):
    store = Store(path)
    store.set_triage(["server:1"], {"note": "[bold]hi[/]\x1b]52;c;aGk=\x07 there"}, now=NOW, by="x\x1b[2Jy")
    store.close()
    code, out, _ = run(capsys, "--config", config, "--db", path, "log", "server:1")
    assert out == '2026-12-05 10:02  xy  noted "[bold]hi[/] there"\n'
