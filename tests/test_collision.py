"""The collision guard end to end, over real HTTP on the loopback channels.

A reply that arrives on the channel after the user began theirs (a teammate's, the
poster's, anyone's) stops the post: the item's thread is read again from the channel just
before posting, stored, and what came meanwhile is shown; nothing is sent. Posting again
once it was seen sends the reply, once. A channel that cannot be asked posts nothing.
Checked for every channel that takes replies, then through the CLI and the TUI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from inbox.cli import respond as cli_respond
from inbox.cli.commands import main
from inbox.config import parse
from inbox.errors import SourceError
from inbox.net.http import Session
from inbox.respond.collisions import Collision, Seen, seen_now
from inbox.respond.replies import send_reply
from inbox.sources.base import Source
from inbox.sources.registry import KINDS
from inbox.store import Store
from inbox.sync import sync_all
from inbox.tui.app import make_app
from inbox.tui.screens.compose import ComposeScreen
from inbox.tui.widgets.item_list import ItemList
from tests.adapter_base import FakeSleep
from tests.loopback import GitHubAPI, Loopback
from tests.pilot_helpers import settle, shown
from tests.test_posting_e2e import NOW, SECRETS, TEXT, Channels, channels, config_data, hours

NEWS = "Found it [bold]myself[/]: the proxy strips the header.\x1b]52;c;cHduZWQ=\x07"
"""What came meanwhile: hostile enough to show it is never markup nor an escape."""


@dataclass
class World:
    server: Loopback
    ch: Channels
    store: Store

    def __post_init__(self) -> None:
        self.config = parse(config_data(self.server, self.ch))

    async def sync(self, source: str) -> None:
        [result] = await sync_all(self.config, self.store, only=[source], env=SECRETS, sleep=FakeSleep(), now=NOW)
        assert result.ok, result.summary()

    async def reply(self, key: str, seen: Seen | None):
        return await send_reply(self.config, self.store, key, TEXT, now=NOW, env=SECRETS, seen=seen)

    def writes(self, since: int) -> list:
        return [r for r in self.server.log[since:] if r.method != "GET"]


@pytest.fixture
def world(tmp_path: Path):
    ch = channels()
    with Loopback(*ch.all()) as server:
        store = Store(tmp_path / "inbox.db")
        yield World(server, ch, store)
        store.close()


@dataclass
class Case:
    source: str
    key: Callable[[Channels], str]
    news: Callable[[Channels, datetime], None]
    """Someone replies on the channel at the given time."""
    author: str

    def __str__(self) -> str:
        return self.source


CASES = [
    Case("gh", lambda ch: "gh:21", lambda ch, at: ch.github.add_comment(21, "birch-l", "NONE", at, NEWS), "birch-l"),
    Case("lab", lambda ch: "lab:7", lambda ch, at: ch.gitlab.note(7, "rowan-q", NEWS, at), "rowan-q"),
    Case("forum", lambda ch: "forum:41", lambda ch, at: ch.forum.reply(41, 1, at, f"<p>{NEWS}</p>"), "maple"),
    Case("help", lambda ch: "help:101", lambda ch, at: ch.zendesk.comment(101, 501, NEWS, at), "Fern Ok"),
    Case("chat", lambda ch: f"chat:{ch.slack_ts}", lambda ch, at: ch.slack.reply(ch.slack_ts, "U01MAPLE", NEWS, at),
         "Maple Jo"),
    Case("convo", lambda ch: "convo:2001", lambda ch, at: ch.intercom.add_part("2001", f"<p>{NEWS}</p>", at),
         "Fern Ok"),
]


# --- every channel that takes replies ---------------------------------------------------------


def test_every_channel_that_takes_replies_can_read_one_items_thread() -> None:
    writable = sorted(kind for kind, source in KINDS.items() if source.writable)
    assert writable == sorted({"github", "gitlab", "discourse", "zendesk", "slack", "intercom"})
    assert [kind for kind in writable if KINDS[kind].fetch_thread is Source.fetch_thread] == []
    assert {case.source for case in CASES} == {"gh", "lab", "forum", "help", "chat", "convo"}


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_reply_that_came_meanwhile_stops_the_post_until_it_was_seen(world: World, case: Case) -> None:
    await world.sync(case.source)
    key = case.key(world.ch)
    seen = seen_now(world.store, key, NOW)  # the editor opens
    case.news(world.ch, hours(10))
    mark = len(world.server.log)

    with pytest.raises(Collision) as caught:
        await world.reply(key, seen)

    assert world.writes(mark) == []  # nothing sent
    [news] = caught.value.replies
    assert news.author == case.author and "the proxy strips the header" in news.body
    assert "\x1b" not in news.body and "\x07" not in news.body
    assert str(caught.value) == f"not posted: {case.author} replied meanwhile"
    assert any("the proxy strips the header" in r["body"] for r in world.store.thread(key))  # stored
    draft = world.store.drafts.get(key)
    assert draft is not None and draft.text == TEXT and draft.error is None

    outcome = await world.reply(key, caught.value.seen)  # the post key again, once it was shown
    assert outcome.posted and len(world.writes(mark)) == 1
    assert world.store.drafts.get(key) is None


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_with_nothing_new_the_thread_is_read_then_the_reply_sent(world: World, case: Case) -> None:
    await world.sync(case.source)
    key = case.key(world.ch)
    case.news(world.ch, hours(10))
    await world.sync(case.source)  # the reply came before the editor opened, and was synced
    mark = len(world.server.log)

    outcome = await world.reply(key, seen_now(world.store, key, NOW))

    assert outcome.posted
    sent = world.server.log[mark:]
    assert sent[0].method == "GET" and [r.method for r in sent].count("GET") >= 1
    assert len(world.writes(mark)) == 1 and sent[-1].method != "GET"


async def test_the_newest_posts_of_a_long_topic_are_read_too(world: World) -> None:
    """Discourse loads a topic's first 20 posts; the newest come by id."""
    for n in range(24):
        world.ch.forum.reply(41, 2 if n % 2 else 1, hours(2 + n / 10), f"<p>Post {n}</p>")
    await world.sync("forum")
    seen = seen_now(world.store, "forum:41", NOW)
    world.ch.forum.reply(41, 2, hours(10), "<p>Solved it, thanks!</p>")

    with pytest.raises(Collision) as caught:
        await world.reply("forum:41", seen)

    assert [r.body for r in caught.value.replies] == ["Solved it, thanks!"]
    assert caught.value.replies[0].author == "hazel-n"


