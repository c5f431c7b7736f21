"""From the demo to your own inbox: `inbox init` writes a commented starter config where
the inbox reads it and never over one, the starter loads as written and with every
example uncommented, `inbox config` says which config and database are in use, and
`inbox --help` names the real config path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbox.cli import main
from inbox.config.starter import starter_text
from inbox.query import KINDS
from inbox.sources.registry import load_config
from tests.cli_helpers import run

SETTING = re.compile(r"^# (\[|[a-z_]+ = )")
"""A commented-out setting (prose comments never start with a key or a table)."""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user config and data folder of the test's own, no $INBOX_CONFIG or $INBOX_DB."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    monkeypatch.delenv("INBOX_DB", raising=False)
    return tmp_path



def test_init_writes_the_starter_where_the_inbox_reads_it_and_it_loads(home: Path, capsys) -> None:
    code, out, err = run(capsys, "init")
    path = home / "config" / "inbox" / "config.toml"
    assert code == 0 and err == ""
    assert path.read_text(encoding="utf-8") == starter_text()  # the folder was made too
    assert f"Wrote a starter config to {path}: the inbox reads it from there." in out
    assert "Next: set `me` under [team]" in out and "inbox sync" in out
    code, out, err = run(capsys, "sources")  # the default config, as written: it loads
    assert code == 0 and err == "" and "No sources configured" in out
    code, out, _ = run(capsys, "config")
    assert f"config    {path}  (exists; from the user config folder)" in out


def test_init_never_writes_over_a_config(home: Path, capsys) -> None:
    path = home / "mine.toml"
    path.write_text("[team]\nme = \"amy\"\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(path), "init")
    assert code == 2 and out == ""
    assert err == f"inbox: {path} already exists and is left as it is: edit it, or give another path with --config\n"
    assert path.read_text(encoding="utf-8") == "[team]\nme = \"amy\"\n"


def test_init_follows_inbox_config_then_config(home: Path, capsys, monkeypatch) -> None:
    by_env = home / "team" / "inbox.toml"
    monkeypatch.setenv("INBOX_CONFIG", str(by_env))
    code, out, _ = run(capsys, "init")
    assert code == 0 and by_env.is_file() and "while $INBOX_CONFIG says so" in out
    given = home / "other folder" / "c.toml"
    code, out, _ = run(capsys, "--config", str(given), "init")
    assert code == 0 and given.is_file()
    assert f"when given --config '{given}'" in out  # quoted: the path holds a space


def test_a_path_that_cannot_be_written_is_one_line(home: Path, capsys) -> None:
    (home / "a-file").write_text("", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(home / "a-file" / "config.toml"), "init")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"inbox: {home / 'a-file' / 'config.toml'}: cannot make its folder")
    code, out, err = run(capsys, "--config", str(home), "init")  # a folder
    assert code == 2 and err == f"inbox: {home} already exists and is left as it is: edit it, or give " \
                                "another path with --config\n"


def test_the_starter_says_what_to_set_and_holds_no_secret() -> None:
    text = starter_text()
    for section in ("[team]", "[docs]", "[store]", "[sla]", "[sweep]"):
        assert f"\n{section}\n" in text, section
    assert '# me = "your-login"' in text
    for kind in KINDS:  # one source per channel kind, commented out
        assert f'\n# kind = "{kind}"\n' in text, kind
    assert "\n[[sources]]" not in text
    secrets = re.findall(r"^#? ?(\w+) = ", text, flags=re.MULTILINE)
    assert not {"token", "password", "api_key", "secret", "key", "webhook_url"} & set(secrets)
    assert {"token_env", "api_key_env", "secret_env", "key_env", "password_env", "webhook_env"} <= set(secrets)


def test_every_commented_example_loads_once_uncommented(tmp_path: Path) -> None:
    lines = [line[2:] if SETTING.match(line) else line for line in starter_text().splitlines()]
    path = tmp_path / "all.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(path)
    assert sorted(source.kind for source in config.sources) == sorted(KINDS)
    assert config.team.me == "your-login" and config.store.url.startswith("postgresql://")
    assert config.sla is not None and config.sweep.webhook_env == "SLACK_WEBHOOK_URL"
    assert {"docs", "security", "forum", "ideas"} <= set(config.docs)


def test_config_says_which_file_and_database_and_whether_each_exists(home: Path, capsys) -> None:
    code, out, err = run(capsys, "config")
    assert code == 0 and err == ""
    config_path, db_path = home / "config" / "inbox" / "config.toml", home / "data" / "inbox" / "inbox.db"
    assert out.splitlines() == [
        f"config    {config_path}  (not there yet: `inbox init` writes a starter; from the user config folder)",
        f"database  {db_path}  (not there yet: `inbox sync` or `inbox` makes it; from the user data folder)"]
    assert not config_path.exists() and not db_path.exists()  # saying so creates nothing
    db = home / "team.db"
    code, out, _ = run(capsys, "--db", str(db), "list")
    code, out, _ = run(capsys, "--db", str(db), "config")
    assert f"database  {db}  (exists; from --db)" in out


def test_config_shows_a_postgresql_url_as_given(home: Path, capsys, monkeypatch) -> None:
    url = "postgresql://amy@127.0.0.1:1/inbox?sslmode=disable"  # nobody listens on port 1
    path = home / "team.toml"
    path.write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(path), "config")
    assert code == 0
    config_line, db_line = out.splitlines()
    assert config_line == f"config    {path}  (exists; from --config)"
    assert db_line.startswith(f"database  {url}  (PostgreSQL, not reached: ") and db_line.endswith("from [store] url)")
    monkeypatch.setenv("INBOX_DB", str(home / "mine.db"))
    code, out, _ = run(capsys, "--config", str(path), "config")
    assert out.splitlines()[1].endswith("(not there yet: `inbox sync` or `inbox` makes it; from $INBOX_DB)")


def test_a_broken_config_is_named_then_said_in_one_line(home: Path, capsys) -> None:
    path = home / "broken.toml"
    path.write_text("[team\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(path), "config")
    assert code == 2 and out == f"config    {path}  (exists; from --config)\n"
    assert err.startswith(f"inbox: {path}: ") and err.count("\n") == 1


def test_help_names_the_real_config_path(home: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "2000")  # no path broken across lines
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert f"here: {home / 'config' / 'inbox' / 'config.toml'}" in out
    assert "inbox init" in out and "inbox config" in out
    monkeypatch.setenv("INBOX_CONFIG", str(home / "100%.toml"))
    with pytest.raises(SystemExit):
        main(["--help"])
    assert f"here: {home / '100%.toml'}" in capsys.readouterr().out
