"""Filing a reproducible bug in Jira Cloud (REST v3) from a community post.

The post's text becomes an Atlassian Document Format (ADF) description: paragraphs,
with fenced code and stack traces kept verbatim in code blocks, and a link back to the
post. Nothing in a post is read as markup: a `<script>` or a Markdown link stays the
literal text the member wrote. Filing is one POST, never repeated (see `Session.send_json`).
"""

from __future__ import annotations

import base64
import os
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inbox.config import JiraConfig
from inbox.errors import ConfigError
from inbox.net.http import Session
from inbox.text import clean, one_line

SUMMARY_LIMIT = 255
"""Jira refuses a longer summary (it counts UTF-16 code units, as Java does)."""
BODY_LIMIT = 20_000
"""Characters of the post copied into the description; a pasted log can be far longer
than Jira's field limit (32,767), and the link leads to the rest."""
DEFAULT_SUMMARY = "Bug reported in the community"
EMPTY_BODY = "The community post had no text."

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")
_LANGUAGE = re.compile(r"^[A-Za-z0-9_+#.-]{1,40}$")
# The first line of a stack trace: everything from it to the end of its paragraph is code.
_TRACE_START = re.compile(
    r"^\s*Traceback \(most recent call last\):"           # Python
    r'|^\s*File "[^"]*", line \d+'                          # Python frame
    r"|^\s+at \S+.*(?:\(.*\)|:\d+(?::\d+)?)\s*$"            # Java, JavaScript frames
    r"|^\s*Caused by: \S"                                   # Java cause
    r"|^\s*\.\.\. \d+ more\s*$"                             # Java elided frames
    r"|^\s*panic: "                                         # Go
    r"|^\s*goroutine \d+ \[[^\]]*\]:"                       # Go
    r"|^\s*During handling of the above exception"          # Python chained
    r"|^\s*The above exception was the direct cause"
)
# The line that names the exception just above the first `at` frame.
_EXCEPTION_HEADER = re.compile(
    r"^\s*(?:Exception in thread\b|[\w$.]*(?:Exception|Error|Throwable)\b)")
# A trace's next part after a blank line (Go goroutines, Python's chained exceptions).
_TRACE_CONTINUES = re.compile(
    r"^\s*(?:goroutine \d+ \[|During handling of the above exception"
    r"|The above exception was the direct cause|Caused by: )")
_JIRA_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")

_Block = tuple[str, list[str], str | None]
"""("paragraph" | "code" | "trace" | "indented", its lines, a fenced block's language)."""


@dataclass(frozen=True)
class JiraIssue:
    """An issue Jira created: its key (`MM-123`) and the page a person opens."""

    key: str
    url: str


# --- the description ----------------------------------------------------------------------


def adf_document(text: str, link: str | None) -> dict[str, Any]:
    """The ADF document for a post's plain text or Markdown.

    Args:
        text: the post body; control characters and escape sequences are removed.
        link: the post's web page, added as a final linked paragraph when it is http(s).

    Returns:
        `{"type": "doc", "version": 1, "content": [...]}` with paragraphs (lines joined
        by hard breaks) and `codeBlock` nodes; never an empty text node.
    """
    body = clean(text)
    cut = len(body) > BODY_LIMIT
    content = [_node(kind, lines, language) for kind, lines, language in _blocks(body[:BODY_LIMIT])]
    content = [node for node in content if node is not None]
    if not content:
        content = [paragraph(EMPTY_BODY)]
    if cut:
        content.append(paragraph(f"(Only the first {BODY_LIMIT:,} characters of the post are copied here.)"))
    href = _http_link(link)
    if href:
        content.append({"type": "paragraph", "content": [
            {"type": "text", "text": "Reported in the community: "},
            {"type": "text", "text": href, "marks": [{"type": "link", "attrs": {"href": href}}]},
        ]})
    return {"type": "doc", "version": 1, "content": content}


def paragraph(text: str) -> dict[str, Any]:
    """One ADF paragraph of plain text (`text` must not be empty)."""
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


def _blocks(body: str) -> list[_Block]:
    """The body cut into blocks: fenced code, then blank-line-separated paragraphs."""
    blocks: list[_Block] = []
    lines = [line.rstrip() for line in body.split("\n")]
    chunk: list[str] = []

    def flush() -> None:
        if chunk:
            blocks.extend(_paragraph_or_trace(list(chunk)))
            chunk.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        opening = _FENCE.match(line)
        if opening:
            flush()
            fence = opening["fence"]
            info = opening["info"].split()
            language = info[0] if info and _LANGUAGE.match(info[0]) else None
            code: list[str] = []
            i += 1
            while i < len(lines):
                closing = lines[i].strip()
                if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                    break
                code.append(lines[i])
                i += 1
            blocks.append(("code", code, language))
            i += 1  # past the closing fence (or the end: an unclosed fence runs to the end)
        elif not line.strip():
            flush()
            i += 1
        else:
            chunk.append(line)
            i += 1
    flush()
    return _merge_traces(blocks)


def _paragraph_or_trace(lines: list[str]) -> list[_Block]:
    """A paragraph's lines: all indented is a code block; from a stack trace's first line
    on is a trace; the rest is prose."""
    if all(line.startswith(("    ", "\t")) for line in lines):
        return [("indented", textwrap.dedent("\n".join(lines)).split("\n"), None)]
    for n, line in enumerate(lines):
        if _TRACE_START.match(line):
            if n and _EXCEPTION_HEADER.match(lines[n - 1]) and line.lstrip().startswith("at "):
                n -= 1
            prose = [("paragraph", lines[:n], None)] if n else []
            return [*prose, ("trace", lines[n:], None)]
    return [("paragraph", lines, None)]


