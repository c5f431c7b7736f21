"""A post's Markdown drawn as Rich text for the preview and the thread: headings, lists,
code, quotes, tables and links, the way the channel's own page shows them.

Channel text is hostile until shown otherwise, so this only ever appends plain strings to
`Text` with styles chosen here: nothing is parsed as Rich or Textual markup
(`[@click=app.quit]` is text), raw HTML stays text, and a link is shown as its words and
its address, with no link style (an OSC 8 hyperlink) and nothing to click; `o` opens the
post's page. Every piece of text is cleaned again after parsing, because a Markdown
entity (`&#27;`) decodes to the very escape character the cleaning removed before.

A line break inside a paragraph is kept, as GitHub shows comments, so plain text from a
help desk or a chat reads as written. Each text is parsed once (a small cache): the
preview draws on every cursor move, and moving back over a long post costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from rich.style import Style
from rich.text import Text

from inbox.text import clean
from inbox.text.leaks import mask

HEADING = Style(bold=True, color="#61afef")
CODE = Style(color="#5fb3b3")
LINK = Style(color="#61afef", underline=True)
GUTTER = Style(color="#5c6370")
RULE = Style(color="#3e4451")
_BULLETS = ("•", "◦", "▪")

_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
"""CommonMark with GitHub's tables and ~~strike~~; raw HTML off, so `<b>` is shown as typed."""


def _add(text: Text, content: str, style: Style | None = None) -> None:
    """The one way text gets in: cleaned (again) and masked, then appended, never parsed."""
    text.append(mask(clean(content)), style)


def _inline(nodes: Sequence[SyntaxTreeNode], style: Style, out: Text) -> None:
    for node in nodes:
        kind = node.type
        if kind == "text":
            _add(out, node.content, style)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "code_inline":
            _add(out, node.content, style + CODE)
        elif kind == "strong":
            _inline(node.children, style + Style(bold=True), out)
        elif kind == "em":
            _inline(node.children, style + Style(italic=True), out)
        elif kind == "s":
            _inline(node.children, style + Style(strike=True), out)
        elif kind == "link":
            url = str(node.attrs.get("href", ""))
            label = Text()
            _inline(node.children, style, label)
            out.append_text(label)
            if label.plain.strip() != url.strip():
                out.append(" (")
                _add(out, url, style + LINK)
                out.append(")")
        elif kind == "image":
            out.append("[image", style)
            alt = Text()
            _inline(node.children, style, alt)
            if alt.plain:
                out.append(": ", style)
                out.append_text(alt)
            out.append("] (", style)
            _add(out, str(node.attrs.get("src", "")), style + LINK)
            out.append(")", style)
        else:  # nothing else is enabled; whatever it is, its text is shown as text
            _add(out, node.content, style)


def _prefixed(body: Text, first: str, rest: str, style: Style | None = None) -> Text:
    """`body` with `first` before its first line and `rest` before every other one."""
    lines = body.split("\n", allow_blank=True)
    out = Text()
    for index, line in enumerate(lines):
        if index:
            out.append("\n")
        out.append(first if index == 0 else rest, style)
        out.append_text(line)
    return out


def _blocks(nodes: Sequence[SyntaxTreeNode], depth: int, sep: str = "\n\n") -> Text:
    return Text(sep).join(_block(node, depth) for node in nodes)


def _list(node: SyntaxTreeNode, depth: int) -> Text:
    start = int(node.attrs.get("start", 1) or 1)
    ordered = node.type == "ordered_list"
    items: list[Text] = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}. " if ordered else f"{_BULLETS[depth % len(_BULLETS)]} "
        tight = all(child.hidden for child in item.children if child.type == "paragraph")
        body = _blocks(item.children, depth + 1, "\n" if tight else "\n\n")
        items.append(_prefixed(body, marker, " " * len(marker), GUTTER if not ordered else None))
    tight = all(child.hidden for item in node.children for child in item.children
                if child.type == "paragraph")
    return Text("\n" if tight else "\n\n").join(items)


def _table(node: SyntaxTreeNode) -> Text:
    """Cells padded to their column's width, the header row bold."""
    rows: list[tuple[bool, list[Text]]] = []
    for section in node.children:  # thead, tbody
        for row in section.children:
            cells = []
            for cell in row.children:
                text = Text()
                _inline(cell.children[0].children if cell.children else [], Style(), text)
                cells.append(text)
            rows.append((section.type == "thead", cells))
    widths: dict[int, int] = {}
    for _, cells in rows:
        for column, cell in enumerate(cells):
            widths[column] = max(widths.get(column, 0), cell.cell_len)
    out = Text()
    for index, (header, cells) in enumerate(rows):
        if index:
            out.append("\n")
        for column, cell in enumerate(cells):
            if column:
                out.append(" │ ", GUTTER)
            cell.pad_right(widths[column] - cell.cell_len)
            if header:
                cell.stylize("bold")
            out.append_text(cell)
    return out


def _block(node: SyntaxTreeNode, depth: int) -> Text:
    kind = node.type
    if kind == "paragraph":
        out = Text()
        _inline(node.children[0].children if node.children else [], Style(), out)
        return out
    if kind == "heading":
        out = Text()
        level = int(node.tag[1:]) if node.tag[1:].isdigit() else 1
        _inline(node.children[0].children, HEADING + Style(underline=level == 1), out)
        return out
    if kind in ("fence", "code_block"):
        out = Text()
        _add(out, node.content.rstrip("\n"), CODE)
        return _prefixed(out, "  ", "  ")
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, depth)
    if kind == "blockquote":
        return _prefixed(_blocks(node.children, depth), "▌ ", "▌ ", GUTTER)
    if kind == "hr":
        return Text("─" * 24, RULE)
    if kind == "table":
        return _table(node)
    out = Text()  # html_block cannot occur (HTML is off); anything else is shown as text
    _add(out, node.content.rstrip("\n"))
    return out


@lru_cache(maxsize=256)
def _render(source: str) -> Text:
    tree = SyntaxTreeNode(_MD.parse(source))
    return _blocks(tree.children, 0)


def markdown_text(source: str) -> Text:
    """`source` (a post or a reply, as stored) drawn as Text; see the module's docstring."""
    return _render(source).copy()
