"""`kill -9` in the middle of `inbox sync`, then a clean resume: nothing lost, nothing twice.

The loopback server runs in this process; `python -m inbox sync` runs as a child against
it (Slack, Zendesk and GitHub at once). The server holds one request of the stream (a
list page, or a thread fetch) and says so; the test then SIGKILLs the child while it
waits for that answer, checks the half-synced database (it opens, what is there is right,
the cursor points at the page to read next), runs the sync again to the end, and compares
the result with a single uninterrupted sync: same items, same fields, same threads, same
cursors. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from inbox.store import Store, item_json
from tests.loopback import GitHubAPI, Loopback, Request, SlackAPI, ZendeskAPI
from tests.test_sync_channels import (
    CHANNEL,
    SECRETS,
    ZENDESK_EMAIL,
    secret_forms,
    seed_slack,
    seed_zendesk,
    snapshot,
    write_config,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9 (POSIX)")

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
GITHUB_TOKEN = "ghp_KillTestLoopbackToken000000000000000001"
ENV_SECRETS = {**SECRETS, "ORCHARD_GH_TOKEN": GITHUB_TOKEN}
COUNTS = {"chat": 5, "help": 5, "gh": 5}
TIMEOUT = 20.0
"""The longest any one step may take (a child that hangs fails the test, not the run)."""


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@dataclass
class Bench:
    server: Loopback
    slack: SlackAPI
    zendesk: ZendeskAPI
    github: GitHubAPI
    ts: dict[str, str]
    config: Path
    reference: dict[str, Any]
    reference_items: dict[str, dict]
    reference_requests: int


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "inbox_debug")}
    env.update(ENV_SECRETS, NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
    return env


def start_sync(config: Path, db: Path, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "inbox", "--config", str(config), "--db", str(db), "sync"],
                                cwd=ROOT, env=child_env(), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)


def run_sync(config: Path, db: Path, log: Path) -> None:
    process = start_sync(config, db, log)
    try:
        code = process.wait(TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, log.read_text(errors="replace")


def items_of(db: Path) -> dict[str, dict]:
    store = Store(db)
    try:
        return {row["key"]: item_json(row)
                for row in store.list_items("", now=datetime.now(timezone.utc), with_body=True)}
    finally:
        store.close()


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    """One server for the module (its data never changes here) and the store of a clean,
    uninterrupted `inbox sync` against it: what every killed-and-resumed sync must equal."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env.delenv(name, raising=False)  # the server must be reached directly, from here too
        env.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield from _bench(tmp_path_factory)


def _bench(tmp_path_factory: pytest.TempPathFactory):
    slack = SlackAPI(channel=CHANNEL, token=ENV_SECRETS["ORCHARD_SLACK_TOKEN"], page_size=2, replies_page_size=1)
    zendesk = ZendeskAPI(email=ZENDESK_EMAIL, token=ENV_SECRETS["ORCHARD_ZENDESK_TOKEN"], per_page=2,
                         comments_per_page=2)
    github = GitHubAPI(token=GITHUB_TOKEN, per_page=2)
    ts = seed_slack(slack)
    seed_zendesk(zendesk)
    github.add_issue(21, "Sync hangs on large albums", created=hours(1), labels=("bug",))
    github.add_issue(22, "WebDAV mirror", login="maple-jo", association="OWNER", created=hours(2))
    github.add_issue(23, "Docs typo", login="yarrow-lu", created=hours(3), state="closed")
    github.add_issue(24, "Proxy support", login="quince-r", created=hours(4))
    github.add_issue(25, "Dark mode", login="dill-w", created=hours(5))
    github.add_comment(21, "maple-jo", "OWNER", hours(6), "Which version?")
    github.add_comment(24, "quince-r", "NONE", hours(7), "Any news?")
    folder = tmp_path_factory.mktemp("kill")
    with Loopback(slack, zendesk, github) as server:
        data = {
            "team": {"staff": ["maple-jo", "Maple Jo"], "me": "maple-jo"},
            "sources": [
                # no workspace: Slack is asked once (auth.test) for the permalinks
                {"name": "chat", "kind": "slack", "channel": CHANNEL, "token_env": "ORCHARD_SLACK_TOKEN",
                 "base_url": server.base_url(slack)},
                {"name": "help", "kind": "zendesk", "email": ZENDESK_EMAIL, "token_env": "ORCHARD_ZENDESK_TOKEN",
                 "base_url": server.base_url(zendesk)},
                {"name": "gh", "kind": "github", "repo": "orchardly/orchard-sync", "token_env": "ORCHARD_GH_TOKEN",
                 "base_url": server.base_url(github)},
            ],
        }
        config = write_config(folder / "config.toml", data)
        reference_db = folder / "reference.db"
        run_sync(config, reference_db, folder / "reference.log")
        conn = sqlite3.connect(reference_db)
        reference = snapshot(conn)
        conn.close()
        assert {name: sum(1 for row in reference["items"] if row[0].startswith(f"{name}:"))
                for name in COUNTS} == COUNTS
        yield Bench(server, slack, zendesk, github, ts, config, reference, items_of(reference_db),
                    len(server.log))
        server.release_all()


def nth(matches: Callable[[Request], bool], n: int) -> Callable[[Request], bool]:
    """A hold matcher for the n-th request (from now on) that `matches`."""
    seen = [0]

    def matcher(request: Request) -> bool:
        if matches(request):
            seen[0] += 1
            return seen[0] == n
        return False

    return matcher


def history(r: Request) -> bool:
    return r.channel == "slack" and r.path == "/conversations.history"


def export(r: Request) -> bool:
    return r.channel == "zendesk" and r.path == "/api/v2/incremental/tickets/cursor.json"


def issues(r: Request) -> bool:
    return r.channel == "github" and r.path.endswith("/issues")