def _merge_traces(blocks: list[_Block]) -> list[_Block]:
    """Code split only by blank lines becomes one code block again: an indented block with
    empty lines in it, a Go panic and its goroutines, a Python chained exception."""
    merged: list[_Block] = []
    for kind, lines, language in blocks:
        if merged and _continues(merged[-1], (kind, lines, language)):
            merged[-1] = (merged[-1][0], [*merged[-1][1], "", *lines], None)
        else:
            merged.append((kind, lines, language))
    return merged


def _continues(before: _Block, block: _Block) -> bool:
    if before[0] == block[0] == "indented":
        return True
    if before[0] != "trace" or block[0] not in ("trace", "indented"):
        return False
    return bool(_TRACE_CONTINUES.match(block[1][0])) or before[1][-1].rstrip().endswith(":")


def _node(kind: str, lines: list[str], language: str | None) -> dict[str, Any] | None:
    if kind == "paragraph":
        parts: list[dict[str, Any]] = []
        for line in (line.strip() for line in lines):
            if line:
                if parts:
                    parts.append({"type": "hardBreak"})
                parts.append({"type": "text", "text": line})
        return {"type": "paragraph", "content": parts} if parts else None
    code = "\n".join(lines).strip("\n")
    if not code.strip():
        return None
    node: dict[str, Any] = {"type": "codeBlock", "content": [{"type": "text", "text": code}]}
    if language:
        node["attrs"] = {"language": language}
    return node


def _http_link(link: str | None) -> str | None:
    """The link when it is a plain http(s) URL, else None (no `javascript:`, no spaces)."""
    if not link:
        return None
    href = clean(link).strip()
    parts = urlsplit(href)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in href):
        return None
    return href


# --- the issue ----------------------------------------------------------------------------


def issue_payload(config: JiraConfig, *, title: str, body: str, url: str, author: str,
                  channel: str) -> dict[str, Any]:
    """The create-issue request body for a community post.

    Args:
        config: the `[jira]` settings (project, issue type, labels).
        title: the post's title; one line, cut to Jira's 255-character summary limit.
        body: the post's text, turned into the ADF description.
        url: the post's web page, linked at the end of the description.
        author: who wrote the post, and channel: where (named in the first paragraph).
    """
    description = adf_document(body, url)
    reporter = _reported_by(one_line(author), one_line(channel))
    if reporter:
        description["content"].insert(0, paragraph(reporter))
    return {"fields": {
        "project": {"key": config.project},
        "issuetype": {"name": config.issue_type},
        "summary": summary(title),
        "description": description,
        "labels": labels(config.labels),
    }}


def summary(title: str) -> str:
    """The title on one line, cut to fit Jira's summary limit."""
    text = one_line(title) or DEFAULT_SUMMARY
    if _utf16_len(text) <= SUMMARY_LIMIT:
        return text
    cut, units = [], 0
    for char in text:
        units += _utf16_len(char)
        if units > SUMMARY_LIMIT - 1:  # room for the ellipsis
            break
        cut.append(char)
    return "".join(cut).rstrip() + "…"


def labels(names: list[str]) -> list[str]:
    """Jira labels: spaces become '-' (a label cannot hold one), no empties, no repeats."""
    found: list[str] = []
    for name in names:
        label = "-".join(one_line(name).split())
        if label and label not in found:
            found.append(label)
    return found


def _reported_by(author: str, channel: str) -> str:
    if author and channel:
        return f"Reported by {author} on {channel}."
    if author:
        return f"Reported by {author}."
    if channel:
        return f"Reported on {channel}."
    return ""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def file_issue(config: JiraConfig, session: Session, payload: dict[str, Any]) -> JiraIssue:
    """Create the issue: one POST, never repeated.

    Returns:
        The new issue's key and browse URL.

    Raises:
        SourceError: Jira refused it (its own reasons, field by field), failed, or answered
            without a usable key (then the issue may exist: check before filing again).
    """
    data, response = await session.send_json("POST", f"{config.base_url}/rest/api/3/issue", payload)
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not _JIRA_KEY.match(key):
        raise session.error(
            f"Jira answered HTTP {response.status_code} without an issue key; the issue may "
            f"have been created, so check project {config.project} before filing again",
            response.status_code)
    return JiraIssue(key=key, url=config.browse_url(key))


def jira_session(config: JiraConfig, env: Mapping[str, str] | None = None, **kwargs: Any) -> Session:
    """A `Session` that authenticates as `config.email` with the API token from the
    environment variable `config.token_env` (Basic auth, sent only to `config.base_url`'s
    origin; the token is redacted from errors). Use it as
    `async with jira_session(config) as session:` so its connections close.

    Raises:
        ConfigError: the environment variable is not set.
    """
    environ = os.environ if env is None else env
    token = (environ.get(config.token_env) or "").strip()
    if not token:
        raise ConfigError(f"[jira]: environment variable {config.token_env} (named by token_env) is not set")
    credential = base64.b64encode(f"{config.email}:{token}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {credential}", "Accept": "application/json",
               "Content-Type": "application/json", **(kwargs.pop("headers", None) or {})}
    secrets = (token, credential, *kwargs.pop("secrets", ()))
    return Session("jira", origin=config.base_url, headers=headers, secrets=secrets, **kwargs)
