"""Assigning writes the assignee to the channel, where the channel has assignees.

GitHub and GitLab issues and Zendesk tickets get the person's login (their email for a
Zendesk agent) from `[people.NAME]`; unassigning takes it off. The adapters are held to
the exact requests on fixtures written here (`httpx.MockTransport`), then the whole path
runs over real HTTP against the loopback channels: `inbox triage --assign` and the TUI's
`a`. A refusal (403, 404, 422, an unknown login, no token, no network) is one line and
the inbox's assignment stands; channels without assignees keep it local and say nothing.
"""

from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox.cli import main
from inbox.config import parse
from inbox.errors import SourceError
from inbox.sources import registry
from inbox.sources.base import Source
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.item_list import ItemList
from inbox.workspace import Workspace
from tests.adapter_base import Canned, FakeChannel, FakeSleep
from tests.loopback import GitHubAPI, GitLabAPI, Loopback, StackExchangeAPI, ZendeskAPI
from tests.pilot_helpers import settle

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 5, 6, 9, 0, tzinfo=timezone.utc)
SECRETS = {
    "ASSIGN_GH_TOKEN": "ghp_AssignTestTok3n000000000000000000000051",
    "ASSIGN_GITLAB_TOKEN": "glpat-AssignTestTok3n_0123456789",
    "ASSIGN_ZENDESK_TOKEN": "zdAssignTestTok3n0123456789abcdefABCDEF",
    "ASSIGN_SO_KEY": "AssignS0K3y((q",
}
ZENDESK_EMAIL = "desk-bot@quillpress.test"
PEOPLE = {
    "wren": {"github": "wren-codes", "gitlab": "wren.w", "zendesk": "wren@quillpress.test"},
    "otto": {"github": "otto-k", "gitlab": "otto", "zendesk": "otto@quillpress.test"},
    "juno": {"github": "juno-gh"},  # nobody on GitLab or Zendesk
}


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


# --- the adapters, on fixtures ------------------------------------------------------------------


def adapter(kind: str, **options: Any) -> Source:
    entries = {
        "github": {"repo": "quillpress/quill", "token_env": "ASSIGN_GH_TOKEN"},
        "gitlab": {"project": "quillpress/quill-desktop", "token_env": "ASSIGN_GITLAB_TOKEN"},
        "zendesk": {"subdomain": "quillpress", "email": ZENDESK_EMAIL, "token_env": "ASSIGN_ZENDESK_TOKEN"},
    }
    config = parse({"team": {"staff": []}, "sources": [{"name": "src", "kind": kind, **entries[kind], **options}]})
    return registry.build(config.sources[0], config, env=SECRETS)


async def assign(source: Source, fake: FakeChannel, item: dict[str, Any], login: str | None,
                 previous: str | None = None, sleep: FakeSleep | None = None) -> bool:
    async with source.session(transport=fake.transport(), sleep=sleep or FakeSleep()) as session:
        return await source.set_assignee(session, item, login, previous)


def gh_issue(number: int, *logins: str) -> dict[str, Any]:
    """An issue as GitHub answers an assignees call: the whole issue, assignees as users."""
    users = [{"login": login, "id": 71_000 + len(login), "type": "User", "site_admin": False} for login in logins]
    return {"number": number, "title": "Footnotes vanish on export", "state": "open",
            "assignee": users[0] if users else None, "assignees": users, "labels": [],
            "html_url": f"https://github.com/quillpress/quill/issues/{number}"}


GH_ITEM = {"key": "src:88", "external_id": "88", "url": "https://github.com/quillpress/quill/issues/88"}
GH_PATH = "/repos/quillpress/quill/issues/88/assignees"


def github_assignees(*start: str, assignable: tuple[str, ...] = ("wren-codes", "otto-k", "pat-ext")):
    """Answers POST (adds what may be assigned) and DELETE (takes off) as GitHub does."""
    have = list(start)

    def answer(request: httpx.Request) -> Canned:
        logins = json.loads(request.content)["assignees"]
        if request.method == "POST":
            have.extend(login for login in logins if login in assignable and login not in have)
            return Canned(201, gh_issue(88, *have))
        have[:] = [login for login in have if login not in logins]
        return Canned(200, gh_issue(88, *have))

    return answer, have


