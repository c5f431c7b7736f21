"""Handing text and links to the desktop from the command line: the clipboard and the
browser. Best effort: when neither is there (a server over SSH), the caller prints."""

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


def copy_text(text: str) -> bool:
    """Put `text` on the system clipboard; False when no clipboard tool is at hand."""
    if sys.platform != "darwin" and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                         or shutil.which("clip.exe")):
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
    """Open an http(s) link in the browser; False when there is none (or no link)."""
    if not url.startswith(("https://", "http://")):
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
