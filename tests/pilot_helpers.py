"""Waiting for the TUI to settle: list, counts and preview load in chained thread workers."""

from __future__ import annotations


async def settle(pilot, rounds: int = 3) -> None:
    """Let every worker (and the workers their results start) finish, then let it draw."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def steady_cursors(pilot) -> None:
    """Stop every cursor on the screen blinking, so a snapshot never catches it mid-blink.

    A blinking cursor is drawn or not by a timer, which makes an SVG depend on when it is
    taken; with blinking off the cursor is always drawn where it has focus.
    """
    from textual.widgets import Input, TextArea

    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


def shown(static, width: int = 200) -> str:
    """The plain text a Static shows (its content rendered as the terminal would)."""
    import io

    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def numbered_posts(count: int, now):
    """GitHub posts `server:1`..`server:count` titled "Post N", the first the newest: a
    list to move and mark in."""
    from datetime import timedelta

    from inbox.models import Item

    return [Item(source="server", kind="github", external_id=str(n), url=f"https://github.com/a/b/issues/{n}",
                 title=f"Post {n}", body="text", author="ana", author_is_staff=False,
                 created_at=now - timedelta(days=n), last_activity_at=now - timedelta(hours=n), replies=0)
            for n in range(1, count + 1)]