async def test_github_adds_the_new_assignee_then_takes_the_previous_one_off() -> None:
    fake = FakeChannel()
    answer, have = github_assignees("otto-k", "pat-ext")  # pat-ext was assigned on GitHub itself
    fake.on(GH_PATH, answer)
    assert await assign(adapter("github"), fake, GH_ITEM, "wren-codes", previous="otto-k") is True
    assert [(r.method, json.loads(r.content)) for r in fake.requests] == [
        ("POST", {"assignees": ["wren-codes"]}), ("DELETE", {"assignees": ["otto-k"]})]
    assert all(r.headers["authorization"] == f"Bearer {SECRETS['ASSIGN_GH_TOKEN']}" for r in fake.requests)
    assert have == ["pat-ext", "wren-codes"]


async def test_github_unassigning_takes_off_only_who_the_inbox_assigned() -> None:
    fake = FakeChannel()
    answer, have = github_assignees("otto-k", "pat-ext")
    fake.on(GH_PATH, answer)
    assert await assign(adapter("github"), fake, GH_ITEM, None, previous="otto-k") is True
    assert [r.method for r in fake.requests] == ["DELETE"] and have == ["pat-ext"]
    assert await assign(adapter("github"), fake, GH_ITEM, None, previous=None) is False  # nobody to take off
    assert len(fake.requests) == 1


async def test_github_dropping_a_login_without_a_word_is_a_refusal() -> None:
    """GitHub answers 201 but leaves out a login it cannot assign: that is said, not hidden."""
    fake = FakeChannel()
    answer, _ = github_assignees()
    fake.on(GH_PATH, answer)
    with pytest.raises(SourceError) as caught:
        await assign(adapter("github"), fake, GH_ITEM, "stranger-99")
    assert "GitHub did not assign stranger-99" in caught.value.reason and caught.value.status == 422


@pytest.mark.parametrize("status, data, words", [
    (403, {"message": "Resource not accessible by integration", "status": "403"},
     ("forbidden", "Resource not accessible by integration")),
    (404, {"message": "Not Found", "status": "404"}, ("not found",)),
    (422, {"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "invalid",
                                                       "field": "assignees"}]}, ("Validation Failed", "assignees")),
])
async def test_a_github_refusal_is_one_line_with_its_reason_and_no_token(status, data, words) -> None:
    fake = FakeChannel()
    fake.on(GH_PATH, Canned(status, data))
    with pytest.raises(SourceError) as caught:
        await assign(adapter("github"), fake, GH_ITEM, "wren-codes")
    message = str(caught.value)
    assert all(word in message for word in words), message
    assert "\n" not in message and SECRETS["ASSIGN_GH_TOKEN"][:8] not in message
    assert len(fake.requests) == 1  # a refusal is not tried again


async def test_setting_an_assignee_is_tried_again_after_a_server_error() -> None:
    """Unlike a reply, an assignment sent twice does no harm: a 502 is retried, then it holds."""
    fake = FakeChannel()
    answer, have = github_assignees()
    fake.on(GH_PATH, Canned(502, {"message": "Bad gateway"}), answer)
    sleep = FakeSleep()
    assert await assign(adapter("github"), fake, GH_ITEM, "wren-codes", sleep=sleep) is True
    assert len(fake.requests) == 2 and have == ["wren-codes"] and sleep.calls


async def test_no_credential_follows_a_redirect_to_another_server() -> None:
    fake = FakeChannel()
    fake.on(GH_PATH, Canned(307, None, {"Location": "https://elsewhere.test/steal"}))
    with pytest.raises(SourceError, match="another server"):
        await assign(adapter("github"), fake, GH_ITEM, "wren-codes")
    assert [r.url.host for r in fake.requests] == ["api.github.com"]


GL_ITEM = {"key": "src:31", "external_id": "31", "url": "https://gitlab.com/quillpress/quill-desktop/-/issues/31"}
GL_ISSUE = "/api/v4/projects/quillpress/quill-desktop/issues/31"  # httpx shows the path decoded


def gl_user(user_id: int, username: str) -> dict[str, Any]:
    return {"id": user_id, "username": username, "name": username.title(), "state": "active"}


def gl_issue(*users: dict[str, Any]) -> dict[str, Any]:
    return {"iid": 31, "title": "Spellcheck ignores Welsh", "state": "opened", "assignees": list(users),
            "assignee": users[0] if users else None, "labels": []}