@dataclass
class KillPoint:
    source: str
    stream: str
    lists: Callable[[Request], bool]
    """The source's list pages (what its cursor points into)."""
    hold: Callable[[Bench], Callable[[Request], bool]]
    in_thread: bool
    """Held on a thread fetch (the list page being read is not saved yet), else on a list page."""


KILL_POINTS = {
    # Slack lists 8 messages newest first, 2 a page; page 3 starts at the bot's post
    "slack mid-list": KillPoint("chat", "messages", history, in_thread=False,
                                hold=lambda b: lambda r: history(r) and r.query.get("cursor") == b.slack.cursor_at(
                                    b.ts["bot"])),
    # the oldest message's thread, second page (one reply a page): on the last list page
    "slack mid-thread": KillPoint("chat", "messages", history, in_thread=True,
                                  hold=lambda b: lambda r: r.channel == "slack" and r.path == "/conversations.replies"
                                  and r.query.get("ts") == b.ts["m1"] and "cursor" in r.query),
    "zendesk mid-list": KillPoint("help", "tickets", export, in_thread=False,
                                  hold=lambda b: nth(export, 3)),
    # ticket 103 is on the export's second page
    "zendesk mid-thread": KillPoint("help", "tickets", export, in_thread=True,
                                    hold=lambda b: lambda r: r.channel == "zendesk"
                                    and r.path == "/api/v2/tickets/103/comments.json"),
    "github mid-list": KillPoint("gh", "issues", issues, in_thread=False,
                                 hold=lambda b: lambda r: issues(r) and r.query.get("page") == "3"),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_mid_sync_then_a_resume_equals_one_clean_sync(bench: Bench, tmp_path: Path, point: str) -> None:
    kill = KILL_POINTS[point]
    server = bench.server
    start = len(server.log)
    hold = server.hold(kill.hold(bench))
    db, log = tmp_path / "inbox.db", tmp_path / "sync.log"

    process = start_sync(bench.config, db, log)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not hold.arrived.wait(0.02):
            assert process.poll() is None, "the sync ended before the held request:\n" + log.read_text()
            assert time.monotonic() < deadline, "the held request never came"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(TIMEOUT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        hold.release()
    held = hold.request
    assert held is not None

    # the killed run's database opens (WAL recovery), is sound, and holds only right data
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        partial = snapshot(conn)
        next_url = conn.execute("SELECT next_url FROM cursors WHERE source = ? AND stream = ?",
                                [kill.source, kill.stream]).fetchone()
    finally:
        conn.close()
    stored = [row for row in partial["items"] if row[0].startswith(f"{kill.source}:")]
    assert 0 < len(stored) < COUNTS[kill.source], "killed mid-stream: some pages saved, not all"
    reference_rows = {row[0]: row for row in bench.reference["items"]}
    for row in partial["items"]:
        if not row[0].startswith("gh:"):  # GitHub's replies come from a later stream
            assert row == reference_rows[row[0]], f"{row[0]} is saved as a clean sync saves it"
    assert set(partial["thread"]) <= set(bench.reference["thread"])
    assert len({row[0] for row in partial["items"]}) == len(partial["items"])
    lists = [r for r in server.log[start:] if kill.lists(r) and r is not held]
    # the cursor is the page to read next: the held one, or (held in a thread) the page
    # whose items were being completed
    page = lists[-1] if kill.in_thread else held
    assert next_url is not None and next_url[0] == server.root + page.target
    Store(db).close()  # and the inbox itself opens it

    # the sync again, to the end: it resumes at that page
    resumed_from = len(server.log)
    run_sync(bench.config, db, log)
    first = next(r for r in server.log[resumed_from:] if kill.lists(r))
    assert first.target == page.target, "resumed where it stopped, not restarted"

    conn = sqlite3.connect(db)
    try:
        final = snapshot(conn)
    finally:
        conn.close()
    for part in ("items", "thread", "labels", "cursors"):
        assert final[part] == bench.reference[part], f"{part} differ from a clean sync's"
    assert {name: sum(1 for row in final["items"] if row[0].startswith(f"{name}:")) for name in COUNTS} == COUNTS
    items = items_of(db)
    for key, item in bench.reference_items.items():
        assert items[key] == item
    assert not any(secret.encode() in path.read_bytes() for path in tmp_path.glob("inbox.db*")
                   for secret in secret_forms() | {GITHUB_TOKEN})


@pytest.mark.parametrize("fraction", [0.3, 0.6])
def test_kill_9_at_an_unplanned_moment_then_a_resume_equals_one_clean_sync(bench: Bench, tmp_path: Path,
                                                                         fraction: float) -> None:
    """Killed as the n-th request reaches the server, without holding it: the child may be
    anywhere then (reading, normalizing, inside a page's transaction)."""
    n = max(2, int(bench.reference_requests * fraction))
    hold = bench.server.hold(nth(lambda r: True, n))
    hold.release()  # only told, never held
    db, log = tmp_path / "inbox.db", tmp_path / "sync.log"

    process = start_sync(bench.config, db, log)
    try:
        assert hold.arrived.wait(TIMEOUT), log.read_text()
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(TIMEOUT) in (-signal.SIGKILL, 0)  # 0: it had just finished
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        partial = snapshot(conn)
    finally:
        conn.close()
    reference_rows = {row[0]: row for row in bench.reference["items"]}
    for row in partial["items"]:
        if not row[0].startswith("gh:"):
            assert row == reference_rows[row[0]]
    assert set(partial["thread"]) <= set(bench.reference["thread"])

    run_sync(bench.config, db, log)
    conn = sqlite3.connect(db)
    try:
        final = snapshot(conn)
    finally:
        conn.close()
    assert final == bench.reference
