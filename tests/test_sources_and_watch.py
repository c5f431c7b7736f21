"""`inbox sources [--check]`, `inbox sync --watch` and the pacing of repeated syncs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from inbox.cli import commands as cli
from inbox.cli import sync as cli_sync
from inbox.cli.sources import check_sources
from inbox.config import parse
from inbox.errors import ConfigError
from inbox.models import Item
from inbox.store import Store
from inbox.sync import due_sources

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
TOKEN = "ghp_" + "W4tchT0ken0000000000000000000000000001"
CONFIG = {
    "sources": [
        {"name": "server", "kind": "github", "repo": "acme/chat", "token_env": "CHAT_TOKEN",
         "base_url": "https://api.example.test"},
        {"name": "so", "kind": "stackexchange", "site": "stackoverflow", "tagged": "acme",
         "base_url": "https://se.example.test/2.3"},
    ],
}


def write_config(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(data)
    return path


TOML = """
[[sources]]
name = "server"
kind = "github"
repo = "acme/chat"
token_env = "CHAT_TOKEN"
base_url = "https://api.example.test"

[[sources]]
name = "so"
kind = "stackexchange"
site = "stackoverflow"
tagged = "acme"
base_url = "https://se.example.test/2.3"
"""


def test_sources_lists_each_configured_source_with_its_state(tmp_path, capsys) -> None:
    db = tmp_path / "inbox.db"
    store = Store(db)
    store.save_page("server", [Item(source="server", kind="github", external_id="1", url="https://x/1",
                                    title="t", body="b", author="a", author_is_staff=False,
                                    created_at=NOW, last_activity_at=NOW)])
    store.record_sync("server", "github", now=NOW, rate_remaining=4990, rate_limit=5000)
    store.record_sync("so", "stackexchange", now=NOW, error="so: server error 502 after 4 tries")
    store.close()
    config = write_config(tmp_path, TOML)

    assert cli.main(["--config", str(config), "--db", str(db), "sources", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["server"]["items"] == 1 and rows["server"]["rate_remaining"] == 4990
    assert rows["server"]["last_success_at"] == "2026-11-21T09:00:00Z" and rows["server"]["last_error"] is None
    assert rows["so"]["last_success_at"] is None and "502" in rows["so"]["last_error"]

    assert cli.main(["--config", str(config), "--db", str(db), "sources"]) == 0
    out = capsys.readouterr().out
    assert "server" in out and "4,990/5,000" in out and "never" in out and "502" in out


async def test_check_tries_each_source_and_says_why_one_fails() -> None:
    seen: list[str] = []

    def channel(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "api.example.test":
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return httpx.Response(401, json={"message": "Bad credentials"})
            return httpx.Response(200, json={"full_name": "acme/chat"})
        return httpx.Response(400, json={"error_id": 400, "error_name": "bad_parameter",
                                         "error_message": "site is required"})

    config = parse(CONFIG)
    checks = await check_sources(config, env={"CHAT_TOKEN": TOKEN}, transport=httpx.MockTransport(channel))
    assert checks["server"] == "ok"
    assert checks["so"].startswith("HTTP 400") and "site is required" in checks["so"]
    assert sorted(seen) == ["https://api.example.test/repos/acme/chat",
                            "https://se.example.test/2.3/info?site=stackoverflow"]

    checks = await check_sources(config, env={"CHAT_TOKEN": "wrong"}, transport=httpx.MockTransport(channel))
    assert checks["server"].startswith("unauthorized: check the token")
    checks = await check_sources(config, env={}, transport=httpx.MockTransport(channel))
    assert "environment variable CHAT_TOKEN" in checks["server"] and "not set" in checks["server"]


def test_sources_check_exit_code_is_1_when_one_fails(tmp_path, capsys, monkeypatch) -> None:
    async def fake(config, **_):
        return {"server": "ok", "so": "HTTP 400: site is required (https://se.example.test/2.3/info)"}

    monkeypatch.setattr("inbox.cli.sources.check_sources", fake)
    config = write_config(tmp_path, TOML)
    assert cli.main(["--config", str(config), "--db", str(tmp_path / "i.db"), "sources", "--check"]) == 1
    out = capsys.readouterr().out
    assert "check server: ok" in out and "check so: failed: HTTP 400" in out


# --- pacing ---------------------------------------------------------------------------------


def test_due_sources_wait_their_interval_and_their_kinds_minimum(tmp_path) -> None:
    config, store = parse(CONFIG), Store(tmp_path / "inbox.db")
    due, _ = due_sources(config, store, now=NOW, interval=timedelta(minutes=5))
    assert due == ["server", "so"]  # never synced: both due
    for name, kind in (("server", "github"), ("so", "stackexchange")):
        store.record_sync(name, kind, now=NOW)
    due, next_at = due_sources(config, store, now=NOW + timedelta(minutes=6), interval=timedelta(minutes=5))
    assert due == ["server"]  # Stack Exchange waits at least 10 minutes (its daily quota)
    assert next_at == NOW + timedelta(minutes=10)
    due, _ = due_sources(config, store, now=NOW + timedelta(minutes=10), interval=timedelta(minutes=5))
    assert due == ["server", "so"]
    store.close()


def test_a_used_up_rate_limit_waits_for_its_reset(tmp_path) -> None:
    config, store = parse(CONFIG), Store(tmp_path / "inbox.db")
    store.record_sync("server", "github", now=NOW, rate_remaining=0, rate_limit=5000,
                      rate_reset_at=NOW + timedelta(minutes=40))
    due, next_at = due_sources(config, store, now=NOW + timedelta(minutes=6), interval=timedelta(minutes=5),
                               only=["server"])
    assert due == [] and next_at == NOW + timedelta(minutes=40)
    store.close()


def test_watch_syncs_round_after_round_and_stops_cleanly(tmp_path, capsys, monkeypatch) -> None:
    clock = [NOW]
    calls: list[list[str]] = []

    async def fake_sync_all(config, store, *, only=(), now=None, **_):
        from inbox.sync import SourceResult

        calls.append(list(only))
        for name in only:
            store.record_sync(name, config.source(name).kind, now=now)
        return [SourceResult(name, config.source(name).kind, items=2) for name in only]

    def fake_sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)
        if clock[0] > NOW + timedelta(minutes=12):
            raise KeyboardInterrupt  # the user presses ctrl+c

    monkeypatch.setattr("inbox.sync.sync_all", fake_sync_all)
    monkeypatch.setattr(cli_sync, "utcnow", lambda: clock[0])
    store = Store(tmp_path / "inbox.db")
    code = cli_sync.watch(parse(CONFIG), store, [], "5m", sleep=fake_sleep)
    assert code == 0
    assert calls == [["server", "so"], ["server"], ["server", "so"]]  # at 0, 5 and 10 minutes
    out, err = capsys.readouterr()
    assert out.count("server: 2 items") == 3 and "09:05 server: 2 items" in out
    assert "Stopped watching" in err
    store.close()


@pytest.mark.parametrize(("interval", "message"), [("30s", "bad duration"), ("0m", "1m or more"),
                                                   ("soon", "bad duration")])
def test_watch_interval_errors_are_usage_errors(tmp_path, capsys, interval, message) -> None:
    config = write_config(tmp_path, TOML)
    assert cli.main(["--config", str(config), "--db", str(tmp_path / "i.db"), "sync", "--watch", interval]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("value", "message"), [('"30s"', "bad duration"), ('"0m"', "1m or more"),
                                                ("5", "must be a duration")])
def test_sync_interval_in_the_config_is_checked(value, message) -> None:
    import tomllib

    with pytest.raises(ConfigError, match=message):
        parse(tomllib.loads(f"[sync]\ninterval = {value}\n"))
    assert parse(tomllib.loads('[sync]\ninterval = "10m"\n')).sync_interval == timedelta(minutes=10)

