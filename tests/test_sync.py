"""Sync end to end: `inbox.sync.sync_all` (and `inbox sync`) against a server on 127.0.0.1.

The server (tests/loopback.py) speaks GitHub, Discourse and Stack Exchange from state
the tests change between syncs. Waits go through an injected sleep, so nothing here
really waits, and nothing reaches the internet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from inbox.config import Config, parse
from inbox.query import INBOX_QUERY
from inbox.store import Store, open_store
from inbox.sync import SourceResult, sync_all
from tests.adapter_base import FakeSleep
from tests.loopback import DiscourseAPI, GitHubAPI, Loopback, Request, StackExchangeAPI

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)
SECRETS = {
    "ORCHARD_GH_TOKEN": "ghp_LoopbackToken0000000000000000000000001",
    "FORUM_API_KEY": "f0rumApiKey0123456789abcdef0123456789abcdef0123456789abcdef012345",
    "SO_APP_KEY": "Lo0pK3y*so((",
}
GITHUB_ISSUES = 7   # and one pull request
FORUM_TOPICS = 5
SO_QUESTIONS = 5


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)



def seed(github: GitHubAPI, forum: DiscourseAPI, so: StackExchangeAPI) -> None:
    github.add_issue(11, "Sync hangs on large albums", login="pip-thornbury", created=hours(1), labels=("bug",))
    github.add_issue(12, "Add WebDAV mirror support", login="maple-jo", association="OWNER", created=hours(2),
                     labels=("enhancement",), body=None)
    github.add_issue(13, "Fix retry jitter", login="dill-w", association="CONTRIBUTOR", created=hours(3),
                     pull_request=True)
    github.add_issue(14, "Crash \x1b]52;c;ZXZpbA==\x07on start [@click=app.quit]", login="ghost",
                     created=hours(4), body="\x1b[31mred\x1b[0m\r\nsecond line")
    github.add_issue(15, "Docs typo", login="yarrow-lu", association="FIRST_TIME_CONTRIBUTOR", created=hours(5))
    github.add_issue(16, "Dependency dashboard", login="sprout[bot]", user_type="Bot", created=hours(6))
    github.add_issue(17, "Upgrade guide for 3.0", login="rowan-ek", association="MEMBER", created=hours(7),
                     state="closed")
    github.add_issue(18, "Token refresh fails behind a proxy", login="quince-r", created=hours(8))
    github.add_comment(11, "rowan-ek", "MEMBER", hours(9), "Can you attach the log?")
    github.add_comment(13, "maple-jo", "OWNER", hours(10), "LGTM")
    github.add_comment(18, "quince-r", "NONE", hours(8.5), "Also on 2.4.1")

    forum.add_user(1, "maple", name="Maple Jo", admin=True, moderator=True)
    forum.add_user(2, "juniper", name=None)
    forum.add_user(3, "oak.barrel", name="")
    forum.add_user(4, "sorrel", name="Sorrel", moderator=True)
    forum.add_topic(300, "Welcome to the Orchard forum", user_id=1, at=T0, pinned=True)
    forum.add_topic(301, 'Can\'t sync "Orchard & Co" albums', user_id=2, at=hours(1),
                    fancy_title="Can&rsquo;t sync &ldquo;Orchard &amp; Co&rdquo; albums", tags=["sync"])
    forum.add_topic(302, "Mirror to a NAS over SMB?", user_id=3, at=hours(2),
                    tags=[{"id": 3, "name": "mirrors", "slug": "mirrors"}])
    forum.add_topic(303, "[bold red]Free upgrade[/] \x1b]52;c;ZXZpbA==\x07now", user_id=3, at=hours(3),
                    cooked="<p>[@click=app.quit]click</p>")
    forum.add_topic(304, "Dark mode for the viewer", user_id=2, at=hours(4))
    forum.reply(301, 1, hours(5), "<p>Fixed in 2.4.2.</p>")
    forum.reply(302, 2, hours(6), "<p>Same question here.</p>")

    so.add_question(79000001, "Why does orchard-sync&#39;s uploader return &quot;403&quot;?",
                    name="Fran&#231;ois", at=hours(1))
    so.add_question(79000002, "How to pin orchard-sync to one thread?", name="ivy_c", at=hours(2))
    so.add_question(79000003, "orchard-sync &lt;mirror&gt; re-downloads files", name="Hazel", at=hours(3))
    so.add_question(79000004, "Where is the cache folder on Linux?", name="user4471902", user_id=None,
                    at=hours(4))
    so.add_question(79000005, "Colours show as \x1b[31m[bold red]x[/] &amp; more", name="Tom &amp; Jerry",
                    at=hours(5))
    so.answer(79000001, "Quince R", hours(6))
    so.answer(79000002, "Maple Jo", hours(7), accepted=True)


@dataclass
class World:
    server: Loopback
    github: GitHubAPI
    forum: DiscourseAPI
    so: StackExchangeAPI
    config: Config
    store: Store
    sleep: FakeSleep

    async def sync(self, *only: str, now: datetime = NOW) -> dict[str, SourceResult]:
        results = await sync_all(self.config, self.store, only=only, env=SECRETS, sleep=self.sleep, now=now)
        return {result.name: result for result in results}

    def keys(self, query: str = "") -> set[str]:
        return {row["key"] for row in self.store.list_items(query, now=NOW)}


def sources_config(server: Loopback, github: GitHubAPI, forum: DiscourseAPI, so: StackExchangeAPI) -> dict:
    return {
        "team": {"staff": ["maple-jo", "Maple Jo"], "me": "maple-jo"},
        "sources": [
            {"name": "orchard", "kind": "github", "repo": "orchardly/orchard-sync",
             "token_env": "ORCHARD_GH_TOKEN", "base_url": server.base_url(github)},
            {"name": "forum", "kind": "discourse", "base_url": server.base_url(forum),
             "api_key_env": "FORUM_API_KEY", "api_username": "inbox-bot"},
            {"name": "so", "kind": "stackexchange", "site": "stackoverflow", "tagged": ["orchard-sync"],
             "key_env": "SO_APP_KEY", "base_url": server.base_url(so)},
        ],
    }


@pytest.fixture
def world(store_location):
    """The three channels on loopback and an inbox on each backend."""
    github = GitHubAPI(token=SECRETS["ORCHARD_GH_TOKEN"])
    forum = DiscourseAPI(api_key=SECRETS["FORUM_API_KEY"])
    so = StackExchangeAPI(key=SECRETS["SO_APP_KEY"])
    seed(github, forum, so)
    with Loopback(github, forum, so) as server:
        store = open_store(store_location)
        config = parse(sources_config(server, github, forum, so))
        yield World(server, github, forum, so, config, store, FakeSleep())
        store.close()


def list_requests(channel, path_end: str) -> list[Request]:
    return [r for r in channel.requests if r.path.endswith(path_end)]


# --- a first sync and an unchanged one -------------------------------------------------------


async def test_a_first_sync_pages_through_every_channel(world: World) -> None:
    results = await world.sync()

    for result in results.values():
        assert result.ok, result.summary()
    assert (world.store.item_count("orchard"), world.store.item_count("forum"),
            world.store.item_count("so")) == (GITHUB_ISSUES, FORUM_TOPICS, SO_QUESTIONS)
    assert "orchard:13" not in world.keys(), "pull requests are left out"

    issues = list_requests(world.github, "/issues")
    assert issues[0].path == "/repos/orchardly/orchard-sync/issues"
    assert [(r.path, r.query["page"]) for r in issues[1:]] == [
        ("/repositories/4242/issues", "2"), ("/repositories/4242/issues", "3"), ("/repositories/4242/issues", "4")]
    assert [r.query.get("page") for r in list_requests(world.forum, "/latest.json")] == [None, "1", "2"]
    assert sorted(r.path for r in world.forum.requests if r.path.startswith("/t/")) == [
        f"/t/{n}.json" for n in range(300, 305)]
    assert [r.query["page"] for r in list_requests(world.so, "/questions")] == ["1", "2", "3"]
    assert all(r.query["site"] == "stackoverflow" and r.query["tagged"] == "orchard-sync"
               for r in list_requests(world.so, "/questions"))

    items = {row["key"]: row for row in world.store.list_items("", now=NOW, with_body=True)}
    assert items["orchard:14"]["title"] == "Crash on start [@click=app.quit]"
    assert items["orchard:14"]["body"] == "red\nsecond line"
    assert items["orchard:11"]["last_reply_by_staff"] == 1 and items["orchard:18"]["last_reply_by_staff"] == 0
    assert items["forum:301"]["title"] == 'Can\'t sync "Orchard & Co" albums'
    assert (items["forum:301"]["replies"], items["forum:301"]["last_reply_by_staff"]) == (1, 1)
    assert items["forum:303"]["title"] == "[bold red]Free upgrade[/] now"
    assert json.loads(items["forum:302"]["labels"]) == ["mirrors"]
    assert items["so:79000001"]["title"] == 'Why does orchard-sync\'s uploader return "403"?'
    assert items["so:79000001"]["author"] == "François"
    assert items["so:79000001"]["created_at"] == "2026-03-01T09:00:00Z"
    assert items["so:79000005"]["title"] == "Colours show as [bold red]x[/] & more"
    assert items["so:79000004"]["author"] == "user4471902"
    assert (items["so:79000002"]["answered"], items["so:79000002"]["last_reply_by_staff"]) == (1, 1)
    for row in items.values():
        assert "\x1b" not in row["title"] + (row["body"] or "") and "\x07" not in row["title"] + (row["body"] or "")


async def test_an_unchanged_resync_is_free_for_github_and_fetches_no_threads(world: World) -> None:
    await world.sync()
    before = world.store.db.execute("SELECT * FROM items ORDER BY key").fetchall()
    github_seen, forum_seen, so_seen = (len(c.requests) for c in (world.github, world.forum, world.so))
    remaining = world.github.rate_remaining

    results = await world.sync()

    assert all(result.error is None for result in results.values())
    again = world.github.requests[github_seen:]
    assert len(again) == 2 and all(r.headers.get("if-none-match") for r in again)
    assert world.github.not_modified == 2 and world.github.rate_remaining == remaining
    assert results["orchard"].not_modified and results["orchard"].items == 0
    # page 0 is the pinned topic and the newest one (activity equal to what was seen), so the
    # forum reads on until older activity; no thread is fetched and the last page is not read
    assert [(r.path, r.query.get("page")) for r in world.forum.requests[forum_seen:]] == [
        ("/latest.json", None), ("/latest.json", "1")]
    assert [r.path for r in world.so.requests[so_seen:]] == ["/questions"]
    assert world.store.db.execute("SELECT * FROM items ORDER BY key").fetchall() == before


# --- changes from the channels ----------------------------------------------------------------


async def test_changed_items_are_updated_and_the_triage_is_never_touched(world: World) -> None:
    await world.sync()
    keys = ["orchard:12", "forum:304", "so:79000003"]
    world.store.set_triage(keys, {"type": "feature", "status": "planned", "assignee": "rowan-ek",
                                  "note": "ask about NAS models", "snoozed_until": "2026-03-20T00:00:00Z"},
                           now=NOW, by="test")
    triage = world.store.db.execute("SELECT * FROM triage ORDER BY key").fetchall()

    world.github.edit_issue(12, hours(20), title="Add WebDAV and SFTP mirror support")
    world.github.add_comment(12, "pip-thornbury", "NONE", hours(21), "Would love this")
    world.forum.reply(304, 1, hours(22), "<p>On the roadmap.</p>")
    world.so.answer(79000003, "Hazel", hours(23), body="<p>Solved: set checksum = true.</p>", accepted=True)
    results = await world.sync()

    assert all(result.ok for result in results.values()), [r.summary() for r in results.values()]
    assert world.store.db.execute("SELECT * FROM triage ORDER BY key").fetchall() == triage
    issue = world.store.item("orchard:12", now=NOW)
    assert (issue["title"], issue["replies"], issue["last_reply_by_staff"]) == (
        "Add WebDAV and SFTP mirror support", 1, 0)
    assert (issue["type"], issue["status"], issue["assignee"]) == ("feature", "planned", "rowan-ek")
    topic = world.store.item("forum:304", now=NOW)
    assert (topic["replies"], topic["last_reply_by_staff"], topic["last_activity_at"]) == (
        1, 1, "2026-03-02T06:00:00Z")
    question = world.store.item("so:79000003", now=NOW)
    assert (question["replies"], question["answered"], question["note"]) == (1, 1, "ask about NAS models")
    assert [r["body"] for r in world.store.thread("so:79000003")] == ["Solved: set checksum = true."]


async def test_done_items_come_back_on_new_activity(world: World) -> None:
    await world.sync()
    keys = {"orchard:11", "forum:302", "so:79000001"}
    world.store.set_triage(sorted(keys), {"done": True}, now=NOW, by="test")
    assert world.keys("is:done") == keys
    assert not keys & world.keys(INBOX_QUERY)

    await world.sync()  # nothing new: they stay done
    assert world.keys("is:done") == keys

    world.github.add_comment(11, "pip-thornbury", "NONE", hours(30), "Still hangs on 2.4.2")
    world.forum.reply(302, 3, hours(31), "<p>Any news?</p>")
    world.so.answer(79000001, "Quince R", hours(32), body="<p>Another idea.</p>")
    results = await world.sync()

    assert all(result.ok for result in results.values())
    assert world.keys("is:done") == set()
    assert keys <= world.keys(INBOX_QUERY)
    assert keys <= world.keys("is:awaiting")
    rows = world.store.triage_rows(sorted(keys))
    assert all(row["done"] == 1 for row in rows.values()), "the decision stays; the activity brings it back"


# --- trouble --------------------------------------------------------------------------------


async def test_a_thread_that_failed_to_load_loses_nothing_and_is_fetched_again(world: World) -> None:
    await world.sync()
    body_before = world.store.item("forum:302", now=NOW)["body"]
    world.forum.reply(302, 3, hours(31), "<p>Any news?</p>")
    world.so.answer(79000001, "Quince R", hours(32), body="<p>Another idea.</p>")
    world.server.fail(lambda r: r.channel == "discourse" and r.path == "/t/302.json", 500)
    world.server.fail(lambda r: r.channel == "stackexchange" and r.path.endswith("/answers"), 500)
    results = await world.sync()
    assert results["forum"].warnings and results["so"].warnings
    forum_row = world.store.item("forum:302", now=NOW)
    assert forum_row["body"] == body_before  # not blanked by the list's missing body
    assert world.store.item("so:79000001", now=NOW)["last_reply_by_staff"] is None  # unknown, so awaiting
    assert {"forum:302", "so:79000001"} <= world.keys("is:awaiting")

    world.server.clear_faults()
    results = await world.sync()
    assert all(result.ok for result in results.values())
    assert [r["body"] for r in world.store.thread("forum:302")][-1] == "Any news?"
    assert "Another idea." in [r["body"] for r in world.store.thread("so:79000001")]


async def test_a_failing_source_is_named_and_the_others_are_saved(world: World) -> None:
    world.server.fail(lambda r: r.channel == "discourse" and r.path == "/latest.json", 500)

    results = await world.sync()

    forum = results["forum"]
    assert forum.error and "500" in forum.error and "/latest.json" in forum.error
    assert forum.summary().startswith("forum: failed")
    assert len(list_requests(world.forum, "/latest.json")) == 4, "tried once and retried three times"
    assert len(world.sleep.calls) == 3
    assert results["orchard"].ok and results["so"].ok
    assert world.store.item_count("orchard") == GITHUB_ISSUES and world.store.item_count("so") == SO_QUESTIONS
    assert world.store.item_count("forum") == 0
    states = {state["name"]: state for state in world.store.source_states()}
    assert "500" in states["forum"]["last_error"] and states["forum"]["last_success_at"] is None
    assert states["orchard"]["last_error"] is None and states["orchard"]["last_success_at"] == "2026-03-11T09:00:00Z"

    world.server.clear_faults()
    results = await world.sync()
    assert results["forum"].ok and world.store.item_count("forum") == FORUM_TOPICS


async def test_rate_limits_with_retry_after_are_waited_out(world: World) -> None:
    first_page = lambda r: r.path.endswith("/issues") and "page" not in r.query  # noqa: E731
    world.server.fail(lambda r: r.channel == "github" and first_page(r), 429, times=1,
                      headers={"Retry-After": "1"}, data={"message": "You have exceeded a secondary rate limit."})
    world.server.fail(lambda r: r.channel == "discourse" and r.path == "/latest.json", 429, times=1,
                      headers={"Retry-After": "1"},
                      data={"errors": ["You've performed this action too many times."],
                            "error_type": "rate_limit", "extras": {"wait_seconds": 1}})

    results = await world.sync()

    assert all(result.ok for result in results.values()), [r.summary() for r in results.values()]
    assert world.sleep.calls == [1, 1]
    assert world.store.item_count() == GITHUB_ISSUES + FORUM_TOPICS + SO_QUESTIONS


async def test_stack_exchange_backoff_is_honoured_before_the_next_questions_call(world: World) -> None:
    world.so.backoff["questions"] = 5  # sent with the first /questions response

    results = await world.sync("so")

    assert results["so"].ok
    assert len(world.sleep.calls) == 1 and 4 < world.sleep.calls[0] <= 5
    assert [r.query["page"] for r in list_requests(world.so, "/questions")] == ["1", "2", "3"]


def _github_page(n: str) -> Callable[[Request], bool]:
    return lambda r: r.channel == "github" and r.path.endswith("/issues") and r.query.get("page") == n


INTERRUPTIONS = {
    # source: (fault on a middle page, how the resumed run must start, items when all is in)
    "orchard": (_github_page("3"), ("/repositories/4242/issues", "3"), GITHUB_ISSUES),
    "forum": (lambda r: r.channel == "discourse" and r.path == "/latest.json" and r.query.get("page") == "1",
              ("/latest.json", "1"), FORUM_TOPICS),
    "so": (lambda r: r.channel == "stackexchange" and r.path == "/questions" and r.query.get("page") == "2",
           ("/questions", "2"), SO_QUESTIONS),
}


@pytest.mark.parametrize("name", sorted(INTERRUPTIONS))
async def test_an_interrupted_sync_resumes_from_its_cursor(world: World, name: str) -> None:
    fault, (resume_path, resume_page), total = INTERRUPTIONS[name]
    channel = {"orchard": world.github, "forum": world.forum, "so": world.so}[name]
    world.server.fail(fault, 500)

    results = await world.sync(name)

    assert results[name].error and "500" in results[name].error
    saved = world.store.item_count(name)
    assert 0 < saved < total
    cursors = world.store.db.execute("SELECT next_url FROM cursors WHERE source = ? AND next_url IS NOT NULL",
                                     [name]).fetchall()
    assert len(cursors) == 1 and f"page={resume_page}" in cursors[0][0]

    world.server.clear_faults()
    seen = len(channel.requests)
    results = await world.sync(name)

    assert results[name].ok, results[name].summary()
    first = channel.requests[seen]
    assert (first.path, first.query.get("page")) == (resume_path, resume_page), "resumed, not restarted"
    assert results[name].items >= total - saved
    assert world.store.item_count(name) == total
    duplicates = world.store.db.execute(
        "SELECT key, reply_id, count(*) FROM thread GROUP BY key, reply_id HAVING count(*) > 1").fetchall()
    assert duplicates == []
    assert world.store.db.execute("SELECT count(*) FROM cursors WHERE source = ? AND next_url IS NOT NULL",
                                  [name]).fetchone()[0] == 0

    # and the next sync finds everything in place (GitHub: page 1's ETag from the first run holds)
    results = await world.sync(name)
    assert results[name].ok and world.store.item_count(name) == total
    if name == "orchard":
        assert results[name].not_modified and results[name].items == 0


async def test_tokens_never_reach_the_database(world: World, tmp_path: Path) -> None:
    world.server.fail(lambda r: r.channel == "github", 401, times=1,
                      data={"message": f"Bad credentials: {SECRETS['ORCHARD_GH_TOKEN']}"})
    results = await world.sync()
    assert "Bad credentials" in results["orchard"].error
    await world.sync()

    forms = {form for secret in SECRETS.values() for form in (secret, quote(secret, safe=""))}
    if world.store.path:  # a file: what is in the WAL is in the file too
        world.store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    for table in world.store.db.table_names():
        for row in world.store.db.execute(f'SELECT * FROM "{table}"').fetchall():
            assert not any(form in str(value) for form in forms for value in row), (table, row)
    for path in tmp_path.glob("inbox.db*"):
        data = path.read_bytes()
        assert not any(form.encode() in data for form in forms), path.name
    for result in results.values():
        assert not any(form in result.summary() for form in forms)


# --- the command line -------------------------------------------------------------------------


def test_inbox_sync_command_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from inbox.cli import main

    github = GitHubAPI(token=SECRETS["ORCHARD_GH_TOKEN"])
    forum = DiscourseAPI(api_key=SECRETS["FORUM_API_KEY"])
    so = StackExchangeAPI(key=SECRETS["SO_APP_KEY"])
    seed(github, forum, so)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "inbox.db"
    with Loopback(github, forum, so) as server:
        data = sources_config(server, github, forum, so)
        lines = ['[team]', 'staff = ["maple-jo", "Maple Jo"]', 'me = "maple-jo"']
        for source in data["sources"]:
            lines.append("\n[[sources]]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in source.items()]
        config = tmp_path / "config.toml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")

        code = main(["--config", str(config), "--db", str(db), "sync"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert f"orchard: {GITHUB_ISSUES} items" in out and f"forum: {FORUM_TOPICS} items" in out
        assert f"so: {SO_QUESTIONS} items" in out

        code = main(["--config", str(config), "--db", str(db), "list", "--json", "source:so"])
        out, err = capsys.readouterr()
        assert code == 0, err
        listed = {item["key"]: item for item in json.loads(out)}
        assert set(listed) == {f"so:7900000{n}" for n in range(1, 6)}
        assert listed["so:79000001"]["title"] == 'Why does orchard-sync\'s uploader return "403"?'
        assert listed["so:79000002"]["last_activity_at"] == "2026-03-01T15:00:00Z"

        monkeypatch.setenv("FORUM_API_KEY", "a-wrong-key-0000")
        forum.reply(304, 1, hours(40))
        github.add_comment(15, "maple-jo", "OWNER", hours(41), "Fixed, thanks!")
        code = main(["--config", str(config), "--db", str(db), "sync", "--source", "forum", "--source", "orchard"])
        out, err = capsys.readouterr()
        assert code == 1
        assert "inbox: forum: failed: forbidden" in err and "a-wrong-key-0000" not in err + out
        assert out.startswith("orchard: ") and "so:" not in out, "only the sources asked for"
    store = Store(db)
    assert store.item("orchard:15", now=NOW)["last_reply_by_staff"] == 1
    store.close()