def gitlab_issue(*start: dict[str, Any], known: tuple[dict[str, Any], ...]) -> tuple[Any, list]:
    """GET answers the issue; PUT sets `assignee_ids`, leaving out ids it does not know."""
    have = list(start)

    def answer(request: httpx.Request) -> Canned:
        if request.method == "PUT":
            ids = json.loads(request.content)["assignee_ids"]
            have[:] = [user for wanted in ids for user in known if user["id"] == wanted]
        return Canned(200, gl_issue(*have))

    return answer, have


async def test_gitlab_looks_the_user_up_and_keeps_the_other_assignees() -> None:
    wren, otto, pat = gl_user(501, "wren.w"), gl_user(502, "otto"), gl_user(503, "pat")
    fake = FakeChannel()
    users = fake.on("/api/v4/users", Canned(200, [wren]), username="wren.w")
    answer, have = gitlab_issue(otto, pat, known=(wren, otto, pat))
    fake.on(GL_ISSUE, answer)
    assert await assign(adapter("gitlab"), fake, GL_ITEM, "wren.w", previous="otto") is True
    assert len(users.hits) == 1
    put = [r for r in fake.requests if r.method == "PUT"]
    assert [json.loads(r.content) for r in put] == [{"assignee_ids": [501, 503]}]  # the new one first
    assert put[0].headers["private-token"] == SECRETS["ASSIGN_GITLAB_TOKEN"]
    assert have == [wren, pat]


async def test_gitlab_unassigning_and_already_assigned() -> None:
    wren, pat = gl_user(501, "wren.w"), gl_user(503, "pat")
    fake = FakeChannel()
    fake.on("/api/v4/users", Canned(200, [wren]), username="wren.w")
    answer, have = gitlab_issue(wren, pat, known=(wren, pat))
    fake.on(GL_ISSUE, answer)
    assert await assign(adapter("gitlab"), fake, GL_ITEM, "wren.w") is False  # already so: no PUT
    assert not [r for r in fake.requests if r.method == "PUT"]
    assert await assign(adapter("gitlab"), fake, GL_ITEM, None, previous="wren.w") is True
    assert json.loads(fake.requests[-1].content) == {"assignee_ids": [503]} and have == [pat]


async def test_gitlab_unknown_user_and_a_user_it_will_not_assign() -> None:
    fake = FakeChannel()
    fake.on("/api/v4/users", Canned(200, []))
    fake.on(GL_ISSUE, Canned(200, gl_issue()))
    with pytest.raises(SourceError, match="no GitLab user 'ghost-writer'"):
        await assign(adapter("gitlab"), fake, GL_ITEM, "ghost-writer")
    assert [r.method for r in fake.requests] == ["GET"]

    outsider = gl_user(777, "outsider")
    fake = FakeChannel()
    fake.on("/api/v4/users", Canned(200, [outsider]))
    answer, _ = gitlab_issue(known=())  # not a member: GitLab leaves the id out
    fake.on(GL_ISSUE, answer)
    with pytest.raises(SourceError, match="GitLab did not assign outsider"):
        await assign(adapter("gitlab"), fake, GL_ITEM, "outsider")


ZD_ITEM = {"key": "src:4410", "external_id": "4410", "url": "https://quillpress.zendesk.com/agent/tickets/4410"}
ZD_TICKET = "/api/v2/tickets/4410.json"


def zd_user(user_id: int, email: str, role: str) -> dict[str, Any]:
    return {"id": user_id, "name": email.split("@")[0].title(), "email": email, "role": role, "active": True}


def zendesk_ticket() -> tuple[Any, dict]:
    ticket = {"id": 4410, "status": "open", "assignee_id": 9001, "subject": "Invoice shows old plan"}

    def answer(request: httpx.Request) -> Canned:
        ticket["assignee_id"] = json.loads(request.content)["ticket"]["assignee_id"]
        return Canned(200, {"ticket": dict(ticket), "audit": {"id": 1, "events": []}})

    return answer, ticket


