"""A playbook printed in the terminal with Rich: its header, its schedule, its Markdown.

Playbook text is shown as Markdown, never as Rich markup, and cleaned of control
characters first, since a user folder may hold anything.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from inbox.playbooks import Playbook, checkbox_markdown, describe_offset
from inbox.text import clean, one_line


def header(playbook: Playbook) -> Text:
    text = Text()
    text.append(one_line(playbook.title), style="bold")
    text.append(f"  ({playbook.name})\n", style="dim")
    text.append(one_line(playbook.summary) + "\n")
    facts = [f"owner: {playbook.owner}" if playbook.owner else "",
             f"event: {playbook.event}" if playbook.event else "",
             f"tags: {', '.join(playbook.tags)}" if playbook.tags else "",
             f"shown for posts matching: {playbook.triggers}" if playbook.triggers else ""]
    text.append(one_line(" · ".join(f for f in facts if f)), style="dim")
    return text


def schedule_table(playbook: Playbook, event_start: datetime | None) -> Table | None:
    steps = playbook.scheduled
    if not steps:
        return None
    table = Table(title="Schedule", title_justify="left", show_edge=False, box=None, padding=(0, 1))
    table.add_column("When", style="#e5c07b", no_wrap=True)
    if event_start:
        table.add_column("Due (UTC)", no_wrap=True)
    table.add_column("Step")
    for step in steps:
        due = step.due(event_start)
        row = [describe_offset(step.offset)]
        if event_start:
            row.append(f"{due:%a %d %b %H:%M}" if due else "")
        row.append(one_line(step.text))
        table.add_row(*[Text(cell) for cell in row])
    return table


def print_playbook(playbook: Playbook, *, event_start: datetime | None = None,
                   console: Console | None = None) -> None:
    console = console or Console()
    parts = [header(playbook), Text("")]
    table = schedule_table(playbook, event_start)
    if table is not None:
        parts += [table, Text("")]
    parts.append(Markdown(checkbox_markdown(clean(playbook.body))))
    console.print(Group(*parts))
