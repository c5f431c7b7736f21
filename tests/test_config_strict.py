"""The config is read once, strictly: a typo is an error naming the file, the section and
the key with the nearest known one; two actions on one key are an error; each section
becomes typed settings the rest reads; and loading it imports nothing above it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from inbox.cli import main
from inbox.config import Config, parse
from inbox.errors import ConfigError
from inbox.keys import SCOPES, split_keys
from inbox.reports.sla import sla_settings
from inbox.reports.sweep import sweep_settings
from inbox.sources import registry
from inbox.triage.identities import people_config
from inbox.triage.rules_config import load_rules

ROOT = Path(__file__).resolve().parent.parent
GITHUB = {"name": "server", "kind": "github", "repo": "acme/chat-server"}


def error(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as raised:
        registry.parse_config(data)
    return str(raised.value)


# --- unknown keys ---------------------------------------------------------------------------

def test_a_misspelt_token_variable_stops_the_command(tmp_path: Path, capsys) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[sources]]\nname = "server"\nkind = "github"\nrepo = "acme/chat-server"\n'
                    'tokn_env = "GITHUB_TOKEN"\n')
    assert main(["--config", str(path), "--db", str(tmp_path / "inbox.db"), "list"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"inbox: {path}: source 'server': unknown key tokn_env (did you mean token_env?)\n"


def test_a_variable_the_kind_does_not_read_is_unknown() -> None:
    assert error({"sources": [{**GITHUB, "api_key_env": "KEY"}]}) == \
        "source 'server': unknown key api_key_env (did you mean token_env?)"


@pytest.mark.parametrize(("data", "message"), [
    ({"tem": {}}, "config: unknown section tem (did you mean team?)"),
    ({"team": {"stafff": ["amy"]}}, "config: [team]: unknown key stafff (did you mean staff?)"),
    ({"sync": {"intervall": "10m"}}, "config: [sync]: unknown key intervall (did you mean interval?)"),
    ({"playbooks": {"path": ["x"]}}, "config: [playbooks]: unknown key path (did you mean paths?)"),
    ({"templates": {"path": ["x"]}}, "config: [templates]: unknown key path (did you mean paths?)"),
    ({"jira": {"base_url": "https://acme.atlassian.net", "project": "CHAT", "email": "bot@acme.example",
               "token_env": "JIRA_TOKEN", "issue_typ": "Bug"}},
     "config: [jira]: unknown key issue_typ (did you mean issue_type?)"),
    ({"sla": {"respond_in": "24h"}}, "config: [sla]: unknown key respond_in (did you mean respond_within?)"),
    ({"sweep": {"min-age": "2d"}}, "config: [sweep]: unknown key min-age (did you mean min_age?)"),
    ({"slack": {"webhook_evn": "HOOK"}}, "config: [slack]: unknown key webhook_evn (did you mean webhook_env?)"),
    ({"people": {"amy": {"githb": "amy"}}},
     "config: people.amy.githb: not a channel kind or a source name (did you mean github?)"),
    ({"rules": [{"name": "a", "query": "kind:github", "done": True, "assignee": "amy"}]},
     "config: rules #1 (a): unknown key assignee (did you mean assign?)"),
    ({"views": [{"name": "Mine", "query": "assignee:amy", "qeury": "x"}]},
     "config: views #1: unknown key qeury (did you mean query?)"),
    ({"sources": [{**GITHUB, "rpo": "a/b"}]}, "source 'server': unknown key rpo (did you mean repo?)"),
    ({"type_labels": {"bugs": "bug"}}, "config: type_labels: unknown key bugs (did you mean bug?)"),
])
def test_an_unknown_key_names_the_section_and_the_nearest_key(data: dict[str, Any], message: str) -> None:
    assert error(data) == message


def test_every_config_the_readme_shows_still_loads_into_typed_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        registry.parse_config(tomllib.loads(block))
    merged = {k: v for block in blocks for k, v in tomllib.loads(block).items()}
    config = registry.parse_config(merged)
    assert config.sla is not None and config.sla.respond_within == timedelta(hours=24)
    assert config.sweep.project == "Acme" and config.sweep.webhook_env == "SLACK_WEBHOOK_URL"
    assert config.people["amy"]["github"] == ["amy-acme"]
    assert [rule.name for rule in config.rules]


def test_the_demo_config_loads_strictly() -> None:
    config = registry.load_config(ROOT / "inbox" / "demo" / "config.toml", required=True)
    assert config.sweep.project and config.rules and config.people


# --- [keys] -----------------------------------------------------------------------------------

def test_an_unknown_action_is_named_with_the_nearest_one() -> None:
    assert error({"keys": {"doen": "d"}}) == "config: [keys]: unknown action doen (did you mean done?)"


@pytest.mark.parametrize(("keys", "message"), [
    ({"done": "d", "undo": "d"}, "done and undo are both bound to d"),
    ({"done": "u"}, "done and undo are both bound to u"),  # onto another action's default
    ({"sync": "x,ctrl+q"}, "quit and sync are both bound to ctrl+q"),  # the app's own key
    ({"compose_post": "ctrl+t"}, "compose_post and compose_templates are both bound to ctrl+t"),
    ({"done": "space"}, "done and mark are both bound to space"),
    ({"done": "g"}, "done and top are both bound to g"),  # the focused list's key
    ({"view_1": "j"}, "cursor_down and view_1 are both bound to j"),  # the sidebar moves by the list keys
])
def test_two_actions_on_one_key_are_named(keys: dict[str, str], message: str) -> None:
    assert error({"keys": keys}) == f"config: [keys]: {message}"


def test_a_swap_loads_where_half_of_it_clashes() -> None:
    keys = {"done": "u", "undo": "e", "compose_post": "e", "cursor_down": "j,down,n"}
    assert parse({"keys": keys}).keys == keys  # each key still has one action per screen
    assert error({"keys": {"done": "u"}}) == "config: [keys]: done and undo are both bound to u"


def _tui_bindings() -> dict[str, str]:
    """Every binding id the TUI declares -> its keys, found by walking its modules."""
    import inbox.tui
    from inbox.tui.actions import bindings

    found: dict[str, str] = {b.id: b.key for b in bindings()}
    for module_info in pkgutil.walk_packages(inbox.tui.__path__, "inbox.tui."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for binding in cls.__dict__.get("BINDINGS", []):
                if getattr(binding, "id", None):
                    found[binding.id] = binding.key
    return found


def test_the_key_table_holds_every_binding_the_tui_declares() -> None:
    table = {binding_id: keys for scope in SCOPES.values() for binding_id, keys in scope.items()}
    assert {i: split_keys(k) for i, k in _tui_bindings().items()} == \
        {i: split_keys(k) for i, k in table.items()}


# --- typed settings, parsed once --------------------------------------------------------------

def test_each_section_is_typed_settings_on_the_config() -> None:
    config = parse({"sources": [GITHUB], "team": {"me": "amy"},
                    "sweep": {"min_age": "36h"}, "sla": {"respond_within": "8h"},
                    "rules": [{"name": "r", "query": "kind:github", "snooze": "2d"}],
                    "people": {"amy": {"server": "amy-gh"}}})
    assert config.sweep.min_age == timedelta(hours=36) and config.sweep.sources == ("server",)
    assert config.sla is not None and config.sla.respond_within == timedelta(hours=8)
    assert [(r.name, r.actions) for r in config.rules] == [("r", {"snooze": timedelta(days=2)})]
    assert config.people == {"amy": {"server": ["amy-gh"]}}
    # the triage modules read what the config parsed (it keeps no copy of the file to read again)
    assert not hasattr(config, "raw")
    assert sweep_settings(config) is config.sweep and sla_settings(config) is config.sla
    assert load_rules(config) == config.rules and people_config(config) is config.people


@pytest.mark.parametrize(("data", "name"), [
    ({"team": {"follow_up": 2}}, "team.follow_up"),
    ({"sync": {"interval": 2}}, "sync.interval"),
    ({"sweep": {"min_age": 2}}, "sweep.min_age"),
    ({"sla": {"respond_within": 2}}, "sla.respond_within"),
    ({"sources": [{"name": "s", "kind": "slack", "channel": "C1", "history": 2}]}, "history"),
])
def test_every_duration_is_read_one_way(data: dict[str, Any], name: str) -> None:
    assert error(data).endswith(f"{name} must be a duration like \"2d\", not 2")


def test_an_empty_config_has_default_settings() -> None:
    config = Config()
    assert config.sla is None and config.rules == [] and config.people == {}
    assert config.sweep.min_age == timedelta(days=2)


# --- layering ---------------------------------------------------------------------------------

def test_loading_the_config_imports_nothing_above_it() -> None:
    code = ("import sys\n"
            "from inbox.config import parse\n"
            "parse({'sources': [{'name': 'server', 'kind': 'github', 'repo': 'a/b'}],\n"
            "       'sweep': {'min_age': '2d'}, 'sla': {}, 'keys': {'done': 'd'},\n"
            "       'rules': [{'name': 'r', 'query': 'kind:github', 'done': True}],\n"
            "       'people': {'amy': {'github': 'amy'}}})\n"
            "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('inbox.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    above = [m for m in out.stdout.split() if m.split(".")[1] in ("triage", "sources", "tui", "cli")
             or m.startswith("inbox.cli")]
    assert above == []
    assert "inbox.config" in out.stdout.split()


def test_inbox_me_names_the_teammate_over_the_shared_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """One config file for the team; each teammate's environment says who they are."""
    monkeypatch.setenv("INBOX_ME", "carol")
    assert parse({"team": {"me": "amy"}}).team.me == "carol"
    monkeypatch.setenv("INBOX_ME", "  ")
    assert parse({"team": {"me": "amy"}}).team.me == "amy"
    monkeypatch.delenv("INBOX_ME")
    assert parse({}).team.me is None


