"""The Help Wanted sweep before it goes out: the message as it will be posted, and a key
to post it. The sweep is built and posted in thread workers; this screen only shows."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inbox.errors import InboxError
from inbox.text import one_line
from inbox.triage.sweep import build_sweep, post_to_webhook, render, sweep_settings

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp


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
        with VerticalScroll(id="sweep-box"):
            yield Static(Text("Building the sweep…", style="dim"), id="sweep-title")
            yield Static("", id="sweep-text")
            yield Static("", id="sweep-status")

    def on_mount(self) -> None:
        self._build(self.weekly)

    @work(thread=True, exclusive=True, group="sweep")
    def _build(self, weekly: bool) -> None:
        app = self.app
        try:
            sweep = build_sweep(app.config, app.store, now=app.now(), weekly=weekly)
            text = render(sweep, "mrkdwn", app.now())
        except InboxError as exc:
            app.call_from_thread(self._status, str(exc), True)
            return
        app.call_from_thread(self._show, weekly, text, len(sweep.entries))

    def _show(self, weekly: bool, text: str, count: int) -> None:
        self.weekly, self.text, self.count = weekly, text, count
        name = "Weekly list" if weekly else "Help Wanted sweep"
        self.query_one("#sweep-title", Static).update(Text.assemble(
            (f"{name}: {count} post{'' if count == 1 else 's'}", "bold"), ("  as it will be posted (Slack mrkdwn)", "dim")))
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

    @work(thread=True, exclusive=True, group="sweep-post")
    def _post(self, text: str) -> None:
        app = self.app
        try:
            asyncio.run(post_to_webhook(sweep_settings(app.config), text))
        except InboxError as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self.dismiss, f"Posted the {'weekly list' if self.weekly else 'sweep'} "
                                           f"to Slack: {self.count} posts")

    def _failed(self, message: str) -> None:
        self.posting = False
        self._status(f"Not posted: {message}", True)

    def _status(self, message: str, error: bool) -> None:
        self.query_one("#sweep-status", Static).update(
            Text(one_line(message), style="bold #e06c75" if error else "dim"))

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
