"""What every channel's demo payloads share: the config file, the data files, times
relative to `now`, stable ids and Markdown cooked into the HTML a channel sends."""

from __future__ import annotations

import copy
import html
import re
import tomllib
import zlib
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from inbox.config import Config
from inbox.timeutil import parse_duration

HERE = Path(__file__).parent
CONFIG_PATH = HERE / "config.toml"
DATA = HERE / "data"

DEMO_CONFIG: dict[str, Any] = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))
"""The config file as TOML reads it, for code that adjusts a copy before parsing it."""
ME: str = DEMO_CONFIG["team"]["me"]
STAFF: frozenset[str] = frozenset(DEMO_CONFIG["team"]["staff"])


def demo_config() -> Config:
    """The demo's settings, read by the same loader as any config file."""
    from inbox.sources.registry import load_config

    return load_config(CONFIG_PATH, required=True)


def option(source: str, key: str) -> Any:
    """A source's setting in the config file, so a URL or id is written once."""
    return next(entry[key] for entry in DEMO_CONFIG["sources"] if entry["name"] == source)


REPO: str = option("server", "repo")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _parsed(kind: str) -> Any:
    with (DATA / f"{kind}.yaml").open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_Loader)


def data(kind: str) -> Any:
    """`data/{kind}.yaml`, parsed once per process; a fresh copy each call, so a payload
    never shares a list with the next load."""
    return copy.deepcopy(_parsed(kind))


# --- times -----------------------------------------------------------------------------

def span(text: str) -> timedelta:
    """`2d 4h` -> 2 days 4 hours: the sum of its parts, each read by `parse_duration`."""
    parts = str(text).split()
    if not parts:
        raise ValueError(f"bad time {text!r}: use durations such as 35m or 2d 4h")
    return sum((parse_duration(part) for part in parts), timedelta())


def ago(now: datetime, text: str) -> datetime:
    """The moment `text` (`2d 4h`) before `now`."""
    return now - span(text)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def ms_time(moment: datetime) -> str:
    """`2026-11-18T12:00:30.000Z`, as Discourse and GitLab write times."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- names and ids ---------------------------------------------------------------------

def stable_id(name: str, low: int = 1_000_000, width: int = 90_000_000) -> int:
    """A numeric id for a name, the same on every run (crc32, not `hash()`)."""
    return low + zlib.crc32(name.encode("utf-8")) % width


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "topic"


def entities(text: str) -> str:
    """Text with HTML entities, as Stack Exchange sends titles and names (`&#39;`, `&#233;`)."""
    escaped = html.escape(text, quote=True).replace("&#x27;", "&#39;")
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in escaped)


# --- Markdown, cooked ------------------------------------------------------------------

def _markdown(pre_class: str | None) -> MarkdownIt:
    """CommonMark with each newline a `<br>` (as Discourse cooks) and raw HTML kept as
    text; code blocks the way the site marks them: `lang-X` on the code (Discourse) or
    one class on the `<pre>` (Stack Exchange)."""
    md = MarkdownIt("commonmark", {"breaks": True, "html": False, "xhtmlOut": False})

    def fence(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        code = escapeHtml(token.content)
        if pre_class is not None:
            return f'<pre class="{pre_class}"><code>{code}</code></pre>\n'
        lang = escapeHtml(token.info.strip().split(" ")[0]) or "auto"
        return f'<pre><code class="lang-{lang}">{code}</code></pre>\n'

    md.add_render_rule("fence", fence)
    return md


_COOKS = {name: _markdown(name) for name in (None, "lang-none")}


def cook(markdown: str, *, pre_class: str | None = None) -> str:
    """Markdown -> the HTML a channel sends: Discourse's `cooked`, a Stack Exchange or
    Intercom body. `pre_class` is the class Stack Exchange puts on code blocks."""
    if pre_class not in _COOKS:
        _COOKS[pre_class] = _markdown(pre_class)
    return _COOKS[pre_class].render(markdown).rstrip("\n")
