"""Triage from the main screen: the type keys, done, snooze, assign, the idea status and
undo, for the posts the screen's `Selection` names (the marked ones, else the highlighted
one).

Not a screen: the main screen owns a `Triager`, calls it from its actions and hands it the
messages its workers post back. Each change is one write through the workspace in a thread
worker, for one post or many, so the history records each post and one `u` undoes it all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.errors import InboxError
from inbox.models import PostType
from inbox.store.triage import TriageChange
from inbox.text.wording import shorten
from inbox.tui import messages as msg
from inbox.tui import questions
from inbox.tui.selection import Selection

TOAST_TITLE = 60
"""Characters of a title a toast quotes (shortened at a word)."""

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen

UNDO_DEPTH = 100


class Triager:
    def __init__(self, screen: MainScreen, selection: Selection) -> None:
        self.screen = screen
        self.selection = selection
        self.undo_stack: list[tuple[str, TriageChange]] = []

    @property
    def app(self) -> InboxApp:
        return self.screen.app

    # --- the actions --------------------------------------------------------------------

    def set_type(self, value: str | None) -> None:
        self._triage({"type": value}, PostType(value).label if value else "Untagged", move_on=True)

    def accept(self, value: str, rows: list[dict[str, Any]]) -> None:
        """The suggested type, taken for these posts (as if its key had been pressed)."""
        self._triage({"type": value}, PostType(value).label, rows, move_on=True)

    def done(self) -> None:
        """Done, or back in the inbox when every post acted on is done already."""
        rows = self.selection.targets()
        if rows:
            done = not all(row.get("done") for row in rows)
            self._triage({"done": done}, "Done" if done else "Back in the inbox", rows, move_on=True)

    def snooze(self) -> None:
        self._ask(questions.snooze(self.app.now, self.app.zone))

    def assign(self) -> None:
        rows = self.selection.targets()
        if rows:
            self._ask(questions.assign(self.app.config.team, rows[0] if len(rows) == 1 else {}))

    def assign_rotation(self) -> None:
        developer = self.app.config.team.on_rotation(self.app.now().date())
        if developer is None:
            self.screen.say('No rotation: set rotation = ["dev1", "dev2"] under [team] in the config',
                            severity="warning", timeout=5)
            return
        self._triage({"assignee": developer}, f"Assigned to {developer} (on rotation this week)")

    def idea_status(self) -> None:
        rows = self.selection.targets()
        if not rows:
            return
        question = questions.idea_status(rows)
        if isinstance(question, str):
            self.screen.say(question, severity="warning", timeout=5)
        else:
            self._ask(question)

    def undo(self) -> None:
        if not self.undo_stack:
            self.screen.say("Nothing to undo", severity="warning", timeout=2)
            return
        message, before = self.undo_stack.pop()
        self.screen.run_worker(lambda: self._restore(message, before), thread=True, group="triage")

    def apply(self, changes: dict[str, Any], done_message: str, rows: list[dict[str, Any]]) -> None:
        """The same change to other posts than the selection (each row: key and title),
        saved and undone like any triage key's."""
        self._triage(changes, done_message, rows)

    # --- writing --------------------------------------------------------------------------

    def _triage(self, changes: dict[str, Any], done_message: str, rows: list[dict[str, Any]] | None = None,
                *, move_on: bool = False) -> None:
        rows = rows or self.selection.targets()
        if not rows:
            return
        keys, title = [row["key"] for row in rows], Selection.named(rows)
        moved = move_on and self.selection.move_on(rows)
        self.screen.run_worker(lambda: self._write(keys, title, changes, done_message, moved),
                               thread=True, group="triage")

    def _ask(self, question: questions.Question) -> None:
        """Ask, then triage the posts acted on as the answer says."""
        rows = self.selection.targets()
        if not rows:
            return
        prompt, read = question
        if len(rows) > 1:
            prompt.question = f"{len(rows)} marked posts. {prompt.question}"

        def answered(answer: str | None) -> None:
            change = read(answer) if answer is not None else None
            if change is not None:
                self._triage(*change, rows)

        self.app.push_screen(prompt, answered)

    def _write(self, keys: list[str], title: str, changes: dict[str, Any], message: str, moved: bool) -> None:
        """In a thread worker."""
        try:
            before = self.app.workspace.triage(keys, changes)
        except InboxError as exc:  # the database is busy or became read-only: nothing changed
            self.screen.post_message(msg.Said(str(exc), "error", 8))
            return
        self.screen.post_message(msg.TriageSaved(keys, message, title, changes, before, moved))

    def saved(self, message: msg.TriageSaved) -> None:
        screen, count = self.screen, len(message.keys)
        self.undo_stack.append((message.message if count == 1 else f"{message.message} on {count} posts",
                                message.before))
        del self.undo_stack[:-UNDO_DEPTH]
        bulk = any(key in self.selection.marked for key in message.keys)
        self.selection.acted_on(message.keys)
        screen.say(f"{message.message}: {shorten(message.title, TOAST_TITLE)}" + ("; marks cleared" if bulk else ""),
                   timeout=2)
        screen.refresh_around(keep_key=message.moved)
        if "type" in message.changes:
            screen.suggester.tags_changed()
        if self.app.demo:
            return
        for key in message.keys:
            if message.changes.get("type"):
                screen.responder.write_type_label(key, message.changes["type"])
            if "assignee" in message.changes:
                previous = (message.before.get(key) or {}).get("assignee")
                screen.responder.write_assignee(key, message.changes["assignee"], previous)

    # --- undoing --------------------------------------------------------------------------

    def _restore(self, message: str, before: TriageChange) -> None:
        """In a thread worker."""
        try:
            undone = self.app.workspace.undo(before)
        except InboxError as exc:  # nothing was undone: keep it for another `u`
            self.screen.post_message(msg.UndoFailed(message, before, str(exc)))
            return
        self.screen.post_message(msg.TriageUndone(message, undone, before))

    def undo_failed(self, message: msg.UndoFailed) -> None:
        self.undo_stack.append((message.message, message.before))
        self.screen.say(message.error, severity="error", timeout=8)

    def undone(self, message: msg.TriageUndone) -> None:
        screen = self.screen
        text, severity, timeout = questions.undone_toast(message.message, message.undone)
        screen.say(text, severity=severity, timeout=timeout)
        # one post's undo goes back to it (the cursor had moved on after tagging it)
        screen.refresh_around(keep_key=next(iter(message.before)) if len(message.before) == 1 else False)
        screen.suggester.tags_changed()
        if self.app.demo:
            return
        for key, fields in message.undone.restored.items():
            moved = message.before.changed.get(key, {})
            if "assignee" in fields and "assignee" in moved:  # the channel's assignee goes back too
                back, undone = moved["assignee"]
                screen.responder.write_assignee(key, back, undone)
