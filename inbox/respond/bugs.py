"""Filing a reproducible bug in Jira from a post, and remembering the ticket on the item.

The ticket key is the user's data (kept beside the triage, never touched by a sync), so
the preview shows it and the `bug-filed` template can link it as `{jira_url}`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from inbox.config import Config
from inbox.errors import ConfigError, UsageError
from inbox.models import CHANNEL_NAMES
from inbox.respond import jira
from inbox.store import Store


@dataclass(frozen=True)
class Filed:
    key: str
    """The Jira issue key (MM-123)."""
    url: str
    new: bool
    """False when the item already had a ticket and nothing was filed."""


async def file_bug(config: Config, store: Store, key: str, *, now: datetime,
                   env: Mapping[str, str] | None = None,
                   transport: httpx.AsyncBaseTransport | None = None) -> Filed:
    """File the item as a Jira issue once; a second call returns the first ticket.

    Raises:
        ConfigError: no `[jira]` section, or its token variable is unset.
        UsageError: no such item.
        SourceError: Jira refused (with its field messages) or could not be reached.
    """
    if config.jira is None:
        raise ConfigError("no [jira] section in the config: add base_url, project, email and "
                          "token_env (see the README's Responding section)")
    item = await asyncio.to_thread(store.item, key, now=now)  # off the loop: it may draw a screen
    if item is None:
        raise UsageError(f"no item with key {key}")
    if item.get("jira_key"):
        existing = item["jira_key"]
        return Filed(existing, config.jira.browse_url(existing), new=False)
    payload = jira.issue_payload(
        config.jira, title=item["title"], body=item.get("body") or "", url=item["url"],
        author=item["author"], channel=CHANNEL_NAMES.get(item["kind"], item["kind"]))
    async with jira.jira_session(config.jira, env, transport=transport) as session:
        issue = await jira.file_issue(config.jira, session, payload)
    await asyncio.to_thread(store.set_triage, [key], {"jira_key": issue.key}, now=now, by=config.team.who)
    return Filed(issue.key, issue.url, new=True)

