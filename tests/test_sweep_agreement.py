"""One sweep everywhere: the sidebar's Help Wanted sweep and Weekly sweep counts, the list
those views show, the `W` screen and `inbox sweep --format json` all count the same posts,
on the demo and on a generated inbox with sections longer than the message lists. And on
the demo every CLI command prints what the TUI shows (sidebar counts, `W`, `T`, `P`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from inbox import demo
from inbox.cli import main
from inbox.sources.registry import load_config
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.demo_app import FROZEN_NOW, make_demo_app
from inbox.tui.widgets.sidebar import Sidebar
from inbox.views import DAILY_SWEEP, WEEKLY_SWEEP
from tests.pilot_helpers import settle, shown
from tests.test_reports_scale import NOW, random_inbox

GENERATED_CONFIG = """
[team]
staff = ["alice", "Bob"]
me = "alice"

[[sources]]
name = "forum"
kind = "discourse"
base_url = "https://forum.example.org"

[[sources]]
name = "community"
kind = "discourse"
base_url = "https://community.example.org"

[[sources]]
name = "server"
kind = "github"
repo = "acme/server"

[[sources]]
name = "lab"
kind = "gitlab"
project = "acme/desktop"

[[sources]]
name = "so"
kind = "stackexchange"
tagged = "acme"

[[sources]]
name = "help"
kind = "zendesk"
subdomain = "acme"
email = "a@example.org"
token_env = "T"

[sweep]
release_date = 2026-11-08
release_keywords = ["upgrade", "enterprise", "strasse"]
max_per_section = 3
weekly_kinds = ["github", "gitlab"]
"""


async def tui_counts(app) -> dict[str, list[int]]:
    """For each sweep: the sidebar's count, the count over its list, and the `W` screen's."""
    found: dict[str, list[int]] = {}
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        for view in (DAILY_SWEEP, WEEKLY_SWEEP):
            found[view.name] = [sidebar.counts[view.name]]
            sidebar.highlighted = [v.name for v in sidebar.views].index(view.name)
            await settle(pilot)
            header = shown(app.screen.query_one("#list-header"))
            found[view.name].append(int(re.search(r"(\d+) items", header).group(1)))
        await pilot.press("W")
        await settle(pilot)
        for view, key in ((DAILY_SWEEP, None), (WEEKLY_SWEEP, "w")):
            if key:
                await pilot.press(key)
                await settle(pilot)
            title = shown(app.screen.query_one("#sweep-title"))
            assert title.startswith(f"{view.name}: ")  # the screen names the list as the sidebar does
            found[view.name].append(int(re.search(r"(?:of )?([\d,]+) posts?\b", title).group(1).replace(",", "")))
    return found


def cli_counts(config: Path, db: Path, capsys) -> dict[str, list[int]]:
    """For each sweep: `inbox sweep --format json`'s total and the sum of its sections, and
    how many posts `inbox list sweep:NAME` prints."""
    found = {}
    for view, flags in ((DAILY_SWEEP, []), (WEEKLY_SWEEP, ["--weekly"])):
        assert main(["--config", str(config), "--db", str(db), "sweep", "--format", "json", *flags]) == 0
        message = json.loads(capsys.readouterr().out)
        assert main(["--config", str(config), "--db", str(db), "list", "--json", view.query]) == 0
        listed = json.loads(capsys.readouterr().out)
        found[view.name] = [message["total"], sum(s["total"] for s in message["sections"]), len(listed)]
    return found


async def test_the_demo_counts_one_sweep_everywhere(tmp_path, monkeypatch, capsys) -> None:
    for module in ("inbox.cli.sweep", "inbox.cli.items"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: FROZEN_NOW)
    db = tmp_path / "demo.db"
    app = make_demo_app(db)
    shown_in_tui = await tui_counts(app)
    app.store.close()
    printed = cli_counts(demo.CONFIG_PATH, db, capsys)
    for name in (DAILY_SWEEP.name, WEEKLY_SWEEP.name):
        counts = shown_in_tui[name] + printed[name]
        assert len(set(counts)) == 1, (name, counts)
        assert counts[0] >= 10, name  # the demo has a sweep worth the name


async def test_a_generated_inbox_counts_one_sweep_everywhere(tmp_path, monkeypatch, capsys) -> None:
    for module in ("inbox.cli.sweep", "inbox.cli.items"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)
    path = tmp_path / "config.toml"
    path.write_text(GENERATED_CONFIG)
    db = tmp_path / "inbox.db"
    store = Store(db)
    random_inbox(store, 11, count=400)
    app = make_app(load_config(path), store, now=lambda: NOW)
    shown_in_tui = await tui_counts(app)
    store.close()
    printed = cli_counts(path, db, capsys)
    for name in (DAILY_SWEEP.name, WEEKLY_SWEEP.name):
        counts = shown_in_tui[name] + printed[name]
        assert len(set(counts)) == 1, (name, counts)
        assert counts[0] > 3, name  # more than a section lists: the counts are the store's


async def test_every_cli_command_on_the_demo_shows_what_its_tui_shows(tmp_path, monkeypatch, capsys) -> None:
    """`inbox demo` says where its database and config are; `inbox list`, `sweep`, `stats`
    and `people` run with them print what the sidebar, `W`, `T` and `P` show."""
    from inbox.reports.stats import stats_json
    from inbox.views import all_views

    for module in ("items", "sweep", "stats", "people"):
        monkeypatch.setattr(f"inbox.cli.{module}.utcnow", lambda: FROZEN_NOW)
    db = tmp_path / "demo.db"
    app = make_demo_app(db)
    async with app.run_test(size=(160, 44)) as pilot:
        await settle(pilot)
        counts = dict(app.screen.query_one(Sidebar).counts)
        screens = {}
        for key, close in (("W", "escape"), ("T", "escape"), ("P", "escape")):
            await pilot.press(key)
            await settle(pilot)
            screen = app.screen
            screens[key] = (str(screen.query_one("#sweep-text").content) if key == "W" else
                            stats_json(screen.report) if key == "T" else [p.json() for p in screen.people])
            await pilot.press(close)
            await settle(pilot)
    app.store.close()

    def cli(*args: str) -> str:
        assert main(["--config", str(demo.CONFIG_PATH), "--db", str(db), *args]) == 0
        return capsys.readouterr().out

    views = all_views(demo.demo_config())
    assert set(counts) == {view.name for view in views}
    assert {view.name: len(json.loads(cli("list", "--json", view.query))) for view in views} == counts
    assert counts["Overdue"] >= 10 and counts["Help Wanted sweep"] >= 10
    assert cli("sweep").rstrip("\n") == screens["W"].rstrip("\n")
    stats = json.loads(cli("stats", "--json"))
    assert stats == screens["T"] and stats["total"]["overdue"] == counts["Overdue"]
    assert json.loads(cli("people", "--json")) == screens["P"]
