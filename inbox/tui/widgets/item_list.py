"""The item list: a line-drawn virtual list that pages rows from the store as they scroll in.

Only the visible rows are drawn; rows come in pages of `PAGE_SIZE` fetched by thread
workers and kept in a small LRU. A page is read by key from a neighbour already seen (the
rows after the last row of the page above, or before the first row of the page below), and
the last page straight from the end, so the bottom of a million items costs what the top
does; only a jump to the middle (the scrollbar) reads by offset.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import Any, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox.reports.sla import sla_label
from inbox.store import channel_wait_of, row_key
from inbox.text import one_line
from inbox.text.leaks import mask
from inbox.timeutil import ago
from inbox.triage.suggest import Suggestion
from inbox.tui.colours import readable
from inbox.tui.widgets.columns import Column, Fitted, cut, fit

PAGE_SIZE = 100
CACHED_PAGES = 40

KIND_BADGES = {
    "github": ("GH", "#8b949e"), "gitlab": ("GL", "#fc6d26"), "discourse": ("FO", "#7fbf7f"),
    "stackexchange": ("SO", "#f48024"), "slack": ("SL", "#c586c0"), "zendesk": ("ZD", "#5fb3b3"),
    "intercom": ("IC", "#4f9cf7"), "uservoice": ("UV", "#e6c07b"),
}
TYPE_TAGS = {
    "troubleshooting": ("TRBL", "#e5c07b"), "feature": ("FEAT", "#61afef"),
    "bug": ("BUG", "#e06c75"), "question": ("QSTN", "#98c379"),
}


def channel_badge(kind: str) -> tuple[str, str]:
    """Two letters and a colour for a channel kind (`GH`), as the list shows it."""
    return KIND_BADGES.get(kind, (kind[:2].upper(), "white"))


MARKER_STYLES = {"●": "bold #e5c07b", "⚠": "bold #e06c75", "◆": "bold #56b6c2"}


class PageReader(Protocol):
    """The current query's rows, in list order, as `Store.page` reads them."""

    def __call__(self, limit: int, *, after: Any = None, before: Any = None,
                 last: bool = False) -> list[dict[str, Any]]: ...


@dataclass
class ListData:
    """What the list shows: a row count (None while it is being counted), the first page,
    and how to read more off the UI thread (by key, or by offset for a jump)."""

    total: int | None
    read: PageReader
    read_at: Callable[[int, int], list[dict[str, Any]]]
    first_page: list[dict[str, Any]]
    generation: int


TITLE_MIN = 40
"""The title's least width: the other columns drop before it gets fewer cells."""
REPLYING_STYLE = "bold #c678dd"

ROW_COLUMNS = (
    Column("marker", "", 1),
    Column("channel", "ch", 2, drop=7),
    Column("type", "type", 4, drop=6),
    Column("title", "title", TITLE_MIN, flexible=True),
    Column("sla", "SLA", len("overdue 11d 10h"), right=True, drop=5),
    Column("author", "author", 15, drop=3),
    Column("age", "age", 4, right=True, drop=2),
    Column("replies", "↩", 5, right=True, drop=1),
    Column("idle", "idle", 4, right=True, drop=4),
)
"""The list's columns, left to right. `age` (since created) and `idle` (since the last
activity) are named as the query language names them. Least useful first to drop: the
reply count, the age, the author, the idle time, the SLA, the type, the channel."""


@lru_cache(maxsize=64)
def row_columns(width: int, sla_column: bool) -> Fitted:
    """The columns a row of `width` cells shows (the header row uses the same)."""
    columns = [c for c in ROW_COLUMNS if sla_column or c.key != "sla"]
    return fit(columns, width)


def replying_note(row: dict[str, Any], room: int = 99) -> str:
    """` ✎ amy is replying` when a teammate has the reply editor open on the item; ` ✎ amy`
    when `room` (the title's cells) is short."""
    name = one_line(row.get("replying") or "")
    if not name:
        return ""
    long = f" ✎ {name[:16]} is replying"
    return long if len(long) <= room // 2 else f" ✎ {name[:10]}"


SUGGESTED_STYLE = "dim italic"


def suggested_note(row: dict[str, Any], room: int = 99) -> str:
    """` Bug? 84%`: the type suggested for an untagged post, when the title keeps most of
    `room` (its cells) beside it."""
    kind, confidence = row.get("suggested_type"), row.get("suggested_confidence")
    if row.get("type") or not kind or confidence is None or kind not in TYPE_TAGS:
        return ""
    note = f" {Suggestion(kind, float(confidence)).label}"
    return note if len(note) <= room // 3 else ""


