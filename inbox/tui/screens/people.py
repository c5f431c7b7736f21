"""The People screen: everyone who posts or answers, with channels, activity, level and
tags. `t` / `T` tag and untag, `/` filters, enter shows the person's posts in the inbox.

The caller computes the list (in a worker) and hands it down; the screen's only write is
the tagging callback it is given, run in a thread worker. Every cell is a rich Text: a
name like `[@click=app.quit]x` is a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from inbox.errors import InboxError, QueryError
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.timeutil import ago
from inbox.triage.people import LEVELS, Person, filter_people, fold
from inbox.triage.tags import SUGGESTED_TAGS, normalize_tag, tag_problem
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.widgets.columns import Column, Fitted, fit
from inbox.tui.widgets.item_list import channel_badge
from inbox.tui.widgets.keyed import KeyedDataTable

Tagger = Callable[[str, str, bool], object]
"""(person name, tag, add?) -> anything: writes the tag (the caller's store). Runs in a
thread worker; an InboxError it raises is shown as one line."""

MAX_ROWS = 2000
"""Rows drawn at most (a DataTable mounts every row); `/` searches everyone."""
_LEVEL_STYLES = {1: "bold #98c379", 2: "#61afef", 3: "#e5c07b", 4: "dim"}
COLUMNS = (
    Column("Name", "Name", 18),
    Column("Channels", "Channels", len("GH GL FO SO SL ZD IC UV"), drop=4),
    Column("Posts", "Posts", 6, right=True, drop=3),
    Column("Replies", "Replies", 7, right=True, drop=2),
    Column("First seen", "First seen", 10, drop=1),
    Column("Last seen", "Last seen", 9, drop=5),
    Column("Level", "Level", max(len(f"{level} {label}") for level, label in LEVELS.items())),
    Column("Tags", "Tags", 12, flexible=True),
)
"""The table's columns, each at most as wide as given; Name, Level and Tags never drop."""
CELL_GAP = 2
"""A DataTable pads each cell by one on either side."""


class PeopleScreen(Screen[str | None]):
    """Dismisses with the chosen person's name (enter), or None (escape)."""

    BINDINGS = [
        Binding("t", "add_tag", "Tag", id="people_tag"),
        Binding("T", "remove_tag", "Untag", id="people_untag"),
        Binding("slash", "filter", "Filter", id="people_filter", key_display="/"),
        Binding("escape", "close", "Back", id="people_close"),
    ]
    DEFAULT_CSS = """
    PeopleScreen { layout: vertical; }
    PeopleScreen #people-header { height: 1; padding: 0 1; background: $panel; }
    PeopleScreen #people-table { height: 1fr; }
    PeopleScreen #people-filter { dock: bottom; margin-bottom: 1; display: none; }
    PeopleScreen.filtering #people-filter { display: block; }
    """

    class TagFailed(Message, bubble=False):
        """The tag write raised an InboxError: `error` is shown as one line."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class TagSaved(Message, bubble=False):
        """A tag was written (`add`) or taken off; every row of that name shows it."""

        def __init__(self, name: str, tag: str, add: bool) -> None:
            super().__init__()
            self.name = name
            self.tag = tag
            self.add = add

    def __init__(self, people: list[Person], *, now: datetime, on_tag: Tagger | None = None,
                 title: str = "People") -> None:
        super().__init__()
        self.people = list(people)
        self.now = now
        self.on_tag = on_tag
        self.title_text = title
        self.filter_text = ""
        self.filter_error: str | None = None
        self.shown: list[Person] = []
        self.columns: Fitted | None = None
        self._drawn_columns: Fitted | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="people-header")
        yield KeyedDataTable(id="people-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="amy · tag:champion · level:1 · channel:github · -tag:staff",
                    id="people-filter")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        if self._fit_columns():
            self._fill()

    # --- drawing ----------------------------------------------------------------------

    def _fit_columns(self) -> bool:
        """The columns that fit the screen's width, each as wide as its longest value (up
        to its own width); True when they changed and the table must be drawn again."""
        longest = {"Name": max((len(one_line(p.name)) for p in self.people), default=0),
                   "Channels": max((3 * len(p.channels) - 1 for p in self.people), default=0)}
        columns = [replace(c, width=max(len(c.header), min(c.width, longest[c.key]))) if c.key in longest else c
                   for c in COLUMNS]
        edges, scrollbar = CELL_GAP, 2
        fitted = fit(columns, max(1, self.size.width - edges - scrollbar), gap=CELL_GAP)
        changed = fitted != self.columns
        self.columns = fitted
        return changed

    def _row(self, person: Person) -> list[Text]:
        first = person.first_seen.date().isoformat() if person.first_seen else "-"
        last = f"{ago(person.last_seen, self.now)} ago" if person.last_seen else "-"
        channels = Text(no_wrap=True, overflow="ellipsis")
        for index, kind in enumerate(person.channels):
            badge, colour = channel_badge(kind)
            channels.append(("" if index == 0 else " ") + badge, style=f"bold {colour}")
        cells = {
            "Name": Text(one_line(person.name), style="bold", no_wrap=True, overflow="ellipsis"),
            "Channels": channels if person.channels else Text("-"),
            "Posts": Text(f"{person.posts:,}", justify="right"),
            "Replies": Text(f"{person.replies:,}", justify="right"),
            "First seen": Text(first),
            "Last seen": Text(last),
            "Level": Text(f"{person.level} {person.level_label}", style=_LEVEL_STYLES[person.level]),
            "Tags": Text(one_line(", ".join(person.tags)), style="#e5c07b", no_wrap=True, overflow="ellipsis"),
        }
        assert self.columns is not None
        return [cells[column.key] for column in self.columns.columns]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        chosen = self.highlighted
        if self.columns is None:
            self._fit_columns()
        assert self.columns is not None
        if self._drawn_columns != self.columns:
            self._drawn_columns = self.columns
            table.clear(columns=True)
            for column, width in zip(self.columns.columns, self.columns.widths):
                table.add_column(Text(column.header, justify="right" if column.right else "left"),
                                 width=width, key=column.key)
        try:
            self.shown = filter_people(self.people, self.filter_text)
            self.filter_error = None
        except QueryError as exc:
            self.filter_error = str(exc)
            self.shown = list(self.people)
        table.clear()
        for index, person in enumerate(self.shown[:MAX_ROWS]):
            table.add_row(*self._row(person), key=str(index))
        drawn = self.shown[:MAX_ROWS]
        row = next((index for index, person in enumerate(drawn) if person is chosen), None)
        if row is not None:
            table.move_cursor(row=row, animate=False)
        self._header()

    def _header(self) -> None:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(one_line(self.title_text), style="bold")
        total, shown = len(self.people), len(self.shown)
        header.append(f"  {shown:,} of {total:,}" if shown != total else f"  {plural(total, 'person')}", style="dim")
        if shown > MAX_ROWS:
            header.append(f" (first {MAX_ROWS:,} drawn: / to narrow)", style="dim")
        if self.filter_text:
            header.append("  filter: ", style="dim")
            header.append(one_line(self.filter_text), style="#e5c07b")
        if self.filter_error:
            header.append(f"  {one_line(self.filter_error)}", style="bold #e06c75")
        header.append("  ·  enter shows their posts", style="dim")
        self.query_one("#people-header", Static).update(header)

    @property
    def highlighted(self) -> Person | None:
        table = self.query_one(DataTable)
        if not self.shown or table.row_count == 0:
            return None
        row = table.cursor_row
        return self.shown[row] if 0 <= row < min(len(self.shown), MAX_ROWS) else None

    # --- choosing ---------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        person = self.highlighted
        if person is not None:
            self.dismiss(person.name)

    def action_close(self) -> None:
        if self.has_class("filtering"):
            self._close_filter()
            return
        self.dismiss(None)

    # --- filtering --------------------------------------------------------------------

    def action_filter(self) -> None:
        self.add_class("filtering")
        box = self.query_one("#people-filter", Input)
        box.value = self.filter_text
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "people-filter":
            return
        event.stop()
        self.filter_text = event.value.strip()
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "people-filter":
            return
        event.stop()
        self._close_filter()

    def _close_filter(self) -> None:
        self.remove_class("filtering")
        self.query_one(DataTable).focus()

    # --- tagging ----------------------------------------------------------------------

    def _say(self, message: str, **kwargs) -> None:
        self.notify(one_line(message), markup=False, **kwargs)

    def _tag_target(self) -> Person | None:
        person = self.highlighted
        if person is None:
            self._say("No person highlighted", severity="warning")
        elif self.on_tag is None:
            self._say("Tags cannot be changed here", severity="warning")
            return None
        return person

    def action_add_tag(self) -> None:
        person = self._tag_target()
        if person is None:
            return
        suggestions = [tag for tag in SUGGESTED_TAGS if tag not in person.tags]

        def chosen(answer: str | None) -> None:
            if answer:
                self._write_tag(person.name, normalize_tag(answer), True)

        self.app.push_screen(PromptScreen(
            f"Tag {one_line(person.name)} as? (champion, contributor, staff or your own)",
            placeholder=", ".join(suggestions) or "champion", check=tag_problem,
            suggestions=suggestions), chosen)

    def action_remove_tag(self) -> None:
        person = self._tag_target()
        if person is None:
            return
        # an automatic staff tag comes from the channel or [team] staff: not ours to take off
        removable = [tag for tag in person.tags if not (tag == "staff" and person.staff)]
        if not removable:
            self._say(f"{person.name} has no tags to take off"
                      + (" (staff comes from the channel or [team] staff)" if person.staff else ""),
                      severity="warning")
            return

        def check(answer: str) -> str | None:
            problem = tag_problem(answer)
            if problem:
                return problem
            if answer.strip().lower() not in removable:
                return f"{one_line(person.name)} has no tag {answer.strip().lower()!r} to take off"
            return None

        def chosen(answer: str | None) -> None:
            if answer:
                self._write_tag(person.name, normalize_tag(answer), False)

        self.app.push_screen(PromptScreen(
            f"Take which tag off {one_line(person.name)}? ({', '.join(removable)})",
            value=removable[-1], check=check, suggestions=removable), chosen)

    @work(thread=True, group="people-tags")
    def _write_tag(self, name: str, tag: str, add: bool) -> None:
        assert self.on_tag is not None
        try:
            self.on_tag(name, tag, add)
        except InboxError as exc:
            self.post_message(self.TagFailed(str(exc)))
            return
        self.post_message(self.TagSaved(name, tag, add))

    def on_people_screen_tag_failed(self, message: PeopleScreen.TagFailed) -> None:
        message.stop()
        self._say(message.error, severity="error")

    def on_people_screen_tag_saved(self, message: PeopleScreen.TagSaved) -> None:
        message.stop()
        name, tag, add = message.name, message.tag, message.add
        # tags belong to a name: every row of that name shows the change
        for person in self.people:
            if fold(person.name) != fold(name):
                continue
            tags = set(person.tags) | {tag} if add else set(person.tags) - {tag}
            if person.staff:
                tags.add("staff")
            person.tags = (["staff"] if "staff" in tags else []) + sorted(tags - {"staff"})
        self._fill()
        self._say(f"{name}: {'tagged' if add else 'untagged'} {tag}", timeout=2)

