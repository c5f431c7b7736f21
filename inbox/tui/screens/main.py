"""The main screen: views, the item list, the preview, the filter bar and the status line.

The screen owns the decisions; widgets only show and report. Every read and write of
the store runs in a thread worker, so the screen never waits on SQL or HTTP.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from inbox.config import View
from inbox.errors import InboxError, QueryError
from inbox.models import PostType
from inbox.playbooks import Library, load_library
from inbox.query import Query, parse_query
from inbox.store import Store
from inbox.store.drafts import Draft
from inbox.store.triage import TriageChange, Undone
from inbox.text import one_line
from inbox.timeutil import iso, parse_time, parse_until
from inbox.triage.rules import rule_history
from inbox.triage.templates import TemplateLibrary
from inbox.tui.actions import bindings
from inbox.tui.screens.help import HelpScreen
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.screens.respond import RespondActions
from inbox.tui.widgets.filter_bar import FilterBar
from inbox.tui.widgets.item_list import ItemList, ListData
from inbox.tui.widgets.playbook_panel import PlaybookPanel
from inbox.tui.widgets.playbook_view import NewRunRequested, PlaybookView
from inbox.tui.widgets.preview import Preview
from inbox.tui.widgets.sidebar import Sidebar
from inbox.tui.widgets.status_line import StatusLine, describe_sources
from inbox.views import all_views

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp


class MainScreen(RespondActions, Screen):
    BINDINGS = bindings()
    AUTO_FOCUS = "#items"

    app: InboxApp

    def __init__(self) -> None:
        super().__init__()
        self.views: list[View] = []
        self.view: View | None = None
        self.filter_text = ""
        self.undo_stack: list[tuple[str, TriageChange]] = []
        self.sync_activity: dict[str, str] = {}
        self._generation = 0
        self._preview_key: str | None = None
        self.store_is_empty = False
        self.library = Library()
        self.triggers: dict[str, Query] = {}
        """Each playbook's triggers, parsed once: the posts that offer it."""
        self.templates = TemplateLibrary()
        self._sla_refreshed = False

    @property
    def store(self) -> Store:
        return self.app.store

    def compose(self) -> ComposeResult:
        self.views = all_views(self.app.config)
        self.view = self.views[0]
        with Horizontal(id="body"):
            yield Sidebar(self.views, id="sidebar")
            with Vertical(id="center"):
                yield Static(id="list-header")
                yield ItemList(now=self.app.now, id="items",
                               sla_column="sla" in self.app.config.raw)
            yield Preview(id="preview")
            yield PlaybookPanel(self.store.runs, self.app.now, id="playbooks")
        filter_bar = FilterBar(id="filter")
        filter_bar.display = False
        yield filter_bar
        yield StatusLine(id="status")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 150, "narrow")

    def on_mount(self) -> None:
        self.reload()
        self.refresh_counts()
        self.refresh_status()
        self._load_playbooks()
        self._load_templates()
        interval = self.app.config.sync_interval
        if interval and self.app.config.sources and not self.app.demo:
            self.set_interval(min(interval.total_seconds(), 60), self._background_sync)

    def say(self, message: str, **kwargs: Any) -> None:
        """A toast; never markup, since messages quote titles and channel errors."""
        self.notify(one_line(message), markup=False, **kwargs)

    # --- the current query --------------------------------------------------------

    def current_query(self) -> Query:
        assert self.view is not None
        return parse_query(f"{self.view.query} {self.filter_text}".strip())

    def reload(self, *, keep_key: bool = False) -> None:
        """Fetch the count and first page for the current query, off the UI thread."""
        self._generation += 1
        items = self.query_one(ItemList)
        row = items.highlighted
        self._load(self.current_query(), self._generation,
                   row["key"] if keep_key and row else None)

    @work(thread=True, exclusive=True, group="list")
    def _load(self, query: Query, generation: int, keep_key: str | None) -> None:
        app = self.app
        now, me, store = app.now(), app.config.team.me, self.store
        try:
            total = store.count(query, now=now, me=me)
            position = store.position(query, keep_key, now=now, me=me) if keep_key else None
            first = store.list_items(query, now=now, me=me, limit=100, offset=0)
            self.store_is_empty = total == 0 and store.item_count() == 0
        except InboxError as exc:
            app.call_from_thread(self.notify, one_line(str(exc)), severity="error")
            return

        def fetch(offset: int, limit: int) -> list[dict[str, Any]]:
            return store.list_items(query, now=app.now(), me=me, limit=limit, offset=offset)

        app.call_from_thread(self._show, ListData(total, fetch, first, generation), position)

    def _show(self, data: ListData, position: int | None) -> None:
        if data.generation != self._generation:
            return
        self.query_one(ItemList).show(data, cursor=position)
        if not self._sla_refreshed:  # after the first rows are drawn, so it never delays them
            self._sla_refreshed = True
            self._refresh_sla()
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(one_line(self.view.name if self.view else ""), style="bold")
        header.append(f"  {data.total} items", style="dim")
        if self.filter_text:
            header.append("  filter: ", style="dim")
            header.append(one_line(self.filter_text), style="#e5c07b")
        self.query_one("#list-header", Static).update(header)

    @work(thread=True, exclusive=True, group="counts")
    def refresh_counts(self) -> None:
        now, me = self.app.now(), self.app.config.team.me
        counts = {}
        for view in self.views:
            try:
                counts[view.name] = self.store.count(view.query, now=now, me=me)
            except QueryError:
                continue
        self.app.call_from_thread(self.query_one(Sidebar).show_counts, counts)

    @work(thread=True, exclusive=True, group="status")
    def refresh_status(self) -> None:
        states = self.store.source_states()
        names = [s.name for s in self.app.config.sources]
        states = [s for s in states if not names or s["name"] in names]
        text = describe_sources(states, self.app.now(), dict(self.sync_activity))
        if self.app.demo:
            text = Text("demo workspace  │  ", style="dim") + text
        self.app.call_from_thread(self.query_one(StatusLine).update, text)

    # --- messages from the widgets ------------------------------------------------

    def on_sidebar_view_chosen(self, message: Sidebar.ViewChosen) -> None:
        if message.view is self.view:
            return
        self.view = message.view
        self.query_one(ItemList).cursor = 0
        self.reload()

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.filter_text = message.query
        self.query_one(ItemList).cursor = 0
        self.reload()
        if message.submitted:
            self.query_one(ItemList).focus()

    def on_item_list_highlighted(self, message: ItemList.Highlighted) -> None:
        self._preview_key = message.key
        self._load_preview(message.key)

    @work(thread=True, exclusive=True, group="preview")
    def _load_preview(self, key: str | None) -> None:
        now, me = self.app.now(), self.app.config.team.me
        item = self.store.item(key, now=now) if key else None
        thread = self.store.thread(key) if key else []
        offered = [name for name, query in self.triggers.items()
                   if key and self.store.matches(key, query, now=now, me=me)]
        draft = self.store.drafts.get(key) if key else None
        rules = [entry["line"] for entry in rule_history(self.store, key)] if key else []
        self.app.call_from_thread(self._show_preview, key, item, thread, offered, draft, rules)

    def _show_preview(self, key: str | None, item: dict | None, thread: list[dict],
                      offered: list[str], draft: Draft | None = None,
                      rules: list[str] | None = None) -> None:
        if key != self._preview_key:
            return
        # An incident (a leaked secret) is urgent: offered before routine procedures.
        offered.sort(key=lambda n: n not in self.library.playbooks
                     or self.library.playbooks[n].event != "incident")
        titles = [self.library.playbooks[n].title for n in offered if n in self.library.playbooks]
        jira = self.app.config.jira
        jira_url = jira.browse_url(item["jira_key"]) if item and item.get("jira_key") and jira else None
        self.query_one(Preview).show(item, thread, self.app.now(), empty_inbox=self.store_is_empty,
                                     playbooks=titles, draft=draft, jira_url=jira_url,
                                     rules=rules)
        self.query_one(PlaybookPanel).offer(offered)

    @work(thread=True, exclusive=True, group="sla")
    def _refresh_sla(self) -> None:
        """Due times from the current [sla] (it may have changed since the last sync)."""
        from inbox.triage.sla import refresh_sla

        if "sla" not in self.app.config.raw:
            return
        try:
            refresh_sla(self.app.config, self.store, now=self.app.now())
        except InboxError as exc:
            self.app.call_from_thread(self.say, f"SLA not computed: {exc}", severity="warning")
            return
        self.app.call_from_thread(self.refresh_counts)
        self.app.call_from_thread(self.reload, keep_key=True)

    # --- playbooks ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="playbooks")
    def _load_playbooks(self) -> None:
        try:
            library = load_library(self.app.config.playbook_paths)
        except OSError as exc:  # e.g. a folder we may not read: the inbox works without them
            library = Library(warnings=[f"playbooks could not be read: {exc}"])
        triggers = {p.name: parse_query(p.triggers) for p in library if p.triggers}
        self.app.call_from_thread(self._playbooks_loaded, library, triggers)

    def _playbooks_loaded(self, library: Library, triggers: dict[str, Query]) -> None:
        self.library, self.triggers = library, triggers
        self.query_one(PlaybookPanel).show_library(library)
        for warning in library.warnings:
            self.say(f"Playbook skipped: {warning}", severity="warning", timeout=10)
        self._load_preview(self._preview_key)

    def action_toggle_playbooks(self) -> None:
        opening = not self.has_class("playbooks")
        self.set_class(opening, "playbooks")
        if opening:
            self.query_one(PlaybookPanel).focus_panel()
        else:
            self.query_one(ItemList).focus()

    def on_playbook_view_said(self, message: PlaybookView.Said) -> None:
        self.say(message.text, severity=message.severity, timeout=3)

    def on_new_run_requested(self, message: NewRunRequested) -> None:
        today = self.app.now().date()

        def read(answer: str) -> tuple[date, datetime | None] | str:
            text = answer.strip() or today.isoformat()
            try:
                return date.fromisoformat(text), None
            except ValueError:
                pass
            moment = parse_time(text)
            if moment is None:
                return "Use a date (2026-11-25) or a date and time in UTC (2026-11-25 17:00)"
            return moment.date(), moment

        def check(answer: str) -> str | None:
            result = read(answer)
            return result if isinstance(result, str) else None

        def start(answer: str | None) -> None:
            if answer is None:
                return
            result = read(answer)
            if not isinstance(result, str):
                message.view.start_run(*result)

        self.app.push_screen(PromptScreen(
            f"New run of {one_line(message.view.playbook.title)}: the date, and the event "
            "start in UTC if steps are scheduled (2026-11-25 17:00)",
            value=today.isoformat(), check=check), start)

    # --- triage -------------------------------------------------------------------

    def _highlighted(self) -> dict[str, Any] | None:
        row = self.query_one(ItemList).highlighted
        if row is None:
            self.say("No item highlighted", severity="warning")
        return row

    def _triage(self, changes: dict[str, Any], done_message: str) -> None:
        row = self._highlighted()
        if row is not None:
            self._write_triage(row["key"], one_line(row["title"]), changes, done_message)

    @work(thread=True, group="triage")
    def _write_triage(self, key: str, title: str, changes: dict[str, Any], message: str) -> None:
        try:
            before = self.store.set_triage([key], changes, now=self.app.now())
        except InboxError as exc:  # the database is busy or became read-only: nothing changed
            self.app.call_from_thread(self.say, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._triaged, message, title, before)
        if changes.get("type") and not self.app.demo:
            self._write_type_label(key, changes["type"])

    def _write_type_label(self, key: str, post_type: str) -> None:
        """Where the config maps the type to a channel label, add it there too (still in
        the triage worker). The local tag stands whatever the channel says."""
        from inbox.triage.replies import write_type_label

        app = self.app
        try:
            said = asyncio.run(write_type_label(app.config, self.store, key, post_type, now=app.now()))
        except InboxError as exc:
            app.call_from_thread(self.say, f"Tagged here, but the label was not written: {exc}",
                                 severity="error", timeout=8)
            return
        if said:
            app.call_from_thread(self.say, said, timeout=4)
            app.call_from_thread(self._load_preview, self._preview_key)

    def _triaged(self, message: str, title: str, before: TriageChange) -> None:
        self.undo_stack.append((message, before))
        del self.undo_stack[:-100]
        self.say(f"{message}: {title[:60]}", timeout=2)
        self.reload()
        self.refresh_counts()
        self._load_preview(self._preview_key)

    def action_set_type(self, value: str | None) -> None:
        label = PostType(value).label if value else "Untagged"
        self._triage({"type": value}, label)

    def action_done(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        if row.get("done"):
            self._write_triage(row["key"], one_line(row["title"]), {"done": False}, "Back in the inbox")
        else:
            self._write_triage(row["key"], one_line(row["title"]), {"done": True}, "Done")

    def action_snooze(self) -> None:
        row = self._highlighted()
        if row is None:
            return

        def check(answer: str) -> str | None:
            if answer.lower() in ("", "none", "off"):
                return None
            try:
                parse_until(answer, self.app.now())
            except ValueError as exc:
                return str(exc)
            return None

        def snooze(answer: str | None) -> None:
            if answer is None:
                return
            if answer.lower() in ("", "none", "off"):
                self._triage({"snoozed_until": None}, "Unsnoozed")
            else:
                until = parse_until(answer, self.app.now())
                self._triage({"snoozed_until": iso(until)}, f"Snoozed until {iso(until)}")

        self.app.push_screen(PromptScreen("Snooze until? (4h, 2d, 1w or 2026-12-01; empty to unsnooze)",
                                          placeholder="2d", check=check), snooze)

    def action_assign(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        team = self.app.config.team
        people = list(dict.fromkeys([*(team.rotation or []), *(team.staff or []), *([team.me] if team.me else [])]))

        def assign(answer: str | None) -> None:
            if answer is None:
                return
            if answer.lower() in ("", "none"):
                self._triage({"assignee": None}, "Unassigned")
            else:
                self._triage({"assignee": answer}, f"Assigned to {answer}")

        self.app.push_screen(PromptScreen("Assign to whom? (empty or none to unassign)",
                                          placeholder=", ".join(people[:4]), value=row.get("assignee") or "",
                                          suggestions=people), assign)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.say("Nothing to undo", severity="warning", timeout=2)
            return
        message, before = self.undo_stack.pop()
        self._restore(message, before)

    @work(thread=True, group="triage")
    def _restore(self, message: str, before: TriageChange) -> None:
        try:
            undone = self.store.restore_triage(before)
        except InboxError as exc:  # nothing was undone: keep it for another `u`
            self.app.call_from_thread(self.undo_stack.append, (message, before))
            self.app.call_from_thread(self.say, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._undone, message, undone)

    def _undone(self, message: str, undone: Undone) -> None:
        """Say what was undone, and what was left because someone changed it meanwhile."""
        left = [_changed_meanwhile(name, value) for fields in undone.left.values()
                for name, value in fields.items()]
        if not left:
            self.say(f"Undone: {message}", timeout=2)
        elif undone.restored:
            self.say(f"Undone: {message}; left {', '.join(left)}: someone changed "
                     f"{'it' if len(left) == 1 else 'them'} meanwhile", severity="warning", timeout=6)
        else:
            self.say(f"Not undone: {message}: someone changed {', '.join(left)} meanwhile",
                     severity="warning", timeout=6)
        self.reload()
        self.refresh_counts()
        self._load_preview(self._preview_key)

    # --- leaving the inbox --------------------------------------------------------

    def action_open_in_browser(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        url = str(row["url"] or "")
        if not url.startswith(("https://", "http://")):
            self.say("This item has no web link", severity="warning")
            return
        self.app.open_url(url)
        self.say(f"Opened {one_line(url)}", timeout=2)

    def action_copy_link(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        self.app.copy_to_clipboard(one_line(row["url"]))
        self.say(f"Copied {one_line(row['url'])}", timeout=2)

    # --- panes and screens --------------------------------------------------------

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_read_thread(self) -> None:
        if self.query_one(ItemList).highlighted is None:
            return
        self.add_class("reading")
        self.query_one(Preview).focus()

    def action_back(self) -> None:
        if self.has_class("reading"):
            self.remove_class("reading")
        self.query_one(ItemList).focus()

    def action_show_people(self) -> None:
        self._load_people()

    @work(thread=True, exclusive=True, group="people")
    def _load_people(self) -> None:
        from inbox.triage.people import list_people, remove_tag, set_tag
        from inbox.tui.screens.people import PeopleScreen

        app, store = self.app, self.store
        try:
            people = list_people(app.config, store, now=app.now())
        except InboxError as exc:
            app.call_from_thread(self.say, f"No people: {exc}", severity="error")
            return

        def tag(person: str, tag: str, add: bool) -> None:  # run in the screen's thread worker
            (set_tag if add else remove_tag)(store, person, tag, now=app.now())

        def chosen(name: str | None) -> None:
            if name:
                self.filter_by_person(name)

        app.call_from_thread(app.push_screen, PeopleScreen(people, now=app.now(), on_tag=tag), chosen)

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
        if self.app.demo:
            self.say("This is the demo workspace: its channels are made up, so there is "
                        "nothing to sync. Configure sources and run `inbox`.", timeout=5)
            return
        if not self.app.config.sources:
            self.say("No sources configured: add [[sources]] to the config (see the README)",
                        severity="warning", timeout=5)
            return
        self.say("Syncing in the background…", timeout=2)
        self._sync()

    def _background_sync(self) -> None:
        """`[sync] interval`: sync the sources that are due, without a word unless
        something arrived or failed. The cursor and the filter stay where they are."""
        if not any(w.group == "sync" and not w.is_finished for w in self.workers):
            self._sync(background=True)

    @work(thread=True, exclusive=True, group="sync")
    def _sync(self, background: bool = False) -> None:
        from inbox.sync import due_sources, sync_all

        app = self.app
        only: list[str] = []
        if background:  # every tick asks; most ticks find nothing due and open nothing
            only, _ = due_sources(app.config, self.store, now=app.now(), interval=app.config.sync_interval)
            if not only:
                return
        store = Store(self.store.path) if self.store.path else self.store
        progress = _StatusProgress(self)
        try:
            results = asyncio.run(sync_all(app.config, store, only=only, progress=progress))
        except InboxError as exc:
            app.call_from_thread(self.notify, one_line(str(exc)), severity="error")
            return
        finally:
            if store is not self.store:
                store.close()
        app.call_from_thread(self._synced, results, background)

    def _synced(self, results: list, background: bool = False) -> None:
        self.sync_activity.clear()
        failed = [r for r in results if not r.ok]
        summary = "; ".join(one_line(r.summary()) for r in results)
        if failed or not background or any(r.items for r in results):
            self.say(summary, severity="error" if failed else "information", timeout=6)
        self.reload(keep_key=True)
        self.refresh_counts()
        self.refresh_status()


class _StatusProgress:
    """Feeds sync progress from the worker thread into the status line."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def _set(self, source: str, text: str | None) -> None:
        def apply() -> None:
            if text is None:
                self.screen.sync_activity.pop(source, None)
            else:
                self.screen.sync_activity[source] = text
            self.screen.refresh_status()
        self.screen.app.call_from_thread(apply)

    def started(self, source: str) -> None:
        self._set(source, "syncing…")

    def advanced(self, source: str, items: int, pages: int) -> None:
        self._set(source, f"syncing… {items} items")

    def status(self, source: str, text: str) -> None:
        if text:
            self._set(source, text)

    def finished(self, result: Any) -> None:
        self._set(result.name, None)


def _changed_meanwhile(field: str, value: Any) -> str:
    """A triage field undo left alone, with the value it has now (never a whole note)."""
    name = {"snoozed_until": "snooze", "jira_key": "Jira key"}.get(field, field)
    if field == "note":
        return name
    if field == "done":
        return f"{name} (now {'done' if value else 'not done'})"
    return f"{name} (now {one_line(str(value))[:40] if value else 'none'})"
