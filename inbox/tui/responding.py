"""Responding from the main screen: reply (`r`), the type tag as a channel label, the
assignee on the channel, file a reproducible bug in Jira (`J`), and the Help Wanted sweep (`W`).

Not a screen and not mixed into one: the main screen owns a `Responder` and calls it.
Reading the store runs in thread workers and reaching a channel in async workers
awaiting the workspace, all run on the screen; results come back as messages or toasts.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from inbox.errors import ConfigError, InboxError
from inbox.tui import questions
from inbox.tui.handoff import hand_over_reply
from inbox.tui.messages import ComposeReady, TemplatesLoaded

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen


class Responder:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._assigning = asyncio.Lock()
        """Channel assignments go out one at a time, in the order they were made: a quick
        reassignment takes off the previous assignee only once it is there."""

    @property
    def app(self) -> InboxApp:
        return self.screen.app

    # --- replying -------------------------------------------------------------------

    def load_templates(self) -> None:
        self.screen.run_worker(self._read_templates, thread=True, exclusive=True, group="templates")

    def _read_templates(self) -> None:
        from inbox.respond.templates import TemplateLibrary, load_templates

        try:
            library = load_templates(self.app.config.template_paths)
        except OSError as exc:
            library = TemplateLibrary(warnings=[f"reply templates could not be read: {exc}"])
        self.screen.post_message(TemplatesLoaded(library))

    def templates_loaded(self, message: TemplatesLoaded) -> None:
        self.screen.templates = message.library
        for warning in message.library.warnings:
            self.screen.say(f"Template skipped: {warning}", severity="warning", timeout=10)

    def reply(self, key: str, template: str | None = None) -> None:
        self.screen.run_worker(lambda: self._reply_context(key, template), thread=True, exclusive=True,
                               group="compose")

    def _reply_context(self, key: str, template: str | None) -> None:
        """In a thread worker: what the compose screen needs, read before it opens; and
        the user marked as replying, which teammates see."""
        from inbox.respond.collisions import Seen
        from inbox.respond.replies import source_of
        from inbox.tui.screens.compose import ReplyContext

        app, store = self.app, self.app.store
        item = store.item(key, now=app.now())
        if item is None:
            return
        seen = Seen.of(item, store.thread(key))  # a reply that comes after this stops the post
        try:
            others = tuple(app.workspace.mark_replying(key))
        except InboxError:  # the file is busy for a moment: the heartbeat marks it soon
            others = ()
        if app.demo:
            cannot = "this is the demo workspace"
        else:
            try:
                cannot = source_of(app.config, item).cannot_post()
            except ConfigError as exc:
                cannot = str(exc)
        self.screen.post_message(ComposeReady(ReplyContext(
            item=item, library=self.screen.templates, draft=store.drafts.get(key), cannot_post=cannot,
            version=store.releases.latest(), seen=seen, others=others, chosen=template)))

    def compose(self, message: ComposeReady) -> None:
        from inbox.tui.screens.compose import ComposeScreen

        def replied(outcome: Any) -> None:
            if outcome is not None and outcome.posted:
                self.screen.say(outcome.message, timeout=8)
            elif outcome is not None:  # to the clipboard and the page, saying which worked
                hand_over_reply(self.screen, outcome, open_page=not self.app.demo)
            self.screen.refresh_around()

        self.app.push_screen(ComposeScreen(message.context), replied)

    # --- the type tag as a channel label ----------------------------------------------

    def write_type_label(self, key: str, post_type: str) -> None:
        self.screen.run_worker(self._write_type_label(key, post_type), group="labels")

    async def _write_type_label(self, key: str, post_type: str) -> None:
        """In an async worker: where the config maps the type to a channel label, add it
        there too. The local tag stands whatever the channel says."""
        try:
            said = await self.app.workspace.write_type_label(key, post_type)
        except InboxError as exc:
            self.screen.say(f"Tagged here, but the label was not written: {exc}", severity="error", timeout=8)
            return
        if said:
            self.screen.say(said, timeout=4)
            self.screen.refresh_preview()

    # --- the assignee on the channel ------------------------------------------------

    def write_assignee(self, key: str, assignee: str | None, previous: str | None) -> None:
        self.screen.run_worker(self._write_assignee(key, assignee, previous), group="assignees")

    async def _write_assignee(self, key: str, assignee: str | None, previous: str | None) -> None:
        """In an async worker: where the channel has assignees, the same one there. The
        inbox's assignment stands whatever the channel says."""
        try:
            async with self._assigning:
                said = await self.app.workspace.write_assignee(key, assignee, previous=previous)
        except InboxError as exc:
            self.screen.say(f"Assigned here, but not on the channel: {exc}", severity="error", timeout=8)
            return
        if said:
            self.screen.say(said, timeout=4)

    # --- Jira -----------------------------------------------------------------------

    def file_jira(self, row: dict[str, Any]) -> None:
        screen, jira = self.screen, self.app.config.jira
        if self.app.demo:
            screen.say("This is the demo workspace: nothing is filed. Configure [jira] and run `inbox`.",
                       timeout=5)
            return
        if jira is None:
            screen.say("No [jira] section in the config: add base_url, project, email and token_env",
                       severity="warning", timeout=6)
            return
        if row.get("jira_key"):
            screen.say(f"Already filed as {row['jira_key']}: {jira.browse_url(row['jira_key'])}", timeout=5)
            return

        def confirmed(answer: str | None) -> None:
            if answer is not None:
                screen.say(f"Filing in {jira.project}…", timeout=2)
                screen.run_worker(self._file_jira(row["key"]), group="jira")

        self.app.push_screen(questions.file_in_jira(jira, row), confirmed)

    async def _file_jira(self, key: str) -> None:
        """In an async worker on the UI's loop: Jira over HTTP, the ticket key stored in a thread."""
        try:
            filed = await self.app.workspace.file_bug(key)
        except InboxError as exc:
            self.screen.say(f"Not filed: {exc}", severity="error", timeout=10)
            return
        self.screen.say(f"Filed {filed.key} {filed.url}: r to tell the reporter (bug-filed)", timeout=8)
        self.screen.refresh_around(counts=False)

    # --- the sweep ------------------------------------------------------------------

    def sweep(self) -> None:
        from inbox.tui.screens.sweep import SweepScreen

        def posted(message: str | None) -> None:
            if message:
                self.screen.say(message, timeout=6)

        self.app.push_screen(SweepScreen(), posted)
