"""Columns that fit a width: one flexible column takes what is left, the others keep the
width of their longest value and drop, least useful first, when the width runs short.

Shared by the item list (rows drawn by hand) and the tables of the overview screens, so a
narrow terminal loses the same way everywhere: whole columns, never the edge of a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from rich.text import Text


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    """Cells its longest value (and its header) need; for the flexible column, the least it
    is given before other columns drop."""
    right: bool = False
    """Right-aligned (numbers, times)."""
    drop: int = 0
    """When it goes as the width shrinks: 1 first, then 2, ...; 0 never."""
    flexible: bool = False


@dataclass(frozen=True)
class Fitted:
    """The columns shown at one width, in order, each with the cells it gets."""

    columns: tuple[Column, ...]
    widths: tuple[int, ...]
    gap: int

    @cached_property
    def _by_key(self) -> dict[str, int]:
        return {column.key: width for column, width in zip(self.columns, self.widths)}

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def width(self, key: str) -> int:
        """The cells `key` gets; 0 when it is not shown."""
        return self._by_key.get(key, 0)

    @property
    def total(self) -> int:
        return sum(self.widths) + self.gap * max(0, len(self.widths) - 1)

    def header(self, style: str = "bold") -> Text:
        """The row of column names, aligned as the cells are."""
        return self.row((column.header for column in self.columns), style)

    def row(self, cells: Iterable[str], style: str = "") -> Text:
        """Plain cells laid out in the columns (each cut to its width)."""
        text = Text(no_wrap=True, overflow="crop", end="", style=style)
        for index, (column, width, cell) in enumerate(zip(self.columns, self.widths, cells)):
            if index:
                text.append(" " * self.gap)
            text.append(cut(cell, width, right=column.right))
        return text


def cut(value: str, width: int, *, right: bool = False) -> str:
    """`value` in exactly `width` cells: padded, or cut with an ellipsis."""
    if len(value) > width:
        value = value[: width - 1] + "…" if width > 1 else value[:width]
    return value.rjust(width) if right else value.ljust(width)


def fit(columns: Sequence[Column], width: int, *, gap: int = 1) -> Fitted:
    """The columns that fit `width`: the fixed ones in their drop order until the flexible
    one has its least, which then takes every cell left."""
    shown = list(columns)

    def fixed(cols: list[Column]) -> int:
        return sum(c.width for c in cols if not c.flexible) + gap * max(0, len(cols) - 1)

    flexible = sum(c.width for c in shown if c.flexible)
    for column in sorted((c for c in columns if c.drop), key=lambda c: c.drop):
        if fixed(shown) + flexible <= width:
            break
        shown.remove(column)
    spare = width - fixed(shown)
    widths = tuple(max(1, spare) if c.flexible else c.width for c in shown)
    return Fitted(tuple(shown), widths, gap)
