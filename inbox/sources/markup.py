"""The Markdown a teammate writes, made into what a channel posts: Slack mrkdwn, or a
small HTML for Intercom.

Whatever the user typed stays text on the channel: `<script>`, `&` and `[@click=...]`
are escaped, not interpreted, and only http(s) and mailto links become links (a
`javascript:` target stays literal text). Code spans and fenced blocks are escaped but
never restyled.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_FENCE = re.compile(r"^```[^\n`]*\n(.*?)^```[ \t]*$\n?", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\[\]\n]+)\]\(\s*<?(?P<target>[^\s()<>]+)>?\s*\)"
    r"|<(?P<auto>(?:https?://|mailto:)[^\s<>]+)>"
)
_EMPHASIS = re.compile(
    r"\*\*(?P<strong>[^\s*](?:[^\n]*?[^\s*])?)\*\*"
    r"|__(?P<strong2>[^\s_](?:[^\n]*?[^\s_])?)__"
    r"|~~(?P<strike>[^\s~](?:[^\n]*?[^\s~])?)~~"
    r"|(?<![\w*])\*(?P<em>[^\s*](?:[^\n*]*?[^\s*])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<em2>[^\s_](?:[^\n_]*?[^\s_])?)_(?![\w_])"
)
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_BULLET = re.compile(r"^ {0,3}[-*+][ \t]+")
_NUMBERED = re.compile(r"^ {0,3}\d{1,9}[.)][ \t]+")


def _safe(url: str) -> bool:
    return url.lower().startswith(_SAFE_SCHEMES)


def _blocks(text: str) -> list[tuple[bool, str]]:
    """(is a fenced code block, its text) in order; an unclosed fence stays text."""
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in _FENCE.finditer(text):
        parts.append((False, text[position:match.start()]))
        parts.append((True, match.group(1)))
        position = match.end()
    parts.append((False, text[position:]))
    return [(code, part) for code, part in parts if part or code]


def _headings(text: str) -> str:
    """`# Title` -> `**Title**`: neither target has headings; bold reads as one."""
    return _HEADING.sub(lambda m: m.group(1) if "*" in m.group(1) else f"**{m.group(1)}**", text)


def _inline(text: str, escape: Callable[[str], str], emphasis: Callable[[str], str],
            code: Callable[[str], str], link: Callable[[str, str], str]) -> str:
    """Text with its code spans, links and emphasis turned into the target's form."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(emphasis(escape(text[position:match.start()])))
        position = match.end()
        if match.group("code") is not None:
            out.append(code(match.group("code")))
            continue
        label, target = match.group("label"), match.group("target") or match.group("auto")
        if _safe(target):
            out.append(link(target, label if label is not None else target))
        else:
            out.append(escape(match.group(0)))  # not a link we make: shown as typed
    out.append(emphasis(escape(text[position:])))
    return "".join(out)


# --- Slack mrkdwn ---------------------------------------------------------------------------

def slack_escape(text: str) -> str:
    """The three characters Slack reserves, as it wants them (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_emphasis(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        if match.group("strong") is not None or match.group("strong2") is not None:
            return f"*{match.group('strong') or match.group('strong2')}*"
        if match.group("strike") is not None:
            return f"~{match.group('strike')}~"
        return f"_{match.group('em') or match.group('em2')}_"

    return _EMPHASIS.sub(swap, text)


def _slack_link(url: str, label: str) -> str:
    target = slack_escape(url).replace("|", "%7C")
    return f"<{target}>" if label == url else f"<{target}|{slack_escape(label)}>"


def to_mrkdwn(markdown: str) -> str:
    """Markdown -> Slack mrkdwn: `&<>` escaped, `[text](url)` -> `<url|text>`,
    `**bold**` -> `*bold*`, `*em*` -> `_em_`, `~~gone~~` -> `~gone~`."""
    out = []
    for is_code, part in _blocks(markdown.replace("\r\n", "\n")):
        if is_code:
            out.append(f"```\n{slack_escape(part)}```\n")
        else:
            out.append(_inline(_headings(part), slack_escape, _slack_emphasis,
                               lambda code: f"`{slack_escape(code)}`", _slack_link))
    return "".join(out).strip("\n")


# --- HTML --------------------------------------------------------------------------------

def _html_emphasis(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        if match.group("strong") is not None or match.group("strong2") is not None:
            return f"<strong>{match.group('strong') or match.group('strong2')}</strong>"
        if match.group("strike") is not None:
            return f"<s>{match.group('strike')}</s>"
        return f"<em>{match.group('em') or match.group('em2')}</em>"

    return _EMPHASIS.sub(swap, text)


def _html_inline(text: str) -> str:
    return _inline(text, html.escape, _html_emphasis,
                   lambda code: f"<code>{html.escape(code)}</code>",
                   lambda url, label: f'<a href="{html.escape(url)}">{html.escape(label)}</a>')


def _html_paragraph(paragraph: str) -> str:
    lines = paragraph.split("\n")
    for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
        if all(pattern.match(line) for line in lines):
            items = "".join(f"<li>{_html_inline(pattern.sub('', line, count=1))}</li>" for line in lines)
            return f"<{tag}>{items}</{tag}>"
    if all(line.lstrip().startswith(">") for line in lines):
        inner = "\n".join(re.sub(r"^\s*> ?", "", line) for line in lines)
        return f"<blockquote>{to_html(inner)}</blockquote>"
    return "<p>" + "<br>".join(_html_inline(line) for line in lines) + "</p>"


def to_html(markdown: str) -> str:
    """Markdown -> simple, safe HTML: every character the user typed escaped, blank
    lines make paragraphs, single newlines `<br>`, http(s)/mailto links `<a href>`."""
    out = []
    for is_code, part in _blocks(markdown.replace("\r\n", "\n")):
        if is_code:
            out.append(f"<pre><code>{html.escape(part)}</code></pre>")
            continue
        for paragraph in re.split(r"\n[ \t]*\n", _headings(part)):
            paragraph = paragraph.strip("\n")
            if paragraph.strip():
                out.append(_html_paragraph(paragraph))
    return "".join(out)
