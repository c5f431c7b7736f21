"""Which posts a triage key acts on: the marked ones, else the highlighted one; and where
the cursor goes after.

Not a screen: the main screen owns a `Selection` and asks it. Marks are keys held here,
never read from or written to the store, so marking costs the same at a million posts;
each mark keeps the few fields of its row that the actions read (done, type, assignee),
as the row was when it was marked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from inbox.text import one_line
from inbox.tui.widgets.item_list import ItemList

if TYPE_CHECKING:
    from inbox.tui.screens.main import MainScreen

MARK_FIELDS = ("key", "title", "done", "type", "kind", "status", "assignee")
"""What a mark keeps of its row: all that a triage action reads before it writes."""


class Selection:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.marked: dict[str, dict[str, Any]] = {}
        """Marked rows by key, in the order they were marked."""

    @property
    def items(self) -> ItemList:
        return self.screen.query_one(ItemList)

    def __len__(self) -> int:
        return len(self.marked)

    # --- marking ----------------------------------------------------------------------

    def toggle(self) -> None:
        """Mark or unmark the highlighted post and move on to the next, so `space` held
        down marks a run of posts."""
        items = self.items
        row = items.highlighted
        if row is None:
            self.screen.say("No item highlighted", severity="warning")
            return
        if self.marked.pop(row["key"], None) is None:
            self.marked[row["key"]] = {name: row.get(name) for name in MARK_FIELDS}
        self._show()
        items.action_cursor(1)

    def clear(self) -> bool:
        """Unmark every post; False when none was marked."""
        if not self.marked:
            return False
        self.marked.clear()
        self._show()
        return True

    def acted_on(self, keys: list[str]) -> None:
        """An action was saved for these posts: they are no longer marked."""
        for key in keys:
            self.marked.pop(key, None)
        self._show()

    def _show(self) -> None:
        self.items.show_marks(self.marked.keys())
        self.screen.show_header()

    def summary(self) -> Text:
        """For the list header: how many are marked (nothing when none is)."""
        if not self.marked:
            return Text()
        return Text.assemble(("  ", ""), (f"{len(self.marked)} marked", "bold #c678dd"),
                             (" (esc unmarks)", "dim"))

    # --- acting -----------------------------------------------------------------------

    def targets(self) -> list[dict[str, Any]] | None:
        """The posts an action applies to: every marked one, else the highlighted one;
        None (and said) when there is neither."""
        if self.marked:
            return list(self.marked.values())
        row = self.items.highlighted
        if row is None:
            self.screen.say("No item highlighted", severity="warning")
            return None
        return [row]

    def move_on(self, rows: list[dict[str, Any]]) -> bool:
        """After tagging or done on the highlighted post: the cursor goes to the next one
        (unless `[tui] auto_advance = false`). True when it went, so the list is read
        again around the post it is on now."""
        if self.marked or len(rows) != 1 or not self.screen.app.config.tui.auto_advance:
            return False
        items = self.items
        if (items.highlighted or {}).get("key") != rows[0]["key"] or items.cursor >= items.total - 1:
            return False
        items.action_cursor(1)
        return True

    @staticmethod
    def named(rows: list[dict[str, Any]]) -> str:
        """What a toast calls the posts acted on: the title of one, or how many."""
        return one_line(rows[0]["title"]) if len(rows) == 1 else f"{len(rows)} marked posts"
