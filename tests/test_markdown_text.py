"""A post's Markdown as the preview and the thread draw it: read as Markdown, never run as
markup, never a way for an escape sequence or a link action to reach the terminal."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta, timezone

from rich.console import Console
from textual.geometry import Region

from inbox.models import Item
from inbox.store import Store
from inbox.tui.app import make_app
from inbox.tui.markdown_text import markdown_text
from inbox.tui.widgets.preview import PREVIEW_CHARS, render_item
from tests.pilot_helpers import settle, shown

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)

POST = """### Summary
After the upgrade the desktop app opens
to a white window.

1. Upgrade the server
2. Open the app
   - on *Windows* with `--safe-mode`

> It worked in **10.1**

```
Traceback (most recent call last):
    File "app.py", line 3
```

| version | works |
|---|---|
| 10.1 | yes |

See [the docs](https://docs.example.org/upgrade).
"""

HOSTILE = (
    "# [@click=app.quit]Quit[/] [bold red]boom[/]\n\n"
    "Click [here](https://evil.example/) or [@click=app.bell]ring[/]\n\n"
    "raw \x1b]52;c;ZXZpbA==\x07 and entity &#27;]52;c;ZXZpbA==&#7; and &#x9b;31m and &#x202e;\n\n"
    "<script>alert(1)</script> <b>bold</b>\n\n"
    "[js](javascript:alert(1)) ![img](https://evil.example/x.png)\n\n"
    "```\n\x1b[2J\x1b[31mred in code\n```\n"
    "`[link=https://evil.example]x[/link]`\n"
)


def _terminal(text) -> str:
    """What a terminal would be sent for the text, colours and all."""
    console = Console(width=100, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(text)
    return console.file.getvalue()


def test_markdown_is_drawn_not_shown_raw():
    text = markdown_text(POST)
    lines = text.plain.split("\n")
    assert lines[0] == "Summary" and "###" not in text.plain
    assert "After the upgrade the desktop app opens\nto a white window." in text.plain  # lines kept
    assert "1. Upgrade the server" in lines and "2. Open the app" in lines
    assert "   ◦ on Windows with --safe-mode" in lines  # nested, with its code span as text
    assert "▌ It worked in 10.1" in lines
    assert "      File \"app.py\", line 3" in lines  # code keeps its indentation
    assert any(line.startswith("version │ works") for line in lines)
    assert "See the docs (https://docs.example.org/upgrade)." in lines
    bold = {text.plain[span.start:span.end] for span in text.spans if "bold" in str(span.style)}
    assert "Summary" in bold and "10.1" in bold


def test_hostile_text_stays_text():
    text = markdown_text(HOSTILE)
    plain = text.plain
    assert "[@click=app.quit]Quit[/] [bold red]boom[/]" in plain  # markup is text
    assert "[@click=app.bell]ring[/]" in plain and "[link=https://evil.example]x[/link]" in plain
    assert "<script>alert(1)</script>" in plain and "<b>bold</b>" in plain  # HTML is text
    assert "[js](javascript:alert(1))" in plain  # a script link is not a link at all
    assert "red in code" in plain
    for char in "\x1b\x07\x9b\u202e":  # raw, or decoded from an entity: never in the text
        assert char not in plain
    sent = _terminal(text)
    assert "\x1b]8;" not in sent and "\x1b]52" not in sent and "\x1b[2J" not in sent
    for span in text.spans:  # no link style (OSC 8), no action to click
        style = span.style
        assert isinstance(style, str) or (not style.link and not style.meta), style


def test_secrets_in_a_post_are_masked_in_its_markdown():
    token = "ghp_" + "R7kQ2mX9vLp4Tz8Wn3Yb6Hc1Jd5Fs0Ga2Ue7"  # made up; in two parts for scanners
    text = markdown_text(f"My token: `{token}`\n\n- and **{token}**")
    assert token not in text.plain and "ghp_…2Ue7" in text.plain


def test_a_long_post_draws_quickly_in_the_pane_and_whole_in_the_thread():
    """The pane draws on every cursor move: a 130,000-character post costs it what its first
    few screens cost. The thread view (enter) draws all of it."""
    block = ("### Step {n}\n1. Upgrade **the server** to `10.{n}` and see [docs](https://docs.example/{n})\n"
             "> quoted {n}\n\n```\nTraceback, line {n}\n```\nA paragraph that wraps at the pane's edge, {n}.\n\n")
    body = "".join(block.format(n=n) for n in range(1200))
    item = {"key": "server:1", "title": "Long", "author": "ana", "author_is_staff": 0, "created_at": "2026-11-18T09:00:00Z",
            "replies": 0, "state": "open", "url": "https://example.org/1", "kind": "github", "body": body}
    console = Console(width=60, file=io.StringIO())
    started = time.perf_counter()
    pane = console.render_lines(render_item(item, [], NOW, budget=PREVIEW_CHARS), console.options)
    took = time.perf_counter() - started
    assert took < 0.5, f"{took:.3f}s"  # about 0.03 s here
    assert "more characters: enter reads the whole thread" in "".join(s.text for line in pane for s in line)
    whole = console.render_lines(render_item(item, [], NOW), console.options)
    assert len(whole) > 5 * len(pane)
    assert "Step 1199" in "".join(s.text for line in whole for s in line)


async def test_a_hostile_thread_in_the_tui_is_drawn_and_never_run(tmp_path):
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(
        source="server", kind="github", external_id="1", url="https://github.com/acme/chat/issues/1",
        title="Hostile", body=HOSTILE + "\n" + POST, author="mallory", author_is_staff=False,
        created_at=NOW - timedelta(hours=3), last_activity_at=NOW - timedelta(hours=1))])
    from inbox.config import parse

    app = make_app(parse({"team": {"me": "ana"}}), store, now=lambda: NOW)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the thread view
        await settle(pilot)
        body = app.screen.query_one("#preview-body")
        text = shown(body)
        assert "[@click=app.quit]Quit[/]" in text and "Summary" in text and "### Summary" not in text
        for y in range(body.size.height):  # drawn: no escape, no link, no action
            for segment in body.render_lines(Region(0, y, body.size.width, 1))[0]:
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert segment.style is None or not (segment.style.link or segment.style.meta.get("@click"))
        for y in range(0, 12):
            await pilot.click("#preview-body", offset=(5, y))
        await settle(pilot)
        assert app.is_running and app._exception is None
    store.close()
