"""Presence in the TUI: "amy is replying", said and seen.

`Heartbeat` keeps the user's own presence alive while a reply editor is open: marked as
it opens (by the worker that reads what the editor needs), beaten every `HEARTBEAT`
seconds, removed when it closes. `Watch` notices a teammate opening or closing an editor:
every `POLL` seconds it reads who is replying where (a handful of rows) and, when that
changed, has the main screen read its list and preview again. Every read and write runs
in a thread worker; the event loop never waits on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from inbox.errors import InboxError
from inbox.tui.messages import PresenceRead, Teammates

if TYPE_CHECKING:
    from textual.screen import Screen

    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen

HEARTBEAT = 15.0
"""Seconds between two heartbeats: well inside the minute after which one is ignored."""
POLL = 10.0
"""Seconds between two looks at who is replying where."""


class Heartbeat:
    """The user's presence on one item while its reply editor (`screen`) is open."""

    def __init__(self, screen: Screen, key: str) -> None:
        self.screen = screen
        self.key = key

    @property
    def app(self) -> InboxApp:
        return self.screen.app  # type: ignore[return-value]

    def start(self) -> None:
        """The editor is open (and already marked): keep it so."""
        self.app.editing.add(self.key)
        self.screen.set_interval(HEARTBEAT, self.beat)

    def beat(self) -> None:
        self.screen.run_worker(self._beat, thread=True, exclusive=True, group="heartbeat")

    def _beat(self) -> None:
        """In a thread worker: still here; and who else is (the screen shows them)."""
        try:
            others = self.app.workspace.mark_replying(self.key)
        except InboxError:  # the file is busy for a moment: the next beat is in time
            return
        self.screen.post_message(Teammates(others))

    def stop(self) -> None:
        """The editor closed: gone at once (on the app, so it finishes after the screen)."""
        if self.key in self.app.editing:
            self.app.editing.discard(self.key)
            self.app.run_worker(partial(_leave, self.app, self.key), thread=True, group="presence",
                                exit_on_error=False)


def _leave(app: InboxApp, key: str) -> None:
    try:
        app.workspace.done_replying(key)
    except InboxError:  # not removed now: ignored a minute after the last heartbeat anyway
        pass


class Watch:
    """Who is replying where, looked at every `POLL` seconds for the main screen."""

    def __init__(self, screen: MainScreen, changed: Callable[[], None]) -> None:
        self.screen = screen
        self.changed = changed
        self._last: dict[str, list[str]] = {}

    def start(self) -> None:
        self.screen.set_interval(POLL, self.poll)

    def poll(self) -> None:
        self.screen.run_worker(self._read, thread=True, exclusive=True, group="presence-watch")

    def _read(self) -> None:
        """In a thread worker."""
        app = self.screen.app
        try:
            replying = app.store.presence.everywhere(now=app.now(), besides=app.config.team.who)
        except InboxError:
            return
        self.screen.post_message(PresenceRead(replying))

    def seen(self, message: PresenceRead) -> None:
        """On the UI thread: the list and preview again when someone opened or closed an editor."""
        if message.replying != self._last:
            self.changed()
        self._last = message.replying
