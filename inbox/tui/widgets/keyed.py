"""Textual's own lists and scrolled boxes, moved by the inbox's list keys.

Every list moves as the inbox does (`j`/`k`, `g`/`G`, besides the arrows), not only the
main one: the views, the playbooks, the people, and the boxes of the help, sweep and
stats screens. The bindings carry the ids of `inbox.keys.LIST_MOVES`, so one `[keys]`
remap moves them all alike.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, OptionList

from inbox.keys import LIST_MOVES

_TITLES = {"cursor_down": "Down", "cursor_up": "Up", "top": "Top", "bottom": "Bottom"}


def moves(down: str, up: str, top: str, bottom: str) -> list[Binding]:
    """The list keys, bound to the widget's own actions for each move."""
    actions = {"cursor_down": down, "cursor_up": up, "top": top, "bottom": bottom}
    return [Binding(keys, actions[binding_id], _TITLES[binding_id], show=False, id=binding_id)
            for binding_id, keys in LIST_MOVES.items()]


class KeyedOptionList(OptionList):
    BINDINGS = moves("cursor_down", "cursor_up", "first", "last")


class KeyedDataTable(DataTable):
    BINDINGS = moves("cursor_down", "cursor_up", "scroll_top", "scroll_bottom")


class KeyedScroll(VerticalScroll):
    BINDINGS = moves("scroll_down", "scroll_up", "scroll_home", "scroll_end")
