"""Handing text and links to the desktop: the clipboard and the browser.

Best effort, and honest about it: each says whether it knows the hand-over happened, so
the caller never reports a copy or an opened page that did not happen (a server over SSH
has neither), and shows the text instead for the user to copy by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import webbrowser

_CLIPBOARD_COMMANDS = (
    ("wl-copy",),                          # Wayland
    ("xclip", "-selection", "clipboard"),  # X11
    ("xsel", "--clipboard", "--input"),
    ("pbcopy",),                           # macOS
    ("clip.exe",),                         # Windows, WSL
)


CLIPBOARD_TOOLS = ", ".join(command[0] for command in _CLIPBOARD_COMMANDS)
"""The tools `copy_text` tries, for a message saying none was found."""


def _desktop() -> bool:
    """A graphical session to hand things to: macOS, Windows (or WSL), or X11/Wayland.
    Without one a browser found would be a text one taking over the terminal."""
    return (sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY"))
            or bool(os.environ.get("WAYLAND_DISPLAY")) or shutil.which("clip.exe") is not None)


def copy_text(text: str) -> bool:
    """Put `text` on the system clipboard; True only when a clipboard tool took it."""
    if not _desktop():
        return False
    for command in _CLIPBOARD_COMMANDS:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        return True
    return False


def open_page(url: str) -> bool:
    """Open an http(s) link in the browser; True when a browser was started with it,
    False when there is none here (or no link)."""
    if not url.startswith(("https://", "http://")) or not _desktop():
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
