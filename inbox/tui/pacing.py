"""Work that runs one at a time: a read per key pressed would pile up behind the slowest.

Requests made while a run is under way become one more run, with the latest request,
once it is done: 200 `j` in a burst read the preview of the first and of the last item,
and a query typed fast reads the list of the last query. Not a worker itself: `start`
begins one, and its result's handler calls `done`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class OneAtATime(Generic[T]):
    def __init__(self, start: Callable[[T], None]) -> None:
        self._start = start
        self._running = False
        self._pending: tuple[T] | None = None

    def request(self, value: T) -> None:
        """Run with `value` now, or after the run under way (the latest request wins)."""
        self._pending = (value,)
        if not self._running:
            self._next()

    def done(self) -> None:
        """The run under way is over: the latest request made meanwhile starts."""
        self._running = False
        if self._pending is not None:
            self._next()

    def _next(self) -> None:
        (value,), self._pending = self._pending, None
        self._running = True
        self._start(value)
