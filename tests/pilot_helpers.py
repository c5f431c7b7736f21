"""Waiting for the TUI to settle: list, counts and preview load in chained thread workers."""

from __future__ import annotations


async def settle(pilot, rounds: int = 3) -> None:
    """Let every worker (and the workers their results start) finish, then let it draw."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
