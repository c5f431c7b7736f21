"""Channel text made safe and readable: no escape sequences, HTML turned into plain text.

Everything a channel sends is made valid Unicode once, as it is parsed (`valid_json`),
and passes `clean` before it is stored and again before it is shown, so an OSC 52
clipboard write or a colour code in a title stays inert text.

Everything else done to text lives beside it, below every other layer: `leaks` (finding
credentials in posts), `redaction` (keeping tokens out of errors) and `markup` (a reply
turned into each channel's Markdown, mrkdwn or HTML).
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

# ESC-introduced sequences (CSI, OSC up to BEL/ST, DCS/APC/PM/SOS strings, two-byte escapes),
# their 8-bit forms, then any remaining C0/C1 control except tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x9d\x90\x98\x9e\x9f].*?(?:\x07|\x9c|\x1b\\|$)",
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """Plain, terminal-safe text: escape sequences and control characters removed."""
    if text is None:
        return ""
    value = str(text)
    if value.isprintable():  # no escape, control or format character: most text, kept as it is
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _ESCAPES.sub("", value)
    return _CONTROLS.sub("", value)


def link(url: object) -> str:
    """A channel's address as a terminal and a browser can both take it: every control or
    format character (escapes, bidirectional marks) and every space percent-encoded, which
    a browser reads back; letters of any script stay, so a host such as bücher.example
    still resolves."""
    text = str(url or "")
    if text.isprintable() and " " not in text:  # not printable: Unicode's "Other" and "Separator"
        return text
    return "".join(char if char.isprintable() and char != " "
                   else quote(char.encode("utf-8", "replace"), safe="") for char in text)


def one_line(text: object) -> str:
    """Clean text folded onto one line, for list rows and titles."""
    return " ".join(clean(text).split())


# Lone surrogates: JSON's "\ud800" escape decodes to one, and neither SQLite nor a
# terminal can take it. A high surrogate escape followed by a low one is a real pair.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPE_PAIRS = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
                           r"|\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def valid_text(text: str) -> str:
    """`text` as valid Unicode: each lone surrogate becomes U+FFFD (a split pair is joined)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _valid_escape(match: re.Match[str]) -> str:
    escape = match.group(0)
    # `\\` (kept, so the scan stays in step), a surrogate pair (kept), or a lone half
    return escape if escape == "\\\\" or len(escape) == 12 else "\\ufffd"


def valid_json(content: bytes) -> Any:
    """Decoded JSON in which every string is valid Unicode, keys included.

    Bytes that are not text in the body's encoding and lone surrogate escapes (valid
    JSON, but no database takes them) become U+FFFD before parsing, so no field of any
    channel can fail a store write later.

    Raises:
        ValueError: not JSON.
    """
    text = content.decode(json.detect_encoding(content), "replace")
    if _SURROGATE_ESCAPE.search(text):
        text = _ESCAPE_PAIRS.sub(_valid_escape, text)
    return json.loads(text)


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape(text: object) -> str:
    """HTML entities decoded (`&#39;` -> `'`), then cleaned: for titles and names.

    Only complete entities (ending in `;`) are decoded, so a URL such as
    `?q=a&section=faq` keeps its `&section` instead of becoming `§ion`.
    """
    if text is None:
        return ""
    return clean(_ENTITY.sub(lambda match: html.unescape(match.group(0)), str(text)))


class _TextExtractor(HTMLParser):
    """Collects readable text from HTML: paragraphs, lists, code blocks, link targets."""

    _BLOCKS = {"p", "div", "br", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
               "ul", "ol", "table", "tr", "hr", "aside"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pre = 0
        self._quotes: list[int] = []
        self._skip = 0
        self._link: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n\n")
        elif tag == "blockquote":
            self.parts.append("\n\n")
            self._quotes.append(len(self.parts))
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag != "br" else "\n")
        elif tag == "a":
            self._link = dict(attrs).get("href") or None
            self._link_text = []
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[image: {alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.parts.append("\n\n")
        elif tag == "blockquote" and self._quotes:
            start = self._quotes.pop()
            inner = re.sub(r"\n{3,}", "\n\n", "".join(self.parts[start:])).strip()
            del self.parts[start:]
            self.parts.append("\n".join(f"> {line}".rstrip() for line in inner.split("\n")) + "\n\n")
        elif tag == "a" and self._link is not None:
            label = "".join(self._link_text).strip()
            if self._link.startswith(("http://", "https://")) and self._link != label:
                self.parts.append(f" ({self._link})")
            self._link = None
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
        if self._link is not None:
            self._link_text.append(data)
        self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Readable plain text from channel HTML (Discourse `cooked`, Stack Exchange bodies)."""
    if not markup:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # a malformed document still deserves to be read
        text = re.sub(r"<[^>]*>", " ", markup)
    lines = [line.rstrip() for line in clean(text).split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The known name a typo most likely meant: one with the same letters swapped
    (`doen`: done), else the closest by difflib, else None."""
    choices = tuple(choices)
    swapped = [choice for choice in choices if sorted(choice) == sorted(word)]
    if swapped:
        return swapped[0]
    close = difflib.get_close_matches(word, choices, n=1)
    return close[0] if close else None
