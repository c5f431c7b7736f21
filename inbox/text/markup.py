"""The Markdown a teammate writes, made into what a channel posts: Slack mrkdwn, or a
small HTML for Intercom and Zendesk. Channels that read Markdown (GitHub, GitLab,
Discourse) get the text as written and never come here: Markdown is their own format, and
each renders it safely itself.

Both forms come from one CommonMark parse, so nesting, code spans and link targets are
read the way every Markdown editor reads them. Whatever the user typed stays text on the
channel: raw HTML, `&`, `<!channel>` and `[@click=...]` are escaped, never interpreted,
and only http(s) and mailto targets become links (a `javascript:` link stays literal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_BULLETS = ("•", "◦", "▪")  # the marks Slack itself draws for list levels 1, 2, 3
_INDENT = "    "


def _safe_link(url: str) -> bool:
    """Only links a reader can follow without running anything; the rest stay text."""
    return url.strip().lower().startswith(_SAFE_SCHEMES)


class _HtmlRenderer(RendererHTML):
    """markdown-it's HTML, made compact for a chat bubble: no newlines between tags,
    line breaks kept as `<br>`, headings as bold paragraphs, code blocks without the
    language class."""

    def renderToken(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return super().renderToken(tokens, idx, options, env).strip("\n")

    def softbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<br>"

    hardbreak = softbreak

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return f"<pre><code>{escapeHtml(tokens[idx].content)}</code></pre>"

    code_block = fence

    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<p><strong>"

    def heading_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</strong></p>"


def _parser() -> MarkdownIt:
    """CommonMark with raw HTML off (it is text) and ~~strike~~; images are off, so
    `![x](url)` stays a plain link rather than loading anything into a reply."""
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False},
                    renderer_cls=_HtmlRenderer)
    md.enable("strikethrough").disable("image")
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


_MD = _parser()


# --- Slack mrkdwn ---------------------------------------------------------------------------

def slack_escape(text: str) -> str:
    """The three characters Slack reserves, as it wants them (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    return slack_escape(url).replace("|", "%7C")  # `|` would end the target


def _slack_code(code: str) -> str:
    """An inline code span. Slack's ends at the next backtick and has no escape, so a
    span holding one is sent as ```preformatted```, which shows it as typed."""
    fence = "```" if "`" in code else "`"
    return f"{fence}{slack_escape(code)}{fence}"


def _slack_inline(nodes: Sequence[SyntaxTreeNode], bold: bool = False) -> str:
    """Inline nodes as mrkdwn; `bold` inside a heading, which is bold already."""
    out: list[str] = []
    for node in nodes:
        kind = node.type
        if kind == "text":
            out.append(slack_escape(node.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "code_inline":
            out.append(_slack_code(node.content))
        elif kind == "strong":
            inner = _slack_inline(node.children, bold=True)
            out.append(inner if bold else f"*{inner}*")
        elif kind == "em":
            out.append(f"_{_slack_inline(node.children, bold)}_")
        elif kind == "s":
            out.append(f"~{_slack_inline(node.children, bold)}~")
        elif kind == "link":
            url = str(node.attrs.get("href", ""))
            label = _slack_inline(node.children, bold)
            out.append(f"<{_slack_url(url)}>" if label == slack_escape(url)
                       else f"<{_slack_url(url)}|{label}>")
        else:  # nothing else is enabled; whatever it is, its text is shown as text
            out.append(slack_escape(node.content))
    return "".join(out)


def _slack_blocks(nodes: Sequence[SyntaxTreeNode], depth: int, quoted: bool,
                  sep: str = "\n\n") -> str:
    return sep.join(_slack_block(node, depth, quoted) for node in nodes)


def _slack_list(node: SyntaxTreeNode, depth: int, quoted: bool) -> str:
    """One line per item, its marker by level; what an item holds past its first line
    (a nested list, a second paragraph) is indented under it."""
    start = int(node.attrs.get("start", 1))
    lines: list[str] = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}." if node.type == "ordered_list" else _BULLETS[depth % len(_BULLETS)]
        tight = all(child.hidden for child in item.children if child.type == "paragraph")
        body = _slack_blocks(item.children, depth + 1, quoted, "\n" if tight else "\n\n")
        first, *rest = body.split("\n")
        lines.append(f"{marker} {first}".rstrip())
        lines += [f"{_INDENT}{line}" if line else "" for line in rest]
    return "\n".join(lines)


def _slack_block(node: SyntaxTreeNode, depth: int, quoted: bool) -> str:
    kind = node.type
    if kind == "paragraph":
        return _slack_inline(node.children[0].children)
    if kind == "heading":  # Slack has no headings: a bold line reads as one
        return f"*{_slack_inline(node.children[0].children, bold=True)}*"
    if kind in ("fence", "code_block"):
        return f"```\n{slack_escape(node.content)}```"
    if kind in ("bullet_list", "ordered_list"):
        return _slack_list(node, depth, quoted)
    if kind == "blockquote":
        # Slack quotes one level deep: a quote inside a quote joins it
        body = _slack_blocks(node.children, depth, True)
        return body if quoted else "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))
    if kind == "hr":
        return "───"
    return slack_escape(node.content)


def to_mrkdwn(markdown: str) -> str:
    """Markdown -> Slack mrkdwn: `&<>` escaped, `[text](url)` -> `<url|text>`,
    `**bold**` -> `*bold*`, `*em*` -> `_em_`, `~~gone~~` -> `~gone~`, lists with
    indented levels, `> ` quotes kept as quotes."""
    tree = SyntaxTreeNode(_MD.parse(markdown))
    return _slack_blocks(tree.children, 0, False).strip("\n")


# --- HTML --------------------------------------------------------------------------------

def to_html(markdown: str) -> str:
    """Markdown -> simple, safe HTML: every character the user typed escaped, blank
    lines make paragraphs, single newlines `<br>`, http(s)/mailto links `<a href>`."""
    return _MD.render(markdown)
