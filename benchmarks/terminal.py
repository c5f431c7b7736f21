"""The real TUI in a real terminal: a detached tmux pane, read by polling `capture-pane`.

Headless test harnesses skip the terminal, the driver and process start-up; a user does
not. So the inbox runs as the `inbox` command in a 160x50 tmux pane and is measured
from outside, by what the screen shows and what the process spends:

- open: process start until item rows are drawn in the list;
- idle: first rows until the process stops working (its CPU time grows by less than 2%
  of the wall time over 300 ms), read per thread from /proc with nanosecond precision;
- keys: from sending `j`, `g` or `G` until the screen first changes, and until the
  preview shows the item the cursor moved to;
- burst: 200 `j` sent at once right after the first rows, until the preview shows the
  200th row's item (the list order is the store's, so the caller knows which one);
- filter: typing a query into the filter bar and Enter, until the list's header names
  that filter (the list shows the rows of the query its header names);
- peak RSS once idle (VmHWM).

A private tmux server (its own socket, no user config) keeps runs apart from any tmux
the user has open.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Self

SOCKET = "inbox-scale"
POLL = 0.005
"""Seconds between screen captures."""
IDLE_WINDOW = 0.3
IDLE_SHARE = 0.02
TIMEOUT = 120.0

ANSI = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
ROW = re.compile(r"[●⚠✓z ] (?:GH|GL|FO|SO|SL|ZD|IC|UV) +(?:· +|TRBL|FEAT|BUG +|QSTN) ")
"""A drawn list row: marker, channel badge, type tag."""
PREVIEW_KEY = re.compile(r"^([a-z][a-z0-9_-]*:[0-9][0-9.]*)  ")
"""The preview's line that starts with the item's key (`server:4131  author ...`), beside
the list or below it."""
FILTER_PLACEHOLDER = "filter: is:awaiting"


def plain(screen: str) -> str:
    return ANSI.sub("", screen)


def preview_key(screen: str) -> str | None:
    """The key of the item the preview pane shows (right of the last border), if any."""
    for line in plain(screen).splitlines():
        found = PREVIEW_KEY.match(line.rsplit("│", 1)[-1].lstrip())
        if found:
            return found.group(1)
    return None


def _tmux(*args: str, check: bool = True) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True,
                          check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"tmux {args[0]}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done.stdout


class Pane:
    """One command running in a detached tmux session of its own, and its process."""

    _count = 0

    def __init__(self, command: list[str], *, env: dict[str, str] | None = None,
                 width: int = 160, height: int = 50) -> None:
        Pane._count += 1
        self.name = f"scale-{os.getpid()}-{Pane._count}"
        self.command = command
        self.env = env or {}
        self.size = (width, height)
        self.started = 0.0
        self.pid = 0

    def __enter__(self) -> Self:
        options = [arg for name, value in self.env.items() for arg in ("-e", f"{name}={value}")]
        for attempt in range(5):  # the server of the last session may still be on its way out
            self.started = time.perf_counter()
            try:
                _tmux("new-session", "-d", "-s", self.name, "-x", str(self.size[0]), "-y", str(self.size[1]),
                      *options, "exec " + shlex.join(self.command))
                break
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
        self.pid = int(_tmux("list-panes", "-t", self.name, "-F", "#{pane_pid}").split()[0])
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Quit as a user would (ctrl+q), so the store closes; then the session; the
        process is gone on return."""
        if self.alive:
            self.send("C-q")
            self._wait_gone(5)
        _tmux("kill-session", "-t", self.name, check=False)
        if not self._wait_gone(5):
            os.kill(self.pid, signal.SIGKILL)
            self._wait_gone(5)

    def _wait_gone(self, seconds: float) -> bool:
        deadline = time.perf_counter() + seconds
        while self.alive and time.perf_counter() < deadline:
            time.sleep(0.05)
        return not self.alive

    @property
    def alive(self) -> bool:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    def screen(self, *, styled: bool = True) -> str:
        return _tmux("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.name, check=False)

    def send(self, keys: str, *, literal: bool = False) -> None:
        _tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), keys)

    def cpu(self) -> dict[str, int]:
        """Nanoseconds on CPU so far, by thread id."""
        threads = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                threads[task.name] = int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
        return threads

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return math.nan

    # --- waiting -----------------------------------------------------------------------

    def wait_for(self, done: Callable[[str], bool], timeout: float = TIMEOUT,
                 since: float | None = None) -> float:
        """Seconds from `since` (default: now) until a capture satisfies `done`; inf on
        timeout or if the process ends."""
        start = time.perf_counter()
        since = start if since is None else since
        while time.perf_counter() - start < timeout:
            if done(self.screen()):
                return time.perf_counter() - since
            if not self.alive:
                return math.inf
            time.sleep(POLL)
        return math.inf

    def wait_idle(self, timeout: float = TIMEOUT) -> float:
        """Seconds until the start of the first quiet window: the CPU time of the threads
        alive throughout it grew by less than IDLE_SHARE of it, and none ended in it (a
        thread that ends has just been working)."""
        start = time.perf_counter()
        samples: deque[tuple[float, dict[str, int]]] = deque()
        while time.perf_counter() - start < timeout and self.alive:
            now, cpu = time.perf_counter(), self.cpu()
            samples.append((now, cpu))
            while len(samples) > 1 and now - samples[1][0] >= IDLE_WINDOW:
                samples.popleft()
            then, before = samples[0]
            if now - then >= IDLE_WINDOW and set(before) <= set(cpu):
                spent = sum(cpu[t] - before.get(t, 0) for t in cpu) / 1e9
                if spent < IDLE_SHARE * (now - then):
                    return then - start
            time.sleep(0.02)
        return math.inf

    def settle(self, quiet: float = 0.2, timeout: float = TIMEOUT) -> None:
        """Wait until the screen has not changed for `quiet` seconds."""
        start = last_change = time.perf_counter()
        shown = self.screen()
        while time.perf_counter() - start < timeout:
            time.sleep(POLL)
            now, screen = time.perf_counter(), self.screen()
            if screen != shown:
                shown, last_change = screen, now
            elif now - last_change >= quiet:
                return

    def press(self, key: str, timeout: float = TIMEOUT) -> tuple[float, float]:
        """Seconds from sending `key` until the screen first changes, and until the
        preview shows another item than before."""
        before = self.screen()
        was = preview_key(before)
        start = time.perf_counter()
        self.send(key)
        changed = math.inf
        while time.perf_counter() - start < timeout:
            screen = self.screen()
            elapsed = time.perf_counter() - start
            if math.isinf(changed) and screen != before:
                changed = elapsed
            key_now = preview_key(screen)
            if key_now and key_now != was:
                return changed, elapsed
            time.sleep(POLL)
        return changed, math.inf


