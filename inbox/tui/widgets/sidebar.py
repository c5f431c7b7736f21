"""The sidebar: views (saved searches) with live counts."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from inbox.config import View


def _prompt(view: View, count: int | None) -> Text:
    """`Awaiting us        12`: the name, then the count right-aligned."""
    name = view.name if len(view.name) <= 18 else view.name[:17] + "…"
    text = Text(f"{name:<18}", no_wrap=True, overflow="ellipsis", end="")
    if count is not None:
        text.append(f"{count:>5}", style="bold" if count else "dim")
    return text


class Sidebar(OptionList):
    """Lists the views; choosing one posts `ViewChosen`. Counts arrive from the screen."""

    class ViewChosen(Message):
        def __init__(self, view: View) -> None:
            super().__init__()
            self.view = view

    def __init__(self, views: list[View], **kwargs) -> None:
        super().__init__(*[Option(_prompt(view, None), id=f"view-{i}") for i, view in enumerate(views)],
                         **kwargs)
        self.views = views
        self.counts: dict[str, int] = {}

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        for index, view in enumerate(self.views):
            if view.name in counts:
                self.replace_option_prompt_at_index(index, _prompt(view, counts[view.name]))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.ViewChosen(self.views[event.option_index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.ViewChosen(self.views[event.option_index]))
