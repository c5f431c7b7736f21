"""Posting back end to end: `send_reply`, `write_type_label` and `file_bug` over real HTTP.

The loopback server (tests/loopback.py) takes the writes the way each API does and
shows them to the next sync, so every promise is checked where it matters: the exact
request, the reply stored at once as the team's under the channel's own id, the item no
longer awaiting us, the draft gone; then a real sync that neither doubles the reply nor
makes it community's (Slack's bot, a GitLab account the config does not name as staff).
A refusal, a 500 or an unreachable channel keeps the draft with the reason and sends the
POST once; secrets never reach a message or the database file.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from inbox.config import Config, parse
from inbox.errors import ConfigError, SourceError
from inbox.net.http import Session
from inbox.respond.bugs import file_bug
from inbox.respond.replies import send_reply, write_type_label
from inbox.store import Store
from inbox.sync import SourceResult, sync_all
from tests.adapter_base import FakeSleep
from tests.loopback import (
    DiscourseAPI,
    GitHubAPI,
    GitLabAPI,
    IntercomAPI,
    JiraAPI,
    Loopback,
    Request,
    SlackAPI,
    StackExchangeAPI,
    UserVoiceAPI,
    ZendeskAPI,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)
POSTED_AT = T0 + timedelta(hours=20)
SECRETS = {
    "E2E_GH_TOKEN": "ghp_E2eLoopbackTok3n00000000000000000000042",
    "E2E_GITLAB_TOKEN": "glpat-E2eLoopbackTok3n_9876543210",
    "E2E_FORUM_KEY": "e2eForumKey0123456789abcdef0123456789abcdef0123456789abcdef0123",
    "E2E_ZENDESK_TOKEN": "zdE2eLoopbackTok3n9876543210fedcbaFEDCBA98",
    "E2E_SLACK_TOKEN": "xoxb-9999999999-8888888888-E2eLoopbackSlackTok3n",
    "E2E_INTERCOM_TOKEN": "dG9rOmUyZV9sb29wYmFja185ODc2NTQzMjEwOjE6MA==",
    "E2E_SO_KEY": "E2eS0K3y((x",
    "E2E_UV_SECRET": "uvE2eS3cret+/9876543210fedcba",
    "E2E_JIRA_TOKEN": "ATATT3xE2eLoopbackJiraTok3n0123456789abcdef",
}
ZENDESK_EMAIL = "inbox@orchardly.test"
JIRA_EMAIL = "triage@orchardly.test"
CHANNEL = "C0ORCHARD"
INTERCOM_ADMIN = "7001"

TEXT = ("Hi fern-ok, fixed in **2.4.2** for A & B <C>: see "
        "[the notes](https://orchardly.test/notes?v=2.4.2&lang=en).\n\nThanks, maple-jo")
MRKDWN = ("Hi fern-ok, fixed in *2.4.2* for A &amp; B &lt;C&gt;: see "
          "<https://orchardly.test/notes?v=2.4.2&amp;lang=en|the notes>.\n\nThanks, maple-jo")
HTML = ('<p>Hi fern-ok, fixed in <strong>2.4.2</strong> for A &amp; B &lt;C&gt;: see '
        '<a href="https://orchardly.test/notes?v=2.4.2&amp;lang=en">the notes</a>.</p><p>Thanks, maple-jo</p>')
TRACE = ('Traceback (most recent call last):\n  File "restore.py", line 12, in run\n'
         '    unpack(archive)\nValueError: bad header')


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)



# --- the channels ----------------------------------------------------------------------------


@dataclass
class Channels:
    github: GitHubAPI
    gitlab: GitLabAPI
    forum: DiscourseAPI
    zendesk: ZendeskAPI
    slack: SlackAPI
    intercom: IntercomAPI
    so: StackExchangeAPI
    uservoice: UserVoiceAPI
    jira: JiraAPI
    slack_ts: str

    def all(self) -> list:
        return [self.github, self.gitlab, self.forum, self.zendesk, self.slack, self.intercom, self.so,
                self.uservoice, self.jira]


def channels() -> Channels:
    github = GitHubAPI(token=SECRETS["E2E_GH_TOKEN"], login="orchard-bot", association="MEMBER")
    github.add_issue(21, "Albums vanish after a rename", login="fern-ok", created=hours(1), labels=("triage",))
    github.add_issue(22, "Export stalls at 99%", login="birch-l", created=hours(2))
    github.add_comment(22, "birch-l", "NONE", hours(3), "Still on 2.4.1")
    github.add_issue(23, "Restore fails on old archives", login="fern-ok", created=hours(4),
                     body=f"Restoring a 2019 archive fails.\n\n{TRACE}")

    gitlab = GitLabAPI(token=SECRETS["E2E_GITLAB_TOKEN"], username="orchard-bot")
    gitlab.add_issue(7, "Thumbnails are blurry", author="alder-p", at=hours(1), labels=("ui",))
    gitlab.note(7, "alder-p", "Still happens on 3.1", hours(2))
    gitlab.add_issue(8, "Where is the cache?", author="rowan-q", at=hours(3))

    forum = DiscourseAPI(api_key=SECRETS["E2E_FORUM_KEY"])
    forum.add_user(1, "maple", name="Maple Jo", admin=True)
    forum.add_user(2, "hazel-n", name="Hazel N")
    forum.add_user(3, "inbox-bot", name="Inbox Bot")  # the API user: no staff flag on this forum
    forum.add_topic(41, "Backup to S3 fails with 403", user_id=2, at=hours(1), tags=["sync"],
                    cooked="<p>My backup to S3 fails with a 403.</p>")

    zendesk = ZendeskAPI(email=ZENDESK_EMAIL, token=SECRETS["E2E_ZENDESK_TOKEN"])
    zendesk.add_user(501, "Fern Ok", "fern@example.test")
    zendesk.add_user(502, "Orchard Inbox", ZENDESK_EMAIL, role="agent")
    zendesk.add_ticket(101, "Cannot restore a backup", requester=501, at=hours(1), description="Restore fails.")
    zendesk.add_ticket(102, "Old invoice", requester=501, at=hours(2), status="closed")

    slack = SlackAPI(channel=CHANNEL, token=SECRETS["E2E_SLACK_TOKEN"])
    slack.add_user("U01MAPLE", "maple", real_name="Maple Jo", display_name="Maple Jo", admin=True)
    slack.add_user("U02FERN", "fern", real_name="Fern Ok", display_name="fern")
    slack_ts = slack.post("U02FERN", "Is there a dark theme?", hours(1))["ts"]

    intercom = IntercomAPI(token=SECRETS["E2E_INTERCOM_TOKEN"])
    intercom.add_admin(INTERCOM_ADMIN, "Maple Jo", "maple@orchardly.test")
    intercom.add_conversation("2001", name="Fern Ok", email="fern@example.test", at=hours(1),
                              body="<p>My invoice shows the wrong plan.</p>")

    so = StackExchangeAPI(key=SECRETS["E2E_SO_KEY"])
    so.add_question(79100001, "How to mirror orchard-sync to S3?", name="ivy_c", at=hours(1))

    uservoice = UserVoiceAPI(client_secret=SECRETS["E2E_UV_SECRET"])
    uservoice.add_status(1, "Under Review")
    uservoice.add_user(901, "Fern Ok", "fern@example.test")
    uservoice.add_suggestion(4001, "Offline mode", by=901, at=hours(1), status=1)

    jira = JiraAPI(email=JIRA_EMAIL, token=SECRETS["E2E_JIRA_TOKEN"], projects=("ORCH",))
    everything = Channels(github, gitlab, forum, zendesk, slack, intercom, so, uservoice, jira, slack_ts)
    for channel in everything.all():
        channel.clock = lambda: POSTED_AT
    return everything


def config_data(server: Loopback, ch: Channels) -> dict:
    return {
        "team": {"staff": ["maple-jo", "Maple Jo"], "me": "maple-jo"},
        "type_labels": {"bug": "bug", "feature": "enhancement"},
        "jira": {"base_url": server.base_url(ch.jira), "project": "ORCH", "email": JIRA_EMAIL,
                 "token_env": "E2E_JIRA_TOKEN", "labels": ["community", "from inbox"]},
        "sources": [
            {"name": "gh", "kind": "github", "repo": "orchardly/orchard-sync", "token_env": "E2E_GH_TOKEN",
             "base_url": server.base_url(ch.github)},
            {"name": "lab", "kind": "gitlab", "project": "orchardly/orchard-sync", "token_env": "E2E_GITLAB_TOKEN",
             "base_url": server.base_url(ch.gitlab), "type_labels": {"bug": "type::bug"}},
            {"name": "forum", "kind": "discourse", "api_key_env": "E2E_FORUM_KEY", "api_username": "inbox-bot",
             "base_url": server.base_url(ch.forum)},
            {"name": "help", "kind": "zendesk", "email": ZENDESK_EMAIL, "token_env": "E2E_ZENDESK_TOKEN",
             "base_url": server.base_url(ch.zendesk)},
            {"name": "chat", "kind": "slack", "channel": CHANNEL, "workspace": "orchardly",
             "token_env": "E2E_SLACK_TOKEN", "base_url": server.base_url(ch.slack)},
            {"name": "convo", "kind": "intercom", "app_id": "orch4rd1", "admin_id": INTERCOM_ADMIN,
             "token_env": "E2E_INTERCOM_TOKEN", "base_url": server.base_url(ch.intercom)},
            {"name": "so", "kind": "stackexchange", "site": "stackoverflow", "tagged": ["orchard-sync"],
             "key_env": "E2E_SO_KEY", "base_url": server.base_url(ch.so)},
            {"name": "ideas", "kind": "uservoice", "client_id": "orchard-inbox", "secret_env": "E2E_UV_SECRET",
             "base_url": server.base_url(ch.uservoice)},
        ],
    }


@dataclass
class World:
    server: Loopback
    ch: Channels
    data: dict
    config: Config
    store: Store
    path: Path

    async def sync(self, *only: str) -> dict[str, SourceResult]:
        results = await sync_all(self.config, self.store, only=only, env=SECRETS, sleep=FakeSleep(), now=NOW)
        found = {result.name: result for result in results}
        for name in only:
            assert found[name].ok, found[name].summary()
        return found

    def variant(self, source: str | None = None, **changes: Any) -> Config:
        """The config with one source's keys (or, without `source`, top-level tables) changed."""
        data = copy.deepcopy(self.data)
        if source is None:
            data.update(changes)
        else:
            entry = next(s for s in data["sources"] if s["name"] == source)
            entry.update(changes)
        return parse(data)

    def writes(self, since: int = 0) -> list[Request]:
        """Requests that change something (every method but GET), in order."""
        return [r for r in self.server.log[since:] if r.method != "GET"]

    def thread(self, key: str) -> list[tuple[str, str, bool]]:
        return [(r["reply_id"], r["author"], bool(r["author_is_staff"])) for r in self.store.thread(key)]

    def awaiting(self, key: str) -> bool:
        return self.store.matches(key, "is:awaiting", now=NOW)


