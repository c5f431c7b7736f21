"""The playbook side panel: the list of playbooks, and the chosen one beside the inbox.

The screen hands it the loaded library and, as the highlight moves, the playbooks whose
triggers the highlighted post matches; the panel offers those first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from inbox.playbooks import Library, Playbook
from inbox.store.runs import Runs
from inbox.text import one_line
from inbox.tui.widgets.keyed import KeyedOptionList
from inbox.tui.widgets.playbook_view import PlaybookView


class PlaybookPanel(Vertical):
    BINDINGS = [Binding("escape", "screen.toggle_playbooks", "Close", id="close_playbooks")]

    def __init__(self, runs: Runs, now: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self.runs = runs
        self.now = now
        self.library = Library()
        self.offered: list[str] = []
        self.view: PlaybookView | None = None
        self.view_for_post = False
        """The open playbook was one offered for the highlighted post: it follows the
        post (see `offer`). One opened from the rest of the list stays until closed."""

    def compose(self) -> ComposeResult:
        yield Static("Playbooks", classes="pb-title")
        yield Static(classes="pb-offer")
        yield KeyedOptionList(classes="pb-list")

    def on_mount(self) -> None:
        self.query_one(".pb-offer", Static).display = False

    # --- attributes down -------------------------------------------------------------

    def show_library(self, library: Library) -> None:
        self.library = library
        self._fill_list()

    def offer(self, names: list[str]) -> None:
        """The playbooks whose triggers the highlighted post matches."""
        names = [n for n in names if n in self.library.playbooks]
        if names == self.offered:
            return
        self.offered = names
        offer = self.query_one(".pb-offer", Static)
        offer.display = bool(names)
        if names:
            titles = ", ".join(one_line(self.library.playbooks[n].title) for n in names)
            offer.update(Text.assemble(("★ For this post: ", "bold #e5c07b"), (titles, "#e5c07b")))
        self._fill_list()
        self._follow_post()

    def _follow_post(self) -> None:
        """The highlighted post changed (a filter, another view): a playbook opened for the
        previous post gives way to the first one offered for this post, or to the list when
        none is, so the panel never shows a playbook for a post no longer in front of you."""
        if self.view is None or not self.view_for_post:
            return
        if self.offered[:1] == [self.view.playbook.name]:
            return
        focus = self.has_focus_within
        if self.offered:
            self.open(self.offered[0], focus=focus)
        else:
            self._close_view(focus=focus)

    def present(self) -> None:
        """As the panel opens: a post that calls for a playbook at one of its parts (a
        leaked secret: the part about posts, `opens_at`) opens it there, its first step
        ready to tick; otherwise the panel shows what it showed."""
        first = self.library.playbooks.get(self.offered[0]) if self.offered else None
        if first is not None and first.opens_at:
            self.open(first.name, at=first.opens_at)
        else:
            self.focus_panel()

    def focus_panel(self) -> None:
        if self.view is not None:
            self.view.focus_start()
        else:
            self.query_one(".pb-list", OptionList).focus()

    # --- the list ----------------------------------------------------------------------

    def _ordered(self) -> list[Playbook]:
        offered = [self.library.playbooks[n] for n in self.offered]
        return offered + [p for p in self.library if p.name not in self.offered]

    def _fill_list(self) -> None:
        options = self.query_one(".pb-list", OptionList)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        for playbook in self._ordered():
            prompt = Text()
            if playbook.name in self.offered:
                prompt.append("★ ", style="bold #e5c07b")
            prompt.append(one_line(playbook.title), style="bold")
            prompt.append("\n" + one_line(playbook.summary), style="dim")
            options.add_option(Option(prompt, id=playbook.name))
        if self.offered:
            options.highlighted = 0
        elif highlighted is not None:
            try:
                options.highlighted = options.get_option_index(highlighted)
            except OptionDoesNotExist:  # the playbook left the library
                options.highlighted = 0

    @on(OptionList.OptionSelected, ".pb-list")
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.open(str(message.option.id))

    def open(self, name: str, *, at: str | None = None, focus: bool = True) -> None:
        """Show one playbook in place of the list, at the heading anchored `at` (or its top);
        focused unless `focus` is False (the panel follows the post while the focus is
        elsewhere, in the filter bar say)."""
        playbook = self.library.get(name)
        if self.view is not None:
            self.view.remove()
        self.query_one(".pb-list", OptionList).display = False
        self.view = PlaybookView(playbook, self.runs, self.now, start=at, classes="pb-view")
        self.view_for_post = name in self.offered
        self.mount(self.view)
        if focus:
            self.call_after_refresh(self.focus_panel)

    @on(PlaybookView.Closed)
    def _back_to_list(self, message: PlaybookView.Closed) -> None:
        message.stop()
        self._close_view(focus=True)

    def _close_view(self, *, focus: bool) -> None:
        if self.view is not None:
            self.view.remove()
            self.view = None
        options = self.query_one(".pb-list", OptionList)
        options.display = True
        if focus:
            options.focus()