# --- files that are not configs ----------------------------------------------------------------


@pytest.mark.parametrize("text, words", [
    ("x = " + "[" * 3000 + "]" * 3000 + "\n", "values nested too deeply"),
    ("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", "values nested too deeply"),
    ("[sweep]\nmax_per_section = " + "9" * 5000 + "\n", "a number too long"),
], ids=["deep-arrays", "deep-tables", "5000-digits"])
def test_a_config_tomllib_cannot_build_is_one_line(tmp_path: Path, capsys, text: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["--config", str(path), "--db", str(tmp_path / "inbox.db"), "list"]) == 2
    err = capsys.readouterr().err
    assert err == f"inbox: {path}: {words} to read\n"


def test_a_config_path_that_is_no_file_is_refused_unread(tmp_path: Path, capsys) -> None:
    """A pipe would wait for ever and a device such as /dev/zero never ends: neither is read
    (the device here is /dev/null, which ends at once, so the old way fails quickly too)."""
    import os
    import threading

    pipe = tmp_path / "config.toml"
    os.mkfifo(pipe)
    codes: list[int] = []
    reading = threading.Thread(target=lambda: codes.append(
        main(["--config", str(pipe), "--db", str(tmp_path / "inbox.db"), "list"])), daemon=True)
    reading.start()
    reading.join(timeout=20)
    assert codes == [2], "reading the config waited on a pipe"
    assert capsys.readouterr().err == f"inbox: {pipe}: not a regular file, so not read as a config\n"
    assert main(["--config", "/dev/null", "--db", str(tmp_path / "inbox.db"), "list"]) == 2
    assert capsys.readouterr().err == "inbox: /dev/null: not a regular file, so not read as a config\n"
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 2**20 + "\n")
    assert main(["--config", str(huge), "--db", str(tmp_path / "inbox.db"), "list"]) == 2
    assert "larger than 1 MiB" in capsys.readouterr().err
