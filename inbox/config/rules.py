"""`[[rules]]` entries, read and checked: a name, a query in the query language, and the
actions beside them. A bad entry fails when the config loads, naming the rule and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from inbox.config.checks import duration, unknown_keys
from inbox.errors import ConfigError, QueryError
from inbox.models import IdeaStatus, PostType
from inbox.query import ME_MISSING, Query, needs_me, parse_query
from inbox.text import one_line
from inbox.timeutil import format_duration

ACTIONS = ("type", "status", "assign", "done", "snooze", "label", "template")
"""The action keys a rule takes beside `name` and `query`, in the order they apply."""


@dataclass(frozen=True)
class Rule:
    """One `[[rules]]` entry, validated."""

    name: str
    """Shown beside each item the rule acted on."""
    query: Query
    """Which items it acts on, in the query language."""
    actions: dict[str, Any]
    """Action -> value: type/status/assign/label/template a string, done True, snooze a
    timedelta. Only the actions the entry names."""

    def describe_actions(self) -> str:
        """`type=bug done=true snooze=2d`: as the config says it."""
        return " ".join(f"{name}={_config_value(value)}" for name, value in self.actions.items())


def _config_value(value: Any) -> str:
    if value is True:
        return "true"
    if isinstance(value, timedelta):
        return format_duration(value)
    return one_line(str(value))


def parse_rules(entries: Any, where: str, me: str | None) -> list[Rule]:
    """The `[[rules]]` entries, in order; `me` is `[team] me`, which `assignee:me` needs."""
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: rules: write each rule as its own [[rules]] table")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        label = f"{where}: rules #{index}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{label}: must be a table: write [[rules]] above its keys")
        name = entry.get("name")
        if not isinstance(name, str) or not one_line(name):
            raise ConfigError(f"{label}: name: every rule needs a name = \"...\" "
                              "(each item it acts on shows it)")
        name = one_line(name)
        if name.lower() in seen:
            raise ConfigError(f"{label} ({name}): name: rules #{seen[name.lower()]} has the same name")
        seen[name.lower()] = index
        unknown_keys(entry, ("name", "query", *ACTIONS), where, f"rules #{index} ({name})")
        label = f"{label} ({name})"
        query_text = entry.get("query")
        if not isinstance(query_text, str):
            raise ConfigError(f"{label}: query: every rule needs a query = '...' in the query "
                              "language (as in the filter bar)")
        try:
            query = parse_query(query_text)
        except QueryError as exc:
            raise ConfigError(f"{label}: query: {exc}") from None
        if needs_me(query) and not me:
            raise ConfigError(f"{label}: query: {ME_MISSING}")
        if not query.terms:
            raise ConfigError(f"{label}: query: an empty query would match every item")
        actions = {action: _action(action, entry[action], label) for action in ACTIONS if action in entry}
        if not actions:
            raise ConfigError(f"{label}: no action: add one of {', '.join(ACTIONS)} beside name and query")
        rules.append(Rule(name=name, query=query, actions=actions))
    return rules


def _action(action: str, value: Any, label: str) -> Any:
    where = f"{label}: {action}"
    if action in ("type", "status"):
        allowed = [t.value for t in (PostType if action == "type" else IdeaStatus)]
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise ConfigError(f"{where}: {value!r} is not a {'post type' if action == 'type' else 'status'} "
                              f"(use {', '.join(allowed)})")
        return value.strip().lower()
    if action == "done":
        if value is True:
            return True
        if value is False:
            raise ConfigError(f"{where}: a rule only marks items done (it never takes a decision "
                              "back): write done = true, or leave done out")
        raise ConfigError(f"{where}: must be true, not {value!r}")
    if action == "snooze":
        return duration(value, label, "snooze", positive=True)
    # assign, label, template: a name
    if not isinstance(value, str) or not one_line(value):
        what = {"assign": "a person's login", "label": "a label name", "template": "a template name"}[action]
        raise ConfigError(f"{where}: must be {what}, not {value!r}")
    if action == "assign" and one_line(value).lower() == "none":
        raise ConfigError(f"{where}: a rule only assigns (it never takes a decision back): "
                          "name the person, or leave assign out")
    return one_line(value)
