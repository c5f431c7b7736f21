"""What the main screen's workers report back: one message per result, handled by the
screen's `on_...` methods on the UI thread (a thread worker posts; it never calls the
screen's methods itself). A widget's own workers post messages nested in the widget
(`ItemList.PageLoaded`, `PlaybookView.RunTicked`), which it handles and stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message

if TYPE_CHECKING:
    from inbox.playbooks import Library
    from inbox.query import Query
    from inbox.reports.stats import StatsReport
    from inbox.respond.templates import TemplateLibrary
    from inbox.store.drafts import Draft
    from inbox.store.history import Change
    from inbox.store.triage import TriageChange, Undone
    from inbox.tui.screens.compose import ReplyContext
    from inbox.tui.widgets.item_list import ListData
    from inbox.workspace import SyncReport


class WorkerReport(Message):
    """A worker's result, posted to the screen that started it."""


@dataclass(eq=False)
class Said(WorkerReport):
    """A toast from a worker (a failure, usually)."""

    text: str
    severity: str = "information"
    timeout: float | None = None


@dataclass(eq=False)
class ListLoaded(WorkerReport):
    data: ListData
    position: int | None
    """Where `kept` now sits (None: left out, or too deep to look for)."""
    kept: str | None = None
    """The item the cursor is to stay on (or go back to)."""
    at: str | None = None
    """The item the cursor was on when the list was asked for: if it is elsewhere now,
    keys moved it meanwhile."""


@dataclass(eq=False)
class ListRead(WorkerReport):
    """The list's worker is done with its first page: the next list may be read."""


@dataclass(eq=False)
class ListCounted(WorkerReport):
    """The count of a list shown before it was known."""

    generation: int
    total: int


@dataclass(eq=False)
class CountsLoaded(WorkerReport):
    counts: dict[str, int]


@dataclass(eq=False)
class StatusLoaded(WorkerReport):
    text: Text


@dataclass(eq=False)
class SuggestionsRetrained(WorkerReport):
    """The type model was brought up to date with the tags (`inbox.tui.suggesting`)."""

    note: str
    """What the status line says of suggestions ("" while nothing is tagged)."""
    changed: bool
    """Suggestions changed: the list and preview are read again."""


@dataclass(eq=False)
class PreviewLoaded(WorkerReport):
    key: str | None
    item: dict[str, Any] | None
    thread: list[dict[str, Any]]
    offered: list[str]
    draft: Draft | None
    rules: list[str]
    history: list[Change]


@dataclass(eq=False)
class SeenRecorded(WorkerReport):
    """The store was told the user opened the item (or could not be: it stays new)."""

    key: str


class SlaRefreshed(WorkerReport):
    """Due times were recomputed: the counts and the list may have changed."""


@dataclass(eq=False)
class PlaybooksLoaded(WorkerReport):
    library: Library
    triggers: dict[str, Query]


@dataclass(eq=False)
class TemplatesLoaded(WorkerReport):
    library: TemplateLibrary


@dataclass(eq=False)
class TriageSaved(WorkerReport):
    """A triage change is in the store, for one post or several marked ones; `before` is
    what undo restores (all of them at once)."""

    keys: list[str]
    message: str
    title: str
    changes: dict[str, Any]
    before: TriageChange
    moved: bool = False
    """The cursor moved on to the next post as the change was made: it stays there."""


@dataclass(eq=False)
class TriageUndone(WorkerReport):
    """An undo is in the store; `before` is the action it undid."""

    message: str
    undone: Undone
    before: TriageChange


@dataclass(eq=False)
class UndoFailed(WorkerReport):
    """Nothing was undone: the change goes back on the stack for another `u`."""

    message: str
    before: TriageChange
    error: str


@dataclass(eq=False)
class ComposeReady(WorkerReport):
    context: ReplyContext


@dataclass(eq=False)
class StatsReady(WorkerReport):
    report: StatsReport


@dataclass(eq=False)
class PeopleReady(WorkerReport):
    people: list[Any]


@dataclass(eq=False)
class SyncActivity(WorkerReport):
    """A source's progress for the status line (None: it finished)."""

    source: str
    text: str | None


class StoreChanged(WorkerReport):
    """Someone committed a change to the inbox (a teammate, another process, or this one)."""


@dataclass(eq=False)
class SyncFinished(WorkerReport):
    report: SyncReport
    background: bool


@dataclass(eq=False)
class Teammates(WorkerReport):
    """Who else has the reply editor open on the item being answered."""

    names: list[str]


@dataclass(eq=False)
class PresenceRead(WorkerReport):
    """Who is replying where now (the user left out), by item key."""

    replying: dict[str, list[str]]


@dataclass(eq=False)
class SimilarLoaded(WorkerReport):
    """The posts like the previewed one, and those linked with it as duplicates (None when
    they could not be read)."""

    key: str | None
    similar: list[dict[str, Any]] | None
    linked: list[dict[str, Any]] | None


@dataclass(eq=False)
class DuplicatesLinked(WorkerReport):
    """Posts linked as duplicates of `other`, or unlinked from it (`linked` False)."""

    keys: list[str]
    other: str
    linked: bool
    changed: list[str]
    title: str


@dataclass(eq=False)
class DuplicatesOffered(WorkerReport):
    """Posts just marked done have linked duplicates still open: `e`'s offer."""

    done: list[str]
    rows: list[dict[str, Any]]
