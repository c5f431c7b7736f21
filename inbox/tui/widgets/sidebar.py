"""The sidebar: views (saved searches) with live counts.

Reached with `h` (or left) from anywhere on the main screen; there `1`-`9` open one of the
first nine views and go back to the list, so `h 3` is the Bugs view from the list.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from inbox.config import View
from inbox.tui.widgets.keyed import KeyedOptionList

KEYED_VIEWS = 9
"""The first views have a digit key each."""


def _prompt(view: View, count: int | None, digit: int | None = None) -> Text:
    """`Awaiting us        12`: the name, then the count right-aligned; while the sidebar
    has the focus, the digit that opens the view goes first."""
    width = 18 if digit is None else 16
    name = view.name if len(view.name) <= width else view.name[:width - 1] + "…"
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if digit is not None:
        text.append(f"{digit} ", style="bold #61afef")
    text.append(f"{name:<{width}}")
    if count is not None:
        text.append(f"{count:>5}", style="bold" if count else "dim")
    return text


class Sidebar(KeyedOptionList):
    """Lists the views; choosing one posts `ViewChosen`. Counts arrive from the screen."""

    # The screen opens the view and focuses the list at once, and the digits come first:
    # a key typed right after `h 3` reaches the list, not the sidebar (which would move on).
    BINDINGS = [
        *[Binding(str(n), f"screen.open_view({n - 1})", "View" if n == 1 else f"View {n}", show=n == 1,
                  id=f"view_{n}", key_display="1-9" if n == 1 else None, priority=True)
          for n in range(1, KEYED_VIEWS + 1)],
        Binding("l,right", "screen.back", "Back to the list", id="views_leave", key_display="l"),
    ]

    class ViewChosen(Message):
        def __init__(self, view: View, *, leave: bool = False) -> None:
            super().__init__()
            self.view = view
            self.leave = leave
            """The choice is made: back to the list."""

    def __init__(self, views: list[View], **kwargs) -> None:
        super().__init__(*[Option(_prompt(view, None), id=f"view-{i}") for i, view in enumerate(views)],
                         **kwargs)
        self.views = views
        self.counts: dict[str, int] = {}

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._redraw(self.has_focus)

    def _redraw(self, focused: bool) -> None:
        for index, view in enumerate(self.views):
            digit = index + 1 if focused and index < KEYED_VIEWS else None
            self.replace_option_prompt_at_index(index, _prompt(view, self.counts.get(view.name), digit))

    def on_focus(self) -> None:
        self._redraw(True)

    def on_blur(self) -> None:
        self._redraw(False)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.ViewChosen(self.views[event.option_index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.ViewChosen(self.views[event.option_index], leave=True))
