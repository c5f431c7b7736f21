"""The bundled demo workspace: a fictional project's support channels, a week in its life.

Parley is a made-up self-hosted team chat server. Its GitHub issues, Discourse forum,
Stack Overflow tag, desktop app's GitLab issues, community Slack channel, Zendesk help
desk, website chat (Intercom) and ideas board (UserVoice) are data, one file per channel
kind in `data/` (titles, bodies, authors, labels, states, replies; times written as how
long before now). Each kind's module shapes its entries into the RAW payloads that API
returns, and they go through that adapter's own `normalize` into the store, exactly as
a sync would bring them. A few are hostile (markup in a title, terminal escapes in a
body) to show that they stay harmless text. `config.toml` is the demo's config, a real
file: every command run with it and the demo's database sees what the demo shows.

Same `now` -> same data: nothing here is random and nothing is read but the package.
"""

from inbox.demo.common import CONFIG_PATH, DATA, DEMO_CONFIG, ME, REPO, demo_config
from inbox.demo.discourse import discourse_payloads
from inbox.demo.github import github_payloads
from inbox.demo.gitlab import gitlab_payloads
from inbox.demo.intercom import intercom_payloads
from inbox.demo.load import items_of, load_demo, preset_triage
from inbox.demo.slack import slack_payloads
from inbox.demo.stackexchange import stackexchange_payloads
from inbox.demo.uservoice import uservoice_payloads
from inbox.demo.zendesk import zendesk_payloads

KINDS = ("github", "discourse", "stackexchange", "gitlab", "slack", "zendesk", "intercom",
         "uservoice")
"""The channel kinds, one data file each."""

__all__ = [
    "CONFIG_PATH", "DATA", "DEMO_CONFIG", "KINDS", "ME", "REPO", "demo_config", "discourse_payloads",
    "github_payloads", "gitlab_payloads", "intercom_payloads", "items_of", "load_demo",
    "preset_triage", "slack_payloads", "stackexchange_payloads", "uservoice_payloads",
    "zendesk_payloads",
]
