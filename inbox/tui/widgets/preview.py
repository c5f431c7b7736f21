"""The preview pane, and the thread view it becomes on `enter`: the post and its replies
as the channel gave them, their Markdown drawn (never their markup run), times in the
configured time zone."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Group
from rich.rule import Rule
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from inbox.models import PRODUCT_NAMES, PostType
from inbox.store import channel_wait_of
from inbox.store.drafts import Draft
from inbox.store.history import Change
from inbox.text import clean, one_line
from inbox.text.leaks import mask
from inbox.text.wording import plural
from inbox.timeutil import ago, human_time
from inbox.triage.history import summary
from inbox.tui.markdown_text import markdown_text
from inbox.tui.widgets.item_list import REPLYING_STYLE, SUGGESTED_STYLE, suggested_note


def _author(name: str, staff: bool) -> Text:
    text = Text(one_line(name), style="bold")
    if staff:
        text.append(" staff", style="bold #61afef")
    return text


def when(moment: str | None, now: datetime, zone: tzinfo | None) -> str:
    """`3h ago (today 09:12)`: how long ago, and the moment in the configured zone."""
    return f"{ago(moment, now)} ago ({human_time(moment, now, zone)})" if moment else ""


PREVIEW_CHARS = 12_000
"""Characters of a thread the preview pane draws (the thread view, on enter, draws all): it
is drawn again on every cursor move, and a post of 100,000 characters must not slow that."""


def post_text(body: str | None, limit: int | None = None) -> Text:
    """A post or reply as shown: cleaned, secrets masked, its Markdown drawn as text; with
    `limit`, only about that many characters of it, cut at a line, and a line saying so."""
    text = mask(clean(body or ""))
    if limit is None or len(text) <= limit:
        return markdown_text(text)
    end = text.rfind("\n", 0, limit)
    end = end if end > limit // 2 else limit  # at a line, unless that leaves too little
    shown = markdown_text(text[:end])
    shown.append(f"\n\n… {len(text) - end:,} more characters: enter reads the whole thread", style="dim")
    return shown


def _room(budget: int | None, used: int) -> int | None:
    return None if budget is None else max(0, budget - used)


def render_item(item: dict[str, Any], thread: list[dict[str, Any]], now: datetime,
                playbooks: list[str] | None = None, *, draft: Draft | None = None,
                jira_url: str | None = None, rules: list[str] | None = None,
                history: list[Change] | None = None, zone: tzinfo | None = None,
                budget: int | None = None) -> Group:
    """The whole thread as Rich renderables built from Text only (never markup).

    Secrets found in the text are shown masked (`ghp_…abcd`), never whole. `history` is
    the item's triage history, oldest first; its latest changes show, newest first.
    Times are in `zone` (None: local time). `budget` bounds the characters of posts drawn
    (the preview pane's `PREVIEW_CHARS`; None, the thread view: all of them).
    """
    header = Text()
    header.append(mask(one_line(item["title"])), style="bold")
    header.append("\n")
    header.append(f"{item['key']}  ", style="dim")
    header.append_text(_author(item["author"], bool(item["author_is_staff"])))
    header.append(f"   opened {when(item['created_at'], now, zone)} · {plural(item['replies'], 'reply')} · "
                  f"{item['state']}", style="dim")
    labels = json.loads(item.get("labels") or "[]")
    facts = []
    guess = suggested_note(item).strip()
    if item.get("type"):
        facts.append(PostType(item["type"]).label)
    if item.get("status"):
        facts.append(f"idea: {item['status']}")
    if item.get("supporters") is not None:
        facts.append(plural(item["supporters"], "supporter"))
    if item.get("assignee"):
        facts.append(f"assigned to {one_line(item['assignee'])}")
    if item.get("jira_key"):
        facts.append(f"Jira {one_line(item['jira_key'])}")
    if item.get("done"):
        facts.append("done")
    if item.get("snoozed"):
        facts.append(f"snoozed until {human_time(item['snoozed_until'], now, zone)}")
    wait = channel_wait_of(item)
    if wait is not None:
        facts.append(wait.describe(item["kind"], now, zone))
    if labels:
        facts.append("labels: " + ", ".join(one_line(label) for label in labels))
    if guess:  # dimmed: a suggestion, not a decision
        header.append(f"\n{guess} (t accepts, 1-4 tag)", style=SUGGESTED_STYLE)
    if facts:
        header.append((" · " if guess else "\n") + " · ".join(facts), style="#e5c07b")
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
    body, *replies = posts(item, thread, now, zone, budget)
    parts: list[Any] = [header, Rule(style="#3e4451"), body]
    if item.get("note"):
        parts += [Rule("note", style="#3e4451"), Text(clean(item["note"]), style="italic")]
    for reply in replies:
        parts += reply
    if item["replies"] and not thread:
        parts += [Rule(style="#3e4451"),
                  Text(f"{plural(item['replies'], 'reply')} on the channel (open it with o)", style="dim")]
    return Group(*parts)


def posts(item: Mapping[str, Any], thread: list[dict[str, Any]], now: datetime, zone: tzinfo | None,
          budget: int | None) -> list[Any]:
    """The post's text, then each reply's parts, within `budget` characters (None: all).

    Drawing Markdown is the slow part of a preview: the screen calls this in the worker
    that reads the item, so what `render_item` draws on the UI thread comes from the cache."""
    raw = item.get("body") or ""
    drawn: list[Any] = [post_text(raw, budget) if raw.strip() else Text("(no text)", style="dim")]
    used = len(raw)
    for index, reply in enumerate(thread):
        room = _room(budget, used)
        if room == 0:
            drawn.append([Rule(style="#3e4451"), Text(f"… {plural(len(thread) - index, 'more reply')}: "
                                                      "enter reads the whole thread", style="dim")])
            break
        drawn.append(reply_parts(reply, now, zone, room))
        used += len(reply["body"] or "")
    return drawn


def reply_parts(reply: Mapping[str, Any], now: datetime, zone: tzinfo | None = None,
                limit: int | None = None) -> list[Any]:
    """One reply of a thread: a rule, who wrote it and when, and what they said."""
    line = _author(reply["author"], bool(reply["author_is_staff"]))
    line.append(f"  {when(reply['created_at'], now, zone)}", style="dim")
    return [Rule(style="#3e4451"), line, post_text(reply["body"], limit)]


def welcome(config_file: str, sources: int) -> Text:
    """What an empty inbox says: whole sentences (the pane wraps them), the config file the
    inbox reads, and how to begin from there."""
    text = Text()
    if sources:
        text.append("No posts yet.\n\n", style="bold")
        text.append(f"The config file {config_file} names {plural(sources, 'source')}. "
                    "Press S, or run `inbox sync`, to fetch their posts.")
        return text
    text.append("Your inbox is empty: no channels are set up yet.\n\n", style="bold")
    text.append("The config file goes here:\n")
    text.append(f"{config_file}\n\n", style="bold")
    text.append("`inbox init` writes a commented starter config there. Name your channels under "
                "[[sources]] in it (the README has an example for each kind), then press S or run "
                "`inbox sync`.\n\n")
    text.append("Just looking? `inbox demo` opens a workspace full of realistic posts.")
    return text


def similar_text(similar: list[dict[str, Any]], linked: list[dict[str, Any]]) -> Text:
    """The preview's foot: the posts linked with this one as duplicates, then up to three
    similar posts from any channel, numbered as `D` picks them; each one line of plain
    text (key, channel, state, answered or not, title)."""
    lines: list[Text] = []
    for row in linked:
        line = Text("⧉ ", style="#c678dd")
        line.append("duplicate of " if row.get("duplicate_of") else "duplicated by ", style="#c678dd")
        line.append_text(_similar_line(row))
        lines.append(line)
    if similar:
        lines.append(Text("Similar posts (D links one as a duplicate)", style="bold dim"))
        for number, row in enumerate(similar, start=1):
            line = Text(f"{number} ", style="bold #61afef")
            line.append_text(_similar_line(row))
            lines.append(line)
    else:
        lines.append(Text("No similar post in any channel", style="dim"))
    return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)


def _similar_line(row: dict[str, Any]) -> Text:
    line = Text()
    line.append(one_line(row["key"]), style="bold")
    line.append(f" {PRODUCT_NAMES.get(row['kind'], one_line(row['kind']))} · {row['state']} · ", style="dim")
    line.append("answered" if row["answered"] else "unanswered",
                style="#98c379" if row["answered"] else "#e5c07b")
    line.append(f"  {mask(one_line(row['title'] or ''))}")
    return line


class Preview(VerticalScroll):
    """Scrolls the rendered thread; shows a hint when nothing is highlighted. Its foot
    (docked, so it stays in view) lists the similar posts once they are read."""

    def compose(self):
        yield Static(Text("Nothing here. Choose another view, or press / to filter.", style="dim"),
                     id="preview-body")
        similar = Static("", id="preview-similar")
        similar.display = False
        yield similar

    def show_similar(self, similar: list[dict[str, Any]] | None, linked: list[dict[str, Any]]) -> None:
        """The foot for the post shown; None hides it (nothing read for it yet)."""
        foot = self.query_one("#preview-similar", Static)
        if similar is None:
            foot.display = False
            return
        foot.update(similar_text(similar, linked))
        foot.display = True

    def show(self, item: dict[str, Any] | None, thread: list[dict[str, Any]], now: datetime,
             *, empty_inbox: bool = False, playbooks: list[str] | None = None,
             draft: Draft | None = None, jira_url: str | None = None,
             rules: list[str] | None = None, history: list[Change] | None = None,
             zone: tzinfo | None = None, welcome: Text | None = None, full: bool = False) -> None:
        """`full`: the thread view, every character of the thread; else the pane's share."""
        body = self.query_one("#preview-body", Static)
        if item is None and empty_inbox:
            body.update(welcome or Text(""))
        elif item is None:
            body.update(Text("Nothing here. Choose another view, or press / to filter.", style="dim"))
        else:
            body.update(render_item(item, thread, now, playbooks, draft=draft, jira_url=jira_url,
                                    rules=rules, history=history, zone=zone,
                                    budget=None if full else PREVIEW_CHARS))
        self.scroll_home(animate=False)