async def test_a_channel_that_cannot_be_asked_posts_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Session, "_backoff", lambda self, attempt: 0.0)  # no real waits between tries
    await world.sync("gh")
    seen = seen_now(world.store, "gh:21", NOW)
    world.server.fail(lambda r: r.channel == "github" and r.method == "GET", 503)
    mark = len(world.server.log)

    with pytest.raises(SourceError) as caught:
        await world.reply("gh:21", seen)

    assert world.writes(mark) == []
    assert caught.value.reason.startswith("not posted, the draft is kept: the thread could not be checked "
                                          "for new replies (server error 503")
    assert caught.value.reason.endswith("; try again") and "\n" not in str(caught.value)
    assert "could not be checked" in (world.store.drafts.get("gh:21").error or "")
    world.server.clear_faults()
    assert (await world.reply("gh:21", seen)).posted  # the user retries
    assert len(world.writes(mark)) == 1


# --- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """`inbox` against a GitHub on loopback; returns a runner giving (exit code, stdout, stderr)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "INBOX_CONFIG", "INBOX_DB", "INBOX_ME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("E2E_GH_TOKEN", SECRETS["E2E_GH_TOKEN"])
    monkeypatch.setattr(cli_respond, "copy_text", lambda text: True)
    monkeypatch.setattr(cli_respond, "open_page", lambda url: True)
    github = GitHubAPI(token=SECRETS["E2E_GH_TOKEN"])
    github.add_issue(21, "Albums vanish after a rename", login="fern-ok", created=hours(1))
    with Loopback(github) as server:
        config = tmp_path / "config.toml"
        config.write_text('[team]\nme = "maple-jo"\nstaff = ["maple-jo"]\n[docs]\nforum = "https://forum.test"\n'
                          '[[sources]]\nname = "gh"\nkind = "github"\nrepo = "orchardly/orchard-sync"\n'
                          f'token_env = "E2E_GH_TOKEN"\nbase_url = "{server.base_url(github)}"\n', encoding="utf-8")

        def run(*args: str) -> tuple[int, str, str]:
            capsys.readouterr()
            code = main(["--config", str(config), "--db", str(tmp_path / "inbox.db"), *args])
            out, err = capsys.readouterr()
            return code, out, err

        assert run("sync")[0] == 0
        yield run, github, server


