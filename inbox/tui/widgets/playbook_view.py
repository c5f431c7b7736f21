"""One playbook, readable and tickable: its header, contents, prose and checklist steps.

Ticks belong to a run (the playbook plus a date); the view shows one run at a time and
pages back through past runs. Store reads and writes go through thread workers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inbox.playbooks import (
    Heading,
    Playbook,
    Step,
    blocks,
    checkbox_markdown,
    describe_offset,
)
from inbox.store.runs import Run, Runs
from inbox.text import clean, one_line
from inbox.text.wording import plural

if TYPE_CHECKING:
    from collections.abc import Callable


class StepRow(Static, can_focus=True):
    """One checklist step: space or enter ticks it; up from the first step reaches the
    contents."""

    BINDINGS = [
        Binding("space,x,enter", "toggle", "Tick", id="tick_step"),
        Binding("j,down", "move(1)", "Next step", show=False),
        Binding("k,up", "move(-1)", "Previous step", show=False),
    ]

    class Toggled(Message):
        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

    def __init__(self, step: Step) -> None:
        super().__init__(classes="pb-step")
        self.step = step
        self.ticked = False
        self.due_note = ""
        self.overdue = False

    def show_state(self, ticked: bool, due_note: str, overdue: bool) -> None:
        self.ticked, self.due_note, self.overdue = ticked, due_note, overdue
        self.set_class(ticked, "-ticked")
        self.set_class(overdue, "-overdue")
        self.update(self._text())

    def _text(self) -> Text:
        text = Text()
        text.append("☑ " if self.ticked else "☐ ", style="bold #98c379" if self.ticked else "bold")
        text.append(one_line(self.step.text), style="dim strike" if self.ticked else "")
        if self.due_note:
            text.append(f"\n  → {self.due_note}", style="bold #e06c75" if self.overdue else "#e5c07b")
        if self.step.detail:
            text.append("\n" + "\n".join(f"  {line}" for line in clean(self.step.detail).split("\n")),
                        style="dim")
        return text

    def on_mount(self) -> None:
        self.update(self._text())

    def action_toggle(self) -> None:
        self.post_message(self.Toggled(self.step))

    def action_move(self, delta: int) -> None:
        rows = list(self.screen.query(StepRow))
        index = rows.index(self) + delta
        if 0 <= index < len(rows):
            rows[index].focus()
            rows[index].scroll_visible(animate=False)
        elif index < 0:
            self.post_message(ContentsWanted())


class ContentsWanted(Message):
    """Up from the first step: the contents box takes the focus."""


class Contents(OptionList):
    """The playbook's headings: enter jumps to one, its first step focused."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class PlaybookView(VerticalScroll):
    """The chosen playbook. Posts `Closed` when the user goes back to the list."""

    BINDINGS = [
        Binding("c", "contents", "Contents", id="playbook_contents"),
        Binding("n", "new_run", "New run", id="new_run"),
        Binding("left_square_bracket", "older_run", "Older run", id="older_run", key_display="["),
        Binding("right_square_bracket", "newer_run", "Newer run", id="newer_run", key_display="]"),
        Binding("escape,backspace", "close", "Playbooks", id="playbook_list"),
    ]

    class Closed(Message):
        pass

    class Said(Message):
        """Something to tell the user (the screen shows it as a toast)."""

        def __init__(self, text: str, severity: str = "information") -> None:
            super().__init__()
            self.text = text
            self.severity = severity

    class RunsLoaded(Message, bubble=False):
        """The playbook's runs, read by a thread worker; `select` is the run to show."""

        def __init__(self, runs: list[Run], select: int | None) -> None:
            super().__init__()
            self.runs = runs
            self.select = select

    class RunTicked(Message, bubble=False):
        """A step's tick is in the store; `run` is the run as it now stands."""

        def __init__(self, run: Run) -> None:
            super().__init__()
            self.run = run

    def __init__(self, playbook: Playbook, runs: Runs, now: Callable[[], datetime], *,
                 start: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.playbook = playbook
        self.start = start
        """The anchor of the heading it opens at (None: the top)."""
        self.runs_store = runs
        self.now = now
        self.runs: list[Run] = []
        self.run: Run | None = None
        self._heading_widgets: dict[int, Static] = {}

    def compose(self) -> ComposeResult:
        playbook = self.playbook
        yield Static(self._header(), classes="pb-header")
        yield Static(classes="pb-run")
        if len(playbook.headings) > 1:
            contents = Contents(*[Option(Text(("  " * max(0, h.level - 2)) + one_line(h.text)), id=str(i))
                                  for i, h in enumerate(playbook.headings) if h.level > 1],
                                classes="pb-toc")
            contents.border_title = "Contents"
            yield contents
        for index, (kind, value) in enumerate(blocks(playbook)):
            if kind == "heading" and value.level == 1:
                continue  # the title, already in the header
            if kind == "heading":
                heading: Heading = value
                widget = Static(Text(one_line(heading.text), style="bold #61afef"), classes="pb-heading")
                self._heading_widgets[playbook.headings.index(heading)] = widget
                yield widget
            elif kind == "text":
                # Rich draws prose in one widget; Textual's Markdown mounts one per block.
                yield Static(RichMarkdown(checkbox_markdown(clean(value)), hyperlinks=False), classes="pb-text")
            else:
                yield StepRow(value)

    def on_mount(self) -> None:
        self._load_runs()

    def _header(self) -> Text:
        playbook = self.playbook
        text = Text()
        text.append(one_line(playbook.title), style="bold")
        text.append("\n" + one_line(playbook.summary), style="")
        facts = [playbook.owner and f"owner {playbook.owner}", playbook.event and f"event {playbook.event}",
                 playbook.tags and ", ".join(playbook.tags)]
        line = " · ".join(one_line(f) for f in facts if f)
        if line:
            text.append("\n" + line, style="dim")
        return text

    # --- runs -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="playbook-runs")
    def _load_runs(self, select: int | None = None) -> None:
        runs = self.runs_store.list(self.playbook.name)
        self.post_message(self.RunsLoaded(runs, select))

    def on_playbook_view_runs_loaded(self, message: PlaybookView.RunsLoaded) -> None:
        message.stop()
        runs, select = message.runs, message.select
        self.runs = runs
        chosen = next((r for r in runs if r.id == select), None)
        if chosen is None and self.run is not None:
            chosen = next((r for r in runs if r.id == self.run.id), None)
        self.run = chosen or (runs[0] if runs else None)
        self._paint()

    def _paint(self) -> None:
        run, now = self.run, self.now()
        ticks = run.ticks if run else {}
        event_start = run.event_start if run else None
        overdue_count = 0
        for row in self.query(StepRow):
            step = row.step
            ticked = step.id in ticks
            due = step.due(event_start)
            overdue = step.is_overdue(event_start, now, ticked)
            overdue_count += overdue
            note = ""
            if due is not None:
                note = ("overdue · " if overdue else "") + f"due {due:%a %d %b %H:%M}"
            elif step.offset is not None:
                note = describe_offset(step.offset)
            row.show_state(ticked, note, overdue)
        self.query_one(".pb-run", Static).update(self._run_line(overdue_count))

    def _run_line(self, overdue: int) -> Text:
        text = Text()
        steps = self.playbook.steps
        if self.run is None:
            text.append("No run yet. ", style="bold")
            text.append("n starts one (a date and the event time); ticking a step starts "
                        "today's.", style="dim")
            return text
        done = sum(1 for s in steps if s.id in self.run.ticks)
        position = self.runs.index(self.run) + 1 if self.run in self.runs else 1
        text.append(f"Run {self.run.label}", style="bold #61afef")
        text.append(f"   {done} of {plural(len(steps), 'step')} done")
        if overdue:
            text.append(f"  {overdue} overdue", style="bold #e06c75")
        gone = [t.step_text for step_id, t in self.run.ticks.items() if self.playbook.step(step_id) is None]
        if gone:
            text.append(f"  (+{plural(len(gone), 'ticked step')} no longer in the playbook)", style="dim")
        if len(self.runs) > 1:
            text.append(f"\nrun {position} of {len(self.runs)}: [ older, ] newer", style="dim")
        return text

    @on(StepRow.Toggled)
    def _toggled(self, message: StepRow.Toggled) -> None:
        message.stop()
        ticked = not (self.run is not None and message.step.id in self.run.ticks)
        self._tick(self.run.id if self.run else None, message.step, ticked)

    @work(thread=True, group="playbook-ticks")
    def _tick(self, run_id: int | None, step: Step, ticked: bool) -> None:
        now = self.now()
        if run_id is None:
            run_id = self.runs_store.start(self.playbook.name, now.date(), now=now).id
            self.post_message(self.Said(f"Started a run of {self.playbook.title} for {now.date()}"))
        run = self.runs_store.tick(run_id, step.id, step.text, ticked=ticked, now=now)
        self.post_message(self.RunTicked(run))

    def on_playbook_view_run_ticked(self, message: PlaybookView.RunTicked) -> None:
        message.stop()
        run = message.run
        self.run = run
        self.runs = sorted([r for r in self.runs if r.id != run.id] + [run],
                           key=lambda r: r.run_date, reverse=True)
        self._paint()

    def start_run(self, run_date: date, event_start: datetime | None) -> None:
        self._start_run(run_date, event_start)

    @work(thread=True, group="playbook-runs")
    def _start_run(self, run_date: date, event_start: datetime | None) -> None:
        run = self.runs_store.start(self.playbook.name, run_date, now=self.now(), event_start=event_start)
        self.post_message(self.Said(f"Run {run.label} of {self.playbook.title}"))
        self._load_runs(run.id)

    def action_new_run(self) -> None:
        self.post_message(NewRunRequested(self))

    def action_older_run(self) -> None:
        self._step_run(1)

    def action_newer_run(self) -> None:
        self._step_run(-1)

    def _step_run(self, delta: int) -> None:
        if not self.runs or self.run is None:
            return
        index = self.runs.index(self.run) + delta
        if 0 <= index < len(self.runs):
            self.run = self.runs[index]
            self._paint()

    def action_close(self) -> None:
        self.post_message(self.Closed())

    @on(OptionList.OptionSelected, ".pb-toc")
    def _jump(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self._go_to(int(message.option.id or 0))

    def focus_start(self) -> None:
        """Focus the first step of the part it opened at (of the whole playbook without
        one), that part's heading at the top: where the user acts next."""
        anchors = [heading.anchor for heading in self.playbook.headings]
        if self.start in anchors:
            self._go_to(anchors.index(self.start))
            return
        steps = self.query(StepRow)
        (steps.first() if steps else self).focus(scroll_visible=False)

    def _go_to(self, index: int) -> None:
        """The heading `index` at the top, and the focus on its first step."""
        heading = self.playbook.headings[index]
        step = next((row for row in self.query(StepRow) if row.step.line > heading.line), None)
        (step or self).focus(scroll_visible=False)
        widget = self._heading_widgets.get(index)
        if widget is not None:
            self.scroll_to_widget(widget, animate=False, top=True)

    def action_contents(self) -> None:
        contents = self.query(Contents)
        if contents:
            contents.first().focus()
            self.scroll_home(animate=False)

    @on(ContentsWanted)
    def _contents_wanted(self, message: ContentsWanted) -> None:
        message.stop()
        self.action_contents()


class NewRunRequested(Message):
    """The user wants a new run: the screen asks for its date and time."""

    def __init__(self, view: PlaybookView) -> None:
        super().__init__()
        self.view = view
