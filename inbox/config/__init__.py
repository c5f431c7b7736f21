"""The config file (TOML) read once into typed, validated settings.

Every error names the file and the field, so a bad line costs the user one read. This
package imports nothing above it: the kinds of source declare their own options, and
`inbox.sources.registry.load_config` checks them as the file loads.
"""

from inbox.config.checks import COMMON_OPTIONS, Option
from inbox.config.loader import (
    APP_NAME,
    SECTIONS,
    check_source_options,
    config_location,
    database,
    database_location,
    default_config_path,
    default_db_path,
    load,
    parse,
)
from inbox.config.model import Config, JiraConfig, SourceConfig, StoreSettings, Team, TuiSettings, View
from inbox.config.people import People
from inbox.config.rules import Rule
from inbox.config.sla import SlaSettings
from inbox.config.suggest import SuggestSettings
from inbox.config.sweep import SweepSettings

__all__ = ["APP_NAME", "COMMON_OPTIONS", "SECTIONS", "Config", "JiraConfig", "Option", "People",
           "Rule", "SlaSettings", "SourceConfig", "StoreSettings", "SuggestSettings", "SweepSettings", "Team", "TuiSettings", "View",
           "check_source_options", "config_location", "database", "database_location", "default_config_path",
           "default_db_path", "load", "parse"]
