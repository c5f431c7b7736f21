"""The status line: each source's last sync and remaining rate limit, and sync progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from inbox.text import one_line
from inbox.timeutil import ago


def describe_sources(states: list[dict[str, Any]], now: datetime, activity: dict[str, str]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if not states:
        text.append("no sync yet", style="dim")
    for index, state in enumerate(states):
        if index:
            text.append("  │  ", style="dim")
        name = state["name"]
        text.append(one_line(name), style="bold")
        if name in activity:
            text.append(f" {one_line(activity[name])}", style="#e5c07b")
            continue
        if state.get("last_error"):
            text.append(" ✗ ", style="bold #e06c75")
            text.append(one_line(state["last_error"])[:60], style="#e06c75")
        else:
            text.append(" ✓", style="#98c379")
        if state.get("last_success_at"):
            text.append(f" {ago(state['last_success_at'], now)} ago", style="dim")
        if state.get("rate_remaining") is not None:
            text.append(f" · {state['rate_remaining']} left", style="dim")
    return text


class StatusLine(Static):
    """Shows what `describe_sources` says; the screen feeds it."""
