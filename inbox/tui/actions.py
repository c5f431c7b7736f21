"""Every inbox action in one table: the key bindings, the help screen and the command
palette are all built from it, so none can fall out of step with the others."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str
    """Binding id: the name used to remap it under `[keys]` in the config."""
    keys: str
    action: str
    title: str
    help: str
    show: bool = True


ACTIONS: tuple[Action, ...] = (
    Action("filter", "slash", "open_filter", "Filter", "Filter the list with the query language"),
    Action("troubleshooting", "1", "set_type('troubleshooting')", "Troubleshooting",
           "Tag the item as Troubleshooting", show=False),
    Action("feature", "2", "set_type('feature')", "Feature", "Tag the item as a Feature Proposal", show=False),
    Action("bug", "3", "set_type('bug')", "Bug", "Tag the item as a Bug", show=False),
    Action("question", "4", "set_type('question')", "Question",
           "Tag the item as a Developer/Product Question", show=False),
    Action("clear_type", "0", "set_type(None)", "Untag", "Clear the item's type", show=False),
    Action("done", "e", "done", "Done", "Mark done (it comes back on new activity); again to undo done"),
    Action("snooze", "z", "snooze", "Snooze", "Hide the item until a time (4h, 2d, 1w or a date)"),
    Action("assign", "a", "assign", "Assign", "Assign the item to a person"),
    Action("assign_rotation", "A", "assign_rotation", "To rotation",
           "Assign the item to this week's developer on support rotation", show=False),
    Action("reply", "r", "reply", "Reply",
           "Reply from a template: edit, preview, post to the channel (drafts are kept)"),
    Action("status", "s", "set_status", "Idea status",
           "Set a feature proposal's status: under review, planned, started, help wanted, completed, declined",
           show=False),
    Action("jira", "J", "file_jira", "File in Jira", "File a reproducible bug as a Jira issue", show=False),
    Action("undo", "u", "undo", "Undo", "Undo the last triage action"),
    Action("open", "o", "open_in_browser", "Open", "Open the item in the browser"),
    Action("copy", "y", "copy_link", "Copy link", "Copy the item's link to the clipboard"),
    Action("thread", "enter", "read_thread", "Read", "Read the whole thread", show=False),
    Action("back", "escape", "back", "Back", "Back to the list", show=False),
    Action("sweep", "W", "post_sweep", "Sweep",
           "The Help Wanted sweep as it will be posted to Slack (w: the weekly list), ctrl+s posts it",
           show=False),
    Action("stats", "T", "show_stats", "Stats",
           "Response times per channel: items in, first staff reply, within the SLA, still waiting",
           show=False),
    Action("people", "P", "show_people", "People",
           "Everyone who posts or answers: channels, activity, level, tags (t to tag); "
           "enter filters the inbox by that person", show=False),
    Action("playbooks", "p", "toggle_playbooks", "Playbooks",
           "Show or hide the playbook panel (event procedures, ticked per run)"),
    Action("sync", "S", "sync", "Sync", "Sync every source in the background"),
    Action("help", "question_mark", "help", "Help", "Show every key"),
)

KEY_NAMES = {"slash": "/", "question_mark": "?", "enter": "⏎", "escape": "esc"}


def bindings() -> list[Binding]:
    return [Binding(a.keys, a.action, a.title, show=a.show, id=a.id,
                    key_display=KEY_NAMES.get(a.keys)) for a in ACTIONS]
