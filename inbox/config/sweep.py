"""`[sweep]` and `[slack]`: the Help Wanted sweep's settings, read once when the config loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inbox.config.checks import (
    ENV_NAME,
    day,
    duration,
    string_list,
    table,
    unknown_keys,
)
from inbox.errors import ConfigError, QueryError
from inbox.query import KINDS, parse_query
from inbox.text import one_line

DEFAULT_KINDS = ("discourse", "github")
"""The daily sweep's sources when `[sweep] sources` is not set: the forum and GitHub."""
KNOWN_KEYS = ("min_age", "sources", "release_date", "release_keywords", "exclude", "project",
              "weekly_kinds", "weekly_idle", "max_per_section")
SLACK_KEYS = ("webhook_env",)

SLACK_LIMIT = 40_000
"""Slack cuts a message longer than this many characters."""
LONGEST_LINE = 400
"""A sweep line at its longest in practice: a 256-character title (GitHub's and Discourse's
limit), escaped, with its link (about 100 characters) and its facts."""
SECTIONS = 3
"""The daily message's sections (the weekly one has one)."""
DEFAULT_MAX_PER_SECTION = SLACK_LIMIT * 3 // 4 // (SECTIONS * LONGEST_LINE)
"""25: three full sections of the longest lines fill three quarters of what Slack shows,
which leaves room for the header, the headings and each section's "and N more" line, so
the whole message is never cut; and 25 posts a section is what a community reads."""


@dataclass(frozen=True)
class SweepSettings:
    """`[sweep]` and `[slack] webhook_env`, validated once so a typo fails before any query."""

    sources: tuple[str, ...]
    """Source names the daily sweep reads (default: every discourse and github source)."""
    min_age: timedelta = timedelta(days=2)
    """How old an unanswered post is before the community is asked (exactly min_age counts)."""
    release_date: date | None = None
    """The last release: forum posts since then that mention a keyword get their own section."""
    release_keywords: tuple[str, ...] = ("enterprise", "upgrade", "license")
    """Lowercased; matched as substrings of the lowercased title and body ("upgrade" finds
    "upgraded"; "licence" needs its own entry)."""
    exclude: str = 'label:"Help Wanted"'
    """A query; what it matches never appears (Help Wanted issues created from Jira)."""
    project: str | None = None
    """The community's name in the message ("a vibrant Parley community"); unset reads
    "a vibrant community"."""
    weekly_kinds: tuple[str, ...] = ("github", "gitlab", "stackexchange")
    """Channel kinds the weekly list of quiet issues reads."""
    weekly_idle: timedelta = timedelta(days=7)
    """The weekly list takes items whose last activity is more than this long ago."""
    webhook_env: str | None = None
    """`[slack] webhook_env`: the environment variable holding the incoming-webhook URL."""
    max_per_section: int = DEFAULT_MAX_PER_SECTION
    """The most posts a section lists, oldest first; the rest are counted, with the query
    that lists them all."""


def parse_sweep(section: Any, slack: Any, sources: dict[str, str], where: str) -> SweepSettings:
    """`[sweep]` and `[slack]`; `sources` maps each configured source's name to its kind."""
    section = table(section, where, "sweep")
    unknown_keys(section, KNOWN_KEYS, where, "[sweep]")
    defaults = SweepSettings(sources=())

    if "sources" in section:
        names = string_list(section["sources"], where, "sweep.sources")
        for name in names:
            if name not in sources:
                raise ConfigError(f"{where}: sweep.sources: no source named {name!r} "
                                  f"(sources: {', '.join(sources) or 'none configured'})")
        chosen = tuple(dict.fromkeys(names))
    else:
        chosen = tuple(name for name, kind in sources.items() if kind in DEFAULT_KINDS)

    keywords = tuple(k.strip().lower() for k in string_list(
        section.get("release_keywords", list(defaults.release_keywords)), where, "sweep.release_keywords"))
    if any(not keyword for keyword in keywords):
        raise ConfigError(f"{where}: sweep.release_keywords: an empty keyword would match every post")

    exclude = section.get("exclude", defaults.exclude)
    if not isinstance(exclude, str):
        raise ConfigError(f"{where}: sweep.exclude must be a query string, not {exclude!r}")
    try:
        excluded = parse_query(exclude)
    except QueryError as exc:
        raise ConfigError(f"{where}: sweep.exclude: {exc}") from None
    if any(term.field == "sweep" for term in excluded.terms):
        raise ConfigError(f"{where}: sweep.exclude: a sweep cannot leave out a sweep (sweep: terms)")

    project = section.get("project")
    if project is not None and not (isinstance(project, str) and one_line(project)):
        raise ConfigError(f"{where}: sweep.project must be the community's name, not {project!r}")

    weekly_kinds = tuple(k.lower() for k in string_list(
        section.get("weekly_kinds", list(defaults.weekly_kinds)), where, "sweep.weekly_kinds"))
    for kind in weekly_kinds:
        if kind not in KINDS:
            raise ConfigError(f"{where}: sweep.weekly_kinds: {kind!r} is not a channel kind "
                              f"(use {', '.join(KINDS)})")

    return SweepSettings(
        sources=chosen,
        min_age=duration(section.get("min_age", "2d"), where, "sweep.min_age", positive=True),
        release_date=day(section.get("release_date"), where, "sweep.release_date"),
        release_keywords=keywords,
        exclude=exclude,
        project=one_line(project) if project else None,
        weekly_kinds=tuple(dict.fromkeys(weekly_kinds)),
        weekly_idle=duration(section.get("weekly_idle", "7d"), where, "sweep.weekly_idle", positive=True),
        webhook_env=_webhook_env(slack, where),
        max_per_section=_posts(section.get("max_per_section", DEFAULT_MAX_PER_SECTION), where),
    )


def _posts(value: Any, where: str) -> int:
    """A count of posts: a whole number from 1 (a million would not fit in any message)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise ConfigError(f"{where}: sweep.max_per_section must be a whole number of posts from 1 "
                          f"to 1000000, not {value!r}")
    return value


def _webhook_env(section: Any, where: str) -> str | None:
    if section is None:
        return None
    section = table(section, where, "slack")
    for secret in ("webhook", "webhook_url", "url"):
        if secret in section:
            raise ConfigError(f"{where}: slack.{secret}: the webhook URL is a secret and never goes in "
                              "the config file: put it in an environment variable and name that "
                              "with webhook_env = \"SLACK_WEBHOOK_URL\"")
    unknown_keys(section, SLACK_KEYS, where, "[slack]")
    name = section.get("webhook_env")
    if name is None:
        return None
    if not (isinstance(name, str) and ENV_NAME.match(name)):
        raise ConfigError(f"{where}: slack.webhook_env must name an environment variable, not {name!r}")
    return name
