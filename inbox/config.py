"""The config file (TOML) loaded into typed, validated settings.

Every error names the file and the field, so a bad line costs the user one read.
Secrets never live here: a source names the environment variable that holds its token.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from inbox.errors import ConfigError

APP_NAME = "inbox"
_SECRET_KEYS = {"token", "api_key", "key", "secret", "password", "api_token", "client_secret"}
_URL_KEYS = {"base_url"}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class Team:
    staff: list[str] = field(default_factory=list)
    """Logins counted as staff in every channel, besides what the channel itself says."""
    me: str | None = None
    """The user's own login: `assignee:me` and the Mine view."""
    rotation: list[str] = field(default_factory=list)
    """Developers on support rotation, one a week from `rotation_start`."""
    rotation_start: date | None = None
    follow_up: timedelta = timedelta(days=2)
    """`follow_up = "2d"`: an assigned item still unanswered this long after it was
    assigned shows in the Needs follow-up view."""

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
    project: str
    email: str
    token_env: str
    issue_type: str = "Bug"
    labels: list[str] = field(default_factory=list)

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"


@dataclass
class SourceConfig:
    """One `[[sources]]` entry: its name (the key prefix), kind and the kind's own keys."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass
class View:
    """A sidebar view: a name and a query in the query language."""

    name: str
    query: str


@dataclass
class Config:
    path: Path | None = None
    team: Team = field(default_factory=Team)
    sources: list[SourceConfig] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
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
    type_labels: dict[str, str] = field(default_factory=dict)
    """`[type_labels]`: post type -> the channel label to add when an item is tagged
    (GitHub, GitLab, Discourse); a source's own `type_labels` table overrides it."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole parsed file, for the sections later capabilities read."""

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} (sources: {known})")

    def is_staff(self, login: str | None) -> bool:
        return bool(login) and login.lower() in {name.lower() for name in self.team.staff}


def default_config_path() -> Path:
    env = os.environ.get("INBOX_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    env = os.environ.get("INBOX_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME)) / "inbox.db"


def load(path: Path | None = None, *, required: bool = False) -> Config:
    """Load and validate a config file; a missing default file is an empty config."""
    explicit = path is not None or bool(os.environ.get("INBOX_CONFIG"))
    path = path or default_config_path()
    if not path.exists():
        if required or explicit:
            raise ConfigError(f"{path}: config file not found")
        return Config(path=None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    config = Config(
        path=path,
        team=_team(data.get("team", {}), where),
        sources=_sources(data.get("sources", []), where),
        views=_views(data.get("views", []), where),
        keys=_keys(data.get("keys", {}), where),
        sync_interval=_sync_interval(data.get("sync", {}), where),
        playbook_paths=_folders(data.get("playbooks", {}), "playbooks", path, where),
        template_paths=_folders(data.get("templates", {}), "templates", path, where),
        docs=_docs(data.get("docs", {}), where),
        jira=_jira(data.get("jira"), where),
        type_labels=_type_labels(data.get("type_labels", {}), where, "type_labels"),
        raw=data,
    )
    # [sweep], [slack], [sla] and [[rules]] fail at load, not at use
    from inbox.triage.people import people_config
    from inbox.triage.rules import load_rules
    from inbox.triage.sla import sla_settings
    from inbox.triage.sweep import sweep_settings

    sweep_settings(config)
    sla_settings(config)
    load_rules(config)
    people_config(config)
    return config


def _expect(value: Any, kind: type | tuple[type, ...], where: str, name: str) -> Any:
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise ConfigError(f"{where}: {name} must be {wanted}, not {value!r}")
    return value


_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", date: "a date (2026-11-02)",
               bool: "true or false", int: "a number"}


def _string_list(value: Any, where: str, name: str) -> list[str]:
    _expect(value, list, where, name)
    for entry in value:
        _expect(entry, str, where, f"{name} entries")
    return list(value)


def _team(table: Any, where: str) -> Team:
    _expect(table, dict, where, "[team]")
    start = table.get("rotation_start")
    if start is not None:
        _expect(start, date, where, "team.rotation_start")
    me = table.get("me")
    if me is not None:
        _expect(me, str, where, "team.me")
    follow_up = _duration(table.get("follow_up", "2d"), where, "team.follow_up")
    return Team(
        staff=_string_list(table.get("staff", []), where, "team.staff"),
        me=me,
        rotation=_string_list(table.get("rotation", []), where, "team.rotation"),
        rotation_start=start,
        follow_up=follow_up,
    )


def _duration(value: Any, where: str, name: str) -> timedelta:
    from inbox.timeutil import parse_duration

    _expect(value, str, where, name)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {name}: {exc}") from None


def _http_url(value: Any, where: str, name: str) -> str:
    if not (isinstance(value, str) and value.startswith(("http://", "https://"))):
        raise ConfigError(f"{where}: {name} must be an http(s) URL, not {value!r}")
    return value


def _docs(table: Any, where: str) -> dict[str, str]:
    _expect(table, dict, where, "[docs]")
    docs = {}
    for name, url in table.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ConfigError(f"{where}: docs.{name}: a link name is letters, digits, '-' or '_'")
        docs[name] = _http_url(url, where, f"docs.{name}")
    return docs