def _replies(count: int) -> str:
    return f"{count if count < 10_000 else f'{count // 1000}k'}↩"


def _shortest(text: str, width: int) -> str:
    """`text` less its last words until it fits: `overdue 123d 14h` -> `overdue 123d`."""
    while len(text) > width and " " in text:
        text = text.rsplit(" ", 1)[0]
    return text[:width]


def format_row(row: dict[str, Any], width: int, now: datetime, *, sla_column: bool = False,
               zone: tzinfo | None = timezone.utc) -> Text:
    """One list row as styled text; channel text is never parsed as markup.

    `sla_column` (when the config has an [sla]): time left to answer, or how overdue. The
    title is bold while the item is new to the user (never opened, or changed since); a
    teammate with the reply editor open on it is named after the title. The columns are
    `row_columns(width)`: the row never runs past `width`."""
    columns = row_columns(width, sla_column)
    badge, colour = channel_badge(row["kind"])
    tag, tag_colour = TYPE_TAGS.get(row.get("type") or "", ("·", "#5c6370"))
    wait = channel_wait_of(row)
    marker = ("◆" if row.get("marked") else "⚠" if row.get("leaks") else "✓" if row.get("done")
              else "z" if row.get("snoozed") or wait else "●" if row.get("awaiting") else " ")
    sla = ""
    if "sla" in columns and row.get("awaiting") and not row.get("done") and row.get("sla_due_at"):
        sla = _shortest(sla_label(row["sla_due_at"], now), columns.width("sla"))
    replying = replying_note(row, columns.width("title"))
    guess = suggested_note(row, columns.width("title") - len(replying))
    title_width = max(1, columns.width("title") - len(replying) - len(guess))
    title = mask(one_line(row["title"])) if row.get("leaks") else one_line(row["title"])
    # Why the channel holds it: in the SLA column when it is free, else after the title
    # in the longest form that leaves the title a dozen characters.
    held = _shortest(wait.brief(now, zone), columns.width("sla")) if wait and "sla" in columns and not sla else ""
    why = next((f" · {said}" for said in (wait.describe(row["kind"], now, zone), wait.describe(None, now, zone))
                if len(said) + 3 <= title_width - 12), "") if wait and not held else ""
    if len(title) + len(why) > title_width:
        title = title[: max(0, title_width - len(why) - 1)] + "…"
    title_style = (("bold " if row.get("new") else "") + ("dim" if row.get("state") == "closed" else "")).strip()
    author = one_line(row["author"])
    author = cut(author, 14).rstrip() if len(author) > 14 else author
    text = Text(no_wrap=True, overflow="crop", end="")
    for index, (column, cells) in enumerate(zip(columns.columns, columns.widths)):
        if index:
            text.append(" ")
        key = column.key
        if key == "marker":
            text.append(marker, style=MARKER_STYLES.get(marker, "dim"))
        elif key == "channel":
            text.append(cut(badge, cells), style=f"bold {colour}")
        elif key == "type":
            text.append(cut(tag, cells), style=tag_colour)
        elif key == "title":
            text.append(title, style=title_style)
            text.append(f"{why:<{title_width - len(title)}}", style="italic #5fb3b3")
            text.append(guess, style=SUGGESTED_STYLE)
            text.append(replying, style=REPLYING_STYLE)
        elif key == "sla" and held:
            text.append(cut(held, cells, right=True), style="italic #5fb3b3")
        elif key == "sla":
            text.append(cut(sla, cells, right=True), style="bold #e06c75" if sla.startswith("overdue") else "#e5c07b")
        elif key == "author":
            text.append(cut(author + ("*" if row["author_is_staff"] else ""), cells), style="#abb2bf")
        elif key == "age":
            text.append(cut(ago(row["created_at"], now), cells, right=True), style="#abb2bf")
        elif key == "replies":
            text.append(cut(_replies(row["replies"]), cells, right=True), style="#abb2bf")
        elif key == "idle":
            text.append(cut(ago(row["last_activity_at"], now), cells, right=True), style="#abb2bf")
    return text


