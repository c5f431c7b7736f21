"""Reading the preview of the highlighted post: the item, its thread, the playbooks its
triggers offer, its draft, what rules did to it and its triage history; and marking it
seen once the preview settled on it.

Not a screen: the main screen owns one, tells it which key is highlighted, and passes it
the messages its workers post back. One preview is read at a time (`OneAtATime`): the
cursor held down asks for one per row, and only the last one asked for is read next.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from inbox.config import default_config_path
from inbox.errors import InboxError
from inbox.timeutil import human_time
from inbox.triage.history import rule_history
from inbox.tui import messages as msg
from inbox.tui.pacing import OneAtATime
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.preview import PREVIEW_CHARS, Preview, posts, welcome

if TYPE_CHECKING:
    from inbox.tui.screens.main import MainScreen


class Previewer:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.key: str | None = None
        """The highlighted post's key (None: no row)."""
        self._reads: OneAtATime[None] = OneAtATime(lambda _: self._read(self.key))

    def show(self, key: str | None) -> None:
        """The cursor moved to `key`: read its preview."""
        self.key = key
        self.refresh()

    def refresh(self) -> None:
        """Read the highlighted post's preview again (after a change to it)."""
        self._reads.request(None)

    def _read(self, key: str | None) -> None:
        self.screen.run_worker(partial(self._load, key), thread=True, group="preview")

    def _load(self, key: str | None) -> None:
        """In a thread worker; always answers with `PreviewLoaded`."""
        screen = self.screen
        app, store = screen.app, screen.store
        now, me = app.now(), app.config.team.me
        reading = screen.has_class("reading")
        item, thread, offered, draft, rules, history = None, [], [], None, [], []
        try:
            if key:
                item = store.item(key, now=now, viewer=app.config.team.who)
                thread = store.thread(key)
                offered = [name for name, query in screen.triggers.items()
                           if store.matches(key, query, now=now, me=me)]
                draft = store.drafts.get(key)
                zone = app.zone
                rules = [entry["line"] for entry in rule_history(
                    store, key, triage=False, when=lambda at: human_time(at, now, zone))]
                history = store.history.of(key)
                if item is not None:  # Markdown drawn here, off the UI thread: the preview finds it cached
                    posts(item, thread, now, app.zone, None if reading else PREVIEW_CHARS)
        except InboxError as exc:
            screen.post_message(msg.Said(str(exc), "error"))
        finally:  # always answered, or no preview would be read again
            screen.post_message(msg.PreviewLoaded(key, item, thread, offered, draft, rules, history))

    def loaded(self, message: msg.PreviewLoaded) -> None:
        """Show what `_load` read, if the cursor is still on it."""
        screen = self.screen
        key, item, offered = message.key, message.item, message.offered
        self._reads.done()
        if key != self.key:
            return
        library = screen.library
        # An incident (a leaked secret) is urgent: offered before routine procedures.
        offered.sort(key=lambda n: n not in library.playbooks or library.playbooks[n].event != "incident")
        titles = [library.playbooks[n].title for n in offered if n in library.playbooks]
        config = screen.app.config
        jira_url = (config.jira.browse_url(item["jira_key"])
                    if item and item.get("jira_key") and config.jira else None)
        first_run = welcome(str(config.path or default_config_path()), len(config.sources))
        screen.query_one(Preview).show(item, message.thread, screen.app.now(), empty_inbox=screen.store_is_empty,
                                       playbooks=titles, draft=message.draft, jira_url=jira_url,
                                       rules=message.rules, history=message.history, zone=screen.app.zone,
                                       welcome=first_run, full=screen.has_class("reading"))
        screen.query_one(PlaybookPanel).offer(offered)
        screen.similar.request(key if item is not None else None)
        if key is not None and item is not None:  # the preview settled on it: opened
            self.opened(key)

    def opened(self, key: str) -> None:
        """The user looked at the item: no longer new to them (in the list at once)."""
        self.screen.query_one(ItemList).mark_seen(key)
        self.screen.run_worker(partial(self._record_seen, key), thread=True, group="seen")

    def _record_seen(self, key: str) -> None:
        """In a thread worker."""
        try:
            self.screen.app.workspace.seen(key)
        except InboxError:  # busy or read-only: it is new again on the next read, until opened again
            pass
        finally:
            self.screen.post_message(msg.SeenRecorded(key))

    def seen_recorded(self, message: msg.SeenRecorded) -> None:
        self.screen.query_one(ItemList).seen_recorded(message.key, self.screen.lister.generation)
