"""The main screen: views, the item list, the preview, the filter bar and the status line.

The screen owns the decisions; widgets only show and report. Reads and writes of the
store run in thread workers, and work that reaches a channel (sync, labels, Jira) in
async workers awaiting the workspace; either way the screen never waits on SQL or HTTP.
Workers report back with messages (`inbox.tui.messages`), handled by the `on_...` methods.
Reading the list and the preview, triage, replying, the overviews, syncing, which posts
a triage key acts on, type suggestions and the similar posts are done by helpers the
screen owns and calls (`Lister`, `Previewer`, `Triager`, `Responder`, `Overviews`,
`Syncer`, `Selection`, `Suggester`, `SimilarPosts`); the questions they ask are in
`inbox.tui.questions`, and the command palette's commands in `inbox.tui.palette`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from inbox.config import View
from inbox.errors import QueryError
from inbox.playbooks import Library, load_library
from inbox.query import Query, parse_query
from inbox.respond.templates import TemplateLibrary
from inbox.store import Store
from inbox.text import one_line
from inbox.tui import handoff, questions
from inbox.tui import messages as msg
from inbox.tui.actions import ACTIONS, bindings
from inbox.tui.listing import Lister, list_header
from inbox.tui.live import Live
from inbox.tui.overviews import Overviews
from inbox.tui.palette import InboxCommands
from inbox.tui.previewing import Previewer
from inbox.tui.presence import Watch
from inbox.tui.responding import Responder
from inbox.tui.screens.help import HelpScreen
from inbox.tui.selection import Selection
from inbox.tui.similar import SimilarPosts
from inbox.tui.syncing import Syncer
from inbox.tui.suggesting import Suggester
from inbox.tui.triaging import Triager
from inbox.tui.widgets.filter_bar import FilterBar
from inbox.tui.widgets.item_list import ItemList
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import NewRunRequested, PlaybookView
from inbox.tui.widgets.preview import Preview
from inbox.tui.widgets.sidebar import Sidebar
from inbox.tui.widgets.status_line import StatusLine, describe_sources
from inbox.views import all_views

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp

FIRST_ACTIONS = {action.action for action in ACTIONS if action.first}


WIDE = 180
"""From this width the preview sits beside the list and the list still shows its main
columns (26 cells of views, 36% of preview, and a row of about 90 cells)."""
COMPACT = 100
"""Below this width the list takes the whole width, the title its 40 cells; the views and
the preview (or playbooks) share the rows under it."""


class MainScreen(Screen):
    BINDINGS = bindings()
    AUTO_FOCUS = "#items"
    COMMANDS = {InboxCommands}

    app: InboxApp

    def __init__(self) -> None:
        super().__init__()
        self.views: list[View] = []
        self.view: View | None = None
        self.filter_text = ""
        self.sync_activity: dict[str, str] = {}
        self.store_is_empty = False
        """The count the list header shows (None: still counting)."""
        self.library = Library()
        self.triggers: dict[str, Query] = {}
        """Each playbook's triggers, parsed once: the posts that offer it."""
        self.templates = TemplateLibrary()
        self._sla_refreshed = False
        self.responder = Responder(self)
        self.overviews = Overviews(self)
        self.syncer = Syncer(self)
        self.live = Live(self)
        self.lister = Lister(self)
        self.previewer = Previewer(self)
        self.selection = Selection(self)
        self.triager = Triager(self, self.selection)
        self.suggester = Suggester(self)
        self.similar = SimilarPosts(self)
        self.presence = Watch(self, lambda: self.refresh_around(counts=False))
        """Teammates opening and closing reply editors show in the list and the preview."""

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def previewed(self) -> str | None:
        """The key of the post the preview is for (None: no post highlighted)."""
        return self.previewer.key

    def compose(self) -> ComposeResult:
        self.views = all_views(self.app.config)
        self.view = self.views[0]
        with Horizontal(id="body"):
            yield Sidebar(self.views, id="sidebar")
            with Vertical(id="center"):
                yield Static(id="list-header")
                yield Static(id="list-columns")
                yield ItemList(now=self.app.now, id="items", zone=self.app.zone,
                               sla_column=self.app.config.sla is not None)
            yield Preview(id="preview")
            yield PlaybookPanel(self.store.runs, self.app.now, id="playbooks")
        filter_bar = FilterBar(id="filter")
        filter_bar.display = False
        yield filter_bar
        yield StatusLine(id="status")
        yield Footer()

    def on_resize(self) -> None:
        width = self.size.width
        self.set_class(COMPACT <= width < WIDE, "narrow")
        self.set_class(width < COMPACT, "compact")
        # less space between the keys below the wide layout: at 80 columns the footer then
        # reaches Undo and Open instead of stopping at Reply
        self.query_one(Footer).compact = width < WIDE

    def on_mount(self) -> None:
        self.reload()
        self.refresh_counts()
        self.refresh_status()
        self._load_playbooks()
        self.responder.load_templates()
        self.suggester.start()
        self.live.start()
        self.presence.start()
        interval = self.app.config.sync_interval
        if interval and self.app.config.sources and not self.app.demo:
            self.set_interval(min(interval.total_seconds(), 60), self.syncer.in_background)

    def on_unmount(self) -> None:
        self.live.stop()

    def say(self, message: str, **kwargs: Any) -> None:
        """A toast; never markup, since messages quote titles and channel errors."""
        self.notify(one_line(message), markup=False, **kwargs)

    def on_said(self, message: msg.Said) -> None:
        kwargs = {} if message.timeout is None else {"timeout": message.timeout}
        self.say(message.text, severity=message.severity, **kwargs)

    def refresh_around(self, *, keep_key: bool | str = True, counts: bool = True) -> None:
        """After a change: the list (cursor kept), the counts and the preview again."""
        self.reload(keep_key=keep_key)
        if counts:
            self.refresh_counts()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Read the highlighted item's preview again (see `Previewer`)."""
        self.previewer.refresh()

    # --- the current query --------------------------------------------------------

    def current_query(self) -> Query:
        """The view's query and the filter's, each parsed (and within the term limit) alone."""
        assert self.view is not None
        view, typed = parse_query(self.view.query), parse_query(self.filter_text)
        return Query(f"{self.view.query} {self.filter_text}".strip(), view.terms + typed.terms)

    def reload(self, *, keep_key: bool | str = False) -> None:
        """The list again, for the current query (see `Lister`)."""
        self.lister.reload(keep_key=keep_key)

    def on_list_read(self, message: msg.ListRead) -> None:
        self.lister.read_done()

    def on_list_loaded(self, message: msg.ListLoaded) -> None:
        data = message.data
        if data.generation != self.lister.generation:
            return
        items = self.query_one(ItemList)
        moved = message.kept is not None and (items.highlighted or {}).get("key") != message.at
        # keys pressed while it loaded moved the cursor: they win over the item it was on
        items.show(data, cursor=None if moved else message.position)
        if not self._sla_refreshed:  # after the first rows are drawn, so it never delays them
            self._sla_refreshed = True
            self.syncer.refresh_sla()
        self.show_header()

    def on_item_list_columns_changed(self, message: ItemList.ColumnsChanged) -> None:
        self.query_one("#list-columns", Static).update(message.columns.header(style=""))

    def on_list_counted(self, message: msg.ListCounted) -> None:
        if message.generation != self.lister.generation:
            return
        self.query_one(ItemList).counted(message.generation, message.total)
        self.show_header()

    def show_header(self) -> None:
        items = self.query_one(ItemList)
        total = None if items.counting else items.total
        stale = self.query_one(FilterBar).error is not None
        header = list_header(self.view.name if self.view else "", total, self.filter_text, stale=stale)
        header.append_text(self.selection.summary())
        self.query_one("#list-header", Static).update(header)

    @work(thread=True, exclusive=True, group="counts")
    def refresh_counts(self) -> None:
        """Every view's count: first those the tallies give at once, then the others (the
        sweeps), counted in the store, so a slow count never holds back the quick ones."""
        now, me = self.app.now(), self.app.config.team.me
        counts: dict[str, int] = {}
        slow = []
        for view in self.views:
            try:
                quick = self.store.quick_count(view.query, now=now, me=me)
            except QueryError:
                continue
            if quick is None:
                slow.append(view)
            else:
                counts[view.name] = quick
        self.post_message(msg.CountsLoaded(dict(counts)))
        if not slow:
            return
        for view in slow:
            try:
                counts[view.name] = self.store.count(view.query, now=now, me=me)
            except QueryError:
                continue
        self.post_message(msg.CountsLoaded(counts))

    def on_counts_loaded(self, message: msg.CountsLoaded) -> None:
        self.query_one(Sidebar).show_counts(message.counts)

    @work(thread=True, exclusive=True, group="status")
    def refresh_status(self) -> None:
        states = self.store.source_states()
        names = [s.name for s in self.app.config.sources]
        states = [s for s in states if not names or s["name"] in names]
        text = describe_sources(states, self.app.now(), dict(self.sync_activity))
        if self.app.demo:
            text = Text("demo workspace  │  ", style="dim") + text
        if self.suggester.note:
            text.append(f"  │  {self.suggester.note}", style="dim")
        self.post_message(msg.StatusLoaded(text))

    def on_status_loaded(self, message: msg.StatusLoaded) -> None:
        self.query_one(StatusLine).update(message.text)

    # --- messages from the widgets ------------------------------------------------

    def on_sidebar_view_chosen(self, message: Sidebar.ViewChosen) -> None:
        if message.leave:
            self.set_focus(self.query_one(ItemList))
        self._show_view(message.view)

    def _show_view(self, view: View) -> None:
        if view is self.view:
            return
        self.view = view
        self.query_one(ItemList).cursor = 0
        self.reload()

    def on_filter_bar_checked(self, message: FilterBar.Checked) -> None:
        """The filter text turned invalid (or valid again): the rows stay, the header says
        whose result they are."""
        self.show_header()

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.filter_text = message.query
        self.query_one(ItemList).cursor = 0
        self.reload()
        if message.submitted:
            self.query_one(ItemList).focus()

    def on_item_list_highlighted(self, message: ItemList.Highlighted) -> None:
        self.previewer.show(message.key)

    def on_preview_loaded(self, message: msg.PreviewLoaded) -> None:
        self.previewer.loaded(message)

    def on_seen_recorded(self, message: msg.SeenRecorded) -> None:
        self.previewer.seen_recorded(message)

    def on_store_changed(self, message: msg.StoreChanged) -> None:
        self.refresh_around(keep_key=True)
        self.refresh_status()

    def on_presence_read(self, message: msg.PresenceRead) -> None:
        self.presence.seen(message)

    def on_sla_refreshed(self, message: msg.SlaRefreshed) -> None:
        self.refresh_counts()
        self.reload(keep_key=True)

    # --- playbooks and templates --------------------------------------------------

    @work(thread=True, exclusive=True, group="playbooks")
    def _load_playbooks(self) -> None:
        try:
            library = load_library(self.app.config.playbook_paths)
        except OSError as exc:  # e.g. a folder we may not read: the inbox works without them
            library = Library(warnings=[f"playbooks could not be read: {exc}"])
        triggers = {p.name: parse_query(p.triggers) for p in library if p.triggers}
        self.post_message(msg.PlaybooksLoaded(library, triggers))

    def on_playbooks_loaded(self, message: msg.PlaybooksLoaded) -> None:
        self.library, self.triggers = message.library, message.triggers
        self.query_one(PlaybookPanel).show_library(message.library)
        for warning in message.library.warnings:
            self.say(f"Playbook skipped: {warning}", severity="warning", timeout=10)
        self.refresh_preview()

    def on_templates_loaded(self, message: msg.TemplatesLoaded) -> None:
        self.responder.templates_loaded(message)

    def action_toggle_playbooks(self) -> None:
        opening = not self.has_class("playbooks")
        self.set_class(opening, "playbooks")
        if opening:
            self.query_one(PlaybookPanel).present()
        else:
            self.query_one(ItemList).focus()
            self.similar.request(self.previewed)  # the preview is back: its similar posts too

    def open_playbook(self, name: str) -> None:
        """The panel open on one playbook (the palette)."""
        self.set_class(True, "playbooks")
        self.query_one(PlaybookPanel).open(name)

    def on_playbook_view_said(self, message: PlaybookView.Said) -> None:
        self.say(message.text, severity=message.severity, timeout=3)

    def on_new_run_requested(self, message: NewRunRequested) -> None:
        prompt, read = questions.new_run(message.view.playbook.title, self.app.now().date())

        def start(answer: str | None) -> None:
            when = read(answer) if answer is not None else None
            if when is not None:
                message.view.start_run(*when)

        self.app.push_screen(prompt, start)

    # --- triage (the Triager does the work, on the posts the Selection names) ------------

    def _highlighted(self) -> dict[str, Any] | None:
        row = self.query_one(ItemList).highlighted
        if row is None:
            self.say("No item highlighted", severity="warning")
        return row

    def action_toggle_mark(self) -> None:
        self.selection.toggle()

    def action_set_type(self, value: str | None) -> None:
        self.triager.set_type(value)

    def action_accept_suggestion(self) -> None:
        self.suggester.accept()

    def on_suggestions_retrained(self, message: msg.SuggestionsRetrained) -> None:
        self.suggester.retrained(message)

    def action_done(self) -> None:
        self.triager.done()

    def action_snooze(self) -> None:
        self.triager.snooze()

    def action_assign(self) -> None:
        self.triager.assign()

    def action_assign_rotation(self) -> None:
        self.triager.assign_rotation()

    def action_set_status(self) -> None:
        self.triager.idea_status()

    def action_undo(self) -> None:
        self.triager.undo()

    def on_triage_saved(self, message: msg.TriageSaved) -> None:
        self.triager.saved(message)
        self.similar.after_triage(message)

    def on_undo_failed(self, message: msg.UndoFailed) -> None:
        self.triager.undo_failed(message)

    def on_triage_undone(self, message: msg.TriageUndone) -> None:
        self.triager.undone(message)

    # --- the same question across channels (SimilarPosts does the work) ------------

    def on_similar_loaded(self, message: msg.SimilarLoaded) -> None:
        self.similar.loaded(message)

    def action_link_duplicate(self) -> None:
        self.similar.link()

    def on_duplicates_linked(self, message: msg.DuplicatesLinked) -> None:
        self.similar.linked_saved(message)

    def on_duplicates_offered(self, message: msg.DuplicatesOffered) -> None:
        self.similar.offer(message)

    def action_done_duplicates(self) -> None:
        self.similar.done_offered()

    # --- responding (the Responder does the work) ---------------------------------

    def action_reply(self, template: str | None = None) -> None:
        """Reply to the highlighted post; from the palette, with that template."""
        row = self._highlighted()
        if row is not None:
            self.responder.reply(row["key"], template)

    def on_compose_ready(self, message: msg.ComposeReady) -> None:
        self.responder.compose(message)

    def action_file_jira(self) -> None:
        row = self._highlighted()
        if row is not None:
            self.responder.file_jira(row)

    def action_post_sweep(self) -> None:
        self.responder.sweep()

    # --- leaving the inbox --------------------------------------------------------

    def action_open_in_browser(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        url = one_line(row["url"] or "")
        if not url.startswith(("https://", "http://")):
            self.say("This item has no web link", severity="warning")
            return
        handoff.open_link(self, url)

    def action_copy_link(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        url = one_line(row["url"] or "")
        if not url:
            self.say("This item has no link", severity="warning")
            return
        handoff.copy_link(self, url)

    # --- panes and screens --------------------------------------------------------

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` and `h` are bound ahead of the focused widget (see `inbox.keys`): in the
        filter bar they are just characters."""
        if action in FIRST_ACTIONS:
            return not isinstance(self.focused, Input)
        return True

    def action_focus_views(self) -> None:
        """The sidebar, from anywhere on the screen (the thread closes first); focused at
        once, so a digit typed right after `h` reaches it."""
        self.remove_class("reading")
        self.set_focus(self.query_one(Sidebar))

    def action_open_view(self, index: int) -> None:
        """The view at `index` in the sidebar (`h` then a digit, or the palette), with the
        list focused."""
        self.remove_class("reading")
        if index < len(self.views):
            self.query_one(Sidebar).highlighted = index
            self._show_view(self.views[index])
        self.set_focus(self.query_one(ItemList))

    def action_read_thread(self) -> None:
        row = self.query_one(ItemList).highlighted
        if row is None:
            return
        self.previewer.opened(row["key"])
        self.add_class("reading")
        self.query_one(Preview).focus()
        self.refresh_preview()  # the whole thread, where the pane drew its first part

    def action_back(self) -> None:
        """Out of the thread; in the list, the marks go."""
        items = self.query_one(ItemList)
        if self.has_class("reading"):
            self.remove_class("reading")
            self.refresh_preview()  # the pane's part again
        elif self.focused is items and self.selection.clear():
            self.say("Marks cleared", timeout=2)
        self.set_focus(items)

    def action_show_stats(self) -> None:
        self.overviews.stats()

    def on_stats_ready(self, message: msg.StatsReady) -> None:
        self.overviews.show_stats(message)

    def action_show_people(self) -> None:
        self.overviews.people()

    def on_people_ready(self, message: msg.PeopleReady) -> None:
        self.overviews.show_people(message)

    def filter_by_person(self, name: str) -> None:
        """The inbox filtered to one person's posts (`author:NAME`), shown in the filter bar
        so escape clears it."""
        from inbox.triage.people import author_term

        filter_bar = self.query_one(FilterBar)
        filter_bar.display = True
        filter_bar.query_one(Input).value = author_term(name)  # FilterBar.Changed reloads the list
        self.query_one(ItemList).focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.app.config.keys))

    # --- sync ---------------------------------------------------------------------

    def action_sync(self) -> None:
        self.syncer.sync_now()

    def on_sync_activity(self, message: msg.SyncActivity) -> None:
        self.syncer.activity(message)

    def on_sync_finished(self, message: msg.SyncFinished) -> None:
        self.syncer.finished(message)
