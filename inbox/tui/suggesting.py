"""Type suggestions on the main screen: accepting one (`t`), and retraining the model in a
thread worker after the tags change, so no key ever waits on it.

Not a screen: the main screen owns a `Suggester`, calls it from its action, after each
triage and on mount, and hands it the message its worker posts back. Retraining waits
for the tagging to pause (`DEBOUNCE` seconds) and a newer retrain replaces one still
running (`exclusive`), which stops between chunks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.timer import Timer
from textual.worker import get_current_worker

from inbox.errors import InboxError
from inbox.models import PostType
from inbox.triage import suggestions
from inbox.triage.suggest import Readiness, Suggestion
from inbox.tui import messages as msg

if TYPE_CHECKING:
    from inbox.tui.screens.main import MainScreen

DEBOUNCE = 1.5
"""Seconds after the last tag before the model is trained again."""
START_DELAY = 2.0
"""Seconds after the screen mounts before the model is checked against the tags (0: at
once)."""


def suggestion_of(row: dict[str, Any] | None) -> Suggestion | None:
    """The suggestion a list row carries (only an untagged one has one: the store says so)."""
    if not row or row.get("type") or not row.get("suggested_type") or row.get("suggested_confidence") is None:
        return None
    try:
        PostType(row["suggested_type"])
    except ValueError:
        return None
    return Suggestion(row["suggested_type"], float(row["suggested_confidence"]))


def _note(readiness: Readiness) -> str:
    """The status line's words: none until something is tagged."""
    return readiness.describe() if any(readiness.counts.values()) else ""


class Suggester:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.note = ""
        """What the status line says of suggestions."""
        self._timer: Timer | None = None

    def start(self) -> None:
        """On mount: the model as the tags are now (a teammate may have tagged meanwhile),
        once the first rows, preview and similar posts have been read: at a million posts
        each of those reads holds tens of megabytes for a moment, and one after another
        they peak lower than all at once. The status line's count comes at once."""
        self.screen.run_worker(self._count, thread=True, exclusive=True, group="suggest-note")
        if START_DELAY > 0:
            self._timer = self.screen.set_timer(START_DELAY, self._retrain_now)
        else:
            self._retrain_now()

    def _retrain_now(self) -> None:
        self.screen.run_worker(self._retrain, thread=True, exclusive=True, group="suggest")

    def tags_changed(self) -> None:
        """After a tag or an undo: the status line's count at once, the model once the
        tagging pauses."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.screen.set_timer(DEBOUNCE, self._retrain_now)
        self.screen.run_worker(self._count, thread=True, exclusive=True, group="suggest-note")

    def _count(self) -> None:
        """In a thread worker: what the status line says, from the tags as they are."""
        try:
            ready = suggestions.readiness(self.screen.app.config, self.screen.store)
        except InboxError:
            return
        self.screen.post_message(msg.SuggestionsRetrained(_note(ready), False))

    def accept(self) -> None:
        """Each post acted on takes its own suggestion; one without says so."""
        rows = self.screen.selection.targets()
        if not rows:
            return
        by_type: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            found = suggestion_of(row)
            if found is not None:
                by_type.setdefault(found.type, []).append(row)
        if not by_type:
            self.screen.say(f"No type suggested for this post{'s' if len(rows) > 1 else ''}"
                            + (f": {self.note}" if self.note and not self.note.startswith("suggesting") else ""),
                            severity="warning", timeout=4)
            return
        for kind, chosen in by_type.items():
            self.screen.triager.accept(kind, chosen)

    def _retrain(self) -> None:
        """In a thread worker."""
        worker = get_current_worker()
        workspace = self.screen.app.workspace
        try:
            done = workspace.retrain_suggestions(stop=lambda: worker.is_cancelled)
        except InboxError as exc:
            self.screen.post_message(msg.Said(f"type suggestions: {exc}", "warning", 5))
            return
        self.screen.post_message(msg.SuggestionsRetrained(_note(done.readiness), done.trained or done.suggested > 0))

    def retrained(self, message: msg.SuggestionsRetrained) -> None:
        changed_note = message.note != self.note
        self.note = message.note
        if changed_note:
            self.screen.refresh_status()
        if message.changed:
            self.screen.refresh_around(counts=False)
