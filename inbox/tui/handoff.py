"""Handing a link or a reply from the inbox to the desktop: the browser and the clipboard.

The desktop is asked in a thread worker (a clipboard tool may take a moment), and the toast
says only what is known to have happened. Where nothing could take it (a server over SSH
has no browser and no clipboard tool) the toast says so and shows the link, to copy by
hand. The terminal is asked to copy too (OSC 52), but it never says whether it did, so
that alone is never reported as a copy.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from inbox import desktop
from inbox.respond.replies import Outcome
from inbox.text import one_line
from inbox.tui.messages import Said

if TYPE_CHECKING:
    from textual.screen import Screen

SHOWN_FOR = 15
"""Seconds a toast that holds a link to copy by hand stays up."""


def open_link(screen: Screen, url: str) -> None:
    """Open `url` in the browser, then say whether a browser took it."""
    if screen.app.is_web:  # served to a browser: the page opens there
        screen.app.open_url(url)
        screen.post_message(Said(f"Sent to your browser: {one_line(url)}", timeout=4))
        return
    screen.run_worker(partial(_open, screen, url), thread=True, group="desktop")


def _open(screen: Screen, url: str) -> None:
    if desktop.open_page(url):
        screen.post_message(Said(f"Opening in the browser: {one_line(url)}", timeout=4))
    else:
        screen.post_message(Said(f"No browser could be opened here. The link, to copy by hand: "
                                 f"{one_line(url)}", "warning", SHOWN_FOR))


def copy_link(screen: Screen, url: str) -> None:
    """Copy `url`, then say whether a clipboard took it."""
    screen.app.copy_to_clipboard(url)
    screen.run_worker(partial(_copy, screen, url), thread=True, group="desktop")


def _copy(screen: Screen, url: str) -> None:
    if desktop.copy_text(url):
        screen.post_message(Said(f"Copied {one_line(url)}", timeout=3))
    else:
        screen.post_message(Said(f"Not known to be copied: no clipboard tool here ({desktop.CLIPBOARD_TOOLS}), "
                                 f"and the terminal may ignore the request. The link: {one_line(url)}",
                                 "warning", SHOWN_FOR))


def hand_over_reply(screen: Screen, outcome: Outcome, *, open_page: bool = True) -> None:
    """A reply the inbox could not post: to the clipboard, and its page to the browser
    (not with `open_page` False, as in the demo, whose links lead nowhere); then one toast
    saying which of the two happened."""
    screen.app.copy_to_clipboard(outcome.text)
    screen.run_worker(partial(_hand_over, screen, outcome, open_page), thread=True, group="desktop")


def _hand_over(screen: Screen, outcome: Outcome, open_page: bool) -> None:
    said = [one_line(outcome.message)]
    copied = desktop.copy_text(outcome.text)
    said.append("The reply is copied to the clipboard." if copied else
                "No clipboard tool here: the reply is in the draft (r shows it).")
    page = outcome.url if open_page else None
    opened = bool(page) and desktop.open_page(page or "")
    if opened:
        said.append(f"Opening its page: {one_line(page)}")
    elif page:
        said.append(f"No browser here: paste it at {one_line(page)}")
    screen.post_message(Said(" ".join(said), "information" if copied and (opened or not page) else "warning",
                             SHOWN_FOR))
