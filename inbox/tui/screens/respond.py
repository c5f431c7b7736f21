"""The main screen's responding actions: reply (`r`), hand to the developer on rotation
(`A`), set an idea's status (`s`) and file a reproducible bug in Jira (`J`).

A mixin, so the main screen keeps to the list and its panes. Everything that reads the
store or reaches a channel runs in a thread worker and reports back with a toast.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual import work

from inbox.errors import ConfigError, InboxError
from inbox.models import IdeaStatus, PostType
from inbox.text import one_line
from inbox.triage.replies import Outcome, source_of
from inbox.triage.templates import TemplateLibrary, load_templates
from inbox.tui.screens.compose import ComposeScreen, ReplyContext
from inbox.tui.screens.prompt import PromptScreen

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp


class RespondActions:
    """Mixed into MainScreen (which supplies `store`, `say`, `_highlighted`, `_triage`)."""

    app: InboxApp
    templates: TemplateLibrary

    # --- replying -------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="templates")
    def _load_templates(self) -> None:
        try:
            library = load_templates(self.app.config.template_paths)
        except OSError as exc:
            library = TemplateLibrary(warnings=[f"reply templates could not be read: {exc}"])
        self.app.call_from_thread(self._templates_loaded, library)

    def _templates_loaded(self, library: TemplateLibrary) -> None:
        self.templates = library
        for warning in library.warnings:
            self.say(f"Template skipped: {warning}", severity="warning", timeout=10)

    def action_reply(self) -> None:
        row = self._highlighted()
        if row is not None:
            self._open_compose(row["key"])

    @work(thread=True, exclusive=True, group="compose")
    def _open_compose(self, key: str) -> None:
        app, store = self.app, self.store
        item = store.item(key, now=app.now())
        if item is None:
            return
        if app.demo:
            cannot = "this is the demo workspace"
        else:
            try:
                cannot = source_of(app.config, item).cannot_post()
            except ConfigError as exc:
                cannot = str(exc)
        context = ReplyContext(item=item, library=self.templates, draft=store.drafts.get(key),
                               cannot_post=cannot, version=store.releases.latest())
        app.call_from_thread(app.push_screen, ComposeScreen(context), self._replied)

    def _replied(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.say(outcome.message, timeout=8)
        self.reload(keep_key=True)
        self.refresh_counts()
        self._load_preview(self._preview_key)

    # --- routing --------------------------------------------------------------------

    def action_assign_rotation(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        developer = self.app.config.team.on_rotation(self.app.now().date())
        if developer is None:
            self.say('No rotation: set rotation = ["dev1", "dev2"] under [team] in the config',
                     severity="warning", timeout=5)
            return
        self._triage({"assignee": developer}, f"Assigned to {developer} (on rotation this week)")

    # --- ideas ----------------------------------------------------------------------

    def action_set_status(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        post_type = row.get("type")
        if post_type not in (None, PostType.FEATURE.value) and row.get("kind") != "uservoice":
            self.say(f"The idea status is for feature proposals; this one is tagged "
                     f"{PostType(post_type).label} (2 tags it a Feature Proposal)", severity="warning", timeout=5)
            return
        names = [status.value for status in IdeaStatus]

        def check(answer: str) -> str | None:
            if answer.lower() in ("", "none") or answer.lower() in names:
                return None
            return f"Use one of {', '.join(names)} (or none)"

        def apply(answer: str | None) -> None:
            if answer is None:
                return
            if answer.lower() in ("", "none"):
                self._triage({"status": None}, "Idea status cleared")
                return
            changes: dict[str, Any] = {"status": answer.lower()}
            if post_type is None:
                changes["type"] = PostType.FEATURE.value
            self._triage(changes, f"Idea: {IdeaStatus(answer.lower()).label}")

        self.app.push_screen(PromptScreen(
            "Idea status? under-review → planned → started → help-wanted → completed / declined",
            value=row.get("status") or "", placeholder="planned", check=check, suggestions=names), apply)

    # --- the sweep ------------------------------------------------------------------

    def action_post_sweep(self) -> None:
        from inbox.tui.screens.sweep import SweepScreen

        def posted(message: str | None) -> None:
            if message:
                self.say(message, timeout=6)

        self.app.push_screen(SweepScreen(), posted)

    # --- response times ---------------------------------------------------------------

    def action_show_stats(self) -> None:
        self._load_stats()

    @work(thread=True, exclusive=True, group="stats")
    def _load_stats(self) -> None:
        from inbox.triage.stats import build_report
        from inbox.tui.screens.stats import StatsScreen

        app = self.app
        try:
            report = build_report(app.config, self.store, now=app.now(), since=timedelta(days=30))
        except InboxError as exc:
            app.call_from_thread(self.say, f"No stats: {exc}", severity="error")
            return
        app.call_from_thread(app.push_screen, StatsScreen(report))

    # --- Jira -----------------------------------------------------------------------

    def action_file_jira(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        jira = self.app.config.jira
        if self.app.demo:
            self.say("This is the demo workspace: nothing is filed. Configure [jira] and run `inbox`.",
                     timeout=5)
            return
        if jira is None:
            self.say("No [jira] section in the config: add base_url, project, email and token_env",
                     severity="warning", timeout=6)
            return
        if row.get("jira_key"):
            self.say(f"Already filed as {row['jira_key']}: {jira.browse_url(row['jira_key'])}", timeout=5)
            return

        def confirmed(answer: str | None) -> None:
            if answer is not None:
                self.say(f"Filing in {jira.project}…", timeout=2)
                self._file_jira(row["key"])

        self.app.push_screen(PromptScreen(
            f"File {one_line(row['title'])[:60]!r} as a {jira.issue_type} in Jira project {jira.project}? "
            "(enter files it, esc cancels)", value="yes"), confirmed)

    @work(thread=True, group="jira")
    def _file_jira(self, key: str) -> None:
        from inbox.triage.bugs import file_bug

        app = self.app
        try:
            filed = asyncio.run(file_bug(app.config, app.store, key, now=app.now()))
        except InboxError as exc:
            app.call_from_thread(self.say, f"Not filed: {exc}", severity="error", timeout=10)
            return
        message = f"Filed {filed.key} {filed.url}: r to tell the reporter (bug-filed)"
        app.call_from_thread(self._triaged_elsewhere, message)

    def _triaged_elsewhere(self, message: str) -> None:
        self.say(message, timeout=8)
        self.reload(keep_key=True)
        self._load_preview(self._preview_key)
