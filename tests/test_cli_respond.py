"""The responding commands from a shell: `templates`, `reply`, `jira`, `release`, and the
type label `triage --type` writes, through `inbox.cli.main` against the loopback server.

Every failure the user can act on is one line on stderr with its exit code (1: the work
failed, 2: bad usage or config), and what was drafted is kept. The desktop (clipboard,
browser) is replaced, so nothing opens.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.cli import main
from inbox.cli import respond as cli_respond
from inbox.store import Store
from inbox.timeutil import utcnow
from tests.loopback import GitHubAPI, JiraAPI, Loopback, StackExchangeAPI, UserVoiceAPI

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
SECRETS = {
    "CLI_GH_TOKEN": "ghp_CliLoopbackTok3n000000000000000000000077",
    "CLI_SO_KEY": "CliS0K3y((z",
    "CLI_UV_SECRET": "uvCliS3cret+/0123456789",
    "CLI_JIRA_TOKEN": "ATATT3xCliLoopbackJiraTok3n0123456789",
}
JIRA_EMAIL = "triage@orchardly.test"
TEMPLATES = ("ask-details", "bug-filed", "careers", "docs-answer", "duplicate", "feature-shipped", "help-wanted",
             "move-to-forum", "move-to-ideas", "secret-leak")
EVIL_TITLE = '=HYPERLINK("https://evil.test","Offline albums")'


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets in the environment (as a user's shell has them); no proxies in the way."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "INBOX_CONFIG", "INBOX_DB", "INBOX_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@dataclass
class Desktop:
    """Stands in for the clipboard and the browser."""

    copied: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def copy_text(self, text: str) -> bool:
        self.copied.append(text)
        return True

    def open_page(self, url: str) -> bool:
        self.opened.append(url)
        return True


@pytest.fixture(autouse=True)
def desktop(monkeypatch: pytest.MonkeyPatch) -> Desktop:
    fake = Desktop()
    monkeypatch.setattr(cli_respond, "copy_text", fake.copy_text)
    monkeypatch.setattr(cli_respond, "open_page", fake.open_page)
    return fake


# --- the world -------------------------------------------------------------------------------


def seed(github: GitHubAPI, so: StackExchangeAPI, uservoice: UserVoiceAPI) -> None:
    github.add_issue(21, "How do I restore to another folder?", login="fern-ok", created=hours(1))
    github.add_issue(23, "Restore fails on old archives", login="fern-ok", created=hours(2),
                     body="Restoring a 2019 archive fails with a bad header.")
    github.add_issue(25, "Dark theme for the viewer", login="birch-l", created=hours(3))
    so.add_question(79200001, "How to mirror orchard-sync to S3?", name="ivy_c", at=hours(1))
    uservoice.add_status(1, "Under Review")
    uservoice.add_status(3, "Completed", is_open=False)
    uservoice.add_user(901, "Hazel N", "hazel@example.test")
    uservoice.add_user(902, "Rowan Q", "rowan@example.test")
    uservoice.add_suggestion(4001, "Offline mode", by=901, at=hours(1), status=3)
    uservoice.add_suggestion(4002, EVIL_TITLE, by=902, at=hours(2), status=3)
    uservoice.add_suggestion(4003, "Face search", by=901, at=hours(3), status=1)


def config_text(server: Loopback, github: GitHubAPI, so: StackExchangeAPI, uservoice: UserVoiceAPI,
                jira: JiraAPI, *, docs: dict[str, str] | None = None, project: str = "ORCH",
                with_jira: bool = True, extra: str = "") -> str:
    docs = {"forum": "https://forum.orchardly.test/c/help", "docs": "https://docs.orchardly.test"} \
        if docs is None else docs
    lines = ['[team]', 'me = "maple-jo"', 'staff = ["maple-jo"]', '', '[docs]']
    lines += [f'{name} = "{url}"' for name, url in docs.items()]
    lines += ['', '[type_labels]', 'bug = "bug"', '']
    if with_jira:
        lines += ['[jira]', f'base_url = "{server.base_url(jira)}"', f'project = "{project}"',
                  f'email = "{JIRA_EMAIL}"', 'token_env = "CLI_JIRA_TOKEN"', '']
    lines += ['[[sources]]', 'name = "gh"', 'kind = "github"', 'repo = "orchardly/orchard-sync"',
              'token_env = "CLI_GH_TOKEN"', f'base_url = "{server.base_url(github)}"', '',
              '[[sources]]', 'name = "so"', 'kind = "stackexchange"', 'site = "stackoverflow"',
              'tagged = ["orchard-sync"]', 'key_env = "CLI_SO_KEY"', f'base_url = "{server.base_url(so)}"', '',
              '[[sources]]', 'name = "ideas"', 'kind = "uservoice"', 'client_id = "orchard-inbox"',
              'secret_env = "CLI_UV_SECRET"', f'base_url = "{server.base_url(uservoice)}"', '']
    return "\n".join(lines) + "\n" + extra


@dataclass
class World:
    server: Loopback
    github: GitHubAPI
    so: StackExchangeAPI
    uservoice: UserVoiceAPI
    jira: JiraAPI
    path: Path
    capsys: pytest.CaptureFixture

    @property
    def config(self) -> Path:
        return self.path / "config.toml"

    @property
    def db(self) -> Path:
        return self.path / "inbox.db"

    def write_config(self, **options) -> Path:
        self.config.write_text(config_text(self.server, self.github, self.so, self.uservoice, self.jira,
                                           **options), encoding="utf-8")
        return self.config

    def run(self, *args: object) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--config", str(self.config), "--db", str(self.db), *(str(a) for a in args)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def store(self) -> Store:
        return Store(self.db)

    def writes(self, since: int = 0) -> list:
        return [r for r in self.server.log[since:] if r.method != "GET"]


@pytest.fixture
def world(tmp_path: Path, capsys: pytest.CaptureFixture):
    github = GitHubAPI(token=SECRETS["CLI_GH_TOKEN"])
    so = StackExchangeAPI(key=SECRETS["CLI_SO_KEY"])
    uservoice = UserVoiceAPI(client_secret=SECRETS["CLI_UV_SECRET"])
    jira = JiraAPI(email=JIRA_EMAIL, token=SECRETS["CLI_JIRA_TOKEN"])
    seed(github, so, uservoice)
    with Loopback(github, so, uservoice, jira) as server:
        world = World(server, github, so, uservoice, jira, tmp_path, capsys)
        world.write_config()
        code, out, err = world.run("sync")
        assert code == 0, err
        yield world


def one_line(err: str) -> str:
    """The one stderr line a failure prints (asserting it is just one)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- templates -------------------------------------------------------------------------------


