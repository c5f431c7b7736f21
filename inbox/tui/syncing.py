"""Syncing from the main screen: on `S`, and on its own every `[sync] interval`; and the
SLA's due times when the screen opens (the `[sla]` may have changed since the last sync).

Not a screen: the main screen owns one and calls it. The sync runs in an async worker on
the UI's loop, awaiting the workspace (sync, then rules, then SLA); its SQLite work goes
to threads, into a connection of its own so the screen's reads never queue behind it.
Progress and the result come back to the screen as messages.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from inbox.errors import InboxError
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.tui.messages import Said, SlaRefreshed, SyncActivity, SyncFinished

if TYPE_CHECKING:
    from textual.screen import Screen

    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen

GROUP = "sync"


class Syncer:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> InboxApp:
        return self.screen.app

    def running(self) -> bool:
        return any(w.group == GROUP and not w.is_finished for w in self.screen.workers)

    def start(self, *, background: bool = False) -> None:
        self.screen.run_worker(self._sync(background), group=GROUP, exclusive=True)

    def sync_now(self) -> None:
        """`S`: every source, now, in the background; or one line on why not."""
        say = self.screen.say
        if self.app.demo:
            say("This is the demo workspace: its channels are made up, so there is "
                "nothing to sync. Configure sources and run `inbox`.", timeout=5)
        elif not self.app.config.sources:
            say("No sources configured: add [[sources]] to the config (see the README)",
                severity="warning", timeout=5)
        elif self.running():  # a second start would cancel the sync under way
            say("Already syncing: the status line shows each source", timeout=3)
        else:
            say("Syncing in the background…", timeout=2)
            self.start()

    def in_background(self) -> None:
        """`[sync] interval`: sync the sources that are due, without a word unless
        something arrived or failed. The cursor and the filter stay where they are."""
        if not self.running():
            self.start(background=True)

    async def _sync(self, background: bool) -> None:
        app, screen = self.app, self.screen
        workspace = app.workspace
        only: list[str] = []
        if background:  # every tick asks; most ticks find nothing due and open nothing
            only, _ = await asyncio.to_thread(workspace.due_sources, app.config.sync_interval)
            if not only:
                return
        store = app.store
        try:
            store = await asyncio.to_thread(app.store.another) or app.store
            report = await workspace.sync(only, progress=StatusProgress(screen), store=store)
        except InboxError as exc:
            screen.post_message(Said(str(exc), "error"))
            return
        finally:
            if store is not app.store:
                await asyncio.to_thread(store.close)
        screen.post_message(SyncFinished(report, background))

    def refresh_sla(self) -> None:
        if self.app.config.sla is not None:
            self.screen.run_worker(self._refresh_sla, thread=True, exclusive=True, group="sla")

    def _refresh_sla(self) -> None:
        """In a thread worker: due times from the current `[sla]`, through a connection of
        its own (a changed `[sla]` means every item, chunk by chunk, and the screen's reads
        never queue behind those chunks)."""
        app = self.app
        store = app.store
        try:
            store = app.store.another() or app.store
            app.workspace.refresh_sla(store=store)
        except InboxError as exc:
            self.screen.post_message(Said(f"SLA not computed: {exc}", "warning"))
            return
        finally:
            if store is not app.store:
                store.close()
        self.screen.post_message(SlaRefreshed())

    def activity(self, message: SyncActivity) -> None:
        """A source's step, on the status line."""
        activity = self.screen.sync_activity
        if message.text is None:
            activity.pop(message.source, None)
        else:
            activity[message.source] = message.text
        self.screen.refresh_status()

    def finished(self, message: SyncFinished) -> None:
        """A word on what arrived or failed (a quiet background sync says nothing else),
        and the list, counts and status line again with the cursor kept."""
        screen, results = self.screen, message.report.results
        screen.sync_activity.clear()
        failed = [r for r in results if not r.ok]
        summary = "; ".join(one_line(r.summary()) for r in results)
        if failed or not message.background or any(r.items for r in results):
            screen.say(summary, severity="error" if failed else "information", timeout=6)
        screen.reload(keep_key=True)
        screen.refresh_counts()
        screen.refresh_status()


class StatusProgress:
    """`SyncProgress` for the status line: `SyncActivity` messages to the screen."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen

    def _set(self, source: str, text: str | None) -> None:
        self.screen.post_message(SyncActivity(source, text))

    def started(self, source: str) -> None:
        self._set(source, "syncing…")

    def advanced(self, source: str, items: int, pages: int) -> None:
        self._set(source, f"syncing… {plural(items, 'item')}")

    def status(self, source: str, text: str) -> None:
        if text:
            self._set(source, text)

    def finished(self, result: Any) -> None:
        self._set(result.name, None)
