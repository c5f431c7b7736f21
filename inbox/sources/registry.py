"""Every channel kind, bundled or not, is found here by its name."""

from __future__ import annotations

from collections.abc import Mapping

from inbox.config import Config, SourceConfig
from inbox.sources.base import Source
from inbox.sources.discourse import DiscourseSource
from inbox.sources.github import GitHubSource
from inbox.sources.gitlab import GitLabSource
from inbox.sources.intercom import IntercomSource
from inbox.sources.slack import SlackSource
from inbox.sources.stackexchange import StackExchangeSource
from inbox.sources.uservoice import UserVoiceSource
from inbox.sources.zendesk import ZendeskSource

KINDS: dict[str, type[Source]] = {
    source.kind: source for source in (GitHubSource, DiscourseSource, StackExchangeSource,
                                       SlackSource, IntercomSource, GitLabSource, ZendeskSource,
                                       UserVoiceSource)
}


def build(source_config: SourceConfig, config: Config, env: Mapping[str, str] | None = None) -> Source:
    """The adapter for one configured source, with the team's staff logins."""
    return KINDS[source_config.kind](source_config, staff=frozenset(config.team.staff), env=env)
