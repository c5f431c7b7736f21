"""Presence: "amy is replying", from the store to a teammate's screen.

The store keeps who has the reply editor open where, alive by a heartbeat and ignored a
minute after the last one (times come from an injected clock, never the real one); list
rows say who through a join on a small table; `inbox list --json` has `replying` on every
item. Two TUIs on one database file, as two teammates, see each other open and close the
editor.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.cli import commands
from inbox.cli import items as cli_items
from inbox.config import parse
from inbox.models import Item
from inbox.store import Store
from inbox.store.db import Store as StoreClass
from inbox.tui.app import make_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.screens.main import MainScreen
from inbox.tui.widgets.item_list import ItemList, format_row
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
INBOX = "is:open -is:done -is:snoozed"


def seconds(n: float) -> datetime:
    return NOW + timedelta(seconds=n)


def post(number: int, title: str, hours_ago: float) -> Item:
    at = NOW - timedelta(hours=hours_ago)
    return Item(source="server", kind="github", external_id=str(number),
                url=f"https://github.com/orchardly/orchard/issues/{number}", title=title, body="It stalls.",
                author="wren", author_is_staff=False, created_at=at, last_activity_at=at)


@pytest.fixture(autouse=True)
def nobody_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who each teammate is comes from their config here, not from this machine."""
    monkeypatch.delenv("INBOX_ME", raising=False)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [post(7, "Sync stalls after upgrade", 2), post(8, "Export is slow", 3),
                               post(9, "Where is the [bold]log[/]?", 4)])
    store.close()
    return tmp_path / "inbox.db"


@pytest.fixture
def store(path: Path):
    store = Store(path)
    yield store
    store.close()


def replying(store: Store, at: datetime, viewer: str | None = None) -> dict[str, str | None]:
    return {row["key"]: row["replying"] for row in store.page(INBOX, now=at, limit=10, viewer=viewer)}


# --- the store ---------------------------------------------------------------------------------


def test_opening_the_editor_marks_it_and_closing_it_clears_it(store: Store) -> None:
    store.presence.mark("server:7", "amy", now=NOW)
    assert store.presence.on("server:7", now=seconds(5)) == ["amy"]
    assert replying(store, seconds(5)) == {"server:7": "amy", "server:8": None, "server:9": None}
    assert store.item("server:7", now=seconds(5))["replying"] == "amy"
    store.presence.leave("server:7", "amy")
    assert store.presence.on("server:7", now=seconds(5)) == []
    assert replying(store, seconds(5))["server:7"] is None


def test_a_heartbeat_keeps_it_and_a_minute_without_one_ends_it(store: Store) -> None:
    store.presence.mark("server:7", "amy", now=NOW)
    assert replying(store, seconds(60))["server:7"] == "amy"
    assert replying(store, seconds(61))["server:7"] is None  # the process died: gone a minute later
    assert store.presence.on("server:7", now=seconds(61)) == []
    store.presence.mark("server:7", "amy", now=seconds(45))  # a heartbeat
    assert replying(store, seconds(100))["server:7"] == "amy"
    assert store.presence.everywhere(now=seconds(100)) == {"server:7": ["amy"]}
    assert store.presence.everywhere(now=seconds(106)) == {}


def test_a_stale_mark_is_cleared_by_the_next_one_so_the_table_stays_small(store: Store) -> None:
    store.presence.mark("server:7", "amy", now=NOW)
    store.presence.mark("server:8", "bob", now=seconds(120))
    rows = store.db.conn.execute("SELECT key, who FROM presence ORDER BY key").fetchall()
    assert rows == [("server:8", "bob")]


def test_the_viewer_is_left_out_and_several_teammates_give_one_row(store: Store) -> None:
    store.presence.mark("server:7", "maya", now=NOW)
    store.presence.mark("server:7", "amy", now=NOW)
    assert replying(store, NOW, viewer="maya")["server:7"] == "amy"
    assert replying(store, NOW, viewer="amy")["server:7"] == "maya"
    assert replying(store, NOW)["server:7"] == "amy"  # nobody left out: one name, the first
    assert len(store.page(INBOX, now=NOW, limit=10)) == 3  # never a row per teammate
    assert store.presence.on("server:7", now=NOW, besides="maya") == ["amy"]
    store.presence.mark("server:8", "maya", now=NOW)
    assert replying(store, NOW, viewer="maya")["server:8"] is None
    assert store.presence.everywhere(now=NOW, besides="maya") == {"server:7": ["amy"]}


def test_who_the_user_is_comes_from_the_config_the_environment_or_the_login(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "wren")
    assert parse({"team": {"me": "amy"}}).team.who == "amy"
    monkeypatch.setenv("INBOX_ME", "carol")
    assert parse({"team": {"me": "amy"}}).team.who == "carol"
    monkeypatch.delenv("INBOX_ME")
    assert parse({}).team.who == "wren"

    def no_login() -> str:
        raise OSError("no user entry")

    monkeypatch.setattr("getpass.getuser", no_login)
    assert parse({}).team.who == "unknown"


