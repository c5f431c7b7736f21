"""Writing a reply: pick a template, edit the text, see it rendered, post it.

The text is saved as the item's draft while it is typed (and when the screen closes),
so a failed post or a closed app loses nothing; `r` on the item brings the draft back.
Posting runs in an async worker awaiting the workspace; the screen stays usable and says
what happened.

While the screen is open teammates see "… is replying" (a heartbeat keeps it so), and it
names a teammate replying too. Before posting, the thread is read again from the channel:
a reply that came meanwhile is shown here and nothing is sent; the post key again sends it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Markdown, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from inbox.errors import InboxError
from inbox.models import CHANNEL_NAMES
from inbox.respond.collisions import Collision, Seen
from inbox.respond.replies import Outcome
from inbox.store.drafts import Draft
from inbox.text import clean, one_line
from inbox.text.wording import plural, shorten
from inbox.timeutil import human_time
from inbox.respond.templates import (
    Template,
    TemplateError,
    TemplateLibrary,
    preferred_template,
    rank,
    render,
    reply_values,
)
from inbox.tui.messages import Teammates
from inbox.tui.presence import Heartbeat
from inbox.tui.widgets.item_list import REPLYING_STYLE
from inbox.tui.widgets.keyed import KeyedOptionList
from inbox.tui.widgets.preview import reply_parts

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp

SAVE_DELAY = 0.4
"""Seconds of quiet typing before the draft is saved and the preview redrawn."""


@dataclass(frozen=True)
class ReplyContext:
    """What the compose screen needs, read off the UI thread before it opens."""

    item: dict[str, Any]
    library: TemplateLibrary
    draft: Draft | None = None
    cannot_post: str | None = None
    """Why the reply will be handed over (copied, page opened) instead of posted."""
    version: str | None = None
    """The last release announced: what `{version}` stands for."""
    seen: Seen | None = None
    """The thread as stored when the editor opened: a reply after it stops the post."""
    others: tuple[str, ...] = ()
    """Teammates with the editor open on this item too."""
    chosen: str | None = None
    """The template asked for by name (the command palette): in the editor, unless a
    draft is there to come back."""


class ComposeScreen(Screen[Outcome | None]):
    """Dismisses with the outcome of a post (or hand-over), or None when closed."""

    BINDINGS = [
        Binding("ctrl+s", "post", "Post", priority=True, id="compose_post"),
        Binding("escape", "close", "Close (draft kept)", id="compose_close"),
        # keys the search box and the editor do not use themselves
        Binding("ctrl+t", "focus_templates", "Templates", priority=True, id="compose_templates"),
        Binding("ctrl+r", "focus_editor", "Reply text", priority=True, id="compose_edit"),
        Binding("ctrl+n", "discard", "Discard draft", priority=True, id="compose_discard"),
    ]

    app: InboxApp

    def __init__(self, context: ReplyContext) -> None:
        super().__init__()
        self.context = context
        self.item = context.item
        self.template_name: str | None = context.draft.template if context.draft else None
        self.saved_text = context.draft.text if context.draft else ""
        self.posting = False
        self.seen = context.seen
        self.others = list(context.others)
        self.heartbeat = Heartbeat(self, self.item["key"])
        self._quiet: Timer | None = None
        self._shown: list[Template] = []

    # --- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="compose-header")
        with Horizontal(id="compose-body"):
            with Vertical(id="compose-picker"):
                yield Input(placeholder="Find a template…", id="compose-find")
                yield KeyedOptionList(id="compose-templates", markup=False)
            with Vertical(id="compose-editor"):
                with VerticalScroll(id="compose-news-box"):
                    yield Static("", id="compose-news")
                yield TextArea(self.saved_text, id="compose-text", soft_wrap=True,
                               placeholder="Write the reply, or pick a template")
                yield Static(Text("Preview", style="bold"), classes="compose-label")
                with VerticalScroll(id="compose-preview-box"):
                    yield Markdown(clean(self.saved_text), id="compose-preview", open_links=False)
        yield Static("", id="compose-status")
        yield Footer()

    def _header(self) -> Text:
        item = self.item
        channel = CHANNEL_NAMES.get(item["kind"], item["kind"])
        header = Text()
        header.append("Reply to ", style="dim")
        header.append(shorten(one_line(item["title"]), 90), style="bold")
        header.append(f"  {item['key']} · {one_line(item['author'])} on {channel}", style="dim")
        if self.context.cannot_post:
            page = "" if self.app.demo else " and opens its page"
            header.append(f"\nctrl+s copies it{page} where this computer can; not posted: "
                          f"{one_line(self.context.cannot_post)}",
                          style="#e5c07b")
        else:
            header.append(f"\nctrl+s posts it to {channel} as the team's reply", style="#98c379")
        if self.others:
            names = ", ".join(one_line(name)[:30] for name in self.others)
            header.append(f"\n✎ {names} {'is' if len(self.others) == 1 else 'are'} replying to this too",
                          style=REPLYING_STYLE)
        return header

    def on_teammates(self, message: Teammates) -> None:
        if message.names != self.others:
            self.others = message.names
            self.query_one("#compose-header", Static).update(self._header())

    def on_unmount(self) -> None:
        self.heartbeat.stop()

    def on_mount(self) -> None:
        self.heartbeat.start()
        self._fill_templates("")
        draft = self.context.draft
        if draft is not None:
            when = human_time(draft.updated_at, self.app.now(), self.app.zone) or "before"
            self._status(f"Your draft from {when} is back." if not draft.error else
                         f"Not posted last time: {draft.error}. ctrl+s to try again.",
                         error=bool(draft.error))
            self.query_one(TextArea).focus()
            return
        chosen = self.context.library.templates.get(self.context.chosen or "")
        if chosen is not None:
            self._apply(chosen)
            return
        post_type = self.item.get("type")
        preferred = preferred_template(self.item)
        for template in self._shown:  # offer the best suited template this post can fill
            suits = not post_type or template.suits_type(post_type) or template.name == preferred
            if suits and self._apply(template, quiet=True):
                break
        self.query_one("#compose-find", Input).focus()

    # --- templates ----------------------------------------------------------------

    def _fill_templates(self, query: str) -> None:
        self._shown = rank(self.context.library, post_type=self.item.get("type"),
                           kind=self.item.get("kind"), query=query, prefer=preferred_template(self.item))
        options = self.query_one(OptionList)
        options.clear_options()
        for template in self._shown:
            suits = template.suits_type(self.item.get("type")) and template.suits_kind(self.item.get("kind"))
            prompt = Text(("★ " if suits else "  ") + one_line(template.title), style="bold" if suits else "")
            prompt.append(f"\n  {template.name}", style="dim")
            options.add_option(Option(prompt, id=template.name))
        if self._shown:
            options.highlighted = 0
            if not query:  # not searching: the template the editor holds
                self._highlight(self.template_name)

    def _highlight(self, name: str | None) -> None:
        """The picker's highlight on the template the editor holds, so the two never
        disagree about which one is in use."""
        names = [template.name for template in self._shown]
        if name in names:
            self.query_one(OptionList).highlighted = names.index(name)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "compose-find":
            self._fill_templates(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None and self._shown:
            self._apply(self._shown[options.highlighted])

    def on_key(self, event: events.Key) -> None:
        """Up and down in the search box move through the templates below it."""
        if self.focused is self.query_one("#compose-find") and event.key in ("up", "down"):
            options = self.query_one(OptionList)
            (options.action_cursor_up if event.key == "up" else options.action_cursor_down)()
            event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._apply(self.context.library.templates[str(event.option.id)])

    def _apply(self, template: Template, *, quiet: bool = False) -> bool:
        """Put the rendered template in the editor; False (and why, unless `quiet`) when
        it lacks a value."""
        values = reply_values(self.item, self.app.config, today=self.app.now().date(),
                              version=self.context.version)
        try:
            text = render(template, values)
        except TemplateError as exc:
            if not quiet:
                self._status(str(exc), error=True)
            return False
        self.template_name = template.name
        self._highlight(template.name)
        if quiet:  # offered, not chosen: only an edit makes it a draft worth keeping
            self.saved_text = text
        editor = self.query_one(TextArea)
        editor.load_text(text)
        self.query_one(Markdown).update(clean(text))  # at once, not after the typing pause
        editor.focus()
        editor.move_cursor(editor.document.end)
        self._status(f"{template.title}: edit it, then ctrl+s to post." if not quiet else
                     f"{template.title} offered: edit it, or find another template above.")
        return True

    # --- the text -----------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._quiet is not None:
            self._quiet.stop()
        self._quiet = self.set_timer(SAVE_DELAY, self._settled)

    def _settled(self) -> None:
        text = self.query_one(TextArea).text
        self.query_one(Markdown).update(clean(text))
        self._save(text)

    def _save(self, text: str) -> None:
        """Keep the text as the item's draft, off the UI thread (on the app, so a save
        started as the screen closes still finishes)."""
        if text.strip() == self.saved_text.strip():
            return
        self.saved_text = text
        store, key, template, now = self.app.store, self.item["key"], self.template_name, self.app.now()

        def save() -> None:
            if text.strip():
                store.drafts.save(key, text, template=template, now=now)
            else:
                store.drafts.discard(key)

        self.app.run_worker(save, thread=True, group="drafts", exit_on_error=False)

    # --- actions ------------------------------------------------------------------

    def action_focus_templates(self) -> None:
        self.query_one("#compose-find", Input).focus()

    def action_focus_editor(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self._save(self.query_one(TextArea).text)
        self.dismiss(None)

    def action_discard(self) -> None:
        self.saved_text = " "  # so the empty text below counts as a change and is discarded
        self._save("")
        self.dismiss(None)

    def action_post(self) -> None:
        if self.posting:
            return
        text = self.query_one(TextArea).text
        if not text.strip():
            self._status("Nothing to post yet: pick a template or write the reply.", error=True)
            return
        self.posting = True
        self.saved_text = text  # send_reply saves it before sending
        self._status("Posting…")
        self._post(text)

    @work(exclusive=True, group="post")
    async def _post(self, text: str) -> None:
        try:
            outcome = await self.app.workspace.reply(self.item["key"], text, template=self.template_name,
                                                     seen=self.seen)
        except Collision as exc:
            self._collided(exc)
            return
        except InboxError as exc:
            self._failed(str(exc))
            return
        self._done(outcome)

    def _collided(self, collision: Collision) -> None:
        """Someone replied meanwhile: show what they said; the post key again sends ours."""
        self.posting = False
        self.seen = collision.seen
        now = self.app.now()
        parts: list[Any] = [Text(f"{plural(len(collision.replies), 'new reply')} since you began:",
                                 style="bold #e5c07b")]
        for reply in collision.replies:
            parts += reply_parts(asdict(reply), now, self.app.zone)
        self.query_one("#compose-news", Static).update(Group(*parts))
        box = self.query_one("#compose-news-box")
        box.add_class("-shown")
        box.scroll_home(animate=False)
        said = str(collision)
        self._status(f"{said[:1].upper()}{said[1:]} (shown above). Read it first; ctrl+s posts yours anyway.",
                     warning=True)

    def _failed(self, message: str) -> None:
        self.posting = False
        self._status(f"{message}. ctrl+s to try again.", error=True)

    def _done(self, outcome: Outcome) -> None:
        """Posted, or to be posted by hand: the main screen hands it over and says which."""
        self.posting = False
        self.dismiss(outcome)

    def _status(self, message: str, *, error: bool = False, warning: bool = False) -> None:
        style = "bold #e06c75" if error else "bold #e5c07b" if warning else "dim"
        self.query_one("#compose-status", Static).update(Text(one_line(message), style=style))
