"""Playbook runs: a playbook plus a date, and the steps ticked in it.

A tick keeps the step's words as well as its id, so a past run stays readable after the
playbook file changes. Runs go through the store's one connection and lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from inbox.store.dialect import upsert
from inbox.timeutil import iso, parse_time

if TYPE_CHECKING:
    from inbox.store.db import Store


@dataclass(frozen=True)
class Tick:
    step_text: str
    ticked_at: datetime | None


@dataclass(frozen=True)
class Run:
    id: int
    playbook: str
    run_date: date
    event_start: datetime | None = None
    """When the event starts: scheduled steps are due relative to it."""
    started_at: datetime | None = None
    ticks: dict[str, Tick] = field(default_factory=dict)
    """By step id."""

    @property
    def label(self) -> str:
        when = f" {self.event_start:%H:%M} UTC" if self.event_start else ""
        return f"{self.run_date.isoformat()}{when}"


class Runs:
    """Start, list and tick runs. Reached as `store.runs`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start(self, playbook: str, run_date: date, *, now: datetime,
              event_start: datetime | None = None) -> Run:
        """The run of `playbook` on `run_date`, created if new; a given event start is kept."""
        with self.store._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO playbook_runs (playbook, run_date, started_at) "
                         "VALUES (?, ?, ?)", (playbook, run_date.isoformat(), iso(now)))
            if event_start is not None:
                conn.execute("UPDATE playbook_runs SET event_start = ? WHERE playbook = ? AND run_date = ?",
                             (iso(event_start), playbook, run_date.isoformat()))
            run_id = conn.execute("SELECT id FROM playbook_runs WHERE playbook = ? AND run_date = ?",
                                  (playbook, run_date.isoformat())).fetchone()[0]
        return self.get(run_id)

    def list(self, playbook: str) -> list[Run]:
        """Every run of a playbook, the latest date first, with its ticks."""
        with self.store._reading() as conn:
            ids = [row[0] for row in conn.execute(
                "SELECT id FROM playbook_runs WHERE playbook = ? ORDER BY run_date DESC", (playbook,))]
        return [self.get(run_id) for run_id in ids]

    def get(self, run_id: int) -> Run:
        with self.store._reading() as conn:
            row = conn.execute("SELECT id, playbook, run_date, event_start, started_at "
                               "FROM playbook_runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(run_id)
            ticks = {step_id: Tick(text, parse_time(at)) for step_id, text, at in conn.execute(
                "SELECT step_id, step_text, ticked_at FROM playbook_ticks WHERE run_id = ?", (run_id,))}
        return Run(id=row[0], playbook=row[1], run_date=date.fromisoformat(row[2]),
                   event_start=parse_time(row[3]), started_at=parse_time(row[4]), ticks=ticks)

    def tick(self, run_id: int, step_id: str, step_text: str, *, ticked: bool, now: datetime) -> Run:
        with self.store._transaction() as conn:
            if ticked:
                conn.execute(upsert("playbook_ticks", ("run_id", "step_id", "step_text", "ticked_at"),
                                    ("run_id", "step_id")), (run_id, step_id, step_text, iso(now)))
            else:
                conn.execute("DELETE FROM playbook_ticks WHERE run_id = ? AND step_id = ?", (run_id, step_id))
        return self.get(run_id)
