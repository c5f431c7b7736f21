"""A one-line question (snooze until when? assign to whom?) answered in a small dialog."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the answer, or None when cancelled; `check` returns an error or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]

    def __init__(self, question: str, *, placeholder: str = "", value: str = "",
                 check: Callable[[str], str | None] | None = None,
                 suggestions: list[str] | None = None) -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.value = value
        self.check = check or (lambda answer: None)
        self.suggestions = suggestions or []

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(Text(self.question, style="bold"))
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input",
                        suggester=SuggestFromList(self.suggestions, case_sensitive=False)
                        if self.suggestions else None)
            yield Static("", id="prompt-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.check(event.value.strip())
        if error:
            self.query_one("#prompt-error", Static).update(Text(error, style="bold #e06c75"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
