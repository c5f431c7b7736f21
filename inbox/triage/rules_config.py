"""`[[rules]]` as the config read them when it loaded (`inbox.config.rules` checks them)."""

from __future__ import annotations

from inbox.config import Config
from inbox.config.rules import ACTIONS, Rule

__all__ = ["ACTIONS", "SKIPPED", "TRIAGE_ACTIONS", "Rule", "load_rules"]

TRIAGE_ACTIONS = ("type", "status", "assign", "done", "snooze")
"""The actions that set a triage field (the others add a label or draft a reply)."""
SKIPPED = "skip:"
"""`rule_actions.field` prefix of an action a rule could not take (value: the reason)."""


def load_rules(config: Config) -> list[Rule]:
    """The config's `[[rules]]`, in order."""
    return list(config.rules)