async def test_zendesk_assigns_the_agent_with_that_email() -> None:
    fake = FakeChannel()
    search = fake.on("/api/v2/users/search.json", Canned(200, {"users": [
        zd_user(8001, "wren@quillpress.test.example", "agent"),  # a longer address the search also finds
        zd_user(8002, "Wren@Quillpress.test", "agent")]}))
    answer, ticket = zendesk_ticket()
    fake.on(ZD_TICKET, answer)
    assert await assign(adapter("zendesk"), fake, ZD_ITEM, "wren@quillpress.test") is True
    assert dict(search.hits[0].url.params) == {"query": "wren@quillpress.test"}
    [put] = [r for r in fake.requests if r.method == "PUT"]
    assert json.loads(put.content) == {"ticket": {"assignee_id": 8002}} and ticket["assignee_id"] == 8002
    pair = base64.b64encode(f"{ZENDESK_EMAIL}/token:{SECRETS['ASSIGN_ZENDESK_TOKEN']}".encode()).decode()
    assert put.headers["authorization"] == f"Basic {pair}"
    assert await assign(adapter("zendesk"), fake, ZD_ITEM, None, previous="wren@quillpress.test") is True
    assert json.loads(fake.requests[-1].content) == {"ticket": {"assignee_id": None}}
    assert ticket["assignee_id"] is None


async def test_zendesk_refuses_end_users_unknown_emails_and_its_own_validation() -> None:
    fake = FakeChannel()
    fake.on("/api/v2/users/search.json", Canned(200, {"users": [zd_user(8003, "cust@reader.test", "end-user")]}))
    with pytest.raises(SourceError, match="cust@reader.test is not an agent in Zendesk"):
        await assign(adapter("zendesk"), fake, ZD_ITEM, "cust@reader.test")
    with pytest.raises(SourceError, match="no Zendesk user with the email nobody@quillpress.test"):
        await assign(adapter("zendesk"), fake, ZD_ITEM, "nobody@quillpress.test")
    assert not [r for r in fake.requests if r.method == "PUT"]

    fake = FakeChannel()
    fake.on("/api/v2/users/search.json", Canned(200, {"users": [zd_user(8002, "wren@quillpress.test", "agent")]}))
    fake.on(ZD_TICKET, Canned(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                    "details": {"assignee": [{"description": "Assignee is not in the group"}]}}))
    with pytest.raises(SourceError, match="Assignee is not in the group"):
        await assign(adapter("zendesk"), fake, ZD_ITEM, "wren@quillpress.test")


# --- which login, and when nothing is written -------------------------------------------------------


def config_for(sources: list[dict[str, Any]], people: dict[str, Any] | None = None):
    return parse({"team": {"staff": []}, "people": PEOPLE if people is None else people, "sources": sources})


def item_of(kind: str, number: int = 1):
    from inbox.models import Item

    return Item(source="src", kind=kind, external_id=str(number), url=f"https://channel.test/{number}",
                title="A post", body="text", author="reader", author_is_staff=False,
                created_at=hours(1), last_activity_at=hours(2))


@pytest.mark.parametrize("kind, options", [
    ("discourse", {"base_url": "https://forum.quillpress.test"}),
    ("stackexchange", {"tagged": "quill"}),
    ("slack", {"channel": "C0QUILL", "token_env": "ASSIGN_GH_TOKEN"}),
    ("intercom", {"token_env": "ASSIGN_GH_TOKEN"}),
    ("uservoice", {"subdomain": "quillpress", "client_id": "quill", "secret_env": "ASSIGN_GH_TOKEN"}),
])
async def test_channels_without_assignees_keep_it_local_and_quiet(tmp_path: Path, kind: str, options) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("src", [item_of(kind)])
    fake = FakeChannel()
    workspace = Workspace(config_for([{"name": "src", "kind": kind, **options}]), store, now=lambda: NOW,
                          env=SECRETS, transport=fake.transport())
    assert await workspace.write_assignee("src:1", "wren", previous="otto") is None
    assert fake.requests == []
    store.close()


