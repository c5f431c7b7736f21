"""The typed settings a config file becomes: what the rest of the inbox reads."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from inbox.config.people import People
from inbox.config.rules import Rule
from inbox.config.sla import SlaSettings
from inbox.config.suggest import SuggestSettings
from inbox.config.sweep import SweepSettings
from inbox.errors import ConfigError


@dataclass
class Team:
    """`[team]`: who the staff are and who is on support rotation."""

    staff: list[str] = field(default_factory=list)
    """Logins counted as staff in every channel, besides what the channel itself says."""
    me: str | None = None
    """The user's own login: `assignee:me` and the Mine view."""
    rotation: list[str] = field(default_factory=list)
    """Developers on support rotation, one a week from `rotation_start`."""
    rotation_start: date | None = None
    """The Monday the rotation starts from (default: the first week of 2026)."""
    follow_up: timedelta = timedelta(days=2)
    """`follow_up = "2d"`: an assigned item still unanswered this long after it was
    assigned shows in the Needs follow-up view."""

    @property
    def who(self) -> str:
        """Who is using the inbox, as the triage history names them and as "new since you
        last looked" tells them apart: `me` (or `$INBOX_ME`), else the login of the account
        running it."""
        if self.me and self.me.strip():
            return self.me.strip()
        try:
            return getpass.getuser()
        except (OSError, KeyError):  # no login name in the environment, no passwd entry
            return "unknown"

    def on_rotation(self, day: date) -> str | None:
        """This week's developer on support rotation: one a week, in order, from
        `rotation_start` (or from the first week of 2026 when no start is given)."""
        if not self.rotation:
            return None
        start = self.rotation_start or date(2026, 1, 5)
        weeks = (day - start).days // 7
        return self.rotation[weeks % len(self.rotation)]


@dataclass
class JiraConfig:
    """`[jira]`: where reproducible bugs are filed (Jira Cloud)."""

    base_url: str
    """The site, without a trailing slash (`https://acme.atlassian.net`)."""
    project: str
    """The project key bugs are filed in (`CHAT`)."""
    email: str
    """The account the API token belongs to (Basic email:token)."""
    token_env: str
    """The environment variable holding the API token."""
    issue_type: str = "Bug"
    """The issue type filed."""
    labels: list[str] = field(default_factory=list)
    """Labels every filed issue gets."""

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"


@dataclass
class SourceConfig:
    """One `[[sources]]` entry: its name (the key prefix), kind and the kind's own keys."""

    name: str
    """The key prefix of its items (`server` in `server:1234`)."""
    kind: str
    """The channel kind (`github`), which declares the options it takes."""
    options: dict[str, Any] = field(default_factory=dict)
    """Every other key of the entry, as written."""

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass
class View:
    """A sidebar view: a name and a query in the query language."""

    name: str
    """As the sidebar shows it."""
    query: str
    """In the query language, checked when the config loads."""


@dataclass(frozen=True)
class StoreSettings:
    """`[store]`: a team's shared database, instead of the SQLite file of one person."""

    url: str | None = None
    """A `postgresql://USER@HOST/DATABASE` URL, never with its password in it."""
    password_env: str | None = None
    """The environment variable holding the database password (else libpq finds one:
    PGPASSWORD, a .pgpass or service file)."""


@dataclass(frozen=True)
class TuiSettings:
    """`[tui]`: how the inbox behaves on screen."""

    auto_advance: bool = True
    """After tagging a post (1-4, 0) or marking it done (e), the cursor moves on to the next
    post, so a run of posts is triaged key after key; false leaves it where it was."""


@dataclass
class Config:
    """The whole config file, parsed and checked once (`inbox.config.load`)."""

    path: Path | None = None
    """The file it was read from; None for a config built in code."""
    team: Team = field(default_factory=Team)
    """`[team]`."""
    sources: list[SourceConfig] = field(default_factory=list)
    """`[[sources]]`, in the order written."""
    views: list[View] = field(default_factory=list)
    """`[[views]]`: extra sidebar views."""
    keys: dict[str, str] = field(default_factory=dict)
    """Key remaps: action id -> keys (e.g. `done = "d"`)."""
    sync_interval: timedelta | None = None
    """`[sync] interval`: the TUI syncs in the background this often (e.g. "10m"); None = only
    when asked (`S`). Never faster than each channel's limits allow."""
    playbook_paths: list[Path] = field(default_factory=list)
    """`[playbooks] paths`: user folders read after the bundled playbooks (later wins);
    relative paths are relative to the config file."""
    template_paths: list[Path] = field(default_factory=list)
    """`[templates] paths`: user folders of reply templates, read after the bundled ones."""
    docs: dict[str, str] = field(default_factory=dict)
    """`[docs]`: named links a template inserts as `{docs.NAME}`."""
    jira: JiraConfig | None = None
    """`[jira]`; None when bugs are not filed in Jira."""
    type_labels: dict[str, str] = field(default_factory=dict)
    """`[type_labels]`: post type -> the channel label to add when an item is tagged
    (GitHub, GitLab, Discourse); a source's own `type_labels` table overrides it."""
    sweep: SweepSettings = field(default_factory=lambda: SweepSettings(sources=()))
    """`[sweep]` and `[slack]`: the Help Wanted sweep."""
    sla: SlaSettings | None = None
    """`[sla]`; None when there is none (nothing is ever overdue)."""
    rules: list[Rule] = field(default_factory=list)
    """`[[rules]]`, in the order they apply."""
    people: People = field(default_factory=dict)
    """`[people.NAME]`: person -> {channel kind or source name: [logins]}."""
    store: StoreSettings = field(default_factory=StoreSettings)
    """`[store]`: where the inbox is, when it is a shared database."""
    tui: TuiSettings = field(default_factory=TuiSettings)
    """`[tui]`: the inbox on screen."""
    suggest: SuggestSettings = field(default_factory=SuggestSettings)
    """`[suggest]`: type suggestions learned from the team's tags."""

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} (sources: {known})")

    def is_staff(self, login: str | None) -> bool:
        return bool(login) and login.lower() in {name.lower() for name in self.team.staff}

