"""Source options are checked when the config loads, by the kind each channel declares.

A value of the wrong kind (non-ASCII where a header needs ASCII, a list of numbers, a bad
duration or status map) is exit 2 with one line naming the file, the source and the key,
before anything is synced. A secret in the environment that no header can carry is named
(never shown) per source, and the other sources still sync and check.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from inbox.cli.sources import check_sources
from inbox.config import COMMON_OPTIONS, parse
from inbox.errors import ConfigError
from inbox.sources import base, registry
from tests.cli_helpers import run

DEAD = "http://127.0.0.1:9"
"""Nothing listens here: a test that reaches the network fails fast instead of hanging."""


def write(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    return path



SOURCES = {
    "forum": 'kind = "discourse"\nbase_url = "https://forum.example.test"\napi_key_env = "FORUM_KEY"\n',
    "chat": 'kind = "intercom"\ntoken_env = "CHAT_TOKEN"\n',
    "so": 'kind = "stackexchange"\nsite = "stackoverflow"\n',
    "slack": 'kind = "slack"\nchannel = "C0123"\ntoken_env = "SLACK_TOKEN"\n',
    "desk": 'kind = "zendesk"\nsubdomain = "acme"\ntoken_env = "DESK_TOKEN"\n',
    "ideas": 'kind = "uservoice"\nsubdomain = "acme"\nclient_id = "inbox"\nsecret_env = "UV_SECRET"\n',
    "server": 'kind = "github"\nrepo = "acme/chat"\n',
    "gh": 'kind = "github"\n',
    "desk-eu": 'kind = "zendesk"\nemail = "bot@acme.example"\ntoken_env = "DESK_TOKEN"\n',
    "ideas-eu": 'kind = "uservoice"\nclient_id = "inbox"\nsecret_env = "UV_SECRET"\n',
}


def one_source(name: str, extra: str) -> str:
    return f'[[sources]]\nname = "{name}"\n{SOURCES[name]}{extra}\n'


@pytest.mark.parametrize("name, extra, key", [
    ("forum", 'api_username = "jürgen"', "api_username"),
    ("chat", 'api_version = "2.11—beta"', "api_version"),
    ("desk", 'email = "zoë@acme.example"', "email"),
    ("slack", 'workspace = "açme"', "workspace"),
    ("so", "tagged = [1, 2]", "tagged"),
    ("so", 'tagged = ["acme", 3]', "tagged"),
    ("slack", 'history = "a fortnight"', "history"),
    ("slack", "history = 90", "history"),
    ("slack", 'thread_window = "7 days"', "thread_window"),
    ("slack", "thread_window = 7", "thread_window"),
    ("ideas", '[sources.status_map]\n"Beta" = "beta"', "status_map"),
    ("ideas", 'status_map = "planned"', "status_map"),
    ("ideas", "[sources.status_map]\n\"Beta\" = 3", "status_map"),
    ("server", 'write = "no"', "write"),
    ("server", 'base_url = "https://"', "base_url"),
    ("server", 'base_url = "http://api.example.test:99999"', "base_url"),
    ("server", 'timeout = "30s"', "timeout"),
    ("server", "max_body_mb = -1", "max_body_mb"),
    ("server", 'token_env = "GITHUB TOKEN"', "token_env"),
    ("gh", 'repo = "acme/chat\\n"', "repo"),
    ("desk-eu", 'subdomain = "acme/eu"', "subdomain"),
    ("ideas-eu", 'subdomain = "acme.eu"', "subdomain"),
    ("server", 'base_url = "https://bot:hunter2hunter2@github.example.test/api/v3"', "base_url"),
])
def test_a_value_of_the_wrong_kind_is_refused_at_load(capsys, tmp_path, name, extra, key) -> None:
    path = write(tmp_path, one_source(name, extra))
    code, _, err = run(capsys, "--config", path, "--db", tmp_path / "inbox.db", "list")
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and f"source '{name}'" in err and key in err
    assert "hunter2" not in err  # a password in a URL is named, never shown


def test_sync_stops_before_any_request_when_a_header_value_is_not_ascii(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FORUM_KEY", "0123456789abcdef")
    path = write(tmp_path, one_source("forum", 'api_username = "jürgen"'))
    code, _, err = run(capsys, "--config", path, "--db", tmp_path / "inbox.db", "sync")
    assert code == 2
    assert err.count("\n") == 1 and "unexpected" not in err
    assert f"{path}: source 'forum': api_username must be ASCII text" in err


@pytest.mark.parametrize("name, extra", [
    ("so", f'tagged = [1, 2]\nbase_url = "{DEAD}"'),
    ("slack", f'history = "90 days"\nbase_url = "{DEAD}"'),
    ("ideas", f'base_url = "{DEAD}"\n[sources.status_map]\n"Beta" = "shipped"'),
])
def test_sync_with_a_bad_option_is_a_config_error_not_a_failed_channel(capsys, tmp_path, name, extra) -> None:
    path = write(tmp_path, one_source(name, extra))
    code, out, err = run(capsys, "--config", path, "--db", tmp_path / "inbox.db", "sync")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unexpected" not in err and f"{path}: source '{name}'" in err


def test_the_checks_name_the_source_when_the_config_has_no_file() -> None:
    with pytest.raises(ConfigError) as raised:
        registry.parse_config({"sources": [{"name": "so", "kind": "stackexchange", "tagged": [1, 2]}]})
    assert str(raised.value) == "source 'so': tagged entries must be a string, not 1"


@pytest.mark.parametrize("entry", [
    {"kind": "gitlab", "project": 318},
    {"kind": "gitlab", "project": "group/sub/project"},
    {"kind": "stackexchange", "tagged": ["acme", "acme-bot"], "site": "superuser"},
    {"kind": "discourse", "base_url": "https://forum.example.test", "category": 5, "api_username": "system"},
    {"kind": "intercom", "admin_id": 814860, "app_id": "abc123", "api_version": "2.11"},
    {"kind": "slack", "channel": "C0123", "history": "90d", "thread_window": "0d", "workspace": "acme.slack.com"},
    {"kind": "github", "repo": "a/b", "write": False, "type_labels": {"bug": "bug", "feature": "enhancement"}},
    {"kind": "github", "repo": "a/b", "timeout": 2.5, "max_body_mb": 64},
    {"kind": "uservoice", "subdomain": "acme", "client_id": "inbox", "secret_env": "UV_SECRET",
     "status_map": {"Beta": "started", "Someday": "none"}},
])
def test_every_documented_form_of_a_value_still_loads(entry) -> None:
    config = registry.parse_config({"sources": [{"name": "s", **entry}]})
    assert config.sources[0].options == {k: v for k, v in entry.items() if k != "kind"}


def test_every_key_an_adapter_reads_is_declared() -> None:
    """Every value an adapter reads is checked at load, whichever key it sits under."""
    common = inspect.getsource(base)
    for kind, source_class in registry.KINDS.items():
        declared = {**COMMON_OPTIONS, **source_class.options}
        text = common + inspect.getsource(inspect.getmodule(source_class))
        read = set(re.findall(r"(?:config\.get|secret|_duration|_limit)\(\s*[\"'](\w+)[\"']", text))
        read |= set(source_class.required) | set(source_class.secret_keys)
        assert read - set(declared) == set(), f"{kind} reads keys it does not declare"


# --- secrets from the environment ---------------------------------------------------------

BAD_SECRETS = ["ghp_tökén0000000000000000000000000000", "ghp_line\nbreak00000000000000000000000"]


@pytest.mark.parametrize("secret", BAD_SECRETS)
def test_a_token_no_header_can_carry_is_named_never_shown(capsys, tmp_path, monkeypatch, secret) -> None:
    monkeypatch.setenv("ODD_TOKEN_FOR_TEST", secret)
    path = write(tmp_path, one_source("server", f'token_env = "ODD_TOKEN_FOR_TEST"\nbase_url = "{DEAD}"'))
    code, _, err = run(capsys, "--config", path, "--db", tmp_path / "inbox.db", "sync")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err and "unexpected" not in err
    assert "ODD_TOKEN_FOR_TEST" in err and "non-ASCII character or a line break" in err
    assert "ghp_" not in err and "ök" not in err


@pytest.mark.parametrize("kind, options, variable", [
    ("discourse", {"base_url": "https://forum.example.test", "api_key_env": "V"}, "V"),
    ("zendesk", {"subdomain": "acme", "email": "a@acme.example", "token_env": "V"}, "V"),
    ("intercom", {"token_env": "V"}, "V"),
    ("slack", {"channel": "C0123", "token_env": "V"}, "V"),
    ("gitlab", {"project": "a/b", "token_env": "V"}, "V"),
    ("stackexchange", {"tagged": "acme", "key_env": "V"}, "V"),
    ("uservoice", {"subdomain": "acme", "client_id": "inbox", "secret_env": "V"}, "V"),
])
def test_every_kind_names_the_variable_of_a_bad_secret(kind, options, variable) -> None:
    config = parse({"sources": [{"name": "s", "kind": kind, **options}]})
    source = registry.build(config.sources[0], config, env={variable: "tökén-ünicode"})
    with pytest.raises(ConfigError) as raised:
        source.session()
    assert f"environment variable {variable} (named by" in str(raised.value)
    assert "tökén" not in str(raised.value)


# --- `inbox sources --check`: one source's trouble is its own --------------------------------


class _Channel(BaseHTTPRequestHandler):
    """Says yes to any GET: a repo that exists for whatever token is sent."""

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        body = json.dumps({"full_name": "acme/chat"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def channel() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Channel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_sources_check_goes_on_past_a_source_with_a_bad_secret(capsys, tmp_path, monkeypatch, channel) -> None:
    monkeypatch.setenv("GOOD_TOKEN_FOR_TEST", "ghp_plain0000000000000000000000000000")
    monkeypatch.setenv("ODD_TOKEN_FOR_TEST", BAD_SECRETS[0])
    toml = "".join(f'[[sources]]\nname = "{name}"\nkind = "github"\nrepo = "acme/chat"\n'
                   f'base_url = "{channel}"\ntoken_env = "{variable}"\n\n'
                   for name, variable in (("first", "GOOD_TOKEN_FOR_TEST"), ("odd", "ODD_TOKEN_FOR_TEST"),
                                          ("last", "GOOD_TOKEN_FOR_TEST")))
    path = write(tmp_path, toml)
    code, out, err = run(capsys, "--config", path, "--db", tmp_path / "inbox.db", "sources", "--check")
    assert code == 1, err
    flat = " ".join(out.split())  # the console wraps long lines
    assert "check first: ok" in flat and "check last: ok" in flat
    assert "check odd: failed: source 'odd': environment variable ODD_TOKEN_FOR_TEST" in flat
    assert "tök" not in out + err and "Traceback" not in err


async def test_check_sources_reports_each_source_on_its_own() -> None:
    config = parse({"sources": [
        {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.test", "api_key_env": "KEY"},
        {"name": "server", "kind": "github", "repo": "acme/chat", "base_url": "https://api.example.test"},
    ]})
    answer = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    checks = await check_sources(config, env={"KEY": "kéy"}, transport=answer)
    assert checks["server"] == "ok"
    assert "environment variable KEY" in checks["forum"] and "kéy" not in checks["forum"]
