"""The filter bar: the query language, checked as it is typed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from inbox.errors import QueryError
from inbox.query import parse_query


def _mid_word(text: str) -> bool:
    """Typing a word to search for (`postgr` on the way to `postgres`, or `rep` on the way
    to `replies:0`): a search per letter would read the index for nothing, so a word is
    searched once it is finished, by a space or enter. Fields filter as they are typed."""
    if text[-1:].isspace() or text.endswith('"'):
        return False
    terms = parse_query(text).terms
    return bool(terms) and terms[-1].field is None


class FilterBar(Vertical):
    """Posts `Changed` with a valid query, and `Checked` whenever the text turns invalid
    or valid again; shows the error of an invalid one in place. While the text is invalid
    the list keeps the last valid result, and the screen says so."""

    BINDINGS = [Binding("escape", "close", "Clear filter", id="filter_close")]

    class Changed(Message):
        def __init__(self, query: str, submitted: bool = False) -> None:
            super().__init__()
            self.query = query
            self.submitted = submitted

    class Checked(Message):
        """The text became invalid (`error`), or valid again (`error` is None)."""

        def __init__(self, error: str | None) -> None:
            super().__init__()
            self.error = error

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: is:awaiting age:>=2d label:bug \"exact phrase\" -staff:yes",
                    id="filter-input", select_on_focus=False)
        yield Static("", id="filter-error")

    def open(self) -> None:
        """Shown and focused at once: `focus()` would wait for the next turn of the loop,
        and keys typed right after `/` would reach the list (and tag or close a post)."""
        self.display = True
        self.screen.set_focus(self.query_one(Input))
        self.screen.refresh_bindings()  # `/` itself is a character here: off the footer

    def _check(self, value: str) -> bool:
        try:
            parse_query(value)
        except QueryError as exc:
            error: str | None = str(exc)
        else:
            error = None
        if error != self.error:  # an unchanged line is not redrawn: each redraw lays out the screen
            shown = self.query_one("#filter-error", Static)
            shown.update(Text(error, style="bold #e06c75") if error else "")
            shown.display = error is not None
            self.error = error
            self.post_message(self.Checked(error))
        return error is None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._check(event.value) and not _mid_word(event.value):
            self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._check(event.value):
            self.post_message(self.Changed(event.value, submitted=True))

    def action_close(self) -> None:
        self.query_one(Input).value = ""
        self._check("")
        self.display = False
        self.post_message(self.Changed("", submitted=True))