def test_reply_post_stops_prints_the_new_reply_and_posts_when_run_again(cli) -> None:
    run, github, server = cli
    github.add_comment(21, "birch-l", "NONE", hours(10), NEWS)  # after the newest reply the inbox has
    mark = len(server.log)

    code, out, err = run("reply", "gh:21", "--template", "move-to-forum", "--post")

    assert code == 1
    assert [r for r in server.log[mark:] if r.method != "GET"] == []
    assert out.startswith("--- birch-l, ") and "the proxy strips the header" in out
    assert "[bold]myself[/]" in out and "\x1b" not in out and "\x07" not in out
    assert err == ("inbox: gh:21: not posted: birch-l replied meanwhile (above); the draft is kept: "
                   "run the same command again to post it anyway\n")

    code, out, err = run("reply", "gh:21", "--template", "move-to-forum", "--post")

    assert code == 0, err
    assert [r.method for r in server.log[mark:] if r.method != "GET"] == ["POST"]
    assert out.startswith("gh:21: Posted: ")
    assert json.loads(server.log[-1].body)["body"].startswith("Hi fern-ok")


def test_reply_post_says_in_one_line_when_the_channel_cannot_be_asked(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    run, github, server = cli
    monkeypatch.setattr(Session, "_backoff", lambda self, attempt: 0.0)
    server.fail(lambda r: r.method == "GET", 502)
    mark = len(server.log)

    code, out, err = run("reply", "gh:21", "--template", "move-to-forum", "--post")

    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("inbox: gh: not posted, the draft is kept: the thread could not be checked for new "
                          "replies (server error 502")
    assert [r for r in server.log[mark:] if r.method != "GET"] == []


# --- the TUI ------------------------------------------------------------------------------------


async def test_the_editor_shows_what_came_and_the_post_key_again_sends_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "INBOX_ME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("E2E_GH_TOKEN", SECRETS["E2E_GH_TOKEN"])
    github = GitHubAPI(token=SECRETS["E2E_GH_TOKEN"])
    github.add_issue(21, "Albums vanish after a rename", login="fern-ok", created=hours(1))
    with Loopback(github) as server:
        config = parse({"team": {"me": "maple-jo", "staff": ["maple-jo"]},
                        "docs": {"forum": "https://forum.test"},
                        "sources": [{"name": "gh", "kind": "github", "repo": "orchardly/orchard-sync",
                                     "token_env": "E2E_GH_TOKEN", "base_url": server.base_url(github)}]})
        store = Store(tmp_path / "inbox.db")
        await sync_all(config, store, env=SECRETS, sleep=FakeSleep(), now=NOW)
        app = make_app(config, store, now=lambda: NOW)
        async with app.run_test(size=(160, 44)) as pilot:
            await settle(pilot)
            assert app.screen.query_one(ItemList).highlighted["key"] == "gh:21"
            await pilot.press("r")
            await settle(pilot)
            editor = app.screen
            assert isinstance(editor, ComposeScreen)
            assert not editor.query_one("#compose-news-box").display
            github.add_comment(21, "birch-l", "NONE", hours(10), NEWS)  # while the editor is open
            mark = len(server.log)

            await pilot.press("ctrl+s")
            await settle(pilot)

            assert app.screen is editor  # still writing: nothing was sent
            assert [r for r in server.log[mark:] if r.method != "GET"] == []
            assert editor.query_one("#compose-news-box").display
            news = shown(editor.query_one("#compose-news"))
            assert "1 new reply since you began" in news and "birch-l" in news
            assert "[bold]myself[/]: the proxy strips the header" in news and "\x1b" not in news
            status = shown(editor.query_one("#compose-status"))
            assert "Not posted: birch-l replied meanwhile" in status and "ctrl+s posts yours anyway" in status

            await pilot.press("ctrl+s")
            await settle(pilot)

            assert not isinstance(app.screen, ComposeScreen)
            assert [r.method for r in server.log[mark:] if r.method != "GET"] == ["POST"]
            assert github.comments[-1]["body"].startswith("Hi fern-ok")
        store.close()
