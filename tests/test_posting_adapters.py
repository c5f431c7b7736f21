"""Posting a reply (and a type label) back to each channel that takes one.

Every writable channel is held to the same promises: the exact request its API
documents, a reply whose id is the one the next sync will see (so it is updated, not
added twice), the channel's own reason when it refuses, a POST never sent twice after it
may have arrived (a 500 fails at once) but sent again when it surely never left (no
connection), and the user's text sent as text — escaped where the channel reads markup.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from inbox.config import parse
from inbox.errors import SourceError
from inbox.models import Reply
from inbox.sources import registry
from inbox.sources.base import Posted, Source
from inbox.sources.slack import SlackError
from inbox.text.markup import to_html, to_mrkdwn
from inbox.timeutil import iso
from tests.adapter_base import CONTROL, Canned, FakeSleep

TEXT = "Thanks for the report! It is fixed in **2.4.1**: see [the notes](https://orchardly.test/notes?v=2.4.1&lang=en)."
HOSTILE = ("Try this [@click=app.quit] and [b]bold[/b] \x1b[2J\x1b]52;c;ZXZpbA==\x07"
           " <script>alert('x')</script> & <!channel>")
ANSWERED_AT = "2026-03-11T09:05:00Z"
CONNECT = "connect error"  # a response slot that raises httpx.ConnectError instead


# --- the fake channel --------------------------------------------------------------------


class Fake:
    """An httpx.MockTransport handler: answers in turn (the last repeats), records requests."""

    def __init__(self, *answers: Canned | str) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == CONNECT:
            raise httpx.ConnectError("connection refused", request=request)
        return answer.build(request)

    @property
    def sent(self) -> Any:
        [request] = self.requests
        return json.loads(request.content)


# --- each writable channel ---------------------------------------------------------------


@dataclass
class Channel:
    kind: str
    name: str
    options: dict[str, Any]
    env: dict[str, str]
    secret: str
    item: dict[str, Any]
    method: str
    path: str
    """The request's path as sent (URL-encoded)."""
    payload: Callable[[str], Any]
    """The JSON body the channel must get for a reply text."""
    answer: Callable[[str], Canned]
    """The channel's success answer for a reply text."""
    reply_id: str
    url: str
    refusal: Canned
    reason: str
    """What of the channel's reason for refusing must reach the user."""
    auth: Callable[[httpx.Request], None]
    synced: Callable[[Source, str], Reply]
    """The same reply as the sync normalizes it, from what the sync reads."""
    sent_text: Callable[[Any], str] = field(default=lambda body: "")

    def source(self, *, env: dict[str, str] | None = None, drop: tuple[str, ...] = (), **overrides: Any) -> Source:
        options = {k: v for k, v in self.options.items() if k not in drop}
        entry = {"name": self.name, "kind": self.kind, **options, **overrides}
        config = parse({"team": {"staff": []}, "sources": [entry]})
        return registry.build(config.sources[0], config, env=self.env if env is None else env)


async def post(source: Source, fake: Fake, item: dict[str, Any], text: str,
               sleep: FakeSleep | None = None) -> Posted:
    async with source.session(transport=httpx.MockTransport(fake), sleep=sleep or FakeSleep()) as session:
        return await source.post_reply(session, item, text)


async def label(source: Source, fake: Fake, item: dict[str, Any], labels: list[str]) -> list[str]:
    async with source.session(transport=httpx.MockTransport(fake), sleep=FakeSleep()) as session:
        return await source.add_labels(session, item, labels)