class ItemList(ScrollView, can_focus=True):
    """Draws rows on demand; moves a cursor; says which item is highlighted."""

    BINDINGS = [
        Binding("j,down", "cursor(1)", "Down", show=False, id="cursor_down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, id="cursor_up"),
        Binding("g,home", "first", "Top", show=False, id="top"),
        Binding("G,end", "last", "Bottom", show=False, id="bottom"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
    ]
    COMPONENT_CLASSES = {"item-list--cursor", "item-list--placeholder"}

    class Highlighted(Message):
        """The cursor rests on another item (or on none)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    class ColumnsChanged(Message):
        """The width changed the columns shown: the header row above the list follows."""

        def __init__(self, columns: Fitted) -> None:
            super().__init__()
            self.columns = columns

    class PageLoaded(Message, bubble=False):
        """A page of rows fetched by a thread worker, for the list that asked for it.

        `generation` is the query the page was fetched for: a page of an older query is
        dropped when it arrives."""

        def __init__(self, page: int, generation: int, rows: list[dict[str, Any]]) -> None:
            super().__init__()
            self.page = page
            self.generation = generation
            self.rows = rows

    def __init__(self, *, now: Callable[[], datetime], sla_column: bool = False,
                 zone: tzinfo | None = timezone.utc, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.zone = zone
        """The time zone a channel's wait ends in, as the preview says it."""
        self.sla_column = sla_column
        self.total = 0
        self.counting = False
        """The first page is shown and the rest is being counted."""
        self.cursor = 0
        self.generation = 0
        self._data: ListData | None = None
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._edges: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {}
        """Each page seen in this generation: the place of its first and last row (kept
        when the rows are evicted, to read neighbours by key)."""
        self._pending: set[int] = set()
        self._line_cache: dict[tuple[int, int, bool, bool], Strip] = {}
        self._last_key: str | None = None
        self._columns_width = -1
        self.marked: frozenset[str] = frozenset()
        """Keys marked for bulk triage (the screen holds them): drawn with `◆`."""
        self._opened: dict[str, int | None] = {}
        """Keys opened here: None while the store is being told, then the generation the
        list was at when it had been. Rows read for that generation or an earlier one may
        have been read before, so they are shown as seen whatever they say."""

    # --- data -----------------------------------------------------------------

    def show(self, data: ListData, cursor: int | None = None) -> None:
        """Replace what the list shows (a new query, or fresh data for the same one)."""
        self.generation = data.generation
        self._data = data
        self.counting = data.total is None
        self.total = len(data.first_page) if data.total is None else data.total
        self._pages.clear()
        self._edges.clear()
        self._pending.clear()
        self._line_cache.clear()
        self._opened = {key: at for key, at in self._opened.items() if at is None or at >= data.generation}
        self._keep(0, data.first_page)
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)
        target = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(target, self.total - 1))
        if self.cursor >= PAGE_SIZE:
            self._request(self.cursor // PAGE_SIZE)
        self._keep_cursor_visible()
        self.refresh()
        self._announce()

    def show_marks(self, keys: Iterable[str]) -> None:
        self.marked = frozenset(keys)
        self._line_cache.clear()
        self.refresh()

    def counted(self, generation: int, total: int) -> None:
        """The count of what `show` began with arrived: the list can now reach every row."""
        if generation != self.generation:
            return
        self.counting = False
        self.total = total
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)
        self.refresh()

    def mark_seen(self, key: str) -> None:
        """The item was opened: its row is drawn as not new at once, and in the rows read
        until `seen_recorded` says the store has it."""
        self._opened[key] = None
        if any(self._as_seen(page, self.generation) for page in self._pages.values()):
            self._line_cache.clear()
            self.refresh()

    def seen_recorded(self, key: str, generation: int) -> None:
        """The store has it that the item was opened, for lists read after `generation`."""
        if key in self._opened:
            self._opened[key] = generation

    def _as_seen(self, rows: list[dict[str, Any]], generation: int) -> bool:
        """Rows opened here and read before the store had it drawn as seen; True if any."""
        changed = False
        for row in rows:
            if row.get("new") and row["key"] in self._opened:
                at = self._opened[row["key"]]
                if at is None or generation <= at:
                    row["new"], changed = 0, True
        return changed

    def row(self, index: int) -> dict[str, Any] | None:
        page = self._pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def columns(self) -> Fitted:
        """The columns the rows show at the list's width now."""
        return row_columns(self.scrollable_content_region.width, self.sla_column)

    @property
    def highlighted(self) -> dict[str, Any] | None:
        return self.row(self.cursor) if self.total else None

    def _request(self, page: int) -> None:
        if page in self._pending or self._data is None:
            return
        self._pending.add(page)
        self._load_page(page, self.generation, self._reading_for(page))

    def _reading_for(self, page: int) -> Callable[[], list[dict[str, Any]]]:
        """How to read `page`: from a neighbour's edge by key, from the end, or by offset."""
        data = self._data
        assert data is not None
        last_page = max(0, self.total - 1) // PAGE_SIZE
        if page - 1 in self._edges:
            after = self._edges[page - 1][1]
            return lambda: data.read(PAGE_SIZE, after=after)
        if page + 1 in self._edges:
            before = self._edges[page + 1][0]
            return lambda: data.read(PAGE_SIZE, before=before)
        if page == last_page and not self.counting:
            rows = self.total - page * PAGE_SIZE
            return lambda: data.read(rows, last=True)
        if page == 0:
            return lambda: data.read(PAGE_SIZE)
        return lambda: data.read_at(page * PAGE_SIZE, PAGE_SIZE)

    @work(thread=True, group="item-pages")
    def _load_page(self, page: int, generation: int, read: Callable[[], list[dict[str, Any]]]) -> None:
        self.post_message(self.PageLoaded(page, generation, read()))

    def on_item_list_page_loaded(self, message: ItemList.PageLoaded) -> None:
        message.stop()
        page, rows = message.page, message.rows
        if message.generation != self.generation:
            return
        self._pending.discard(page)
        self._keep(page, rows)
        while len(self._pages) > CACHED_PAGES:
            oldest = next(iter(self._pages))
            if oldest == self.cursor // PAGE_SIZE:
                self._pages.move_to_end(oldest)
                continue
            self._pages.popitem(last=False)
        self._line_cache.clear()
        self.refresh()
        self._announce()

    def _keep(self, page: int, rows: list[dict[str, Any]]) -> None:
        self._as_seen(rows, self.generation)
        self._pages[page] = rows
        if rows:
            self._edges[page] = (row_key(rows[0]), row_key(rows[-1]))

    # --- drawing --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if width != self._columns_width:
            self._columns_width = width
            self.post_message(self.ColumnsChanged(self.columns))
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        cache_key = (index, width, selected, self.has_focus)
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.row(index)
        if row is None:
            self._request(index // PAGE_SIZE)
            style = self.get_component_rich_style("item-list--placeholder")
            return Strip([Segment(" …".ljust(width), style)], width)
        if row["key"] in self.marked:
            row = {**row, "marked": True}
        text = format_row(row, width, self.now(), sla_column=self.sla_column, zone=self.zone)
        text.truncate(width, overflow="crop", pad=True)
        if selected:
            text = self._on_cursor(text)
        strip = Strip(list(text.render(self.app.console)), width).apply_style(self.rich_style)
        self._line_cache[cache_key] = strip
        if len(self._line_cache) > 2000:
            self._line_cache.clear()
        return strip

    def _on_cursor(self, text: Text) -> Text:
        """The highlighted row in one colour that reads on the cursor's background (4.5:1
        or more, in any theme), badges and tags too: their own colours are chosen for the
        list's background, and on the cursor's some would all but vanish."""
        cursor = self.get_component_rich_style("item-list--cursor")
        background = cursor.bgcolor or self.rich_style.bgcolor
        if background is not None:
            cursor += Style(color=readable(cursor.color or self.rich_style.color, background), dim=False)
        return Text(end="").append(text.plain, style=cursor)  # a span: Rich draws a bare style on no text

    def notify_style_update(self) -> None:
        """Another theme: the rows drawn in the previous one's colours are drawn again."""
        self._line_cache.clear()
        super().notify_style_update()

    # --- moving ---------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        if index == self.cursor:
            return
        self.cursor = index
        self._line_cache.clear()
        self._keep_cursor_visible()
        self.refresh()
        self._announce()

    def _keep_cursor_visible(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        row = self.highlighted
        key = row["key"] if row else None
        if key != self._last_key or row is None:
            self._last_key = key
            self.post_message(self.Highlighted(key))

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.total - 1)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: Any) -> None:
        self.move_to(int(self.scroll_offset.y) + event.y)

    def on_focus(self) -> None:
        self.refresh()  # the cursor row is brighter while the list has focus

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)
        self._line_cache.clear()