def _rows_drawn(screen: str) -> bool:
    return bool(ROW.search(plain(screen)))


def session(command: list[str], env: dict[str, str], *, presses: int, query: str,
            timeout: float = TIMEOUT) -> dict[str, list[float]]:
    """One launch measured undisturbed: open, idle, peak RSS, then keys and the filter.

    Returns samples in seconds (MB for the peak RSS) by figure; inf where it timed out.
    """
    figures: dict[str, list[float]] = {}
    with Pane(command, env=env) as pane:
        figures["open"] = [pane.wait_for(_rows_drawn, timeout, since=pane.started)]
        if math.isinf(figures["open"][0]):
            return figures
        figures["idle"] = [pane.wait_idle(timeout)]
        figures["rss"] = [pane.peak_rss_mb()]
        rows = len(ROW.findall(plain(pane.screen())))
        plan = ["j"] * min(presses, rows - 1) + ["G", "g"] * presses if rows > 1 else []
        for key in plan:
            pane.settle(timeout=timeout)
            first, ready = pane.press(key, timeout)
            figures.setdefault(f"{key} change", []).append(first)
            figures.setdefault(f"{key} preview", []).append(ready)
            if math.isinf(ready):
                break
        pane.settle(timeout=timeout)
        pane.send("/")
        if math.isinf(pane.wait_for(lambda s: FILTER_PLACEHOLDER in plain(s), timeout)):
            figures["filter"] = [math.inf]
            return figures
        start = time.perf_counter()
        pane.send(query, literal=True)
        pane.send("Enter")
        figures["filter"] = [pane.wait_for(lambda s: f"filter: {query}" in plain(s), timeout, since=start)]
    return figures


def burst(command: list[str], env: dict[str, str], *, count: int, target: str,
          timeout: float = TIMEOUT) -> tuple[float, str | None]:
    """`count` j sent at once as soon as rows are drawn: seconds until the preview shows
    `target`, and the key it shows at the end (another one when keys were lost).

    Gives up early once the screen has been still for a second while the process idles.
    """
    with Pane(command, env=env) as pane:
        if math.isinf(pane.wait_for(_rows_drawn, timeout)):
            return math.inf, None
        start = time.perf_counter()
        pane.send("j" * count, literal=True)
        shown, still_since = pane.screen(), time.perf_counter()
        while time.perf_counter() - start < timeout:
            screen = pane.screen()
            key = preview_key(screen)
            if key == target:
                return time.perf_counter() - start, key
            if screen != shown:
                shown, still_since = screen, time.perf_counter()
            elif time.perf_counter() - still_since > 1.0 and pane.wait_idle(2 * IDLE_WINDOW) < IDLE_WINDOW:
                return math.inf, key
            time.sleep(POLL)
        return math.inf, preview_key(pane.screen())
