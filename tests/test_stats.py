"""`inbox stats`: per channel, items in, median and 90th percentile time to the first
staff reply, the share answered within the SLA (business time, or 24 wall-clock hours
without `[sla]`), what still waits; the JSON, the command's exit codes, and the stats
screen with its bar charts, where a source name is never markup.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.app import App

from inbox.cli import stats as cli_stats
from inbox.config import Config, parse
from inbox.models import Item, Reply
from inbox.reports.stats import (
    ChannelStats,
    StatsReport,
    build_report,
    channel_stats,
    hours_label,
    percentile,
    share_label,
    stats_json,
)
from inbox.store import Store
from inbox.tui.screens.stats import StatsScreen, bar

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
MONTH = timedelta(days=30)
HOSTILE = "[bold]x[/]"


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _item(source: str, number: int, created: datetime, replies: list[tuple[datetime, bool]] = (),
          **changes: Any) -> Item:
    thread = [Reply(external_id=f"{number}-{n}", author="alice" if staff else "rhys", author_is_staff=staff,
                    created_at=when, body="...") for n, (when, staff) in enumerate(replies)]
    item = Item(
        source=source, kind={"server": "github", "forum": "discourse"}.get(source, "github"),
        external_id=str(number), url=f"https://example.org/{source}/{number}", title=f"Question {number}",
        body="It does not work.", author="rhys", author_is_staff=False, created_at=created,
        last_activity_at=max([created, *(when for when, _ in replies)]), replies=len(thread),
        last_reply_by_staff=thread[-1].author_is_staff if thread else None, thread=thread,
    )
    return replace(item, **changes)


def _staff_after(created: datetime, hours: float) -> list[tuple[datetime, bool]]:
    return [(created + timedelta(hours=hours), True)]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    server = [
        # answered within the same business day: 1h, 2h, 3h
        _item("server", 1, day("2026-11-02T09:00"), _staff_after(day("2026-11-02T09:00"), 1)),
        _item("server", 2, day("2026-11-03T09:00"), _staff_after(day("2026-11-03T09:00"), 2)),
        _item("server", 3, day("2026-11-04T09:00"), _staff_after(day("2026-11-04T09:00"), 3)),
        # 10 wall hours, 8 business hours
        _item("server", 4, day("2026-11-05T09:00"), _staff_after(day("2026-11-05T09:00"), 10)),
        # Friday 16:00 to Monday 10:00: 66 wall hours, 2 business hours
        _item("server", 5, day("2026-11-06T16:00"), [(day("2026-11-09T10:00"), True)]),
        # a customer reply only, still open: 24 business hours passed on Wednesday 17:00
        _item("server", 6, day("2026-11-09T09:00"), [(day("2026-11-09T10:00"), False)]),
        # two hours old, not answered: not decided yet
        _item("server", 7, NOW - timedelta(hours=2)),
        # older than the window: answered (not counted), and one still waiting (counted)
        _item("server", 8, day("2026-09-01T09:00"), _staff_after(day("2026-09-01T09:00"), 1)),
        _item("server", 9, day("2026-09-01T09:00")),
        # opened by the team: counted in, never in the reply times
        _item("server", 10, day("2026-11-10T09:00"), author="alice", author_is_staff=True),
        # Monday 09:00 to Thursday 10:00: 73 wall hours, 25 business hours (late)
        _item("server", 11, day("2026-11-09T09:00"), [(day("2026-11-12T10:00"), True)]),
    ]
    forum = [
        *(_item("forum", n, day(f"2026-11-0{n + 1}T09:00"), _staff_after(day(f"2026-11-0{n + 1}T09:00"), 2 * n))
          for n in range(1, 5)),  # 2h, 4h, 6h, 8h
        _item("forum", 5, day("2026-11-10T09:00")),  # marked done below
        _item("forum", 6, day("2026-11-10T09:00"), state="closed"),
    ]
    store.save_page("server", server)
    store.save_page("forum", forum)
    store.set_triage(["forum:5"], {"done": True}, now=NOW, by="test")
    yield store
    store.close()


def _config(sla: dict[str, Any] | None = None) -> Config:
    data: dict[str, Any] = {
        "team": {"staff": ["alice"]},
        "sources": [{"name": "server", "kind": "github", "repo": "acme/server"},
                    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}],
    }
    if sla is not None:
        data["sla"] = sla
    return parse(data)


def _by_source(rows: list[ChannelStats]) -> dict[str, ChannelStats]:
    return {row.source: row for row in rows}


# --- the numbers ----------------------------------------------------------------------------

def test_percentiles_by_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    values = [1.0, 2.0, 3.0, 10.0, 66.0, 73.0]
    assert percentile(values, 50) == 3.0  # rank ceil(3) = 3
    assert percentile(values, 90) == 73.0  # rank ceil(5.4) = 6
    assert percentile([2.0, 4.0, 6.0, 8.0], 50) == 4.0
    assert percentile([2.0, 4.0, 6.0, 8.0], 90) == 8.0
    assert percentile([float(n) for n in range(1, 11)], 90) == 9.0


def test_channel_stats_with_business_hours(store: Store) -> None:
    config = _config({})
    report = build_report(config, store, now=NOW, since=MONTH)
    rows = report.channels
    assert [row.source for row in rows] == ["server", "forum", "all channels"]
    server, forum, total = rows
    assert (server.kind, server.channel, forum.channel) == ("github", "GitHub", "Forum")
    assert server.items_in == 9  # 1-7, 10, 11
    assert server.replied == 6  # 1h, 2h, 3h, 10h, 66h, 73h
    assert (server.median_hours, server.p90_hours) == (3.0, 73.0)
    # within 24 business hours: 1-5; late: 11 (answered) and 6 (still waiting, past due)
    assert (server.within_sla, server.sla_decided) == (5, 7)
    assert server.within_share == pytest.approx(5 / 7)
    assert (server.waiting, server.overdue) == (4, 3)  # 6, 7, 9, 10; 7 is not due yet

    assert forum.items_in == 6
    assert (forum.median_hours, forum.p90_hours) == (4.0, 8.0)
    assert (forum.within_sla, forum.sla_decided, forum.waiting, forum.overdue) == (4, 4, 0, 0)

    assert total.is_total and total.items_in == 15
    assert (total.median_hours, total.p90_hours) == (4.0, 66.0)  # ranks 5 and 9 of 10
    assert (total.within_sla, total.sla_decided, total.waiting, total.overdue) == (9, 11, 4, 3)
    assert report.target == "24h business time (09:00-17:00 mon-fri, UTC)"


def test_without_sla_the_target_is_24_wall_clock_hours(store: Store) -> None:
    report = build_report(_config(), store, now=NOW, since=MONTH)
    server = report.channels[0]
    assert (server.median_hours, server.p90_hours) == (3.0, 73.0)  # reply times do not change
    # the weekend reply (66h) and the 73h one are late; 6 was due Tuesday 09:00
    assert (server.within_sla, server.sla_decided) == (4, 7)
    assert server.overdue == 0  # no [sla]: nothing is overdue
    assert report.settings is None
    assert report.target == "24h wall time (no [sla] in the config)"


def test_a_tighter_sla_in_another_time_zone(store: Store) -> None:
    # 4 business hours, New York (UTC-5 in November): 09:00 UTC is 04:00 there
    rows = _by_source(channel_stats(_config({"respond_within": "4h", "timezone": "America/New_York"}),
                                    store, now=NOW, since=MONTH))
    # server 1-3 answered by 10:00-12:00 UTC, before New York opens: within; 4 (04:00 to
    # 14:00 there): 5h, late; 5 (Friday 11:00 to Monday 05:00 there): 6h, late; 11 and 6 late
    assert (rows["server"].within_sla, rows["server"].sla_decided) == (3, 7)
    # forum: 2h, 4h (by 13:00 UTC = 08:00 NY): within; 6h and 8h: 15:00 and 17:00 UTC =
    # 10:00 and 12:00 NY: 1h and 3h of business time, within
    assert (rows["forum"].within_sla, rows["forum"].sla_decided) == (4, 4)


def test_the_since_window(store: Store) -> None:
    rows = _by_source(channel_stats(_config({}), store, now=NOW, since=timedelta(days=7)))
    assert rows["server"].items_in == 1  # only 7, created today
    assert rows["server"].replied == 0
    assert rows["server"].median_hours is None and rows["server"].p90_hours is None
    assert rows["server"].within_share is None
    assert rows["server"].waiting == 4  # still waiting counts whatever the age
    assert rows["forum"].items_in == 0
    rows = _by_source(channel_stats(_config({}), store, now=NOW, since=timedelta(days=120)))
    assert rows["server"].items_in == 11


def test_sources_not_in_the_config_still_count(store: Store) -> None:
    store.save_page("old", [_item("old", 1, day("2026-11-16T09:00"), kind="gitlab")])
    rows = channel_stats(_config({}), store, now=NOW, since=MONTH)
    assert [row.source for row in rows] == ["server", "forum", "old", "all channels"]
    assert (rows[2].kind, rows[2].channel, rows[2].items_in, rows[2].waiting) == ("gitlab", "GitLab", 1, 1)


def test_an_empty_inbox(tmp_path) -> None:
    store = Store(tmp_path / "empty.db")
    rows = channel_stats(_config({}), store, now=NOW, since=MONTH)
    assert [(row.source, row.items_in, row.median_hours, row.within_share) for row in rows] == [
        ("server", 0, None, None), ("forum", 0, None, None), ("all channels", 0, None, None)]
    store.close()


def test_stats_json_shape(store: Store) -> None:
    data = stats_json(build_report(_config({}), store, now=NOW, since=MONTH))
    assert set(data) == {"generated_at", "since", "from", "sla", "target", "channels", "total"}
    assert (data["generated_at"], data["since"], data["from"]) == (
        "2026-11-18T12:00:00Z", "30d", "2026-10-19T12:00:00Z")
    assert data["sla"] == {"respond_within": "24h", "business_hours": "09:00-17:00",
                           "business_days": ["mon", "tue", "wed", "thu", "fri"], "timezone": "UTC"}
    server = data["channels"][0]
    assert server == {"source": "server", "kind": "github", "channel": "GitHub", "items_in": 9, "replied": 6,
                      "median_hours": 3.0, "p90_hours": 73.0, "within_sla": round(5 / 7, 4),
                      "within_sla_count": 5, "sla_decided": 7, "waiting": 4, "overdue": 3}
    assert [row["source"] for row in data["channels"]] == ["server", "forum"]
    assert data["total"]["source"] is None and data["total"]["channel"] == "All channels"
    assert data["total"]["items_in"] == 15
    json.dumps(data)  # plain JSON all the way down


def test_labels() -> None:
    assert [hours_label(h) for h in (None, 0.25, 1.0, 5.54, 47.9, 66.0)] == [
        "-", "15m", "1.0h", "5.5h", "47.9h", "2.8d"]
    row = ChannelStats(source="s", kind="github", channel="GitHub", within_sla=5, sla_decided=7)
    assert share_label(row) == "71% 5/7"
    assert share_label(replace(row, sla_decided=0)) == "-"


# --- the command ----------------------------------------------------------------------------

def _args(**values: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"since": "30d", "json": False, **values})


def test_cli_json_refreshes_the_sla_first(store: Store, capsys) -> None:
    assert store.count("is:overdue", now=NOW) == 0  # never refreshed
    assert cli_stats.run("stats", _config({}), store, _args(json=True), now=NOW) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["overdue"] == 3
    assert store.count("is:overdue", now=NOW) == 3


def test_cli_table(store: Store, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert cli_stats.run("stats", _config({}), store, _args(since="30d"), now=NOW) == 0
    out = capsys.readouterr().out
    assert "Since Mon Oct 19 12:00 (30d) · target: 24h business time (09:00-17:00 mon-fri, UTC)" in out
    server = next(line for line in out.splitlines() if line.startswith("server"))
    assert server.split() == ["server", "GitHub", "9", "6", "3.0h", "3.0d", "71%", "5/7", "4", "3"]
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split() == ["total", "15", "10", "4.0h", "2.8d", "82%", "9/11", "4", "3"]


def test_cli_shows_source_names_as_text_not_markup(store: Store, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    store.save_page(HOSTILE, [_item(HOSTILE, 1, day("2026-11-16T09:00"))])
    assert cli_stats.run("stats", _config({}), store, _args(), now=NOW) == 0
    assert HOSTILE in capsys.readouterr().out


@pytest.mark.parametrize(("since", "message"), [
    ("soon", "inbox: --since: bad duration 'soon'"),
    ("0d", "inbox: --since must be longer than 0"),
])
def test_cli_bad_since_is_one_line_and_exit_2(store: Store, capsys, since: str, message: str) -> None:
    assert cli_stats.run("stats", _config({}), store, _args(since=since), now=NOW) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message) and captured.err.count("\n") == 1


def test_cli_bad_sla_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    from inbox.cli import main

    path = tmp_path / "config.toml"
    path.write_text('[sla]\nbusiness_hours = "25:00-26:00"\n')
    assert main(["--config", str(path), "--db", str(tmp_path / "inbox.db"), "stats", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"inbox: {path}: sla.business_hours: 25:00 is not a time of day (00:00 to 23:59)\n"


def test_cli_parser() -> None:
    parser = argparse.ArgumentParser(prog="inbox")
    cli_stats.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["stats"])
    assert (args.command, args.since, args.json) == ("stats", "30d", False)
    args = parser.parse_args(["stats", "--since", "7d", "--json"])
    assert (args.since, args.json) == ("7d", True)


def test_refresh_helper(store: Store) -> None:
    assert cli_stats.refresh(_config({}), store, now=NOW) == 4  # server 6, 7, 9 and 10
    assert store.count("is:overdue", now=NOW) == 3
    assert cli_stats.refresh(_config(), store, now=NOW) == 0
    assert store.count("is:overdue", now=NOW) == 0


# --- the screen -----------------------------------------------------------------------------

def test_bars() -> None:
    assert bar(None, 10, width=12) == " " * 12
    assert bar(0, 10, width=12) == " " * 12
    assert bar(10, 10, width=12) == "█" * 12
    assert bar(5, 10, width=12) == "█" * 6 + " " * 6
    assert bar(1, 100, width=12) == "▏" + " " * 11  # never invisible
    assert bar(200, 100, width=12) == "█" * 12
    assert bar(3, 8, width=1) == "▍"
    assert len(bar(3.3, 10, width=8)) == 8


class _StatsApp(App[None]):
    def __init__(self, report: StatsReport) -> None:
        super().__init__()
        self.report = report

    def on_mount(self) -> None:
        self.push_screen(StatsScreen(self.report))


def _report() -> StatsReport:
    rows = [
        ChannelStats(source="server", kind="github", channel="GitHub", items_in=40, replied=30,
                     median_hours=3.0, p90_hours=20.0, within_sla=27, sla_decided=30, waiting=5, overdue=2),
        ChannelStats(source=HOSTILE, kind="discourse", channel="[@click=app.quit]", items_in=10,
                     replied=5, median_hours=12.0, p90_hours=40.0, within_sla=2, sla_decided=4, waiting=1),
        ChannelStats(source="empty", kind="slack", channel="Slack"),
    ]
    total = ChannelStats(source="all channels", kind="", channel="All channels", is_total=True, items_in=50,
                         replied=35, median_hours=4.0, p90_hours=30.0, within_sla=29, sla_decided=34,
                         waiting=6, overdue=2)
    return StatsReport(now=NOW, since=MONTH, settings=None, channels=[*rows, total])


async def test_stats_screen_renders_bars_and_names_as_text() -> None:
    app = _StatsApp(_report())
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        assert app.screen.query_one("#stats-box") is not None
        svg = app.export_screenshot()
        assert HOSTILE in svg
        assert "[@click=app.quit]" in svg
        assert "█" in svg and "90%&#160;27/30" in svg and "2&#160;overdue" in svg
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)
        assert app.is_running  # the hostile name clicked nothing


async def test_stats_screen_from_a_real_report(store: Store) -> None:
    app = _StatsApp(build_report(_config({}), store, now=NOW, since=MONTH))
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
        assert "server" in svg and "Forum" in svg and "71%&#160;5/7" in svg


def test_a_window_longer_than_history(store: Store, capsys) -> None:
    assert cli_stats.run("stats", _config({}), store, _args(since="100000w", json=True), now=NOW) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["from"] is None and data["since"] == "100000w"
    assert data["channels"][0]["items_in"] == 11
    assert cli_stats.run("stats", _config({}), store, _args(since="100000w"), now=NOW) == 0
    assert "Since the beginning (100000w)" in capsys.readouterr().out


def test_cli_table_fits_80_columns(store: Store, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert cli_stats.run("stats", _config({}), store, _args(), now=NOW) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    header = next(line for line in lines if line.startswith("Source"))
    assert header.split()[-3:] == ["SLA", "Waiting", "Overdue"]
    assert next(line for line in lines if line.startswith("total")).split()[-2:] == ["4", "3"]
