"""Command-line values more than one command reads, checked the same way everywhere."""

from __future__ import annotations

from datetime import timedelta

from inbox.errors import UsageError
from inbox.timeutil import parse_duration


def since(text: str) -> timedelta:
    """`--since 30d`: how far back a report looks; a bad or empty span is a usage error."""
    try:
        span = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    if span <= timedelta(0):
        raise UsageError(f"--since must be longer than 0, not {text!r}")
    return span