def test_list_rows_join_presence_by_key_without_a_lookup_per_row(store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's query reads the presence table once (materialized) and joins it by key;
    the list's order still comes from its index, with no sort and no correlated subquery."""
    seen: list[tuple[str, dict]] = []
    run = StoreClass._run

    def recording(self, sql, params, *args, **kwargs):
        seen.append((sql, dict(params)))
        return run(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(StoreClass, "_run", recording)
    store.presence.mark("server:7", "amy", now=NOW)
    store.page(INBOX, now=NOW, limit=100)
    sql, params = seen[0]  # (it calls itself again with its reader)
    with sqlite3.connect(store.path) as conn:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "MATERIALIZE p" in plan and "SCAN presence" in plan
    assert "SEARCH p USING AUTOMATIC COVERING INDEX (key=?)" in plan
    assert "CORRELATED" not in plan and "TEMP B-TREE" not in plan
    assert "SEARCH i USING INDEX items_by_lane" in plan


def test_list_json_has_replying_on_every_item(path: Path, store: Store, capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_items, "utcnow", lambda: seconds(30))
    config = path.parent / "config.toml"
    config.write_text('[team]\nme = "amy"\n', encoding="utf-8")
    store.presence.mark("server:8", "amy", now=NOW)
    store.presence.mark("server:9", "bob", now=NOW)
    store.presence.mark("server:7", "carl", now=seconds(-40))  # its heartbeat stopped 70 s ago
    capsys.readouterr()
    assert commands.main(["--config", str(config), "--db", str(path), "list", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [(item["key"], item["replying"]) for item in items] == [
        ("server:7", None), ("server:8", "amy"), ("server:9", "bob")]  # the user's own too


def test_a_name_from_the_database_is_text_in_the_row(store: Store) -> None:
    store.presence.mark("server:7", "[@click=q]amy\x1b[31m", now=NOW)
    row = next(r for r in store.page(INBOX, now=NOW, limit=10) if r["key"] == "server:7")
    drawn = format_row(row, 140, NOW).plain
    assert "✎ [@click=q]amy is replying" in drawn and "\x1b" not in drawn


# --- two teammates, two TUIs, one database file ------------------------------------------------


class Clock:
    """A teammate's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def app_for(path: Path, me: str, clock: Clock):
    return make_app(parse({"team": {"me": me, "staff": ["maya", "amy"]}}), Store(path), now=clock)


async def open_editor(pilot, key: str) -> ComposeScreen:
    await settle(pilot)
    items = pilot.app.screen.query_one(ItemList)
    while items.highlighted["key"] != key:
        await pilot.press("j")
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ComposeScreen)
    return pilot.app.screen


async def look(pilot) -> tuple[str, str]:
    """What the main screen shows after its next look at presence: the highlighted row, as
    drawn, and the preview."""
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    screen.presence.poll()
    await settle(pilot)
    items = screen.query_one(ItemList)
    row = items.render_line(items.cursor - int(items.scroll_offset.y)).text
    return row, shown(screen.query_one("#preview-body"))


async def test_a_teammate_sees_who_is_replying_until_the_editor_closes(path: Path) -> None:
    maya_clock, amy_clock = Clock(), Clock()
    maya, amy = app_for(path, "maya", maya_clock), app_for(path, "amy", amy_clock)
    async with maya.run_test(size=(160, 40)) as maya_pilot, amy.run_test(size=(160, 40)) as amy_pilot:
        await settle(amy_pilot)
        row, preview = await look(amy_pilot)
        assert amy.screen.query_one(ItemList).highlighted["key"] == "server:7"
        assert "is replying" not in row and "is replying" not in preview

        editor = await open_editor(maya_pilot, "server:7")
        assert "replying to this too" not in shown(editor.query_one("#compose-header"))
        row, preview = await look(amy_pilot)
        assert row.startswith("● GH") and "Sync stalls" in row and "✎ maya is replying" in row
        assert "maya is replying to this now" in preview

        # amy opens the editor on it too: her editor says so, and so does maya's next heartbeat
        theirs = await open_editor(amy_pilot, "server:7")
        assert "maya is replying to this too" in shown(theirs.query_one("#compose-header"))
        editor.heartbeat.beat()
        await settle(maya_pilot)
        assert "amy is replying to this too" in shown(editor.query_one("#compose-header"))
        await amy_pilot.press("escape")
        await settle(amy_pilot)

        await maya_pilot.press("escape")  # maya closes her editor
        await settle(maya_pilot)
        row, preview = await look(amy_pilot)
        assert "is replying" not in row and "is replying" not in preview
    maya.store.close()
    amy.store.close()


async def test_without_a_heartbeat_it_is_gone_a_minute_later_and_the_heartbeat_keeps_it(path: Path) -> None:
    maya_clock, amy_clock = Clock(), Clock()
    maya, amy = app_for(path, "maya", maya_clock), app_for(path, "amy", amy_clock)
    async with maya.run_test(size=(160, 40)) as maya_pilot, amy.run_test(size=(160, 40)) as amy_pilot:
        editor = await open_editor(maya_pilot, "server:7")
        amy_clock.now = maya_clock.now = seconds(50)
        row, _ = await look(amy_pilot)
        assert "✎ maya is replying" in row
        amy_clock.now = seconds(61)  # maya's process is stuck: no heartbeat for over a minute
        row, preview = await look(amy_pilot)
        assert "is replying" not in row and "is replying" not in preview
        editor.heartbeat.beat()  # the heartbeat, at maya's 50 s
        await settle(maya_pilot)
        row, _ = await look(amy_pilot)
        assert "✎ maya is replying" in row
    maya.store.close()
    amy.store.close()


async def test_quitting_with_the_editor_open_leaves_nothing_behind(path: Path, store: Store) -> None:
    maya = app_for(path, "maya", Clock())
    async with maya.run_test(size=(160, 40)) as pilot:
        await open_editor(pilot, "server:8")
        assert store.presence.on("server:8", now=NOW) == ["maya"]
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert store.presence.on("server:8", now=NOW) == []
    maya.store.close()
