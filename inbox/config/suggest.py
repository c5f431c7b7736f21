"""`[suggest]`: type suggestions learned from the team's own tags, read once when the config loads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inbox.config.checks import table, unknown_keys
from inbox.errors import ConfigError
from inbox.query import SUGGEST_THRESHOLD

KNOWN_KEYS = ("threshold", "min_per_type")
DEFAULT_MIN_PER_TYPE = 10
"""Tagged posts of a type before it is suggested: on the shared set of real issues a model
trained on 50 posts is right little more than half the time, so fewer would mostly guess."""


@dataclass(frozen=True)
class SuggestSettings:
    """`[suggest]`, validated once."""

    threshold: float = SUGGEST_THRESHOLD
    """The least confidence (0-1) a suggestion is shown with, filtered by (`suggested:`,
    `confidence:`) and given in `inbox list --json`; below it there is no suggestion."""
    min_per_type: int = DEFAULT_MIN_PER_TYPE
    """Tagged posts of a type before the inbox suggests that type; none until two types
    have this many."""


def parse_suggest(section: Any, where: str) -> SuggestSettings:
    section = table(section, where, "suggest")
    unknown_keys(section, KNOWN_KEYS, where, "[suggest]")
    threshold = section.get("threshold", SUGGEST_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ConfigError(f"{where}: suggest.threshold must be a number from 0 to 1 (e.g. 0.5), "
                          f"not {threshold!r}")
    least = section.get("min_per_type", DEFAULT_MIN_PER_TYPE)
    if isinstance(least, bool) or not isinstance(least, int) or not 1 <= least <= 100_000:
        raise ConfigError(f"{where}: suggest.min_per_type must be a whole number of at least 1 "
                          f"(e.g. 10), not {least!r}")
    return SuggestSettings(float(threshold), least)