async def test_the_login_is_the_sources_own_then_its_kinds(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("src", [item_of("github", 88)])
    people = {"Wren": {"github": "wren-codes", "src": "wren-at-work"}}
    fake = FakeChannel()
    answer, have = github_assignees(assignable=("wren-at-work",))
    fake.on(GH_PATH, answer)
    config = config_for([{"name": "src", "kind": "github", "repo": "quillpress/quill",
                          "token_env": "ASSIGN_GH_TOKEN"}], people)
    workspace = Workspace(config, store, now=lambda: NOW, env=SECRETS, transport=fake.transport())
    said = await workspace.write_assignee("src:88", "wren", previous=None)  # names ignore case
    assert said == "Assigned to wren-at-work on GitHub: https://channel.test/88"
    assert have == ["wren-at-work"]
    store.close()


@pytest.mark.parametrize("person, options, env, reason", [
    ("juno", {}, SECRETS, "juno has no GitLab login: add gitlab = \"...\" under [people.juno]"),
    ("wren", {"write": False}, SECRETS, "assigning is turned off for source 'src' (write = false)"),
    ("wren", {}, {}, "source 'src': environment variable ASSIGN_GITLAB_TOKEN (named by token_env) is not set"),
])
async def test_what_cannot_be_written_is_said_before_any_request(tmp_path: Path, person, options, env,
                                                                 reason) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("src", [item_of("gitlab", 31)])
    fake = FakeChannel()
    config = config_for([{"name": "src", "kind": "gitlab", "project": "quillpress/quill-desktop",
                          "token_env": "ASSIGN_GITLAB_TOKEN", **options}])
    workspace = Workspace(config, store, now=lambda: NOW, env=env, transport=fake.transport())
    with pytest.raises(SourceError) as caught:
        await workspace.write_assignee("src:31", person, previous=None)
    assert caught.value.reason == reason and fake.requests == []
    store.close()


async def test_the_demo_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("src", [item_of("github", 88)])
    fake = FakeChannel()
    config = config_for([{"name": "src", "kind": "github", "repo": "quillpress/quill",
                          "token_env": "ASSIGN_GH_TOKEN"}])
    workspace = Workspace(config, store, now=lambda: NOW, env=SECRETS, transport=fake.transport(), demo=True)
    assert await workspace.write_assignee("src:88", "wren", previous=None) is None and fake.requests == []
    store.close()


# --- end to end: the command line over real HTTP ---------------------------------------------------


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets in the environment, as a user's shell has them; no proxy in the way."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "INBOX_CONFIG", "INBOX_DB", "INBOX_ME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


class World:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
        self.github = GitHubAPI(token=SECRETS["ASSIGN_GH_TOKEN"], repo="quillpress/quill")
        self.github.assignable = {"wren-codes", "otto-k", "pat-ext"}
        self.github.add_issue(12, "Footnotes vanish on export", login="reader-a", created=hours(1))
        self.github.add_issue(13, "Table of contents is empty", login="reader-b", created=hours(2))
        self.gitlab = GitLabAPI(token=SECRETS["ASSIGN_GITLAB_TOKEN"], project="quillpress/quill-desktop")
        self.gitlab.members = {"wren.w", "otto", "pat"}
        self.gitlab.add_issue(31, "Spellcheck ignores Welsh", author="reader-c", at=hours(1))
        self.zendesk = ZendeskAPI(email=ZENDESK_EMAIL, token=SECRETS["ASSIGN_ZENDESK_TOKEN"])
        self.zendesk.add_user(601, "Reader D", "reader-d@mail.test")
        self.zendesk.add_user(602, "Wren", "wren@quillpress.test", role="agent")
        self.zendesk.add_user(603, "Otto", "otto@quillpress.test", role="admin")
        self.zendesk.add_ticket(4410, "Invoice shows the old plan", requester=601, at=hours(1), status="open")
        self.so = StackExchangeAPI(key=SECRETS["ASSIGN_SO_KEY"])
        self.so.add_question(79300001, "How to export Quill to EPUB?", name="reader_e", at=hours(1))
        self.server = Loopback(self.github, self.gitlab, self.zendesk, self.so)
        self.path, self.capsys = tmp_path, capsys

    def write_config(self, github_url: str | None = None) -> None:
        base = self.server.base_url
        lines = ['[team]', 'me = "wren"', 'staff = ["wren", "otto"]', '']
        for name, logins in PEOPLE.items():
            lines += [f'[people.{name}]'] + [f'{kind} = "{login}"' for kind, login in logins.items()] + ['']
        lines += ['[[sources]]', 'name = "gh"', 'kind = "github"', 'repo = "quillpress/quill"',
                  'token_env = "ASSIGN_GH_TOKEN"', f'base_url = "{github_url or base(self.github)}"', '',
                  '[[sources]]', 'name = "gl"', 'kind = "gitlab"', 'project = "quillpress/quill-desktop"',
                  'token_env = "ASSIGN_GITLAB_TOKEN"', f'base_url = "{base(self.gitlab)}"', '',
                  '[[sources]]', 'name = "desk"', 'kind = "zendesk"', f'email = "{ZENDESK_EMAIL}"',
                  'token_env = "ASSIGN_ZENDESK_TOKEN"', f'base_url = "{base(self.zendesk)}"', '',
                  '[[sources]]', 'name = "so"', 'kind = "stackexchange"', 'tagged = "quill"',
                  'key_env = "ASSIGN_SO_KEY"', f'base_url = "{base(self.so)}"', '']
        self.config.write_text("\n".join(lines), encoding="utf-8")

    @property
    def config(self) -> Path:
        return self.path / "config.toml"

    @property
    def db(self) -> Path:
        return self.path / "inbox.db"

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--config", str(self.config), "--db", str(self.db), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def assignee(self, key: str) -> str | None:
        code, out, err = self.run("list", f"source:{key.split(':')[0]}", "--json")
        assert code == 0, err
        return next(row["assignee"] for row in json.loads(out) if row["key"] == key)

    def writes(self, since: int) -> list:
        return [r for r in self.server.log[since:] if r.method != "GET"]


@pytest.fixture
def world(tmp_path: Path, capsys: pytest.CaptureFixture):
    world = World(tmp_path, capsys)
    with world.server:
        world.write_config()
        code, _, err = world.run("sync")
        assert code == 0, err
        yield world


def github_logins(world: World, number: int) -> list[str]:
    return [user["login"] for user in world.github.issues[number]["assignees"]]


def test_triage_assign_assigns_on_github_and_reassigning_moves_it(world: World) -> None:
    world.github.issues[12]["assignees"] = [{"login": "pat-ext", "id": 1, "type": "User"}]  # set on GitHub
    code, out, err = world.run("triage", "gh:12", "--assign", "otto")
    assert code == 0, err
    assert out.splitlines() == ["gh:12: assignee=otto",
                                "gh:12: Assigned to otto-k on GitHub: https://github.com/quillpress/quill/issues/12"]
    assert github_logins(world, 12) == ["pat-ext", "otto-k"]
    code, out, err = world.run("triage", "gh:12", "--assign", "Wren")
    assert code == 0 and err == ""
    assert github_logins(world, 12) == ["pat-ext", "wren-codes"]  # otto off, pat-ext left as GitHub had it
    code, out, err = world.run("triage", "gh:12", "--assign", "none")
    assert code == 0 and out.splitlines()[-1].startswith("gh:12: Unassigned on GitHub")
    assert github_logins(world, 12) == ["pat-ext"]
    assert world.assignee("gh:12") is None


def test_triage_assign_on_gitlab_and_zendesk_by_id(world: World) -> None:
    code, out, err = world.run("triage", "gl:31", "desk:4410", "--assign", "wren")
    assert code == 0, err
    assert [user["username"] for user in world.gitlab.issues[31]["assignees"]] == ["wren.w"]
    assert world.zendesk.tickets[4410]["assignee_id"] == 602
    lookups = [r for r in world.server.log if r.path in ("/users", "/api/v2/users/search.json")]
    assert [r.query for r in lookups] == [{"username": "wren.w"}, {"query": "wren@quillpress.test"}]
    code, out, err = world.run("triage", "gl:31", "desk:4410", "--assign", "otto")
    assert code == 0, err
    assert [user["username"] for user in world.gitlab.issues[31]["assignees"]] == ["otto"]
    assert world.zendesk.tickets[4410]["assignee_id"] == 603  # an admin is an agent too
    code, out, err = world.run("triage", "gl:31", "desk:4410", "--assign", "none")
    assert code == 0, err
    assert world.gitlab.issues[31]["assignees"] == [] and world.zendesk.tickets[4410]["assignee_id"] is None


def test_a_channel_without_assignees_keeps_it_local_and_says_nothing(world: World) -> None:
    mark = len(world.server.log)
    code, out, err = world.run("triage", "so:79300001", "--assign", "wren")
    assert (code, out, err) == (0, "so:79300001: assignee=wren\n", "")
    assert world.server.log[mark:] == [] and world.assignee("so:79300001") == "wren"


@pytest.mark.parametrize("setup, words", [
    (lambda w: w.server.fail(lambda r: r.path.endswith("/assignees"), 403,
                             data={"message": "Must have push access to repository", "status": "403"}),
     "forbidden: the token lacks access: Must have push access to repository"),
    (lambda w: w.server.fail(lambda r: r.path.endswith("/assignees"), 404, data={"message": "Not Found"}),
     "not found"),
    (lambda w: w.github.assignable.discard("otto-k"), "GitHub did not assign otto-k"),
    (lambda w: w.server.fail(lambda r: r.path.endswith("/assignees"), 503, data={"message": "down"}),
     "server error 503 after 4 tries"),
])
def test_a_refusal_is_one_line_and_the_assignment_stays(world: World, monkeypatch, setup, words) -> None:
    monkeypatch.setattr("inbox.net.http.Session._backoff", lambda self, attempt: 0.0)
    setup(world)
    code, out, err = world.run("triage", "gh:12", "--assign", "otto")
    assert code == 1 and out == "gh:12: assignee=otto\n"
    [line] = err.splitlines()
    assert line.startswith("inbox: gh:12: assigned in the inbox, but not on the channel: ") and words in line, line
    assert SECRETS["ASSIGN_GH_TOKEN"][:8] not in err
    assert world.assignee("gh:12") == "otto"


def test_an_unknown_login_and_an_unreachable_channel(world: World, monkeypatch) -> None:
    monkeypatch.setattr("inbox.net.http.Session._backoff", lambda self, attempt: 0.0)
    code, out, err = world.run("triage", "gl:31", "--assign", "juno")
    assert code == 1
    assert err == ("inbox: gl:31: assigned in the inbox, but not on the channel: juno has no GitLab login: "
                   "add gitlab = \"...\" under [people.juno]\n")
    assert world.assignee("gl:31") == "juno"
    with socket.socket() as closed:  # a port nothing listens on: the channel is unreachable
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    world.write_config(github_url=f"http://127.0.0.1:{port}/github")
    code, out, err = world.run("triage", "gh:12", "--assign", "otto")
    assert code == 1 and len(err.splitlines()) == 1
    assert "assigned in the inbox, but not on the channel: cannot connect (ConnectError)" in err
    assert world.assignee("gh:12") == "otto"


def test_no_token_in_the_environment_is_said_once(world: World, monkeypatch) -> None:
    monkeypatch.delenv("ASSIGN_ZENDESK_TOKEN")
    code, _, err = world.run("triage", "desk:4410", "--assign", "wren")
    assert code == 1
    assert err == ("inbox: desk:4410: assigned in the inbox, but not on the channel: source 'desk': environment "
                   "variable ASSIGN_ZENDESK_TOKEN (named by token_env) is not set\n")
    assert world.zendesk.tickets[4410]["assignee_id"] is None


# --- end to end: the TUI's `a`, and undo ----------------------------------------------------------


async def test_the_tui_assigns_on_the_channel_in_the_background_and_undo_takes_it_back(world: World) -> None:
    config = registry.load_config(world.config)
    store = Store(world.db)
    app = make_app(config, store, now=lambda: NOW)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            items = app.screen.query_one(ItemList)
            for _ in range(5):
                if items.highlighted["key"] == "gh:13":
                    break
                await pilot.press("j")
            assert items.highlighted["key"] == "gh:13"
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen)
            await pilot.press(*"otto", "enter")
            await settle(pilot)
            assert github_logins(world, 13) == ["otto-k"]
            assert store.triage_rows(["gh:13"])["gh:13"]["assignee"] == "otto"
            messages = [n.message for n in app._notifications]
            assert any(m.startswith("Assigned to otto-k on GitHub") for m in messages), messages
            await pilot.press("u")
            await settle(pilot)
            assert github_logins(world, 13) == [] and store.triage_rows(["gh:13"])["gh:13"] is None

            world.github.assignable.discard("wren-codes")
            await pilot.press("a")
            await pilot.pause()
            await pilot.press(*"wren", "enter")
            await settle(pilot)
            assert store.triage_rows(["gh:13"])["gh:13"]["assignee"] == "wren"  # stands
            errors = [n.message for n in app._notifications if n.severity == "error"]
            assert errors and errors[-1].startswith("Assigned here, but not on the channel:")
            assert "GitHub did not assign wren-codes" in errors[-1]
    finally:
        store.close()
