"""Reading the main screen's list: the first page of the current query and its count.

Not a screen: the main screen owns one and calls `reload`. One list is read at a time
(`OneAtATime`): a query typed fast asks for a list per key; a read of a query typed over
meanwhile stops.
The page comes with its count when the tallies can give it; otherwise the page first and
the count after it, so a filter the store must count row by row still shows its first
rows at once. Results come back to the screen as messages.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text

from inbox.errors import InboxError, ReadCancelled
from inbox.query import Query
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.tui.messages import ListCounted, ListLoaded, ListRead, Said
from inbox.tui.pacing import OneAtATime
from inbox.tui.widgets.item_list import PAGE_SIZE, ItemList, ListData

if TYPE_CHECKING:
    from inbox.tui.screens.main import MainScreen

KEEP_WITHIN = 5_000
"""After a change the cursor follows its item if it sits within this many rows of the
top (finding a deeper one reads every row above it); else it keeps its place."""


def list_header(view: str, total: int | None, filter_text: str, *, stale: bool = False) -> Text:
    """`Inbox  12 items  filter: label:bug`. `stale`: the filter bar holds an invalid query,
    so the rows are the last valid filter's, and the header says so rather than let them
    pass for the result of what is typed."""
    header = Text(no_wrap=True, overflow="ellipsis")
    header.append(one_line(view), style="bold")
    count = "counting…" if total is None else plural(total, "item")
    if stale:
        header.append(f"  previous result: {count}", style="bold #e5c07b")
    else:
        header.append(f"  {count}", style="dim")
    if filter_text.strip():
        header.append("  filter: ", style="dim")
        header.append(one_line(filter_text), style="#e5c07b")
    elif stale:
        header.append("  (no filter)", style="dim")
    return header


class Lister:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.generation = 0
        """The query asked for last: results of an earlier one are dropped."""
        self._reads: OneAtATime[bool | str] = OneAtATime(self._read)

    def reload(self, *, keep_key: bool | str = False) -> None:
        """The current query's first page and count, off the UI thread; with `keep_key`,
        the cursor stays on its item (or goes to the item of that key)."""
        self.generation += 1
        self._reads.request(keep_key)

    def read_done(self) -> None:
        """The worker is done with its first page: the next list may be read."""
        self._reads.done()

    def _read(self, keep_key: bool | str) -> None:
        row = self.screen.query_one(ItemList).highlighted
        at = row["key"] if row else None
        kept = keep_key if isinstance(keep_key, str) else at if keep_key else None
        load = partial(self._load, self.screen.current_query(), self.generation, kept, at)
        self.screen.run_worker(load, thread=True, group="list")

    def _load(self, query: Query, generation: int, keep_key: str | None, at: str | None) -> None:
        """In a thread worker."""
        screen = self.screen
        app = screen.app
        me, store, who = app.config.team.me, app.store, app.workspace.who

        def read(limit: int, *, after: Any = None, before: Any = None, last: bool = False) -> list[dict[str, Any]]:
            return store.page(query, now=app.now(), me=me, limit=limit, after=after, before=before, last=last,
                              seen_by=who, viewer=who)

        def read_at(offset: int, limit: int) -> list[dict[str, Any]]:
            return store.list_items(query, now=app.now(), me=me, limit=limit, offset=offset, seen_by=who,
                                    viewer=who)

        def superseded() -> bool:  # another query was typed: this one's rows are not wanted
            return generation != self.generation

        now = app.now()
        try:
            first = store.page(query, now=now, me=me, limit=PAGE_SIZE, seen_by=who, viewer=who,
                               cancelled=superseded)
            total = len(first) if len(first) < PAGE_SIZE else store.quick_count(query, now=now, me=me)
            position = (store.position(query, keep_key, now=now, me=me, within=KEEP_WITHIN)
                        if keep_key else None)
            screen.store_is_empty = not first and store.item_count() == 0
            screen.post_message(ListLoaded(ListData(total, read, read_at, first, generation), position, keep_key, at))
        except ReadCancelled:
            return
        except InboxError as exc:
            screen.post_message(Said(str(exc), "error"))
            return
        finally:  # always answered, or no list would be read again
            screen.post_message(ListRead())
        if total is not None:
            return
        try:
            screen.post_message(ListCounted(generation, store.count(query, now=now, me=me, cancelled=superseded)))
        except ReadCancelled:
            pass
        except InboxError as exc:
            screen.post_message(Said(str(exc), "error"))
