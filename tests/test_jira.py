"""Filing a reproducible bug in Jira: the ADF description a post becomes, the create-issue
payload, and the one POST (its exact request, Jira's refusals shown as Jira gave them,
never sent twice, never a token in a message)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from inbox.config import JiraConfig
from inbox.errors import ConfigError, SourceError
from inbox.respond.jira import (
    BODY_LIMIT,
    DEFAULT_SUMMARY,
    EMPTY_BODY,
    JiraIssue,
    adf_document,
    file_issue,
    issue_payload,
    jira_session,
)

BASE = "https://example.atlassian.net"
TOKEN = "tok-SECRET-4711"
EMAIL = "bot@example.org"
CREDENTIAL = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
POST_URL = "https://forum.example.org/t/crash-on-start/42"


def config(**changes: Any) -> JiraConfig:
    values: dict[str, Any] = {"base_url": BASE, "project": "MM", "email": EMAIL,
                              "token_env": "JIRA_TOKEN", "labels": ["community"]}
    return JiraConfig(**{**values, **changes})


def para(*lines: str) -> dict:
    """A paragraph whose lines are joined by hard breaks."""
    content: list[dict] = []
    for line in lines:
        if content:
            content.append({"type": "hardBreak"})
        content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}


def code(text: str, language: str | None = None) -> dict:
    node: dict = {"type": "codeBlock", "content": [{"type": "text", "text": text}]}
    if language:
        node["attrs"] = {"language": language}
    return node


def link_para(href: str) -> dict:
    return {"type": "paragraph", "content": [
        {"type": "text", "text": "Reported in the community: "},
        {"type": "text", "text": href, "marks": [{"type": "link", "attrs": {"href": href}}]},
    ]}


def text_nodes(node: Any) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "text" else []
        for child in node.get("content", []):
            found += text_nodes(child)
        return found
    return []


# --- the description ----------------------------------------------------------------------

PYTHON_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/main.py", line 12, in <module>\n'
    "    start()\n"
    '  File "/srv/app/server.py", line 40, in start\n'
    "    raise RuntimeError(\"port in use\")\n"
    "RuntimeError: port in use"
)
JAVA_TRACE = (
    'Exception in thread "main" java.lang.IllegalStateException: no channel\n'
    "\tat org.example.chat.Channel.open(Channel.java:88)\n"
    "\tat org.example.chat.Main.main(Main.java:12)\n"
    "Caused by: java.io.IOException: closed\n"
    "\t... 2 more"
)
GO_PANIC = ("panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n"
            "\t/app/main.go:5 +0x1d")

ADF_CASES = [
    pytest.param(
        "The app crashes on start.\nEvery time.\n\n\n\nAny idea?  ", None,
        [para("The app crashes on start.", "Every time."), para("Any idea?")],
        id="plain-paragraphs"),
    pytest.param(
        "My config:\n\n```yaml\nserver:\n  port: 8065\n```\nThen it stops.", None,
        [para("My config:"), code("server:\n  port: 8065", "yaml"), para("Then it stops.")],
        id="fenced-code-with-language"),
    pytest.param(
        "~~~\nplain code\n\n  kept as is\n~~~", None,
        [code("plain code\n\n  kept as is")],
        id="fenced-code-tildes-no-language"),
    pytest.param(
        "Output:\n```\nstill running", None,
        [para("Output:"), code("still running")],
        id="unclosed-fence-runs-to-the-end"),
    pytest.param(
        "Before\n```js\n```\nAfter", None,
        [para("Before"), para("After")],
        id="empty-fence-skipped"),
    pytest.param(
        "Upgrading fails:\n" + PYTHON_TRACE + "\n\nWhat did I miss?", None,
        [para("Upgrading fails:"), code(PYTHON_TRACE), para("What did I miss?")],
        id="python-traceback"),
    pytest.param(
        "It ends with\n" + JAVA_TRACE, None,
        [para("It ends with"), code(JAVA_TRACE)],
        id="java-stack-trace"),
    pytest.param(
        "TypeError: render is not a function\n    at draw (app.js:10:5)\n    at main (app.js:2:1)", None,
        [code("TypeError: render is not a function\n    at draw (app.js:10:5)\n    at main (app.js:2:1)")],
        id="javascript-stack-trace"),
    pytest.param(
        GO_PANIC, None, [code(GO_PANIC)],
        id="go-panic-one-block"),
    pytest.param(
        "Run this:\n\n    inbox sync\n\n    inbox list --json\n\nThen nothing happens.", None,
        [para("Run this:"), code("inbox sync\n\ninbox list --json"), para("Then nothing happens.")],
        id="indented-code"),
    pytest.param("", None, [para(EMPTY_BODY)], id="empty-body"),
    pytest.param(" \n\n\t\n\x1b[0m\x07", None, [para(EMPTY_BODY)], id="only-whitespace-and-escapes"),
    pytest.param(
        "\x1b[31mred\x1b[0m alert\x07\n\x1b]52;c;ZXZpbA==\x07clip\u202eboard\r\nend\x00", None,
        [para("red alert", "clipboard", "end")],
        id="control-characters-and-ansi-stripped"),
    pytest.param(
        "```\n\x1b[1mbold\x1b[0m\x08 log\n```", None, [code("bold log")],
        id="escapes-stripped-in-code"),
    pytest.param(
        "<script>alert(1)</script> [click](javascript:alert(1))\n{color:red}x{color} **b** <a href=x>y</a>",
        None,
        [para("<script>alert(1)</script> [click](javascript:alert(1))",
              "{color:red}x{color} **b** <a href=x>y</a>")],
        id="hostile-markup-literal"),
    pytest.param("See above.", POST_URL, [para("See above."), link_para(POST_URL)], id="https-link"),
    pytest.param("See above.", "http://forum.test/t/1",
                 [para("See above."), link_para("http://forum.test/t/1")], id="http-link"),
    pytest.param("See above.", "javascript:alert(1)", [para("See above.")], id="javascript-link-dropped"),
    pytest.param("See above.", "ftp://files.test/x", [para("See above.")], id="ftp-link-dropped"),
    pytest.param("See above.", "https://x.test/a b", [para("See above.")], id="link-with-space-dropped"),
    pytest.param("See above.", "", [para("See above.")], id="empty-link"),
    pytest.param("", POST_URL, [para(EMPTY_BODY), link_para(POST_URL)], id="empty-body-with-link"),
]


@pytest.mark.parametrize(("text", "link", "content"), ADF_CASES)
def test_post_text_becomes_adf(text: str, link: str | None, content: list[dict]) -> None:
    document = adf_document(text, link)
    assert document == {"type": "doc", "version": 1, "content": content}


@pytest.mark.parametrize(("text", "link", "content"), ADF_CASES)
def test_adf_is_valid_and_deterministic(text: str, link: str | None, content: list[dict]) -> None:
    document = adf_document(text, link)
    assert json.loads(json.dumps(document)) == document == adf_document(text, link)
    for node in text_nodes(document):
        assert node["text"], "Jira refuses an empty text node"
        assert all(mark["type"] == "link" for mark in node.get("marks", []))
    for block in document["content"]:
        assert block["type"] in ("paragraph", "codeBlock")
        if block["type"] == "codeBlock":
            assert all("marks" not in node for node in block["content"])


def test_a_huge_log_is_cut_with_a_note() -> None:
    document = adf_document("x" * (BODY_LIMIT + 5000), POST_URL)
    copied = sum(len(node["text"]) for node in text_nodes(document["content"][0]))
    assert copied == BODY_LIMIT
    assert "Only the first" in document["content"][1]["content"][0]["text"]
    assert document["content"][-1] == link_para(POST_URL)


# --- the payload --------------------------------------------------------------------------


def payload(**changes: Any) -> dict:
    values = {"title": "Crash on start", "body": "It crashes.", "url": POST_URL,
              "author": "amy", "channel": "forum"}
    return issue_payload(changes.pop("config", config()), **{**values, **changes})


def test_payload_names_project_issue_type_and_labels() -> None:
    fields = payload(config=config(issue_type="Task", labels=["community", "good first issue",
                                                              " from  forum ", "community"]))["fields"]
    assert fields["project"] == {"key": "MM"}
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "Crash on start"
    assert fields["labels"] == ["community", "good-first-issue", "from-forum"]
    assert set(fields) == {"project", "issuetype", "summary", "description", "labels"}


def test_description_names_author_and_channel_then_links_back() -> None:
    description = payload()["fields"]["description"]
    assert description["content"] == [para("Reported by amy on forum."), para("It crashes."),
                                       link_para(POST_URL)]


def test_author_and_channel_are_cleaned() -> None:
    first = payload(author="\x1b[31mmallory\x1b[0m\n", channel="")["fields"]["description"]["content"][0]
    assert first == para("Reported by mallory.")


@pytest.mark.parametrize(("title", "expected"), [
    pytest.param("x" * 255, "x" * 255, id="exactly-255-kept"),
    pytest.param("x" * 300, "x" * 254 + "…", id="long-cut-to-255"),
    pytest.param("Crash\n on\x1b[2J  start\t", "Crash on start", id="one-line-clean"),
    pytest.param("", DEFAULT_SUMMARY, id="empty"),
    pytest.param(" \x1b[0m\n", DEFAULT_SUMMARY, id="only-escapes"),
])
def test_summary(title: str, expected: str) -> None:
    assert payload(title=title)["fields"]["summary"] == expected


def test_summary_counts_as_jira_does() -> None:
    """Jira measures in UTF-16 code units: an emoji counts twice."""
    summary = payload(title="🐛" * 200)["fields"]["summary"]
    assert len(summary.encode("utf-16-le")) // 2 <= 255
    assert summary == "🐛" * 127 + "…"


# --- filing -------------------------------------------------------------------------------


class FakeJira:
    """An `httpx.MockTransport` handler answering every request the same way, recording them."""

    def __init__(self, status: int = 201, body: Any = None, *, raw: bytes | None = None,
                 error: Exception | None = None) -> None:
        self.status = status
        self.body = {"id": "10000", "key": "MM-123", "self": f"{BASE}/rest/api/3/issue/10000"} \
            if body is None and raw is None else body
        self.raw = raw
        self.error = error
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        content = self.raw if self.raw is not None else json.dumps(self.body).encode()
        return httpx.Response(self.status, content=content, headers={"Content-Type": "application/json"})


async def no_sleep(seconds: float) -> None:
    raise AssertionError(f"filing an issue never waits to try again ({seconds}s)")


async def file_with(jira: FakeJira, sent: dict | None = None) -> JiraIssue:
    cfg = config()
    session = jira_session(cfg, {"JIRA_TOKEN": TOKEN}, transport=httpx.MockTransport(jira), sleep=no_sleep)
    async with session:
        return await file_issue(cfg, session, sent or payload())


async def test_file_issue_sends_one_exact_request() -> None:
    jira = FakeJira()
    sent = payload()
    issue = await file_with(jira, sent)
    assert issue == JiraIssue(key="MM-123", url=f"{BASE}/browse/MM-123")
    [request] = jira.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/rest/api/3/issue"
    assert request.headers["Authorization"] == f"Basic {CREDENTIAL}"
    assert base64.b64decode(CREDENTIAL).decode() == "bot@example.org:tok-SECRET-4711"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == sent


async def test_refusal_shows_each_reason_jira_gave() -> None:
    jira = FakeJira(400, {
        "errorMessages": ["Field 'priority' is required"],
        "errors": {"summary": "Field 'summary' cannot be longer than 255 characters.",
                   "labels": "The label 'a b' contains spaces."},
    })
    with pytest.raises(SourceError) as caught:
        await file_with(jira)
    message = str(caught.value)
    assert message.startswith("jira: ")
    assert "Field 'priority' is required" in message
    assert "summary: Field 'summary' cannot be longer than 255 characters." in message
    assert "labels: The label 'a b' contains spaces." in message
    assert caught.value.status == 400
    assert len(jira.requests) == 1


@pytest.mark.parametrize(("jira", "status", "words"), [
    pytest.param(FakeJira(401, {"errorMessages": [f"Bad credentials {TOKEN} / {CREDENTIAL}"]}), 401,
                 "unauthorized", id="401-echoing-the-token"),
    pytest.param(FakeJira(403, raw=f"forbidden for Basic {CREDENTIAL}".encode()), 403, "forbidden",
                 id="403-not-json"),
    pytest.param(FakeJira(400, {"errors": {"summary": f"bad {TOKEN}"}}), 400, "summary: bad", id="400-echo"),
    pytest.param(FakeJira(500, {"errorMessages": [TOKEN]}), 500, "server error 500", id="500-once"),
    pytest.param(FakeJira(503, raw=b""), 503, "server error 503", id="503-once"),
    pytest.param(FakeJira(error=httpx.ReadTimeout("slow")), None, "may have gone through", id="timeout-once"),
    pytest.param(FakeJira(201, {"id": "10000"}), 201, "without an issue key", id="201-without-key"),
    pytest.param(FakeJira(201, {"key": "../../admin"}), 201, "without an issue key", id="201-odd-key"),
    pytest.param(FakeJira(201, raw=b""), 201, "without an issue key", id="201-empty"),
    pytest.param(FakeJira(201, raw=b"<html>"), 201, "not valid JSON", id="201-not-json"),
])
async def test_failures_are_sent_once_and_never_show_the_token(jira: FakeJira, status: int | None,
                                                               words: str) -> None:
    with pytest.raises(SourceError) as caught:
        await file_with(jira)
    message = str(caught.value)
    assert words in message
    assert caught.value.status == status
    assert TOKEN not in message and CREDENTIAL not in message
    assert len(jira.requests) == 1, "a POST that may have arrived is never sent again"


# --- the session --------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"JIRA_TOKEN": ""}, {"JIRA_TOKEN": "  \n"}, {"OTHER": TOKEN}])
def test_missing_token_is_a_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        jira_session(config(), env)
    assert str(caught.value) == "[jira]: environment variable JIRA_TOKEN (named by token_env) is not set"


async def test_token_comes_from_the_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_TOKEN", TOKEN + "\n")
    async with jira_session(config()) as session:
        assert session.source == "jira"
        assert session.auth_headers["Authorization"] == f"Basic {CREDENTIAL}"
        assert TOKEN not in session.redact(f"token {TOKEN} and {CREDENTIAL}")