def _jira(table: Any, where: str) -> JiraConfig | None:
    if table is None:
        return None
    _expect(table, dict, where, "[jira]")
    for key in ("base_url", "project", "email", "token_env"):
        if not table.get(key):
            raise ConfigError(f"{where}: [jira] needs {key} = ...")
        _expect(table[key], str, where, f"jira.{key}")
    if "token" in table or "api_token" in table:
        raise ConfigError(f"{where}: [jira]: secrets never go in the config file: put the API "
                          "token in an environment variable and name it with token_env")
    issue_type = table.get("issue_type", "Bug")
    _expect(issue_type, str, where, "jira.issue_type")
    return JiraConfig(
        base_url=_http_url(table["base_url"], where, "jira.base_url").rstrip("/"),
        project=table["project"], email=table["email"], token_env=table["token_env"],
        issue_type=issue_type, labels=_string_list(table.get("labels", []), where, "jira.labels"),
    )


def _type_labels(table: Any, where: str, name: str) -> dict[str, str]:
    from inbox.models import PostType

    _expect(table, dict, where, f"[{name}]")
    types = [t.value for t in PostType]
    for post_type, label in table.items():
        if post_type not in types:
            raise ConfigError(f"{where}: {name}.{post_type}: not a post type (use {', '.join(types)})")
        _expect(label, str, where, f"{name}.{post_type}")
    return dict(table)


def _sources(entries: Any, where: str) -> list[SourceConfig]:
    from inbox.sources import registry  # the registry knows each kind's required keys

    _expect(entries, list, where, "[[sources]]")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = f"sources #{index}"
        _expect(entry, dict, where, label)
        name = entry.get("name")
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            raise ConfigError(f"{where}: {label}: name must be letters, digits, '-', '_' or '.' "
                              f"(it prefixes item keys like name:1234), not {name!r}")
        label = f"source {name!r}"
        if name in seen:
            raise ConfigError(f"{where}: {label}: the name is used twice")
        seen.add(name)
        kind = entry.get("kind")
        source_class = registry.KINDS.get(kind) if isinstance(kind, str) else None
        if source_class is None:
            raise ConfigError(f"{where}: {label}: unknown kind {kind!r} "
                              f"(known: {', '.join(sorted(registry.KINDS))})")
        options = {k: v for k, v in entry.items() if k not in ("name", "kind")}
        for key in source_class.required:
            if not options.get(key):
                raise ConfigError(f"{where}: {label}: {kind} needs {key} = ...")
        for key, value in options.items():
            if key.lower() in _SECRET_KEYS:
                raise ConfigError(f"{where}: {label}: {key} looks like a secret; secrets never go "
                                  f"in the config file: put it in an environment variable and "
                                  f"name that with {key}_env = \"VARIABLE\"")
            if key in _URL_KEYS and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
                raise ConfigError(f"{where}: {label}: {key} must be an http(s) URL, not {value!r}")
            if key in source_class.required and (isinstance(value, bool) or not isinstance(value, (str, list, int))):
                raise ConfigError(f"{where}: {label}: {key} must be a string, not {value!r}")
            if key.endswith("_env") and not isinstance(value, str):
                raise ConfigError(f"{where}: {label}: {key} must name an environment variable")
            if key == "write" and not isinstance(value, bool):
                raise ConfigError(f"{where}: {label}: write must be true or false")
            if key == "type_labels":
                _type_labels(value, where, f"{label} type_labels")
        sources.append(SourceConfig(name=name, kind=kind, options=options))
    return sources


def _views(entries: Any, where: str) -> list[View]:
    from inbox.query import parse_query  # fail at load time, not when the sidebar draws

    _expect(entries, list, where, "[[views]]")
    views = []
    for index, entry in enumerate(entries, start=1):
        _expect(entry, dict, where, f"views #{index}")
        name, query = entry.get("name"), entry.get("query")
        _expect(name, str, where, f"views #{index} name")
        _expect(query, str, where, f"view {name!r} query")
        try:
            parse_query(query)
        except Exception as exc:
            raise ConfigError(f"{where}: view {name!r}: {exc}") from None
        views.append(View(name=name, query=query))
    return views


def _sync_interval(table: Any, where: str) -> timedelta | None:
    from inbox.timeutil import parse_duration

    _expect(table, dict, where, "[sync]")
    value = table.get("interval")
    if value is None:
        return None
    _expect(value, str, where, "sync.interval")
    try:
        interval = parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: sync.interval: {exc}") from None
    if interval < timedelta(minutes=1):
        raise ConfigError(f"{where}: sync.interval must be 1m or more, not {value!r}")
    return interval


def _folders(table: Any, section: str, path: Path | None, where: str) -> list[Path]:
    """`[section] paths = [...]` as folders: `~` expanded, relative to the config file."""
    _expect(table, dict, where, f"[{section}]")
    base = path.parent if path else Path.cwd()
    folders = []
    for entry in _string_list(table.get("paths", []), where, f"{section}.paths"):
        folder = Path(entry).expanduser()
        folders.append(folder if folder.is_absolute() else base / folder)
    return folders


def _keys(table: Any, where: str) -> dict[str, str]:
    _expect(table, dict, where, "[keys]")
    for action, keys in table.items():
        _expect(keys, str, where, f"keys.{action}")
    return dict(table)
