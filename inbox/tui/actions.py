"""The main screen's Textual bindings, built from the action table in `inbox.keys`, so the
bindings, the help screen, the command palette and the config's `[keys]` check share it."""

from __future__ import annotations

from textual.binding import Binding

from inbox.keys import ACTIONS, KEY_NAMES, Action

__all__ = ["ACTIONS", "KEY_NAMES", "Action", "bindings"]


def bindings() -> list[Binding]:
    return [Binding(a.keys, a.action, a.title, show=a.show, id=a.id, priority=a.first,
                    key_display=KEY_NAMES.get(a.keys)) for a in ACTIONS]
