"""The help screen: every key, from the same table the bindings are built from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from inbox.tui.actions import ACTIONS, shown_keys
from inbox.tui.widgets.keyed import KeyedScroll

MOVEMENT = (
    ("j / ↓", "Next item (j/k and g/G move in every list and box)"), ("k / ↑", "Previous item"),
    ("g / G", "Top / bottom"),
    ("pgup / pgdn", "A page up / down"), ("tab", "Next pane (views, list, preview)"),
    ("ctrl+p", "Command palette: every action, view, playbook and template by name, with its key"),
    ("ctrl+q", "Quit"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help_close")]

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        rows: list[tuple[str, str]] = []
        for action in ACTIONS:
            rows.append((shown_keys(action.id, self.keymap), action.help))
        rows += list(MOVEMENT)
        # a grid, so a long line wraps under its own text and the keys stay a column
        table = Table.grid(padding=(0, 2), pad_edge=True)
        table.add_column(style="bold #61afef", no_wrap=True)
        table.add_column(ratio=1)
        for keys, help_text in rows:
            table.add_row(Text(keys), Text(help_text))
        with KeyedScroll(id="help-box"):
            yield Static(Text("Community Inbox: keys", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text("Bulk triage: space marks posts (the list's header counts them); 1-4, 0, e, z, "
                              "a, A and s then act on every marked post at once, and u undoes that in one "
                              "step. The marks clear after the action, and on esc.", style="dim"))
            yield Static(Text("Query language: type: kind: source: author: staff: label: status: "
                              "assignee: replies: age: idle: is:  ·  -term negates  ·  words and "
                              "\"phrases\" search title, body and author", style="dim"))
            yield Static(Text("esc to close", style="dim"))
