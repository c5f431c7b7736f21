"""The `inbox` command from scripts: list, triage, errors as one line with the right exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from inbox.cli import main
from inbox.models import Item
from inbox.store import Store
from inbox.timeutil import utcnow
from tests.cli_helpers import run


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "inbox.db"
    store = Store(path)
    now = utcnow()
    store.save_page("server", [
        Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
             title=f"Issue {n}", body=f"body {n}", author="ana", author_is_staff=False,
             created_at=now - timedelta(days=n), last_activity_at=now - timedelta(days=n),
             replies=n % 2, labels=["bug"] if n == 1 else [])
        for n in range(1, 4)
    ])
    store.close()
    return path


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "ana"\n')
    return path



def test_list_json_has_the_item_contract(capsys, db, config):
    code, out, _ = run(capsys, "--config", config, "--db", db, "list", "--json")
    assert code == 0
    items = json.loads(out)
    assert [i["key"] for i in items] == ["server:1", "server:2", "server:3"]
    assert {"key", "source", "kind", "external_id", "url", "title", "body", "author", "author_is_staff",
            "created_at", "last_activity_at", "replies", "last_reply_by_staff", "answered", "state",
            "labels", "type", "status", "assignee", "done", "snoozed_until"} <= set(items[0])


def test_list_json_is_streamed_exactly_as_one_array(capsys, tmp_path, config):
    """Written a row at a time, byte for byte what dumping the whole array writes, even for
    a title holding a line separator."""
    path = tmp_path / "odd.db"
    store = Store(path)
    now = utcnow()
    store.save_page("server", [
        Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
             title=f"odd\u2028title {n} \u2029 \"quoted\"\n", body="a\nb", author="ana",
             author_is_staff=False, created_at=now, last_activity_at=now - timedelta(minutes=n), replies=0)
        for n in range(1, 4)])
    store.close()
    code, out, _ = run(capsys, "--config", config, "--db", path, "list", "--json")
    assert code == 0
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
    assert [item["key"] for item in json.loads(out)] == ["server:1", "server:2", "server:3"]
    code, out, _ = run(capsys, "--config", config, "--db", path, "list", "--json", "nothing-matches-this")
    assert out == "[]\n"


def test_list_takes_a_query_with_negation(capsys, db, config):
    code, out, _ = run(capsys, "--config", config, "--db", db, "list", "-label:bug", "--json", "--limit", "1")
    assert code == 0
    assert [i["key"] for i in json.loads(out)] == ["server:2"]


def test_triage_then_list(capsys, db, config):
    code, out, _ = run(capsys, "--config", config, "--db", db, "triage", "server:1", "server:2",
                       "--type", "bug", "--assign", "ana", "--note", "repro on 9.1")
    assert code == 0 and "server:1" in out
    code, out, _ = run(capsys, "--config", config, "--db", db, "list", "assignee:me type:bug", "--json")
    assert [i["key"] for i in json.loads(out)] == ["server:1", "server:2"]
    run(capsys, "--config", config, "--db", db, "triage", "server:1", "--done")
    code, out, _ = run(capsys, "--config", config, "--db", db, "list", "--json")
    assert "server:1" not in [i["key"] for i in json.loads(out)]
    run(capsys, "--config", config, "--db", db, "triage", "server:3", "--snooze", "2d")
    code, out, _ = run(capsys, "--config", config, "--db", db, "list", "is:snoozed", "--json")
    assert [i["key"] for i in json.loads(out)] == ["server:3"]


def test_triage_of_many_keys_reads_each_once(capsys, tmp_path, config, monkeypatch):
    """Thousands of keys in one call: the store is asked about them once, not once per key."""
    path = tmp_path / "many.db"
    store = Store(path)
    now = utcnow()
    store.save_page("server", [
        Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
             title=f"Issue {n}", body="", author="ana", author_is_staff=False, created_at=now,
             last_activity_at=now, replies=0) for n in range(1, 2001)])
    store.close()
    asked = []
    original = Store.existing_keys
    monkeypatch.setattr(Store, "existing_keys", lambda self, keys: asked.append(len(list(keys))) or original(self, keys))
    keys = [f"server:{n}" for n in range(1, 2001)]
    code, out, _ = run(capsys, "--config", config, "--db", path, "triage", *keys, "--type", "bug")
    assert code == 0 and out.count("type=bug") == 2000
    assert asked == [2000]
    code, out, _ = run(capsys, "--config", config, "--db", path, "list", "type:bug", "--json")
    assert len(json.loads(out)) == 2000


def test_a_command_loads_only_its_own_group(db, config):
    """`inbox list` parses with the items group alone (and what it uses), not all thirteen."""
    probe = ("import sys; from inbox.cli import main; code = main(sys.argv[1:]); "
             "print('loaded:', sorted(m for m in sys.modules if m.startswith('inbox.cli.')), "
             "file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, "--config", str(config), "--db", str(db), "list"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "server:1" in done.stdout
    assert "loaded: ['inbox.cli.commands', 'inbox.cli.items', 'inbox.cli.similar']" in done.stderr


@pytest.mark.parametrize("argv", [["--db"], ["--config"], ["--db", "x.db", "--config"]])
def test_a_missing_option_value_is_one_line_from_the_whole_parser(capsys, argv):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    err = capsys.readouterr().err
    assert exit.value.code == 2 and err.startswith("inbox: argument --") and err.count("\n") == 1


@pytest.mark.parametrize("args, expected", [
    (["list", "nosuch:thing"], "unknown field"),
    (["list", '"unbalanced'], 'unclosed quote: "unbalanced needs a closing "'),
    (["list", 'label:"Help Wanted'], "unclosed quote"),
    (["triage", "server:99", "--done"], "no item with key server:99"),
    (["triage", "server:1", "--snooze", "later"], "bad snooze"),
    (["triage", "server:1"], "nothing to change"),
    (["list", "--limit", "-1"], "--limit"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, db, config, args, expected):
    code, out, err = run(capsys, "--config", config, "--db", db, *args)
    assert code == 2
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_config_line_names_the_file_and_line(capsys, tmp_path, db):
    bad = tmp_path / "bad.toml"
    bad.write_text('[team]\nstaff = ["ana"\n')
    code, _, err = run(capsys, "--config", bad, "--db", db, "list")
    assert code == 2 and str(bad) in err and "line" in err and err.count("\n") == 1


def test_unknown_source_kind_is_named(capsys, tmp_path, db):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nkind = "myspace"\n')
    code, _, err = run(capsys, "--config", bad, "--db", db, "sync")
    assert code == 2 and "unknown kind 'myspace'" in err


def test_sync_without_sources_says_so(capsys, config, db):
    code, _, err = run(capsys, "--config", config, "--db", db, "sync")
    assert code == 2 and "no [[sources]]" in err


def test_missing_explicit_config_is_an_error(capsys, tmp_path, db):
    code, _, err = run(capsys, "--config", tmp_path / "nope.toml", "--db", db, "list")
    assert code == 2 and "not found" in err


def test_demo_no_tui_loads_into_the_given_db(tmp_path):
    db = tmp_path / "demo.db"
    out = subprocess.run([sys.executable, "-m", "inbox", "--db", str(db), "demo", "--no-tui"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Loaded the demo workspace" in out.stdout
    listed = subprocess.run([sys.executable, "-m", "inbox", "--db", str(db), "list", "--json",
                             "kind:discourse"], capture_output=True, text=True, env={"INBOX_CONFIG": "", "PATH": ""})
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)


def test_negated_words_that_look_like_options_are_query_terms(capsys, db, config):
    code, out, err = run(capsys, "--config", config, "--db", db, "list", "-helm", "-label:bug", "--json")
    assert code == 0, err
    assert [i["key"] for i in json.loads(out)] == ["server:2", "server:3"]


@pytest.mark.parametrize("args, expected", [
    (["list", "--jsno"], "unrecognized arguments: --jsno"),
    (["triage"], "required: KEY"),
    (["bogus"], "invalid choice"),
    (["triage", "server:1", "--assign", " "], "--assign needs a name"),
    (["triage", "server:1", "--snooze", "2020-01-01"], "that time has passed"),
])
def test_usage_errors_are_one_line_too(capsys, db, config, args, expected):
    try:
        code = main(["--config", str(config), "--db", str(db), *args])
    except SystemExit as exit_:  # argparse's own errors leave through SystemExit
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and err.count("\n") == 1


def test_type_and_status_ignore_case_and_an_empty_note_clears(capsys, db, config):
    run(capsys, "--config", config, "--db", db, "triage", "server:1", "--type", "Bug", "--note", "hi")
    run(capsys, "--config", config, "--db", db, "triage", "server:1", "--note", "")
    _, out, _ = run(capsys, "--config", config, "--db", db, "list", "type:bug", "--json")
    (item,) = json.loads(out)
    assert item["key"] == "server:1" and item["note"] is None


def test_a_token_variable_that_is_not_set_is_named(capsys, tmp_path, db, monkeypatch):
    monkeypatch.delenv("UNSET_TOKEN_FOR_TEST", raising=False)
    path = tmp_path / "c.toml"
    path.write_text('[[sources]]\nname = "gh"\nkind = "github"\nrepo = "a/b"\n'
                    'base_url = "http://127.0.0.1:9"\ntoken_env = "UNSET_TOKEN_FOR_TEST"\n')
    code, _, err = run(capsys, "--config", path, "--db", db, "sync")
    assert code == 1 and "UNSET_TOKEN_FOR_TEST" in err and "not set" in err and err.count("\n") == 1


def test_a_secret_written_into_the_config_is_refused(capsys, tmp_path, db):
    path = tmp_path / "c.toml"
    path.write_text('[[sources]]\nname = "gh"\nkind = "github"\nrepo = "a/b"\ntoken = "ghp_abc"\n')
    code, _, err = run(capsys, "--config", path, "--db", db, "list")
    assert code == 2 and "token_env" in err and "ghp_abc" not in err


def test_a_file_that_is_not_a_database_is_bad_input(capsys, tmp_path, config):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes, not SQLite" * 100)
    code, _, err = run(capsys, "--config", config, "--db", bogus, "list")
    assert code == 2 and "not a usable inbox database" in err
