"""Every channel kind, bundled or not, is found here by its name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inbox import config as config_module
from inbox.config import Config, SourceConfig, check_source_options
from inbox.config.loader import source_label
from inbox.errors import ConfigError
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


def check_source(source: SourceConfig, path: Path | None = None) -> type[Source]:
    """The class of a source's kind, once its options are checked against what the kind
    declares (an unknown key, a missing required one, a value of the wrong kind)."""
    source_class = KINDS.get(source.kind)
    if source_class is None:
        raise ConfigError(f"{source_label(path, source.name)}: unknown kind "
                          f"{source.kind!r} (known: {', '.join(sorted(KINDS))})")
    check_source_options(source, path, source_class.options, source_class.required)
    try:  # the kind's own checks (a subdomain that is no host name): at load, not mid-sync
        source_class(source, env={})
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}" if path else str(exc)) from None
    return source_class


def check_sources(config: Config) -> Config:
    """Every `[[sources]]` entry checked by its kind; the config itself back."""
    for source in config.sources:
        check_source(source, config.path)
    return config


def load_config(path: Path | None = None, *, required: bool = False) -> Config:
    """The config file, every section and every source checked: what the front ends load."""
    return check_sources(config_module.load(path, required=required))


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    """`inbox.config.parse` with every source checked by its kind."""
    return check_sources(config_module.parse(data, path))


def build(source_config: SourceConfig, config: Config, env: Mapping[str, str] | None = None) -> Source:
    """The adapter for one configured source, with the team's staff logins."""
    source_class = check_source(source_config, config.path)
    return source_class(source_config, staff=frozenset(config.team.staff), env=env)
