"""A teammate's changes on screen without a key pressed: their triage, a sync in another
process, new items and counts, within a second or two; the cursor stays on its item.

Not a screen: the main screen owns one. A thread of its own (not a worker: it never
finishes, and nothing should wait for it to) waits on the store's watch
(`inbox.store.watch`: LISTEN on PostgreSQL, the file's version on SQLite) and posts
`StoreChanged`; the screen reads the list, counts and preview again. A database that goes
away is said once, retried every few seconds, and said again when it is back.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from inbox.errors import InboxError
from inbox.text import one_line
from inbox.tui.messages import Said, StoreChanged

if TYPE_CHECKING:
    from inbox.store.watch import Watch
    from inbox.tui.screens.main import MainScreen

WAIT = 0.5
"""Seconds one wait lasts: how soon the worker notices it is no longer wanted."""
RETRY = 3.0
"""Seconds between two tries to reach a database that went away."""


class Live:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="inbox-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT * 2)

    def _follow(self) -> None:
        watch: Watch | None = None
        lost = False
        try:
            while not self._stop.is_set():
                try:
                    if watch is None:
                        watch = self.screen.app.store.watch()
                        if watch is None:
                            return  # an in-memory inbox: no one else can change it
                        if lost:
                            lost = False
                            self.screen.post_message(Said("The database is back: carrying on"))
                            self.screen.post_message(StoreChanged())
                    if watch.wait(WAIT):
                        self.screen.post_message(StoreChanged())
                except InboxError as exc:
                    if watch is not None:
                        watch.close()
                        watch = None
                    if not lost:
                        lost = True
                        self.screen.post_message(Said(f"{one_line(str(exc))}: reconnecting…", "warning"))
                    self._stop.wait(RETRY)
        finally:
            if watch is not None:
                watch.close()
