"""The main screen's Textual bindings, built from the action table in `inbox.keys`, so the
bindings, the help screen, the command palette and the config's `[keys]` check share it."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from inbox.keys import ACTIONS, KEY_NAMES, SCOPES, Action, split_keys

__all__ = ["ACTIONS", "KEY_NAMES", "Action", "bindings", "shown_keys"]

_DEFAULTS = {binding_id: keys for scope in SCOPES.values() for binding_id, keys in scope.items()}


def bindings() -> list[Binding]:
    return [Binding(a.keys, a.action, a.title, show=a.show, id=a.id, priority=a.first,
                    key_display=_footer_key(a.keys)) for a in ACTIONS]


def _footer_key(keys: str) -> str | None:
    """The key the footer shows: the first of several (`h`, not the arrow after it)."""
    first, *others = split_keys(keys)
    return KEY_NAMES.get(first) or (first if others else None)


def shown_keys(binding_id: str, keymap: Mapping[str, str], *, first: bool = False) -> str:
    """A binding's keys as the user has them (`[keys]` applied), as help and the palette
    show them: `space / v`, or only the first."""
    keys = [KEY_NAMES.get(key, key) for key in split_keys(keymap.get(binding_id, _DEFAULTS[binding_id]))]
    return keys[0] if first else " / ".join(keys)