def test_templates_lists_every_one_and_marks_the_links_missing_from_docs(world: World) -> None:
    code, out, err = world.run("templates")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(TEMPLATES)
    by_name = {line.split()[0]: line for line in lines}
    assert "links: forum" in by_name["move-to-forum"] and "missing" not in by_name["move-to-forum"]
    assert "links: troubleshooting (missing from [docs])" in by_name["ask-details"]
    assert "links: ideas (missing from [docs])" in by_name["move-to-ideas"]
    assert "links: contributing (missing from [docs])" in by_name["bug-filed"]
    assert "links" not in by_name["feature-shipped"]
    assert "links: security (missing from [docs])" in by_name["secret-leak"]


def test_templates_json(world: World) -> None:
    code, out, _ = world.run("templates", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert sorted(rows) == list(TEMPLATES)
    assert rows["move-to-forum"]["links"] == ["forum"] and rows["move-to-forum"]["missing_links"] == []
    assert rows["ask-details"]["missing_links"] == ["troubleshooting"]
    assert rows["docs-answer"]["missing_links"] == []
    assert rows["feature-shipped"]["kinds"] == ["uservoice", "discourse", "github", "gitlab"]
    assert "version" in rows["feature-shipped"]["variables"]


def test_a_broken_user_template_is_one_warning_line(world: World) -> None:
    folder = world.path / "mine"
    folder.mkdir()
    (folder / "broken.md").write_text("---\ntitle: Broken\ntypes: [nonsense]\n---\nHi {author}\n")
    (folder / "thanks.md").write_text("---\ntitle: Say thanks\n---\nThanks {author}!\n")
    world.write_config(extra='\n[templates]\npaths = ["mine"]\n')
    code, out, err = world.run("templates")
    assert code == 0
    warning = one_line(err)
    assert warning.startswith("inbox: warning: ") and "broken.md:3" in warning and "nonsense" in warning
    assert [line.split()[0] for line in out.splitlines()] == sorted([*TEMPLATES, "thanks"])


# --- reply -----------------------------------------------------------------------------------

MOVE_TO_FORUM = ("Hi fern-ok, thanks for reaching out! We keep the issue tracker for confirmed bugs, and "
                 "questions like this one get more eyes and answers on the community forum: "
                 "https://forum.orchardly.test/c/help")


def test_reply_prints_the_rendered_template(world: World) -> None:
    code, out, err = world.run("reply", "gh:21", "--template", "move-to-forum")
    assert code == 0 and err == ""
    assert out.startswith(MOVE_TO_FORUM + "\n")
    assert out.rstrip().endswith("Thanks, maple-jo")
    assert world.writes() == [r for r in world.writes() if r.channel == "uservoice"]  # nothing posted


def test_a_template_needing_a_link_the_config_lacks_is_one_line_naming_it(world: World) -> None:
    world.write_config(docs={"docs": "https://docs.orchardly.test"})
    code, out, err = world.run("reply", "gh:21", "--template", "move-to-forum")
    assert code == 2 and out == ""
    line = one_line(err)
    assert "{docs.forum}" in line and 'add forum = "https://…" under [docs]' in line


def test_an_unknown_template_suggests_the_closest(world: World) -> None:
    code, out, err = world.run("reply", "gh:21", "--template", "move-to-froum")
    assert code == 2 and out == ""
    assert "did you mean move-to-forum" in one_line(err)


def test_reply_to_an_unknown_item_is_a_usage_error(world: World) -> None:
    code, _, err = world.run("reply", "gh:999", "--template", "move-to-forum")
    assert code == 2 and "no item with key gh:999" in one_line(err)


def test_post_sends_the_reply_to_github(world: World) -> None:
    mark = len(world.server.log)
    code, out, err = world.run("reply", "gh:21", "--template", "move-to-forum", "--post")
    assert code == 0, err
    [request] = world.writes(mark)
    assert request.path == "/repos/orchardly/orchard-sync/issues/21/comments"
    assert json.loads(request.body)["body"].startswith(MOVE_TO_FORUM)
    comment = world.github.comments[-1]
    assert out == f"gh:21: Posted: {comment['html_url']}\n"
    store = world.store()
    assert store.drafts.get("gh:21") is None
    assert store.thread("gh:21")[-1]["reply_id"] == str(comment["id"])
    store.close()
    code, out, _ = world.run("list", "is:awaiting", "--json")
    assert "gh:21" not in [row["key"] for row in json.loads(out)]


def test_a_refused_post_keeps_the_draft_and_reply_post_retries_it(world: World) -> None:
    world.server.fail(lambda r: r.method == "POST" and r.path.endswith("/comments"), 422, times=1, data={
        "message": "Validation Failed",
        "errors": [{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is flagged"}]})
    mark = len(world.server.log)
    code, out, err = world.run("reply", "gh:21", "--template", "move-to-forum", "--post")
    assert code == 1 and out == ""
    line = one_line(err)
    assert line.startswith("inbox: gh: not posted, the draft is kept: ") and "body is flagged" in line
    assert len(world.writes(mark)) == 1 and world.github.comments == []
    store = world.store()
    draft = store.drafts.get("gh:21")
    assert draft is not None and draft.text.startswith(MOVE_TO_FORUM) and draft.template == "move-to-forum"
    assert "body is flagged" in (draft.error or "")
    store.close()

    code, out, err = world.run("reply", "gh:21", "--post")  # the saved draft, no template
    assert code == 0
    assert "the last try failed" in one_line(err) and "body is flagged" in err
    assert out.startswith("gh:21: Posted: ")
    assert len(world.writes(mark)) == 2 and [c["body"] for c in world.github.comments] == [draft.text]
    store = world.store()
    assert store.drafts.get("gh:21") is None
    store.close()


def test_discard_throws_the_draft_away(world: World) -> None:
    world.server.fail(lambda r: r.method == "POST", 500, times=1)
    code, _, err = world.run("reply", "gh:21", "--template", "move-to-forum", "--post")
    assert code == 1 and "server error 500" in one_line(err)
    code, out, err = world.run("reply", "gh:21", "--discard")
    assert (code, out, err) == (0, "gh:21: draft discarded\n", "")
    code, out, err = world.run("reply", "gh:21", "--post")
    assert code == 2 and "gh:21 has no draft" in one_line(err)
    assert world.github.comments == []


def test_stack_overflow_post_copies_the_reply_and_opens_the_page(world: World, desktop: Desktop) -> None:
    key = "so:79200001"
    mark = len(world.server.log)
    code, out, err = world.run("reply", key, "--template", "docs-answer", "--post")
    assert code == 0
    text = out.rstrip("\n")
    assert text.startswith("Hi ivy_c, good question! This page of the documentation answers it: "
                           "https://docs.orchardly.test")
    assert desktop.copied == [text]
    assert desktop.opened == ["https://stackoverflow.com/questions/79200001/q"]
    assert "Not posted (stackexchange replies are posted by hand)" in one_line(err)
    assert len(world.server.log) == mark
    store = world.store()
    assert store.drafts.get(key).text == text
    store.close()


# --- jira ------------------------------------------------------------------------------------


def test_jira_files_once_then_says_it_is_filed(world: World) -> None:
    base = world.server.base_url(world.jira)
    code, out, err = world.run("jira", "gh:23")
    assert code == 0
    assert out == f"gh:23: filed ORCH-1 {base}/browse/ORCH-1\n"
    assert "inbox reply gh:23 --template bug-filed --post" in err
    fields = world.jira.created[0]["fields"]
    assert fields["summary"] == "Restore fails on old archives"

    code, out, _ = world.run("jira", "gh:23")
    assert code == 0 and out == f"gh:23: already filed as ORCH-1 {base}/browse/ORCH-1\n"
    assert len(world.jira.created) == 1

    code, out, _ = world.run("reply", "gh:23", "--template", "bug-filed")
    assert code == 2  # bug-filed needs {docs.contributing}, which this config lacks
    world.write_config(docs={"contributing": "https://orchardly.test/contributing"})
    code, out, _ = world.run("reply", "gh:23", "--template", "bug-filed")
    assert code == 0 and f"filed {base}/browse/ORCH-1 so you can follow along" in out


def test_jira_field_messages_reach_the_user(world: World) -> None:
    world.write_config(project="NOPE")
    code, out, err = world.run("jira", "gh:23")
    assert code == 1 and out == ""
    line = one_line(err)
    assert line.startswith("inbox: jira: ") and "project: valid project is required" in line
    assert SECRETS["CLI_JIRA_TOKEN"] not in err
    code, out, _ = world.run("list", "--json")
    assert {row["key"]: row for row in json.loads(out)}["gh:23"].get("jira_key") in (None, "")


def test_jira_without_a_jira_section_is_a_config_error(world: World) -> None:
    world.write_config(with_jira=False)
    code, out, err = world.run("jira", "gh:23")
    assert code == 2 and out == ""
    assert "no [jira] section" in one_line(err)
    assert world.jira.requests == []


# --- release ---------------------------------------------------------------------------------


def completed_github_feature(world: World) -> None:
    code, _, err = world.run("triage", "gh:25", "--type", "feature", "--status", "completed")
    assert code == 0, err


def test_release_drafts_thanks_and_writes_the_spreadsheet_rows(world: World) -> None:
    completed_github_feature(world)
    sheet = world.path / "release.csv"
    code, out, err = world.run("release", "11.2", "--csv", sheet)
    assert code == 0, err
    assert err == f"Wrote 3 rows to {sheet}\n"
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == ["gh:25", "ideas:4001", "ideas:4002"]
    assert "ideas:4003" not in out
    assert "gh:25  Dark theme for the viewer (nominated by birch-l)" in out
    assert out.count("It is now available in 11.2.") == 3

    store = world.store()
    for key in listed:
        draft = store.drafts.get(key)
        assert draft is not None and draft.template == "feature-shipped"
        assert "It is now available in 11.2." in draft.text
    assert store.drafts.get("ideas:4001").text.startswith("Thank you Hazel N for nominating the feature!")
    store.close()

    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8"))))
    today = utcnow().date().isoformat()
    assert rows[0] == ["title", "link", "nominator", "status", "version", "date"]
    assert rows[1:] == [
        ["Dark theme for the viewer", "https://github.com/orchardly/orchard-sync/issues/25", "birch-l",
         "Completed", "11.2", today],
        ["Offline mode", "https://orchardly.uservoice.com/forums/1-ideas/suggestions/4001", "Hazel N",
         "Completed", "11.2", today],
        ["'" + EVIL_TITLE, "https://orchardly.uservoice.com/forums/1-ideas/suggestions/4002", "Rowan Q",
         "Completed", "11.2", today],
    ]

    again = world.path / "again.csv"
    code, out2, _ = world.run("release", "11.2", "--csv", again)
    assert code == 0
    assert [line.split()[0] for line in out2.splitlines() if not line.startswith(" ")] == listed
    assert out2.count("(the thank-you drafted earlier is kept)") == 3
    assert again.read_text(encoding="utf-8") == sheet.read_text(encoding="utf-8")

    code, out3, err3 = world.run("release", "11.3", "--csv", "-")
    assert code == 0
    assert "nothing to announce in 11.3" in one_line(err3)
    assert out3 == "title,link,nominator,status,version,date\n"
    assert world.writes() == [r for r in world.writes() if r.channel == "uservoice"]  # nothing posted


def test_release_post_posts_where_it_can_and_hands_over_the_rest(world: World) -> None:
    completed_github_feature(world)
    mark = len(world.server.log)
    code, out, err = world.run("release", "11.3", "--post")
    assert code == 0, err
    [request] = world.writes(mark)
    assert request.path == "/repos/orchardly/orchard-sync/issues/25/comments"
    body = json.loads(request.body)["body"]
    assert body.startswith("Thank you birch-l for nominating the feature! It is now available in 11.3.")
    assert f"    Posted: {world.github.comments[-1]['html_url']}" in out.splitlines()
    hand = [line for line in out.splitlines() if "Post by hand" in line]
    assert hand == [
        "    Post by hand at https://orchardly.uservoice.com/forums/1-ideas/suggestions/4001 "
        "(`inbox reply ideas:4001` prints the draft)",
        "    Post by hand at https://orchardly.uservoice.com/forums/1-ideas/suggestions/4002 "
        "(`inbox reply ideas:4002` prints the draft)"]
    store = world.store()
    assert store.drafts.get("gh:25") is None
    assert "It is now available in 11.3." in store.drafts.get("ideas:4001").text
    store.close()
    code, out, _ = world.run("reply", "ideas:4001")
    assert code == 0 and out.startswith("Thank you Hazel N for nominating the feature! It is now available in 11.3.")


# --- the type tag as a channel label ---------------------------------------------------------


def test_triage_type_adds_the_label_on_github(world: World) -> None:
    mark = len(world.server.log)
    code, out, err = world.run("triage", "gh:21", "--type", "bug")
    assert code == 0 and err == ""
    assert out.splitlines() == ["gh:21: type=bug",
                                "gh:21: Label 'bug' added on https://github.com/orchardly/orchard-sync/issues/21"]
    [request] = world.writes(mark)
    assert request.path == "/repos/orchardly/orchard-sync/issues/21/labels"
    assert json.loads(request.body) == {"labels": ["bug"]}
    assert [label["name"] for label in world.github.issues[21]["labels"]] == ["bug"]
    code, out, _ = world.run("triage", "gh:21", "--type", "bug")  # it has the label now: nothing sent
    assert code == 0 and out == "gh:21: type=bug\n" and len(world.writes(mark)) == 1


def test_a_refused_label_fails_the_command_but_the_tag_is_saved(world: World) -> None:
    world.server.fail(lambda r: r.path.endswith("/labels"), 403,
                      data={"message": "Resource not accessible by integration", "status": "403"})
    code, out, err = world.run("triage", "gh:21", "--type", "bug")
    assert code == 1
    assert out == "gh:21: type=bug\n"
    line = one_line(err)
    assert "the tag is saved, but the label was not written" in line
    assert "Resource not accessible by integration" in line
    code, out, _ = world.run("list", "type:bug", "--json")
    assert [row["key"] for row in json.loads(out)] == ["gh:21"]