def bearer(token: str) -> Callable[[httpx.Request], None]:
    def check(request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {token}"

    return check


# GitHub ----------------------------------------------------------------------------------

GH_TOKEN = "ghp_P0stingTestT0ken5ecret00000000000001"
GH_ITEM = {"key": "orchard:118", "external_id": "118", "title": "Sync stalls after upgrade",
           "url": "https://ghe.orchardly.test/orchardly/orchard-sync/issues/118", "labels": '["sync"]'}


def gh_comment(text: str) -> dict[str, Any]:
    return {
        "id": 3100200300,
        "node_id": "IC_kwDOorchard300",
        "url": "https://ghe.orchardly.test/api/v3/repos/orchardly/orchard-sync/issues/comments/3100200300",
        "html_url": "https://ghe.orchardly.test/orchardly/orchard-sync/issues/118#issuecomment-3100200300",
        "issue_url": "https://ghe.orchardly.test/api/v3/repos/orchardly/orchard-sync/issues/118",
        "user": {"login": "quince-r", "id": 5501, "type": "User"},
        "author_association": "MEMBER",
        "created_at": ANSWERED_AT,
        "updated_at": ANSWERED_AT,
        "body": text,
    }


def gh_auth(request: httpx.Request) -> None:
    bearer(GH_TOKEN)(request)
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"


GITHUB = Channel(
    kind="github", name="orchard",
    options={"repo": "orchardly/orchard-sync", "token_env": "ORCHARD_GITHUB_TOKEN",
             "base_url": "https://ghe.orchardly.test/api/v3"},
    env={"ORCHARD_GITHUB_TOKEN": GH_TOKEN}, secret=GH_TOKEN, item=GH_ITEM,
    method="POST", path="/api/v3/repos/orchardly/orchard-sync/issues/118/comments",
    payload=lambda text: {"body": text},
    answer=lambda text: Canned(201, gh_comment(text)),
    reply_id="3100200300",
    url="https://ghe.orchardly.test/orchardly/orchard-sync/issues/118#issuecomment-3100200300",
    refusal=Canned(422, {"message": "Validation Failed",
                         "errors": [{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
                         "documentation_url": "https://docs.github.com/rest/issues/comments"}),
    reason="IssueComment body missing_field",
    auth=gh_auth,
    synced=lambda source, text: source.normalize_comment(gh_comment(text)),  # the comment stream's normalize
    sent_text=lambda body: body["body"],
)

# GitLab ----------------------------------------------------------------------------------

GL_TOKEN = "glpat-P0stingT0ken5ecret"
GL_ITEM = {"key": "gl:52", "external_id": "52", "title": "Webhook retries forever",
           "url": "https://gitlab.orchardly.test/orchardly/orchard-sync/-/issues/52", "labels": "[]"}


def gl_note(text: str) -> dict[str, Any]:
    return {
        "id": 77123, "type": None, "body": text, "attachment": None,
        "author": {"id": 9, "username": "quince-r", "name": "Quince R", "state": "active"},
        "created_at": "2026-03-11T09:05:00.412Z", "updated_at": "2026-03-11T09:05:00.412Z",
        "system": False, "noteable_id": 90052, "noteable_type": "Issue", "noteable_iid": 52,
        "project_id": 4242, "resolvable": False, "confidential": False, "internal": False,
    }


def gl_synced(source: Source, text: str) -> Reply:
    issue = {"iid": 52, "title": "Webhook retries forever", "description": "It never stops.",
             "author": {"username": "fern-k"}, "state": "opened", "labels": [], "user_notes_count": 1,
             "created_at": "2026-03-10T08:00:00.000Z", "updated_at": "2026-03-11T09:05:00.412Z",
             "web_url": GL_ITEM["url"]}
    [reply] = source.normalize({"issue": issue, "notes": [gl_note(text)]}).thread
    return reply


def gl_auth(request: httpx.Request) -> None:
    assert request.headers["private-token"] == GL_TOKEN


GITLAB = Channel(
    kind="gitlab", name="gl",
    options={"project": "orchardly/orchard-sync", "token_env": "ORCHARD_GITLAB_TOKEN",
             "base_url": "https://gitlab.orchardly.test/api/v4"},
    env={"ORCHARD_GITLAB_TOKEN": GL_TOKEN}, secret=GL_TOKEN, item=GL_ITEM,
    method="POST", path="/api/v4/projects/orchardly%2Forchard-sync/issues/52/notes",
    payload=lambda text: {"body": text},
    answer=lambda text: Canned(201, gl_note(text)),
    reply_id="77123",
    url="https://gitlab.orchardly.test/orchardly/orchard-sync/-/issues/52#note_77123",
    refusal=Canned(400, {"message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"}),
    reason="can't be blank",
    auth=gl_auth,
    synced=gl_synced,
    sent_text=lambda body: body["body"],
)

# Discourse -------------------------------------------------------------------------------

DC_KEY = "d1sc0urseP0stingKey0123456789abcdef0123456789abcdef0123456789ab"
DC_ITEM = {"key": "forum:226", "external_id": "226", "title": "Sync stalls after upgrade",
           "url": "https://forum.orchardly.test/t/sync-stalls-after-upgrade/226", "labels": '["sync"]'}


def dc_post(text: str) -> dict[str, Any]:
    return {
        "id": 9071, "name": "Orchard Inbox", "username": "inbox-bot",
        "avatar_template": "/user_avatar/forum.orchardly.test/inbox-bot/{size}/3_2.png",
        "created_at": "2026-03-11T09:05:00.123Z", "updated_at": "2026-03-11T09:05:00.123Z",
        "cooked": f"<p>{html.escape(text, quote=False)}</p>", "raw": text,
        "post_number": 4, "post_type": 1, "reply_to_post_number": None, "reply_count": 0,
        "topic_id": 226, "topic_slug": "sync-stalls-after-upgrade", "display_username": "Orchard Inbox",
        "version": 1, "yours": True, "moderator": True, "admin": False, "staff": True,
        "user_id": 31, "hidden": False, "trust_level": 2, "deleted_at": None, "wiki": False,
    }


def dc_synced(source: Source, text: str) -> Reply:
    topic = {"id": 226, "title": "Sync stalls after upgrade", "slug": "sync-stalls-after-upgrade",
             "posts_count": 2, "created_at": "2026-03-10T08:00:00.000Z",
             "last_posted_at": "2026-03-11T09:05:00.123Z", "bumped_at": "2026-03-11T09:05:00.123Z",
             "tags": ["sync"], "posters": []}
    opening = {"id": 9001, "username": "fern-k", "cooked": "<p>It stalls.</p>", "post_number": 1,
               "created_at": "2026-03-10T08:00:00.000Z"}
    [reply] = source.normalize({"topic": topic, "users": {}, "posts": [opening, dc_post(text)]}).thread
    return reply


def dc_auth(request: httpx.Request) -> None:
    assert request.headers["api-key"] == DC_KEY
    assert request.headers["api-username"] == "inbox-bot"


DISCOURSE = Channel(
    kind="discourse", name="forum",
    options={"base_url": "https://forum.orchardly.test", "api_key_env": "FORUM_API_KEY",
             "api_username": "inbox-bot"},
    env={"FORUM_API_KEY": DC_KEY}, secret=DC_KEY, item=DC_ITEM,
    method="POST", path="/posts.json",
    payload=lambda text: {"topic_id": 226, "raw": text},
    answer=lambda text: Canned(200, dc_post(text)),
    reply_id="9071",
    url="https://forum.orchardly.test/t/sync-stalls-after-upgrade/226/4",
    refusal=Canned(422, {"action": "create_post", "errors": ["Body is too short (minimum is 20 characters)"]}),
    reason="Body is too short (minimum is 20 characters)",
    auth=dc_auth,
    synced=dc_synced,
    sent_text=lambda body: body["raw"],
)

# Zendesk ---------------------------------------------------------------------------------

ZD_TOKEN = "zdP0stingT0ken5ecretABCDEFGHIJ0123456789"
ZD_EMAIL = "bot@orchardly.test"
ZD_ITEM = {"key": "zd:101", "external_id": "101", "title": "Cannot log in",
           "url": "https://help.orchardly.test/agent/tickets/101", "labels": "[]"}


def zd_comment(text: str) -> dict[str, Any]:
    return {"id": 55501, "type": "Comment", "author_id": 7001, "body": text,
            "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{html.escape(text)}</p></div>',
            "plain_body": text, "public": True, "attachments": [], "audit_id": 88001}


def zd_answer(text: str) -> Canned:
    ticket = {"url": "https://help.orchardly.test/api/v2/tickets/101.json", "id": 101,
              "subject": "Cannot log in", "status": "open", "requester_id": 7100,
              "created_at": "2026-03-10T08:00:00Z", "updated_at": ANSWERED_AT, "tags": []}
    audit = {"id": 88001, "ticket_id": 101, "created_at": ANSWERED_AT, "author_id": 7001,
             "metadata": {"system": {"client": "community-inbox"}, "custom": {}},
             "events": [zd_comment(text),
                        {"id": 55502, "type": "Change", "field_name": "status", "value": "open",
                         "previous_value": "new"}],
             "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}}}
    return Canned(200, {"ticket": ticket, "audit": audit})


def zd_synced(source: Source, text: str) -> Reply:
    ticket = {"id": 101, "subject": "Cannot log in", "description": "It says no.", "status": "open",
              "requester_id": 7100, "created_at": "2026-03-10T08:00:00Z", "updated_at": ANSWERED_AT}
    first = {"id": 55400, "type": "Comment", "author_id": 7100, "body": "It says no.", "public": True,
             "created_at": "2026-03-10T08:00:00Z"}
    comment = {**zd_comment(text), "created_at": ANSWERED_AT}  # as GET .../comments.json lists it
    users = {7100: {"id": 7100, "name": "Fern K", "role": "end-user"},
             7001: {"id": 7001, "name": "Inbox Bot", "role": "agent"}}
    [reply] = source.normalize({"ticket": ticket, "users": users, "comments": [first, comment]}).thread
    return reply


def zd_auth(request: httpx.Request) -> None:
    pair = base64.b64encode(f"{ZD_EMAIL}/token:{ZD_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {pair}"


ZENDESK = Channel(
    kind="zendesk", name="zd",
    options={"base_url": "https://help.orchardly.test", "email": ZD_EMAIL, "token_env": "ORCHARD_ZENDESK_TOKEN"},
    env={"ORCHARD_ZENDESK_TOKEN": ZD_TOKEN}, secret=ZD_TOKEN, item=ZD_ITEM,
    method="PUT", path="/api/v2/tickets/101.json",
    payload=lambda text: {"ticket": {"comment": {"html_body": to_html(text), "public": True}}},
    answer=zd_answer,
    reply_id="55501",
    url="https://help.orchardly.test/agent/tickets/101",
    refusal=Canned(422, {"error": "RecordInvalid", "description": "Record validation errors",
                         "details": {"status": [{"description": "Status: closed prevents ticket update"}]}}),
    reason="closed prevents ticket update",
    auth=zd_auth,
    synced=zd_synced,
    sent_text=lambda body: body["ticket"]["comment"]["html_body"],
)

# Slack -----------------------------------------------------------------------------------

SL_TOKEN = "xoxb-7001-8002-P0stingSlackT0kenSecret"
SL_CHANNEL = "C0ORCHARD"
SL_THREAD = "1773158400.001200"
SL_TS = "1773220000.000300"
SL_ITEM = {"key": f"help:{SL_THREAD}", "external_id": SL_THREAD, "title": "Exports come out empty",
           "url": "https://orchardly.slack.com/archives/C0ORCHARD/p1773158400001200", "labels": "[]"}


def sl_message(text: str) -> dict[str, Any]:
    return {"type": "message", "user": "U0INBOXBOT", "bot_id": "B0INBOX", "app_id": "A0INBOX",
            "text": to_mrkdwn(text), "ts": SL_TS, "thread_ts": SL_THREAD, "parent_user_id": "U0ASKER",
            "team": "T0ORCHARD",
            "bot_profile": {"id": "B0INBOX", "name": "Orchard Inbox", "app_id": "A0INBOX", "deleted": False}}


def sl_synced(source: Source, text: str) -> Reply:
    parent = {"type": "message", "user": "U0ASKER", "text": "Exports come out empty", "ts": SL_THREAD,
              "thread_ts": SL_THREAD, "reply_count": 1, "latest_reply": SL_TS}
    raw = {"message": parent, "users": {}, "workspace": "https://orchardly.slack.com",
           "replies": [sl_message(text)]}
    [reply] = source.normalize(raw).thread
    return reply


SLACK = Channel(
    kind="slack", name="help",
    options={"channel": SL_CHANNEL, "workspace": "orchardly", "token_env": "ORCHARD_SLACK_TOKEN",
             "base_url": "https://slack.orchardly.test/api"},
    env={"ORCHARD_SLACK_TOKEN": SL_TOKEN}, secret=SL_TOKEN, item=SL_ITEM,
    method="POST", path="/api/chat.postMessage",
    payload=lambda text: {"channel": SL_CHANNEL, "text": to_mrkdwn(text), "thread_ts": SL_THREAD},
    answer=lambda text: Canned(200, {"ok": True, "channel": SL_CHANNEL, "ts": SL_TS, "message": sl_message(text)}),
    reply_id=SL_TS,
    url=f"https://orchardly.slack.com/archives/C0ORCHARD/p1773220000000300?thread_ts={SL_THREAD}&cid=C0ORCHARD",
    refusal=Canned(200, {"ok": False, "error": "not_in_channel"}),  # Slack refuses at HTTP 200
    reason="not_in_channel",
    auth=bearer(SL_TOKEN),
    synced=sl_synced,
    sent_text=lambda body: body["text"],
)

# Intercom --------------------------------------------------------------------------------

IC_TOKEN = "dG9rOlBvc3RpbmdfdGVzdF9pbnRlcmNvbV90b2tlbjoxOjA="
IC_ADMIN = "4242001"
IC_ITEM = {"key": "support:215", "external_id": "215", "title": "Billing question",
           "url": "https://app.intercom.com/a/inbox/_/inbox/conversation/215", "labels": "[]"}


def ic_part(text: str) -> dict[str, Any]:
    return {"type": "conversation_part", "id": "8800123", "part_type": "comment", "body": to_html(text),
            "created_at": 1773219900, "updated_at": 1773219900, "notified_at": 1773219900,
            "assigned_to": None, "attachments": [], "external_id": None, "redacted": False,
            "author": {"type": "admin", "id": IC_ADMIN, "name": "Quince R", "email": "quince@orchardly.test"}}


def ic_answer(text: str) -> Canned:
    asked = {"type": "conversation_part", "id": "8800100", "part_type": "comment",
             "body": "<p>Why was I charged twice?</p>", "created_at": 1773130000,
             "author": {"type": "user", "id": "65f0c0ffee", "name": "Fern K", "email": "fern@example.test"}}
    return Canned(200, {
        "type": "conversation", "id": "215", "created_at": 1773120000, "updated_at": 1773219900,
        "waiting_since": None, "state": "open", "open": True, "title": None,
        "source": {"type": "conversation", "id": "403918400", "delivered_as": "customer_initiated",
                   "body": "<p>Billing question</p>",
                   "author": {"type": "user", "id": "65f0c0ffee", "name": "Fern K"}},
        "conversation_parts": {"type": "conversation_part.list", "total_count": 2,
                               "conversation_parts": [asked, ic_part(text)]},
    })


def ic_auth(request: httpx.Request) -> None:
    bearer(IC_TOKEN)(request)
    assert request.headers["intercom-version"] == "2.11"


INTERCOM = Channel(
    kind="intercom", name="support",
    options={"token_env": "ORCHARD_INTERCOM_TOKEN", "base_url": "https://intercom.orchardly.test",
             "admin_id": IC_ADMIN},
    env={"ORCHARD_INTERCOM_TOKEN": IC_TOKEN}, secret=IC_TOKEN, item=IC_ITEM,
    method="POST", path="/conversations/215/reply",
    payload=lambda text: {"message_type": "comment", "type": "admin", "admin_id": IC_ADMIN, "body": to_html(text)},
    answer=ic_answer,
    reply_id="8800123",
    url="https://app.intercom.com/a/inbox/_/inbox/conversation/215",
    refusal=Canned(400, {"type": "error.list", "request_id": "req-0001",
                         "errors": [{"code": "parameter_invalid", "message": "Admin is not a teammate here"}]}),
    reason="parameter_invalid: Admin is not a teammate here",
    auth=ic_auth,
    synced=lambda source, text: source.normalize_part(ic_part(text)),  # the sync reads no Intercom thread
    sent_text=lambda body: body["body"],
)

CHANNELS = [GITHUB, GITLAB, DISCOURSE, ZENDESK, SLACK, INTERCOM]
each_channel = pytest.mark.parametrize("channel", CHANNELS, ids=[c.kind for c in CHANNELS])


# --- what every writable channel does ----------------------------------------------------


@each_channel
async def test_a_reply_is_posted_with_the_exact_request(channel: Channel) -> None:
    fake = Fake(channel.answer(TEXT))

    posted = await post(channel.source(), fake, channel.item, TEXT)

    [request] = fake.requests
    assert request.method == channel.method
    assert request.url.raw_path.decode() == channel.path
    assert str(request.url).startswith(channel.options["base_url"] + "/")
    channel.auth(request)
    assert request.headers["user-agent"].startswith("community-inbox/")
    assert request.headers["content-type"] == "application/json"
    assert fake.sent == channel.payload(TEXT)
    assert posted.url == channel.url and posted.queued is False
    assert posted.reply is not None


@each_channel
async def test_the_posted_reply_has_the_id_and_body_the_sync_will_see(channel: Channel) -> None:
    source = channel.source()
    posted = await post(source, Fake(channel.answer(TEXT)), channel.item, TEXT)

    synced = channel.synced(source, TEXT)
    assert posted.reply.external_id == synced.external_id == channel.reply_id
    assert posted.reply.body == synced.body
    assert posted.reply.author and posted.reply.created_at.utcoffset().total_seconds() == 0
    assert iso(posted.reply.created_at) == iso(synced.created_at)


@each_channel
async def test_a_refusal_says_the_channels_reason(channel: Channel) -> None:
    fake = Fake(channel.refusal)

    with pytest.raises(SourceError) as raised:
        await post(channel.source(), fake, channel.item, TEXT)

    assert raised.value.source == channel.name
    assert channel.reason in raised.value.reason
    assert len(fake.requests) == 1


@each_channel
async def test_a_refusal_that_echoes_the_token_never_shows_it(channel: Channel) -> None:
    echo = Canned(422, {"message": f"token {channel.secret} may not post", "ok": False,
                        "error": f"invalid_auth {channel.secret}"})

    with pytest.raises(SourceError) as raised:
        await post(channel.source(), Fake(echo), channel.item, TEXT)

    assert channel.secret not in str(raised.value)


@each_channel
async def test_a_server_error_is_not_retried_so_nothing_posts_twice(channel: Channel) -> None:
    fake = Fake(Canned(500, {"message": "Internal Server Error"}), channel.answer(TEXT))
    sleep = FakeSleep()

    with pytest.raises(SourceError) as raised:
        await post(channel.source(), fake, channel.item, TEXT, sleep)

    assert "500" in raised.value.reason
    assert len(fake.requests) == 1 and sleep.calls == []
    assert channel.secret not in str(raised.value)


@each_channel
async def test_a_reply_that_never_left_is_sent_again(channel: Channel) -> None:
    fake = Fake(CONNECT, channel.answer(TEXT))
    sleep = FakeSleep()

    posted = await post(channel.source(), fake, channel.item, TEXT, sleep)

    assert len(fake.requests) == 2 and len(sleep.calls) == 1
    assert posted.reply.external_id == channel.reply_id


@each_channel
async def test_a_timeout_after_sending_is_not_retried(channel: Channel) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        fake.requests.append(request)
        raise httpx.ReadTimeout("no answer", request=request)

    fake = Fake(channel.answer(TEXT))
    source = channel.source()
    with pytest.raises(SourceError, match="may have gone through"):
        async with source.session(transport=httpx.MockTransport(slow), sleep=FakeSleep()) as session:
            await source.post_reply(session, channel.item, TEXT)
    assert len(fake.requests) == 1


@each_channel
async def test_hostile_text_is_sent_as_the_users_text(channel: Channel) -> None:
    fake = Fake(channel.answer(HOSTILE))

    posted = await post(channel.source(), fake, channel.item, HOSTILE)

    sent = channel.sent_text(fake.sent)
    if channel.kind in ("slack", "intercom", "zendesk"):
        # markup channels: the user's brackets and ampersands are text, not markup
        assert "<script>" not in sent and "&lt;script&gt;" in sent
        assert "<!channel>" not in sent and "&lt;!channel&gt;" in sent
        assert "&amp;" in sent and "[@click=app.quit]" in sent
    else:
        assert sent == HOSTILE
    body = posted.reply.body
    assert not CONTROL.search(body.replace("\n", "").replace("\t", "")), repr(body)
    assert "[@click=app.quit]" in body


@each_channel
def test_a_source_with_its_token_can_post(channel: Channel) -> None:
    source = channel.source()
    assert source.writable is True
    assert source.cannot_post() is None


@each_channel
def test_without_a_token_or_with_write_false_it_says_why_not(channel: Channel) -> None:
    without = channel.source(env={}).cannot_post()
    assert without and channel.name in without

    turned_off = channel.source(write=False).cannot_post()
    assert turned_off == f"posting is turned off for source {channel.name!r} (write = false)"


@pytest.mark.parametrize("kind, options, env", [
    ("stackexchange", {"site": "stackoverflow", "tagged": ["orchard-sync"], "key_env": "SO_KEY"},
     {"SO_KEY": "Xo0rch4rdK3y"}),
    ("uservoice", {"base_url": "https://ideas.orchardly.test", "client_id": "orchard-inbox",
                   "secret_env": "UV_SECRET"}, {"UV_SECRET": "uvCl1ent5ecret"}),
])
def test_stack_exchange_and_uservoice_replies_are_posted_by_hand(kind: str, options: dict, env: dict) -> None:
    config = parse({"sources": [{"name": kind, "kind": kind, **options}]})
    source = registry.build(config.sources[0], config, env=env)

    assert source.writable is False and source.labelable is False
    assert source.cannot_post() == f"{kind} replies are posted by hand"


def test_only_github_gitlab_and_discourse_take_labels() -> None:
    assert {kind for kind, cls in registry.KINDS.items() if cls.labelable} == {"github", "gitlab", "discourse"}
    assert {kind for kind, cls in registry.KINDS.items() if cls.writable} == {c.kind for c in CHANNELS}


# --- GitHub ------------------------------------------------------------------------------


async def test_github_refuses_a_reply_over_65536_characters_before_sending() -> None:
    fake = Fake(GITHUB.answer("x"))

    with pytest.raises(SourceError) as raised:
        await post(GITHUB.source(), fake, GH_ITEM, "x" * 65_537)

    assert raised.value.reason == "the reply is 65,537 characters; GitHub takes at most 65,536"
    assert fake.requests == []

    await post(GITHUB.source(), fake, GH_ITEM, "x" * 65_536)
    assert len(fake.requests) == 1


async def test_github_adds_labels_and_returns_all_of_them() -> None:
    answer = Canned(200, [{"id": 1001, "name": "sync", "color": "ededed", "default": False},
                          {"id": 1002, "name": "Bug", "color": "d73a4a", "default": True}])
    fake = Fake(answer)

    labels = await label(GITHUB.source(), fake, GH_ITEM, ["Bug"])

    [request] = fake.requests
    assert request.method == "POST"
    assert request.url.path == "/api/v3/repos/orchardly/orchard-sync/issues/118/labels"
    gh_auth(request)
    assert fake.sent == {"labels": ["Bug"]}
    assert labels == ["sync", "Bug"]


async def test_github_label_refusal_names_the_reason() -> None:
    refusal = Canned(422, {"message": "Validation Failed",
                           "errors": [{"resource": "Label", "code": "invalid", "field": "name"}]})
    with pytest.raises(SourceError, match="Label name invalid"):
        await label(GITHUB.source(), Fake(refusal), GH_ITEM, ["Bug"])


# --- GitLab ------------------------------------------------------------------------------


async def test_gitlab_text_of_only_quick_actions_creates_no_note_and_says_so() -> None:
    fake = Fake(Canned(202, {"commands_changes": {"state_event": "close"}, "summary": ["Closed this issue."]}))

    with pytest.raises(SourceError) as raised:
        await post(GITLAB.source(), fake, GL_ITEM, "/close")

    assert "quick actions" in raised.value.reason and "no note" in raised.value.reason
    assert "Closed this issue." in raised.value.reason
    assert len(fake.requests) == 1


async def test_gitlab_adds_labels_and_returns_all_of_them() -> None:
    issue = {"id": 90052, "iid": 52, "title": "Webhook retries forever", "state": "opened",
             "labels": ["sync", "Bug", "Feature Proposal"], "web_url": GL_ITEM["url"]}
    fake = Fake(Canned(200, issue))

    labels = await label(GITLAB.source(), fake, GL_ITEM, ["Bug", "Feature Proposal"])

    [request] = fake.requests
    assert request.method == "PUT"
    assert request.url.raw_path.decode() == "/api/v4/projects/orchardly%2Forchard-sync/issues/52"
    gl_auth(request)
    assert fake.sent == {"add_labels": "Bug,Feature Proposal"}
    assert labels == ["sync", "Bug", "Feature Proposal"]


async def test_gitlab_project_id_is_used_as_given() -> None:
    fake = Fake(GITLAB.answer(TEXT))
    await post(GITLAB.source(project="4242"), fake, GL_ITEM, TEXT)
    assert fake.requests[0].url.raw_path.decode() == "/api/v4/projects/4242/issues/52/notes"


# --- Discourse ---------------------------------------------------------------------------


async def test_discourse_post_held_for_review_is_queued_not_failed() -> None:
    fake = Fake(Canned(200, {"action": "enqueued", "pending_count": 1,
                             "pending_post": {"id": 12, "raw": TEXT, "created_at": ANSWERED_AT}}))

    posted = await post(DISCOURSE.source(), fake, DC_ITEM, TEXT)

    assert posted == Posted(reply=None, url=DC_ITEM["url"], queued=True)


async def test_discourse_tags_keep_the_ones_the_topic_has() -> None:
    answer = Canned(200, {"basic_topic": {"id": 226, "title": "Sync stalls after upgrade",
                                          "slug": "sync-stalls-after-upgrade", "posts_count": 4},
                          "tags": [{"id": 3, "name": "sync", "slug": "sync"},
                                   {"id": 8, "name": "bug", "slug": "bug"}]})
    fake = Fake(answer)

    tags = await label(DISCOURSE.source(), fake, DC_ITEM, ["bug"])

    [request] = fake.requests
    assert request.method == "PUT" and request.url.path == "/t/-/226.json"
    dc_auth(request)
    assert fake.sent == {"tags": ["sync", "bug"]}  # the PUT replaces: the old tag goes along
    assert tags == ["sync", "bug"]


async def test_discourse_tags_from_an_older_forum_that_answers_without_them() -> None:
    answer = Canned(200, {"basic_topic": {"id": 226, "title": "Sync stalls after upgrade",
                                          "slug": "sync-stalls-after-upgrade", "posts_count": 4}})
    item = {**DC_ITEM, "labels": ["sync", "help"]}  # a row whose labels are already a list

    tags = await label(DISCOURSE.source(), Fake(answer), item, ["bug", "bug"])

    assert tags == ["sync", "help", "bug"]


async def test_discourse_tag_it_already_has_sends_nothing() -> None:
    fake = Fake(Canned(500, {}))
    assert await label(DISCOURSE.source(), fake, DC_ITEM, ["Sync"]) == ["sync"]
    assert fake.requests == []


async def test_discourse_tag_refusal_names_the_reason() -> None:
    refusal = Canned(422, {"errors": ["You can't use the tag 'bug' in this category"], "error_type": "invalid"})
    with pytest.raises(SourceError, match="can't use the tag 'bug'"):
        await label(DISCOURSE.source(), Fake(refusal), DC_ITEM, ["bug"])


# --- Zendesk -----------------------------------------------------------------------------


async def test_zendesk_reply_leaves_the_status_alone_and_is_public() -> None:
    fake = Fake(ZENDESK.answer(TEXT))

    posted = await post(ZENDESK.source(), fake, ZD_ITEM, TEXT)

    assert "status" not in fake.sent["ticket"]
    assert fake.sent["ticket"]["comment"]["public"] is True
    assert posted.reply.author == ZD_EMAIL  # until the next sync names the agent


async def test_zendesk_answer_without_a_comment_says_to_check_first() -> None:
    answer = Canned(200, {"ticket": {"id": 101}, "audit": {"id": 1, "events": [{"type": "Change", "id": 2}]}})
    with pytest.raises(SourceError, match="check the ticket"):
        await post(ZENDESK.source(), Fake(answer), ZD_ITEM, TEXT)


# --- Slack -------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, hint", [
    ({"ok": False, "error": "not_in_channel"}, "/invite"),
    ({"ok": False, "error": "channel_not_found"}, "channel id"),
    ({"ok": False, "error": "missing_scope", "needed": "chat:write", "provided": "channels:history"},
     "needs chat:write"),
    ({"ok": False, "error": "is_archived"}, "archived"),
    ({"ok": False, "error": "msg_too_long"}, "too long"),
    ({"ok": False, "error": "fatal_error"}, "api.slack.com/methods/chat.postMessage"),
])
async def test_slack_ok_false_is_an_error_naming_the_code(answer: dict, hint: str) -> None:
    fake = Fake(Canned(200, answer))

    with pytest.raises(SlackError) as raised:
        await post(SLACK.source(), fake, SL_ITEM, TEXT)

    assert raised.value.code == answer["error"]
    assert answer["error"] in raised.value.reason and hint in raised.value.reason
    assert str(raised.value).startswith("help: chat.postMessage: ")
    assert len(fake.requests) == 1


async def test_slack_markdown_becomes_mrkdwn() -> None:
    fake = Fake(SLACK.answer(TEXT))
    text = "**Fixed** in [v2.1](https://orchardly.test/r?a=1&b=2), see `a<b>` & ~~old~~ *notes*"

    await post(SLACK.source(), fake, SL_ITEM, text)

    assert fake.sent["text"] == ("*Fixed* in <https://orchardly.test/r?a=1&amp;b=2|v2.1>, see `a&lt;b&gt;`"
                                 " &amp; ~old~ _notes_")


async def test_slack_without_a_workspace_links_the_thread_and_asks_nothing_more() -> None:
    fake = Fake(SLACK.answer(TEXT))

    posted = await post(SLACK.source(drop=("workspace",)), fake, SL_ITEM, TEXT)

    assert posted.url == SL_ITEM["url"]
    assert [r.url.path for r in fake.requests] == ["/api/chat.postMessage"]


async def test_slack_reply_is_by_the_app_until_a_sync_names_it() -> None:
    posted = await post(SLACK.source(), Fake(SLACK.answer(TEXT)), SL_ITEM, TEXT)
    assert posted.reply.author == "Orchard Inbox"


# --- Intercom ----------------------------------------------------------------------------


def test_intercom_without_admin_id_says_to_set_it() -> None:
    source = INTERCOM.source(drop=("admin_id",))
    assert source.cannot_post() == ("set admin_id = \"…\" on source 'support' to post replies "
                                    "(the teammate replies are sent as)")
    assert INTERCOM.source(drop=("admin_id",), write=False).cannot_post().startswith("posting is turned off")
    assert INTERCOM.source(admin_id=4242001).cannot_post() is None


async def test_intercom_without_admin_id_sends_nothing() -> None:
    fake = Fake(INTERCOM.answer(TEXT))
    with pytest.raises(SourceError, match="admin_id"):
        await post(INTERCOM.source(drop=("admin_id",)), fake, IC_ITEM, TEXT)
    assert fake.requests == []


async def test_intercom_numeric_admin_id_is_sent_as_a_string() -> None:
    fake = Fake(INTERCOM.answer(TEXT))
    await post(INTERCOM.source(admin_id=4242001), fake, IC_ITEM, TEXT)
    assert fake.sent["admin_id"] == "4242001"


async def test_intercom_markdown_becomes_simple_safe_html() -> None:
    fake = Fake(INTERCOM.answer(TEXT))
    text = ("Hi **Fern**,\nthe fix is out.\n\nSee [the notes](https://orchardly.test/n?a=1&b=2)"
            " but not [this](javascript:alert(1)) <b>x</b>")

    posted = await post(INTERCOM.source(), fake, IC_ITEM, text)

    assert fake.sent["body"] == (
        "<p>Hi <strong>Fern</strong>,<br>the fix is out.</p>"
        '<p>See <a href="https://orchardly.test/n?a=1&amp;b=2">the notes</a>'
        " but not [this](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;</p>")
    assert posted.reply.author == "Quince R" and posted.reply.author_is_staff


async def test_intercom_reply_is_the_admins_newest_part() -> None:
    answer = ic_answer(TEXT)
    parts = answer.data["conversation_parts"]["conversation_parts"]
    parts.append({"type": "conversation_part", "id": "8800124", "part_type": "assignment", "body": None,
                  "created_at": 1773219901, "author": {"type": "bot", "id": "1", "name": "Operator"}})

    posted = await post(INTERCOM.source(), Fake(answer), IC_ITEM, TEXT)

    assert posted.reply.external_id == "8800123"


# --- markup ------------------------------------------------------------------------------


@pytest.mark.parametrize("markdown, mrkdwn", [
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
    ("**bold** and __also__", "*bold* and *also*"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("[docs](https://x.test/a|b)", "<https://x.test/a%7Cb|docs>"),
    ("<https://x.test>", "<https://x.test>"),
    ("# Title", "*Title*"),
    ("```py\nif a < b and **c**:\n```", "```\nif a &lt; b and **c**:\n```"),
    ("<!here> <@U123>", "&lt;!here&gt; &lt;@U123&gt;"),
])
def test_to_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


@pytest.mark.parametrize("markdown, markup", [
    ("one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"),
    ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
    ("`<i>`", "<p><code>&lt;i&gt;</code></p>"),
    ('[x"y](https://x.test/"q)', '<p><a href="https://x.test/%22q">x&quot;y</a></p>'),
    ("> quoted", "<blockquote><p>quoted</p></blockquote>"),
    ("```\n<script>\n```", "<pre><code>&lt;script&gt;\n</code></pre>"),
])
def test_to_html(markdown: str, markup: str) -> None:
    assert to_html(markdown) == markup
