"""Every key binding the user can remap under `[keys]`, as plain data.

The TUI builds its Textual bindings, the help screen and the command palette from this
table; the config checks `[keys]` against it without loading Textual, so a typo in an
action name or two actions on one key fail when the config loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from inbox.text import nearest


@dataclass(frozen=True)
class Action:
    id: str
    """Binding id: the name used to remap it under `[keys]` in the config."""
    keys: str
    """Default keys, comma-separated (`"j,down"`)."""
    action: str
    title: str
    help: str
    show: bool = True
    first: bool = False
    """Handled as the key arrives, before keys already on their way to the list: `/`, so a
    query typed fast after it lands in the filter bar and never triggers a binding."""


ACTIONS: tuple[Action, ...] = (
    Action("filter", "slash", "open_filter", "Filter", "Filter the list with the query language", first=True),
    # second, so that at any width the footer shows where every other key is listed
    Action("help", "question_mark", "help", "Help", "Show every key"),
    Action("views", "h,left", "focus_views", "Views",
           "The views (sidebar): j/k move, 1-9 open the first nine, l back", first=True),
    Action("mark", "space,v", "toggle_mark", "Mark",
           "Mark or unmark the post: triage keys then act on all marked posts"),
    Action("troubleshooting", "1", "set_type('troubleshooting')", "Troubleshooting",
           "Tag the item as Troubleshooting", show=False),
    Action("feature", "2", "set_type('feature')", "Feature", "Tag the item as a Feature Proposal", show=False),
    Action("bug", "3", "set_type('bug')", "Bug", "Tag the item as a Bug", show=False),
    Action("question", "4", "set_type('question')", "Question",
           "Tag the item as a Developer/Product Question", show=False),
    Action("clear_type", "0", "set_type(None)", "Untag", "Clear the item's type", show=False),
    Action("accept_suggestion", "t", "accept_suggestion", "Accept type",
           "Take the suggested type, shown dimmed (Bug? 84%), learned from the team's tags; "
           "1-4 tag it otherwise", show=False),
    Action("done", "e", "done", "Done", "Mark done (it comes back on new activity); again to undo done"),
    Action("snooze", "z", "snooze", "Snooze", "Hide the item until a time (4h, 2d, 1w or a date)"),
    Action("assign", "a", "assign", "Assign", "Assign the item to a person"),
    Action("assign_rotation", "A", "assign_rotation", "To rotation",
           "Assign the item to this week's developer on support rotation", show=False),
    Action("reply", "r", "reply", "Reply",
           "Reply from a template: edit, preview, post to the channel (drafts are kept)"),
    Action("duplicate", "D", "link_duplicate", "Duplicate",
           "Link the post as a duplicate of a similar one (1-3 in the preview) or of any key; "
           "a post linked already is unlinked"),
    Action("done_duplicates", "E", "done_duplicates", "Done for duplicates",
           "Mark done too the linked duplicates that e just offered", show=False),
    Action("status", "s", "set_status", "Idea status",
           "Set a feature proposal's status: under review, planned, started, help wanted, completed, declined",
           show=False),
    Action("jira", "J", "file_jira", "File in Jira", "File a reproducible bug as a Jira issue", show=False),
    Action("undo", "u", "undo", "Undo", "Undo the last triage action"),
    Action("open", "o", "open_in_browser", "Open", "Open the item in the browser"),
    Action("copy", "y", "copy_link", "Copy link", "Copy the item's link to the clipboard"),
    Action("thread", "enter", "read_thread", "Read", "Read the whole thread", show=False),
    Action("back", "escape", "back", "Back", "Back to the list (in the list: clear the marks)", show=False),
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
)
"""The main screen's actions, in the order the footer and the help screen show them."""

KEY_NAMES = {"slash": "/", "question_mark": "?", "enter": "⏎", "escape": "esc"}

LIST_MOVES = {"cursor_down": "j,down", "cursor_up": "k,up", "top": "g,home", "bottom": "G,end"}
"""Moving in any list, the inbox's or another screen's: one id each, so a remap moves them all."""

