"""The preview pane: the post and its replies as the channel gave them, as plain text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rich.console import Group
from rich.rule import Rule
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from inbox.models import PostType
from inbox.store import channel_wait_of
from inbox.store.drafts import Draft
from inbox.store.history import Change
from inbox.text import clean, one_line
from inbox.text.leaks import mask
from inbox.timeutil import ago
from inbox.triage.history import summary
from inbox.tui.widgets.item_list import REPLYING_STYLE


def _author(name: str, staff: bool) -> Text:
    text = Text(one_line(name), style="bold")
    if staff:
        text.append(" staff", style="bold #61afef")
    return text


def render_item(item: dict[str, Any], thread: list[dict[str, Any]], now: datetime,
                playbooks: list[str] | None = None, *, draft: Draft | None = None,
                jira_url: str | None = None, rules: list[str] | None = None,
                history: list[Change] | None = None) -> Group:
    """The whole thread as Rich renderables built from Text only (never markup).

    Secrets found in the text are shown masked (`ghp_…abcd`), never whole. `history` is
    the item's triage history, oldest first; its latest changes show, newest first.
    """
    header = Text()
    header.append(mask(one_line(item["title"])), style="bold")
    header.append("\n")
    header.append(f"{item['key']}  ", style="dim")
    header.append_text(_author(item["author"], bool(item["author_is_staff"])))
    header.append(f"   opened {ago(item['created_at'], now)} ago · {item['replies']} {'reply' if item['replies'] == 1 else 'replies'} · "
                  f"{item['state']}", style="dim")
    labels = json.loads(item.get("labels") or "[]")
    facts = []
    if item.get("type"):
        facts.append(PostType(item["type"]).label)
    if item.get("status"):
        facts.append(f"idea: {item['status']}")
    if item.get("supporters") is not None:
        facts.append(f"{item['supporters']} supporters")
    if item.get("assignee"):
        facts.append(f"assigned to {one_line(item['assignee'])}")
    if item.get("jira_key"):
        facts.append(f"Jira {one_line(item['jira_key'])}")
    if item.get("done"):
        facts.append("done")
    if item.get("snoozed"):
        facts.append(f"snoozed until {item['snoozed_until']}")
    wait = channel_wait_of(item)
    if wait is not None:
        facts.append(wait.describe(item["kind"], now))
    if labels:
        facts.append("labels: " + ", ".join(one_line(label) for label in labels))
    if facts:
        header.append("\n" + " · ".join(facts), style="#e5c07b")
    header.append("\n")
    header.append(clean(item["url"]), style="dim underline")
    if jira_url:
        header.append(f"\nJira: {clean(jira_url)}", style="dim underline")
    if item.get("replying"):
        header.append(f"\n✎ {one_line(item['replying'])} is replying to this now", style=REPLYING_STYLE)
    if draft is not None:
        if draft.error:
            header.append(f"\nReply not posted: {one_line(draft.error)} (r to retry)", style="bold #e06c75")
        else:
            header.append("\nA draft reply is waiting (r to continue)", style="#98c379")
    for line in (rules or [])[-3:]:  # what rules did to it, latest last ("rule X set done at ...")
        header.append(f"\n{one_line(line)}", style="dim")
    if history:
        header.append(f"\nHistory: {summary(history, now)}", style="dim")
    leaks = json.loads(item.get("leaks") or "[]")
    if leaks:
        found = ", ".join(one_line(f"{leak['label']} {leak['masked']}") for leak in leaks)
        header.append(f"\n⚠ Possible secret in this post: {found}. Ask the poster to rotate it now.",
                      style="bold #e06c75")
    if playbooks:
        header.append("\nPlaybook for this post: " + ", ".join(one_line(t) for t in playbooks)
                      + " (p)", style="#61afef")
    parts: list[Any] = [header, Rule(style="#3e4451"), Text(mask(clean(item.get("body") or "(no text)")))]
    if item.get("note"):
        parts += [Rule("note", style="#3e4451"), Text(clean(item["note"]), style="italic")]
    for reply in thread:
        parts += reply_parts(reply, now)
    if item["replies"] and not thread:
        parts += [Rule(style="#3e4451"),
                  Text(f"{item['replies']} replies on the channel (open it with o)", style="dim")]
    return Group(*parts)


def reply_parts(reply: Mapping[str, Any], now: datetime) -> list[Any]:
    """One reply of a thread: a rule, who wrote it and when, and what they said (as text)."""
    line = _author(reply["author"], bool(reply["author_is_staff"]))
    line.append(f"  {ago(reply['created_at'], now)} ago", style="dim")
    return [Rule(style="#3e4451"), line, Text(mask(clean(reply["body"] or "")))]


WELCOME = """No items yet.

Name your channels under [[sources]] in the config file (the README has an example
for GitHub, Discourse and Stack Overflow), then press S or run `inbox sync`.

Just looking? `inbox demo` opens a workspace full of realistic posts."""


class Preview(VerticalScroll):
    """Scrolls the rendered thread; shows a hint when nothing is highlighted."""

    def compose(self):
        yield Static(Text("Nothing here. Choose another view, or press / to filter.", style="dim"),
                     id="preview-body")

    def show(self, item: dict[str, Any] | None, thread: list[dict[str, Any]], now: datetime,
             *, empty_inbox: bool = False, playbooks: list[str] | None = None,
             draft: Draft | None = None, jira_url: str | None = None,
             rules: list[str] | None = None, history: list[Change] | None = None) -> None:
        body = self.query_one("#preview-body", Static)
        if item is None and empty_inbox:
            body.update(Text(WELCOME))
        elif item is None:
            body.update(Text("Nothing here. Choose another view, or press / to filter.", style="dim"))
        else:
            body.update(render_item(item, thread, now, playbooks, draft=draft, jira_url=jira_url,
                                    rules=rules, history=history))
        self.scroll_home(animate=False)
