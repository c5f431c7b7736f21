"""The same question across channels, from the main screen: the preview's similar posts,
`D` to link posts as duplicates, and after `e`, the offer to mark their duplicates done.

Not a screen: the main screen owns `SimilarPosts`, calls it from its actions and hands it
the messages its workers post back. The similar posts are read in a thread worker once
the preview has settled on a post, one read at a time (a burst of `j` reads the last
post's), and only while the preview is open: with the playbook panel in its place, no
read is made until it is back. Linking, unlinking and marking done never happen by
themselves: each is a key the user presses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.errors import InboxError
from inbox.text import one_line
from inbox.text.wording import plural, shorten
from inbox.tui import messages as msg
from inbox.tui.actions import shown_keys
from inbox.tui.pacing import OneAtATime
from inbox.tui.screens.prompt import PromptScreen
from inbox.tui.selection import Selection
from inbox.tui.widgets.preview import Preview

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen

SHOWN = 3
"""Similar posts the preview lists (and `D` picks from by number)."""


class SimilarPosts:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._reads: OneAtATime[str | None] = OneAtATime(self._start)
        self.key: str | None = None
        """The post the preview's similar posts are of."""
        self.similar: list[dict[str, Any]] = []
        self.linked: list[dict[str, Any]] = []
        self.offered: list[dict[str, Any]] = []
        """Duplicates still open of posts just marked done: what `E` marks done."""

    @property
    def app(self) -> InboxApp:
        return self.screen.app

    @property
    def preview_open(self) -> bool:
        return not self.screen.has_class("playbooks")

    # --- the preview's list -------------------------------------------------------------

    def request(self, key: str | None) -> None:
        """Read the similar posts of `key` (the post the preview shows), if the preview is open."""
        if key != self.key:
            self.key, self.similar, self.linked = None, [], []
            self.screen.query_one(Preview).show_similar(None, [])
        if key is not None and self.preview_open:
            self._reads.request(key)

    def _start(self, key: str | None) -> None:
        self.screen.run_worker(lambda: self._read(key), thread=True, group="similar")

    def _read(self, key: str | None) -> None:
        """In a thread worker."""
        similar = linked = None
        try:
            if key is not None:
                now = self.app.now()
                similar = self.app.store.similar(key, now=now, limit=SHOWN)
                linked = self.app.store.duplicates.of(key, now=now)
        except InboxError as exc:
            self.screen.post_message(msg.Said(f"Similar posts not read: {exc}", "error", 6))
        finally:  # always answered, or no list would be read again
            self.screen.post_message(msg.SimilarLoaded(key, similar, linked))

    def loaded(self, message: msg.SimilarLoaded) -> None:
        self._reads.done()
        if message.key is None or message.key != self.screen.previewed or message.similar is None:
            return
        self.key, self.similar, self.linked = message.key, message.similar, message.linked or []
        self.screen.query_one(Preview).show_similar(self.similar, self.linked)

    # --- D: link as a duplicate ---------------------------------------------------------

    def link(self) -> None:
        """Ask which post the highlighted (or marked) posts duplicate: a number from the
        preview's similar posts, or any key. A post linked already is unlinked."""
        rows = self.screen.selection.targets()
        if not rows:
            return
        keys = [row["key"] for row in rows]
        similar = self.similar if self.key in keys else []
        linked = {row["key"] for row in self.linked} if self.key in keys else set()
        first = next((row["key"] for row in similar if row["key"] not in linked), "")
        picks = f"1-{len(similar)} picks a similar post, or type" if similar else "Type"
        question = (f"Duplicate of which post? {picks} a key (a linked one is unlinked); esc cancels")
        if len(rows) > 1:
            question = f"{len(rows)} marked posts. {question}"

        def chosen(answer: str) -> str:
            if answer.isdigit() and 1 <= int(answer) <= len(similar):
                return similar[int(answer) - 1]["key"]
            return answer

        def check(answer: str) -> str | None:
            if not answer:
                return "Type a number from the similar posts or a key like forum:1234 (esc cancels)"
            if chosen(answer) in keys:
                return "A post cannot be a duplicate of itself"
            return None

        def answered(answer: str | None) -> None:
            if not answer:
                return
            other = chosen(answer)
            unlink = len(keys) == 1 and other in linked
            title = Selection.named(rows)
            self.screen.run_worker(lambda: self._write(keys, other, not unlink, title), thread=True, group="triage")

        self.app.push_screen(PromptScreen(question, value=first, placeholder="forum:1234",
                                          check=check, suggestions=[row["key"] for row in similar]), answered)

    def _write(self, keys: list[str], other: str, link: bool, title: str) -> None:
        """In a thread worker."""
        workspace = self.app.workspace
        try:
            changed = workspace.link_duplicates(keys, other) if link else workspace.unlink_duplicates(keys, other)
        except InboxError as exc:  # an unknown key, or the database busy: nothing changed
            self.screen.post_message(msg.Said(str(exc), "error", 8))
            return
        self.screen.post_message(msg.DuplicatesLinked(keys, other, link, changed, title))

    def linked_saved(self, message: msg.DuplicatesLinked) -> None:
        other, title = one_line(message.other), shorten(message.title, 60)
        if not message.changed:
            said = f"Already linked with {other}" if message.linked else f"Not linked with {other}"
            self.screen.say(f"{said}: {title}", timeout=3)
            return
        said = f"Linked as a duplicate of {other}" if message.linked else f"Unlinked from {other}"
        self.screen.say(f"{said}: {title}", timeout=3)
        self.screen.selection.acted_on(message.keys)
        self.screen.refresh_around(keep_key=True, counts=False)

    # --- e on a linked post: offer its duplicates -------------------------------------------

    def after_triage(self, message: msg.TriageSaved) -> None:
        """Posts just marked done: look for their duplicates still open (never marked
        done here; `E` does it, if the user wants)."""
        if message.changes.get("done") is not True:
            return
        keys = list(message.keys)
        self.screen.run_worker(lambda: self._find_open(keys), thread=True, group="duplicates-offer")

    def _find_open(self, keys: list[str]) -> None:
        """In a thread worker."""
        now, found = self.app.now(), {}
        try:
            for key in keys:
                for row in self.app.store.duplicates.of(key, now=now):
                    if row["state"] not in ("done", "gone") and row["key"] not in keys:
                        found.setdefault(row["key"], row)
        except InboxError:
            return  # only an offer: nothing is lost without it
        if found:
            self.screen.post_message(msg.DuplicatesOffered(keys, list(found.values())))

    def offer(self, message: msg.DuplicatesOffered) -> None:
        self.offered = message.rows
        named = (f"its duplicate {one_line(message.rows[0]['key'])} is"
                 if len(message.rows) == 1 else f"{plural(len(message.rows), 'linked duplicate')} are")
        key = self._key("done_duplicates")
        self.screen.say(f"Done, and {named} still open: {key} marks "
                        f"{'it' if len(message.rows) == 1 else 'them'} done too", timeout=8)

    def done_offered(self) -> None:
        """`E`: mark done the duplicates `e` offered."""
        if not self.offered:
            self.screen.say(f"Nothing offered: after e on a post with linked duplicates still open, "
                            f"{self._key('done_duplicates')} marks them done too", severity="warning", timeout=4)
            return
        rows, self.offered = self.offered, []
        self.screen.triager.apply({"done": True}, "Done (duplicate)",
                                  [{"key": row["key"], "title": row["title"] or row["key"]} for row in rows])

    def _key(self, binding_id: str) -> str:
        return shown_keys(binding_id, self.app.config.keys, first=True)