APP_SCOPE = "app"
"""Bindings of the app itself: live on every screen, so they clash with any scope."""

OTHER_BINDINGS: dict[str, dict[str, str]] = {
    APP_SCOPE: {"quit": "ctrl+q"},
    "item_list": {**LIST_MOVES, "page_down": "pagedown", "page_up": "pageup"},
    "lists": LIST_MOVES,
    "sidebar": {**{f"view_{n}": str(n) for n in range(1, 10)}, "views_leave": "l,right"},
    "filter_bar": {"filter_close": "escape"},
    "playbook_panel": {"close_playbooks": "escape"},
    "playbook_steps": {"tick_step": "space,x,enter"},
    "playbook_view": {"playbook_contents": "c", "new_run": "n", "older_run": "left_square_bracket",
                      "newer_run": "right_square_bracket", "playbook_list": "escape,backspace"},
    "compose": {"compose_post": "ctrl+s", "compose_close": "escape", "compose_templates": "ctrl+t",
                "compose_edit": "ctrl+r", "compose_discard": "ctrl+n"},
    "sweep": {"sweep_post": "ctrl+s", "sweep_weekly": "w", "sweep_close": "escape"},
    "people": {"people_tag": "t", "people_untag": "T", "people_filter": "slash", "people_close": "escape"},
    "stats": {"stats_close": "escape,q"},
    "help": {"help_close": "escape,question_mark,q"},
    "prompt": {"prompt_cancel": "escape"},
}
"""Binding ids of the other screens and widgets, by where they are live, with their default
keys. A widget's keys may repeat the screen's (escape closes the innermost thing first),
so clashes are only looked for within one scope."""

SCOPES: dict[str, dict[str, str]] = {"main": {a.id: a.keys for a in ACTIONS}, **OTHER_BINDINGS}
"""Every remappable binding id -> default keys, by scope."""

SHARED_SCOPES = {"item_list": "main"}
"""Scopes whose keys never overlap by design: the list has the focus on the main screen, so
a main action remapped to a list key (`g`) would never fire."""

LIST_HOSTS = ("main", "sidebar", "playbook_panel", "people", "stats", "sweep", "help", "compose")
"""Where a list (or a scrolled box) that moves by `LIST_MOVES` has the focus: those keys are
checked against each of these scopes' own."""

BINDING_IDS: tuple[str, ...] = tuple(i for scope in SCOPES.values() for i in scope)


class KeymapError(ValueError):
    """A `[keys]` table that names no binding or puts two bindings on one key."""


def split_keys(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",") if key.strip()]


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Raises KeymapError for an unknown binding id (with the nearest one) or for two
    bindings on one key once the remaps are applied to the defaults."""
    for binding_id in keymap:
        if binding_id not in BINDING_IDS:
            close = nearest(binding_id, BINDING_IDS)
            hint = f"did you mean {close}?" if close else "see the help screen (?) for action names"
            raise KeymapError(f"unknown action {binding_id} ({hint})")
    app_keys = _bound({i: keymap.get(i, k) for i, k in SCOPES[APP_SCOPE].items()}, {})
    groups: dict[str, dict[str, str]] = {}
    for scope, defaults in SCOPES.items():
        if scope not in (APP_SCOPE, "lists"):
            groups.setdefault(SHARED_SCOPES.get(scope, scope), {}).update(defaults)
    for host in LIST_HOSTS:
        groups[host] = {**SCOPES["lists"], **groups[host]}
    for defaults in groups.values():
        _bound({i: keymap.get(i, k) for i, k in defaults.items()}, dict(app_keys))


def _bound(bindings: Mapping[str, str], taken: dict[str, str]) -> dict[str, str]:
    """key -> binding id for `bindings`, raising when a key is taken twice."""
    for binding_id, keys in bindings.items():
        for key in split_keys(keys):
            other = taken.get(key)
            if other is not None and other != binding_id:
                first, second = sorted((other, binding_id))
                raise KeymapError(f"{first} and {second} are both bound to {key}")
            taken[key] = binding_id
    return taken