@pytest.fixture
def world(tmp_path: Path):
    ch = channels()
    with Loopback(*ch.all()) as server:
        store = Store(tmp_path / "inbox.db")
        data = config_data(server, ch)
        yield World(server, ch, data, parse(data), store, tmp_path)
        store.close()


# --- each writable channel -------------------------------------------------------------------


def bearer(secret: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        assert request.headers["authorization"] == f"Bearer {SECRETS[secret]}"
    return check


def gitlab_auth(request: Request) -> None:
    assert request.headers["private-token"] == SECRETS["E2E_GITLAB_TOKEN"]


def discourse_auth(request: Request) -> None:
    assert request.headers["api-key"] == SECRETS["E2E_FORUM_KEY"]
    assert request.headers["api-username"] == "inbox-bot"


def zendesk_auth(request: Request) -> None:
    pair = base64.b64encode(f"{ZENDESK_EMAIL}/token:{SECRETS['E2E_ZENDESK_TOKEN']}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {pair}"


def intercom_auth(request: Request) -> None:
    bearer("E2E_INTERCOM_TOKEN")(request)
    assert request.headers["intercom-version"] == "2.11"


@dataclass
class Spec:
    source: str
    channel: str
    """The loopback channel's name (requests are recorded under it)."""
    key: Callable[[World], str]
    method: str
    path: str
    auth: Callable[[Request], None]
    payload: Callable[[World], Any]
    reply_id: Callable[[World], str]
    """The id the channel gave the new reply."""
    url: Callable[[World, str], str]
    """Where the outcome says the reply can be seen (given the reply id)."""
    refuse: Callable[[World], tuple[str, str]]
    """Make the channel refuse the next reply: (the text to send, the channel's reason)."""
    synced_author: str
    """Who the next sync says wrote the reply (the channel's name for the posting account)."""

    def __str__(self) -> str:
        return self.source


def github_refusal(world: World) -> tuple[str, str]:
    reason = "body is too long (maximum is 65536 characters)"
    world.server.fail(lambda r: r.channel == "github" and r.method == "POST", 422, data={
        "message": "Validation Failed", "status": "422",
        "errors": [{"resource": "IssueComment", "code": "custom", "field": "body", "message": reason}]})
    return TEXT, reason


def slack_refusal(world: World) -> tuple[str, str]:
    world.ch.slack.post_error = "not_in_channel"
    return TEXT, "not_in_channel"


def intercom_refusal(world: World) -> tuple[str, str]:
    del world.ch.intercom.conversations["2001"]  # deleted on Intercom since the last sync
    return TEXT, "Resource Not Found"


SPECS = [
    Spec("gh", "github", lambda w: "gh:21", "POST", "/repos/orchardly/orchard-sync/issues/21/comments",
         bearer("E2E_GH_TOKEN"), lambda w: {"body": TEXT},
         lambda w: str(w.ch.github.comments[-1]["id"]),
         lambda w, rid: f"https://github.com/orchardly/orchard-sync/issues/21#issuecomment-{rid}",
         github_refusal, "orchard-bot"),
    Spec("lab", "gitlab", lambda w: "lab:7", "POST", "/projects/orchardly%2Forchard-sync/issues/7/notes",
         gitlab_auth, lambda w: {"body": TEXT},
         lambda w: str(w.ch.gitlab.notes[7][-1]["id"]),
         lambda w, rid: f"https://gitlab.com/orchardly/orchard-sync/-/issues/7#note_{rid}",
         lambda w: ("/label ~needs-info", "quick actions"), "orchard-bot"),
    Spec("forum", "discourse", lambda w: "forum:41", "POST", "/posts.json", discourse_auth,
         lambda w: {"topic_id": 41, "raw": TEXT},
         lambda w: str(w.ch.forum.posts[41][-1]["id"]),
         lambda w, rid: f"{w.server.base_url(w.ch.forum)}/t/backup-to-s3-fails-with-403/41/2",
         lambda w: ("Thanks, fixed now!", "Body is too short (minimum is 20 characters)"), "inbox-bot"),
    Spec("help", "zendesk", lambda w: "help:101", "PUT", "/api/v2/tickets/101.json", zendesk_auth,
         lambda w: {"ticket": {"comment": {"html_body": HTML, "public": True}}},
         lambda w: str(w.ch.zendesk.comments[101][-1]["id"]),
         lambda w, rid: f"{w.server.base_url(w.ch.zendesk)}/agent/tickets/101",
         # ticket 102 is closed: the refusal is for that one (see `refused_key`)
         lambda w: (TEXT, "Status: closed prevents ticket update"), "Orchard Inbox"),
    Spec("chat", "slack", lambda w: f"chat:{w.ch.slack_ts}", "POST", "/chat.postMessage",
         bearer("E2E_SLACK_TOKEN"), lambda w: {"channel": CHANNEL, "text": MRKDWN, "thread_ts": w.ch.slack_ts},
         lambda w: w.ch.slack.threads[w.ch.slack_ts][-1]["ts"],
         lambda w, rid: (f"https://orchardly.slack.com/archives/{CHANNEL}/p{rid.replace('.', '')}"
                         f"?thread_ts={w.ch.slack_ts}&cid={CHANNEL}"),
         slack_refusal, "U0INBOXBOT"),
    Spec("convo", "intercom", lambda w: "convo:2001", "POST", "/conversations/2001/reply", intercom_auth,
         lambda w: {"message_type": "comment", "type": "admin", "admin_id": INTERCOM_ADMIN, "body": HTML},
         lambda w: w.ch.intercom.parts["2001"][-1]["id"],
         lambda w, rid: "https://app.intercom.com/a/inbox/orch4rd1/inbox/conversation/2001",
         intercom_refusal, "Maple Jo"),  # as posted: Intercom's list has no parts
]


def refused_key(spec: Spec, world: World) -> str:
    return "help:102" if spec.source == "help" else spec.key(world)


@pytest.fixture(params=SPECS, ids=str)
def spec(request: pytest.FixtureRequest) -> Spec:
    return request.param


def sent(request: Request) -> Any:
    assert "json" in request.headers.get("content-type", ""), request.headers.get("content-type")
    return json.loads(request.body)


# --- posted ----------------------------------------------------------------------------------


async def test_a_reply_is_posted_with_the_exact_request_and_stored_as_the_teams(world: World, spec: Spec) -> None:
    await world.sync(spec.source)
    key = spec.key(world)
    assert world.awaiting(key)
    before, item = world.thread(key), world.store.item(key, now=NOW)
    mark = len(world.server.log)

    outcome = await send_reply(world.config, world.store, key, TEXT, now=NOW, template="docs-answer", env=SECRETS)

    [request] = world.writes(mark)
    assert len(world.server.log) == mark + 1, "posting asks nothing else of the channel"
    assert (request.channel, request.method, request.path) == (spec.channel, spec.method, spec.path)
    spec.auth(request)
    assert sent(request) == spec.payload(world)
    assert request.answer is not None and request.answer.status in (200, 201)
    reply_id = spec.reply_id(world)
    assert outcome.posted and not outcome.queued
    assert outcome.url == spec.url(world, reply_id)
    assert outcome.message == f"Posted: {outcome.url}"
    assert world.thread(key)[:-1] == before
    assert world.thread(key)[-1][0] == reply_id and world.thread(key)[-1][2] is True
    assert world.store.thread(key)[-1]["body"]  # the text, as the channel stored it
    after = world.store.item(key, now=NOW)
    assert after["replies"] == item["replies"] + 1 and after["last_reply_by_staff"] == 1
    assert not world.awaiting(key)
    assert world.store.drafts.get(key) is None


async def test_the_next_sync_neither_doubles_the_reply_nor_makes_it_community(world: World, spec: Spec) -> None:
    await world.sync(spec.source)
    key = spec.key(world)
    replies = world.store.item(key, now=NOW)["replies"]
    await send_reply(world.config, world.store, key, TEXT, now=NOW, env=SECRETS)
    reply_id = spec.reply_id(world)
    posted = world.thread(key)

    await world.sync(spec.source)

    thread = world.thread(key)
    assert [row[0] for row in thread] == [row[0] for row in posted], "the reply is there once, under its id"
    ours = [row for row in thread if row[0] == reply_id]
    # the channel's name for the account (Intercom's list has no parts: the reply stays as posted)
    assert ours == [(reply_id, spec.synced_author, True)]
    item = world.store.item(key, now=NOW)
    assert item["replies"] == replies + 1
    assert item["last_reply_by_staff"] == 1
    assert not world.awaiting(key)


async def test_a_later_sync_with_nothing_new_keeps_the_item_answered(world: World, spec: Spec) -> None:
    """An unchanged Discourse topic names our (non-staff) API account as its last poster:
    the stored thread, with our reply, still says the team answered last."""
    await world.sync(spec.source)
    key = spec.key(world)
    await send_reply(world.config, world.store, key, TEXT, now=NOW, env=SECRETS)
    await world.sync(spec.source)
    thread = world.thread(key)

    await world.sync(spec.source)  # nothing new on the channel

    assert world.thread(key) == thread
    assert world.store.item(key, now=NOW)["last_reply_by_staff"] == 1
    assert not world.awaiting(key)


async def test_a_gitlab_note_by_the_same_account_that_the_inbox_did_not_post_is_community(world: World) -> None:
    """The control for the test above: without `[team] staff`, GitLab says the account is
    community; only what the inbox posted counts as the team's."""
    await world.sync("lab")
    await send_reply(world.config, world.store, "lab:7", TEXT, now=NOW, env=SECRETS)
    world.ch.gitlab.note(8, "orchard-bot", "Posted from a script", hours(21))
    await world.sync("lab")
    assert world.thread("lab:8")[-1][1:] == ("orchard-bot", False)
    assert world.thread("lab:7")[-1][1:] == ("orchard-bot", True)


async def test_a_member_reply_the_inbox_posted_is_staff_even_when_github_calls_the_account_none(
        world: World) -> None:
    world.ch.github.association = "NONE"  # a bot account outside the organisation
    await world.sync("gh")
    await send_reply(world.config, world.store, "gh:21", TEXT, now=NOW, env=SECRETS)
    await world.sync("gh")
    assert world.thread("gh:21")[-1][1:] == ("orchard-bot", True)
    assert not world.awaiting("gh:21")


# --- refused, failed, unreachable ------------------------------------------------------------


async def test_a_refusal_keeps_the_draft_with_the_channels_reason(world: World, spec: Spec) -> None:
    await world.sync(spec.source)
    key = refused_key(spec, world)
    text, reason = spec.refuse(world)
    before, item = world.thread(key), world.store.item(key, now=NOW)
    mark = len(world.server.log)

    with pytest.raises(SourceError) as caught:
        await send_reply(world.config, world.store, key, text, now=NOW, template="docs-answer", env=SECRETS)

    message = str(caught.value)
    assert reason in message and "not posted, the draft is kept" in message
    assert "\n" not in message
    assert len(world.writes(mark)) == 1, "a refused reply is sent once"
    draft = world.store.drafts.get(key)
    assert draft is not None and draft.text == text and draft.template == "docs-answer"
    assert draft.error is not None and reason in draft.error
    assert world.thread(key) == before
    assert world.store.item(key, now=NOW)["replies"] == item["replies"]


async def test_a_server_error_is_not_retried_and_the_kept_draft_posts_once_later(world: World, spec: Spec) -> None:
    await world.sync(spec.source)
    key = spec.key(world)
    world.server.fail(lambda r: r.channel == spec.channel and r.method != "GET", 500, times=1)
    mark = len(world.server.log)

    with pytest.raises(SourceError, match="server error 500"):
        await send_reply(world.config, world.store, key, TEXT, now=NOW, env=SECRETS)

    assert len(world.writes(mark)) == 1, "a POST that may have arrived is never sent again"
    draft = world.store.drafts.get(key)
    assert draft is not None and draft.text == TEXT and "server error 500" in (draft.error or "")
    assert world.awaiting(key)

    mark = len(world.server.log)
    outcome = await send_reply(world.config, world.store, key, draft.text, now=NOW, env=SECRETS)
    assert outcome.posted and len(world.writes(mark)) == 1
    assert world.store.drafts.get(key) is None and not world.awaiting(key)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_channel_keeps_the_draft_then_a_retry_posts_once(
        world: World, spec: Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Session, "_backoff", lambda self, attempt: 0.0)  # no real waits between tries
    await world.sync(spec.source)
    key = spec.key(world)
    nowhere = world.variant(spec.source, base_url=f"http://127.0.0.1:{closed_port()}/nothing")
    mark = len(world.server.log)

    with pytest.raises(SourceError, match="cannot connect") as caught:
        await send_reply(nowhere, world.store, key, TEXT, now=NOW, env=SECRETS)

    assert len(world.server.log) == mark
    draft = world.store.drafts.get(key)
    assert draft is not None and draft.text == TEXT and "cannot connect" in (draft.error or "")
    assert caught.value.reason.startswith("not posted, the draft is kept")

    outcome = await send_reply(world.config, world.store, key, draft.text, now=NOW, env=SECRETS)
    assert outcome.posted and len(world.writes(mark)) == 1
    assert world.thread(key)[-1][0] == spec.reply_id(world)
    assert world.store.drafts.get(key) is None


async def test_a_discourse_post_held_for_review_is_sent_not_shown(world: World) -> None:
    await world.sync("forum")
    world.ch.forum.queue_posts = True
    before = world.thread("forum:41")

    outcome = await send_reply(world.config, world.store, "forum:41", TEXT, now=NOW, env=SECRETS)

    assert outcome.posted and outcome.queued
    assert "review" in outcome.message and outcome.url == world.store.item("forum:41", now=NOW)["url"]
    assert [p["raw"] for p in world.ch.forum.pending] == [TEXT]
    assert world.thread("forum:41") == before
    assert world.store.drafts.get("forum:41") is None
    await world.sync("forum")  # nothing shows until a moderator approves it
    assert world.thread("forum:41") == before


@pytest.mark.parametrize("source, key, words", [
    ("so", "so:79100001", "stackexchange replies are posted by hand"),
    ("ideas", "ideas:4001", "uservoice replies are posted by hand"),
    ("gh-unset", "gh:21", "environment variable E2E_GH_TOKEN (named by token_env) is not set"),
    ("gh-write-false", "gh:21", "posting is turned off for source 'gh' (write = false)"),
])
async def test_a_channel_that_cannot_take_the_reply_hands_it_over(world: World, source: str, key: str,
                                                                  words: str) -> None:
    await world.sync(key.split(":")[0])
    config, env = world.config, dict(SECRETS)
    if source == "gh-unset":
        del env["E2E_GH_TOKEN"]
    elif source == "gh-write-false":
        config = world.variant("gh", write=False)
    mark = len(world.server.log)

    outcome = await send_reply(config, world.store, key, TEXT, now=NOW, template="docs-answer", env=env)

    assert not outcome.posted and not outcome.queued
    assert words in outcome.message and "The draft is kept" in outcome.message
    assert outcome.url == world.store.item(key, now=NOW)["url"]
    assert len(world.server.log) == mark, "nothing is sent"
    draft = world.store.drafts.get(key)
    assert draft is not None and draft.text == TEXT and draft.error is None
    assert world.awaiting(key)


# --- the type tag as a channel label ---------------------------------------------------------


@pytest.mark.parametrize("key, method, path, payload, labels", [
    ("gh:21", "POST", "/repos/orchardly/orchard-sync/issues/21/labels", {"labels": ["bug"]}, ["triage", "bug"]),
    ("lab:7", "PUT", "/projects/orchardly%2Forchard-sync/issues/7", {"add_labels": "type::bug"}, ["ui", "type::bug"]),
    ("forum:41", "PUT", "/t/-/41.json", {"tags": ["sync", "bug"]}, ["sync", "bug"]),
])
async def test_the_type_tag_is_written_as_a_label_once(world: World, key: str, method: str, path: str,
                                                       payload: dict, labels: list[str]) -> None:
    source = key.split(":")[0]
    await world.sync(source)
    mark = len(world.server.log)

    said = await write_type_label(world.config, world.store, key, "bug", now=NOW, env=SECRETS)

    [request] = world.writes(mark)
    assert (request.method, request.path) == (method, path)
    assert sent(request) == payload
    label = "type::bug" if source == "lab" else "bug"
    assert said == f"Label {label!r} added on {world.store.item(key, now=NOW)['url']}"
    assert json.loads(world.store.item(key, now=NOW)["labels"]) == labels
    assert world.store.list_items(f"label:{label}", now=NOW)[0]["key"] == key

    mark = len(world.server.log)
    assert await write_type_label(world.config, world.store, key, "bug", now=NOW, env=SECRETS) is None
    assert await write_type_label(world.config, world.store, key, "question", now=NOW, env=SECRETS) is None
    assert len(world.server.log) == mark, "a label it has (or no mapping) sends nothing"

    await world.sync(source)  # the channel has it now: a sync keeps it
    assert json.loads(world.store.item(key, now=NOW)["labels"]) == labels


async def test_a_refused_label_is_a_source_error_and_the_labels_stay(world: World) -> None:
    await world.sync("gh")
    world.server.fail(lambda r: r.path.endswith("/labels"), 403,
                      data={"message": "Resource not accessible by integration", "status": "403"})
    with pytest.raises(SourceError, match="Resource not accessible by integration"):
        await write_type_label(world.config, world.store, "gh:21", "feature", now=NOW, env=SECRETS)
    assert json.loads(world.store.item("gh:21", now=NOW)["labels"]) == ["triage"]
    assert len(world.writes()) == 1


# --- secrets ---------------------------------------------------------------------------------


def secret_forms() -> set[str]:
    values = list(SECRETS.values())
    values.append(base64.b64encode(f"{ZENDESK_EMAIL}/token:{SECRETS['E2E_ZENDESK_TOKEN']}".encode()).decode())
    values.append(base64.b64encode(f"{JIRA_EMAIL}:{SECRETS['E2E_JIRA_TOKEN']}".encode()).decode())
    return {form for value in values for form in (value, quote(value, safe=""), quote_plus(value))}


def credentials(request: Request) -> str:
    """What the request authenticated with, in every form a channel could echo it back:
    the header values, the bare token, a Basic pair decoded, each raw and URL-encoded."""
    values = []
    for name in ("authorization", "private-token", "api-key"):
        value = request.headers.get(name)
        if not value:
            continue
        values.append(value)
        scheme, _, rest = value.partition(" ")
        if scheme == "Basic":
            values += [rest, base64.b64decode(rest).decode()]
        elif scheme == "Bearer":
            values.append(rest)
    return " ".join(sorted({form for v in values for form in (v, quote(v, safe=""), quote_plus(v))}))


async def test_tokens_never_show_in_a_message_or_the_database(world: World) -> None:
    await world.sync("gh", "lab", "forum", "help", "chat", "convo", "so", "ideas")

    class Echo:
        """A channel that refuses every write and echoes the credentials it was sent."""

        def __call__(self, request: Request) -> bool:
            if request.method == "GET":
                return False
            echoed = credentials(request)
            assert echoed, request.headers
            fault.answer.data = {"message": f"rejected {echoed}", "errors": [f"auth {echoed}"],
                                 "ok": False, "error": f"invalid_auth {echoed}"}
            return True

    fault = world.server.fail(Echo(), 422)
    messages = []
    for spec in SPECS:
        with pytest.raises(SourceError) as caught:
            await send_reply(world.config, world.store, spec.key(world), TEXT, now=NOW, env=SECRETS)
        messages.append(str(caught.value))
    with pytest.raises(SourceError) as caught:
        await file_bug(world.config, world.store, "gh:23", now=NOW, env=SECRETS)
    messages.append(str(caught.value))
    world.server.clear_faults()
    with pytest.raises(SourceError) as caught:  # a wrong token is not shown either
        await file_bug(world.config, world.store, "gh:23", now=NOW, env={**SECRETS, "E2E_JIRA_TOKEN": "wr0ngT0ken9"})
    messages.append(str(caught.value))

    assert len(messages) == len(SPECS) + 2
    for message in messages:
        assert "***" in message or "unauthorized" in message
        for form in secret_forms() | {"wr0ngT0ken9"}:
            assert form not in message, (message[:60], form[:6])
    assert all(world.store.drafts.get(spec.key(world)).error for spec in SPECS)
    world.store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    files = list(world.path.glob("inbox.db*"))
    assert files
    for path in files:
        data = path.read_bytes()
        for form in secret_forms():
            assert form.encode() not in data, (path.name, form[:6])


# --- Jira ------------------------------------------------------------------------------------


def texts(node: Any) -> list[str]:
    """Every text node's text in an ADF document, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [t for child in node.get("content", []) for t in texts(child)]
    return []


def nodes(node: Any, kind: str) -> list[dict]:
    if not isinstance(node, dict):
        return []
    return ([node] if node.get("type") == kind else []) + [n for c in node.get("content", []) for n in nodes(c, kind)]


async def test_a_bug_is_filed_in_jira_once_with_the_exact_request(world: World) -> None:
    await world.sync("gh")
    item = world.store.item("gh:23", now=NOW)
    jira_base = world.server.base_url(world.ch.jira)
    mark = len(world.server.log)

    filed = await file_bug(world.config, world.store, "gh:23", now=NOW, env=SECRETS)

    assert (filed.key, filed.url, filed.new) == ("ORCH-1", f"{jira_base}/browse/ORCH-1", True)
    [request] = world.writes(mark)
    assert (request.channel, request.method, request.path) == ("jira", "POST", "/rest/api/3/issue")
    credential = base64.b64encode(f"{JIRA_EMAIL}:{SECRETS['E2E_JIRA_TOKEN']}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credential}"
    fields = sent(request)["fields"]
    assert fields["project"] == {"key": "ORCH"}
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "Restore fails on old archives"
    assert fields["labels"] == ["community", "from-inbox"]
    description = fields["description"]
    assert description["type"] == "doc" and description["version"] == 1
    words = texts(description)
    assert "Reported by fern-ok on GitHub." in words
    assert "Restoring a 2019 archive fails." in words
    [code] = nodes(description, "codeBlock")
    assert texts(code) == [TRACE]
    links = [mark_["attrs"]["href"] for node in nodes(description, "text") for mark_ in node.get("marks", [])
             if mark_["type"] == "link"]
    assert links == [item["url"]]
    assert world.ch.jira.created[0]["key"] == "ORCH-1"
    assert world.store.item("gh:23", now=NOW)["jira_key"] == "ORCH-1"

    mark = len(world.server.log)
    again = await file_bug(world.config, world.store, "gh:23", now=NOW, env=SECRETS)
    assert (again.key, again.url, again.new) == ("ORCH-1", f"{jira_base}/browse/ORCH-1", False)
    assert len(world.server.log) == mark and len(world.ch.jira.created) == 1


async def test_a_long_title_is_cut_the_way_jira_counts(world: World) -> None:
    world.ch.github.add_issue(24, "🍎" * 200, login="fern-ok", created=hours(5))  # 400 UTF-16 units
    await world.sync("gh")
    filed = await file_bug(world.config, world.store, "gh:24", now=NOW, env=SECRETS)
    summary = world.ch.jira.created[0]["fields"]["summary"]
    assert filed.new and len(summary.encode("utf-16-le")) // 2 <= 255 and summary.endswith("…")


async def test_jiras_field_messages_reach_the_user_and_nothing_is_stored(world: World) -> None:
    await world.sync("gh")
    jira = dict(world.data["jira"], project="NOPE", issue_type="Epic")
    mark = len(world.server.log)
    with pytest.raises(SourceError) as caught:
        await file_bug(world.variant(jira=jira), world.store, "gh:23", now=NOW, env=SECRETS)
    message = str(caught.value)
    assert "project: valid project is required" in message
    assert "issuetype: Specify a valid issue type" in message
    assert caught.value.status == 400
    assert len(world.writes(mark)) == 1 and world.ch.jira.created == []
    assert world.store.item("gh:23", now=NOW)["jira_key"] is None


async def test_a_wrong_jira_token_is_a_401_and_a_missing_one_a_config_error(world: World) -> None:
    await world.sync("gh")
    with pytest.raises(SourceError, match="unauthorized") as caught:
        await file_bug(world.config, world.store, "gh:23", now=NOW, env={**SECRETS, "E2E_JIRA_TOKEN": "n0tTheT0ken"})
    assert caught.value.status == 401 and "n0tTheT0ken" not in str(caught.value)
    env = {k: v for k, v in SECRETS.items() if k != "E2E_JIRA_TOKEN"}
    mark = len(world.server.log)
    with pytest.raises(ConfigError, match="E2E_JIRA_TOKEN"):
        await file_bug(world.config, world.store, "gh:23", now=NOW, env=env)
    assert len(world.server.log) == mark
    assert world.store.item("gh:23", now=NOW)["jira_key"] is None


# --- another refusal, and the emulators themselves ----------------------------------------


async def test_slack_channel_not_found_is_said_with_the_hint(world: World) -> None:
    await world.sync("chat")
    world.ch.slack.post_error = "channel_not_found"
    key = f"chat:{world.ch.slack_ts}"
    with pytest.raises(SourceError, match="Slack error channel_not_found: check channel"):
        await send_reply(world.config, world.store, key, TEXT, now=NOW, env=SECRETS)
    assert "channel_not_found" in (world.store.drafts.get(key).error or "")
    assert world.ch.slack.threads.get(world.ch.slack_ts, []) == []


def test_the_loopback_refuses_writes_as_the_apis_do(world: World) -> None:
    """What the adapters never send (they check first) still gets the API's own answer."""
    had = len(world.ch.github.comments)
    gh = {"Authorization": f"Bearer {SECRETS['E2E_GH_TOKEN']}"}
    comments = f"{world.server.base_url(world.ch.github)}/repos/orchardly/orchard-sync/issues/21/comments"
    jira = f"{world.server.base_url(world.ch.jira)}/rest/api/3/issue"
    basic = base64.b64encode(f"{JIRA_EMAIL}:{SECRETS['E2E_JIRA_TOKEN']}".encode()).decode()
    fields = {"project": {"key": "ORCH"}, "issuetype": {"name": "Bug"}, "summary": "Crash"}
    with httpx.Client(trust_env=False) as client:
        empty = client.post(comments, json={"body": "  "}, headers=gh)
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
        long = client.post(comments, json={"body": "x" * 65_537}, headers=gh)
        assert long.status_code == 422 and "65536" in long.json()["errors"][0]["message"]
        assert client.post(comments, json={"body": "x" * 65_536}, headers=gh).status_code == 201
        assert client.post(comments, json={"body": "hi"}).status_code == 401

        def create(extra: dict, auth: str = basic) -> httpx.Response:
            return client.post(jira, json={"fields": {**fields, **extra}}, headers={"Authorization": f"Basic {auth}"})

        assert create({"summary": ""}).json() == {"errorMessages": [],
                                                  "errors": {"summary": "You must specify a summary of the issue."}}
        too_long = create({"summary": "é" * 256}).json()
        assert too_long["errors"] == {"summary": "Summary must be less than 255 characters."}
        empty_text = {"type": "doc", "version": 1,
                      "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}]}
        assert create({"description": empty_text}).json()["errors"].keys() == {"description"}
        assert create({}, auth=base64.b64encode(b"x:y").decode()).status_code == 401
        made = create({"summary": "🍎" * 127})  # 254 UTF-16 units
        assert made.status_code == 201 and made.json()["key"] == "ORCH-1"
        assert made.json()["self"].endswith("/rest/api/3/issue/10001")
    assert len(world.ch.github.comments) == had + 1 and len(world.ch.jira.created) == 1
