"""The Textual app: thin. It holds the config, the store, the clock and the workspace that
acts on them, and shows MainScreen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter

from inbox.config import Config
from inbox.errors import InboxError
from inbox.store import Store
from inbox.timeutil import utcnow
from inbox.tui.colours import LightColours
from inbox.tui.screens.main import MainScreen
from inbox.workspace import Workspace


class InboxApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "Community Inbox"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit", priority=True)]

    def __init__(self, config: Config, store: Store, *, now: Callable[[], datetime] = utcnow,
                 demo: bool = False) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.now = now
        self.demo = demo
        self.workspace = Workspace(config, store, now=now, demo=demo)
        """What the screens' workers call to sync, triage, reply, file and post."""
        self._light_colours = LightColours()
        self.editing: set[str] = set()
        """Items whose reply editor is open here (teammates see "… is replying")."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, and on a light theme the dark palette's accents swapped for
        shades that read on it (see `inbox.tui.colours`)."""
        filters = list(super().get_line_filters())
        if not self.current_theme.dark:
            filters.append(self._light_colours)
        return filters

    @property
    def zone(self) -> tzinfo | None:
        """The time zone times are shown in: `[sla] timezone`, else None (this computer's
        local time)."""
        return self.config.sla.timezone if self.config.sla else None

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(MainScreen())

    async def action_quit(self) -> None:
        """Quit, leaving no "is replying" behind for an editor still open."""
        if self.editing:
            keys, self.editing = sorted(self.editing), set()
            try:
                await asyncio.to_thread(self.workspace.done_replying, *keys)
            except InboxError:  # ignored a minute after the last heartbeat anyway
                pass
        self.exit()


def make_app(config: Config, store: Store, *, now: Callable[[], datetime] = utcnow,
             demo: bool = False) -> InboxApp:
    """Build the app (tests build it on a temp store and a frozen clock)."""
    return InboxApp(config, store, now=now, demo=demo)
