"""The Help Wanted sweep before it goes out: the message as it will be posted, and a key
to post it. The sweep is built in a thread worker (SQLite) and posted in an async worker
(Slack over HTTP), both through the workspace; this screen only shows. Like the posted
message, each section lists its first posts and says how many more there are, so the
screen stays short whatever the size of the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from inbox.errors import InboxError
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.tui.widgets.keyed import KeyedScroll
from inbox.views import DAILY_SWEEP, WEEKLY_SWEEP

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp


@dataclass(eq=False)
class SweepBuilt(Message):
    weekly: bool
    text: str
    count: int
    """The posts the message lists."""
    total: int
    """The posts its sections take, listed or not."""


@dataclass(eq=False)
class SweepFailed(Message):
    error: str


class SweepScreen(ModalScreen[str | None]):
    """Dismisses with what was posted (one line), or None."""

    BINDINGS = [
        Binding("ctrl+s", "post", "Post to Slack", priority=True, id="sweep_post"),
        Binding("w", "toggle_weekly", "Daily / weekly", id="sweep_weekly"),
        Binding("escape", "dismiss_screen", "Close", id="sweep_close"),
    ]

    app: InboxApp

    def __init__(self) -> None:
        super().__init__()
        self.weekly = False
        self.text = ""
        self.count = 0
        self.posting = False

    def compose(self) -> ComposeResult:
        with KeyedScroll(id="sweep-box"):
            yield Static(Text("Building the sweep…", style="dim"), id="sweep-title")
            yield Static("", id="sweep-text")
            yield Static("", id="sweep-status")

    def on_mount(self) -> None:
        self._build(self.weekly)

    @work(thread=True, exclusive=True, group="sweep")
    def _build(self, weekly: bool) -> None:
        try:
            sweep, text = self.app.workspace.sweep(weekly=weekly)
        except InboxError as exc:
            self.post_message(SweepFailed(str(exc)))
            return
        self.post_message(SweepBuilt(weekly, text, len(sweep.entries), sweep.total))

    def on_sweep_failed(self, message: SweepFailed) -> None:
        self._status(message.error, True)

    def on_sweep_built(self, message: SweepBuilt) -> None:
        weekly, text, count = message.weekly, message.text, message.count
        self.weekly, self.text, self.count = weekly, text, count
        name = (WEEKLY_SWEEP if weekly else DAILY_SWEEP).name  # as the sidebar names it, with the same count
        listed = f"{count:,} of {message.total:,}" if message.total > count else f"{count:,}"
        self.query_one("#sweep-title", Static).update(Text.assemble(
            (f"{name}: {listed} post{'' if message.total == 1 else 's'}", "bold"),
            ("  as it will be posted (Slack mrkdwn)", "dim")))
        self.query_one("#sweep-text", Static).update(Text(text))
        target = "nothing is posted from the demo" if self.app.demo else "ctrl+s posts it to Slack"
        self._status(f"{target} · w: {'daily' if weekly else 'weekly'} list · esc closes", False)

    def action_toggle_weekly(self) -> None:
        self._build(not self.weekly)

    def action_post(self) -> None:
        if self.posting or not self.text:
            return
        if self.app.demo:
            self._status("This is the demo workspace: nothing is posted.", True)
            return
        if not self.count:
            self._status("Nothing to post: no post needs the community's help.", True)
            return
        self.posting = True
        self._status("Posting…", False)
        self._post(self.text)

    @work(exclusive=True, group="sweep-post")
    async def _post(self, text: str) -> None:
        try:
            await self.app.workspace.post_sweep(text)
        except InboxError as exc:
            self._failed(str(exc))
            return
        self.dismiss(f"Posted the {'weekly list' if self.weekly else 'sweep'} to Slack: {plural(self.count, 'post')}")

    def _failed(self, message: str) -> None:
        self.posting = False
        self._status(f"Not posted: {message}", True)

    def _status(self, message: str, error: bool) -> None:
        self.query_one("#sweep-status", Static).update(
            Text(one_line(message), style="bold #e06c75" if error else "dim"))

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
