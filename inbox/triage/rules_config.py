"""`[[rules]]` as the config read them when it loaded (`inbox.config.rules` checks them)."""

from __future__ import annotations

from inbox.config import Config
from inbox.config.rules import ACTIONS, Rule

__all__ = ["ACTIONS", "Rule", "load_rules"]


def load_rules(config: Config) -> list[Rule]:
    """The config's `[[rules]]`, in order."""
    return list(config.rules)
