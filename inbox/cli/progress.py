"""Progress bars for `inbox sync`: one per source, with rate-limit waits shown in place."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from inbox.sync import SourceResult
from inbox.text.wording import plural


class BarsProgress:
    """A `SyncProgress` drawing Rich bars on stderr (plain lines when not a terminal)."""

    def __init__(self, sources: list[str]) -> None:
        console = Console(stderr=True)
        self.live = console.is_terminal
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.fields[name]}"), BarColumn(),
            TextColumn("{task.fields[counts]}"), TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(), console=console, transient=False, disable=not self.live,
        )
        self.tasks: dict[str, TaskID] = {
            name: self.progress.add_task("", total=None, name=Text(name, style="bold"),
                                         counts="", status="") for name in sources
        }

    def __enter__(self) -> BarsProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _update(self, source: str, **fields: object) -> None:
        task = self.tasks.get(source)
        if task is not None:
            self.progress.update(task, **fields)

    def started(self, source: str) -> None:
        self._update(source, status=Text("connecting"))

    def advanced(self, source: str, items: int, pages: int) -> None:
        self._update(source, counts=Text(f"{plural(items, 'item')}, {plural(pages, 'page')}"), status=Text(""))

    def status(self, source: str, text: str) -> None:
        self._update(source, status=Text(text, style="yellow"))
        if not self.live and text:
            print(f"{source}: {text}", file=sys.stderr)

    def finished(self, result: SourceResult) -> None:
        task = self.tasks.get(result.name)
        if task is None:
            return
        status = (Text("failed", style="red") if result.error else
                  Text("skipped", style="yellow") if result.skipped else Text("done", style="green"))
        self.progress.update(task, total=1, completed=1, status=status)
