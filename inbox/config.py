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
from typing import Any, ClassVar
from urllib.parse import urlsplit

import platformdirs

from inbox.errors import ConfigError
from inbox.models import PostType
from inbox.timeutil import parse_duration

APP_NAME = "inbox"
_SECRET_KEYS = {"token", "api_key", "key", "secret", "password", "api_token", "client_secret"}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LINE_BREAK_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Option:
    """What one key of a `[[sources]]` entry must hold.

    Each channel kind declares its keys as a table of these (`Source.options`), so a value
    of the wrong kind is refused when the config loads, naming the file, source and key,
    instead of surfacing mid-sync as an error about the channel.
    """

    type: str
    """Which shared check applies: one of `Option.TYPES`."""
    keys: tuple[str, ...] = ()
    """For a table: the only keys it may have (empty: any)."""
    values: tuple[str, ...] = ()
    """For a table: the only values its entries may have (empty: any text)."""

    TYPES: ClassVar[tuple[str, ...]] = ("text", "ascii", "id", "url", "strings", "duration",
                                        "table", "bool", "number", "env")
    TEXT: ClassVar[Option]
    """One line of text."""
    ASCII: ClassVar[Option]
    """One line of ASCII text: anything sent in an HTTP header or host name."""
    ID: ClassVar[Option]
    """A name or a number (`project = 318` or `"group/project"`)."""
    URL: ClassVar[Option]
    """An http(s) URL with a host."""
    STRINGS: ClassVar[Option]
    """One string or a list of strings."""
    DURATION: ClassVar[Option]
    """A duration such as "7d" (`inbox.timeutil.parse_duration`)."""
    TABLE: ClassVar[Option]
    """A table of string = string."""
    BOOL: ClassVar[Option]
    NUMBER: ClassVar[Option]
    """A positive number (seconds, megabytes)."""
    ENV: ClassVar[Option]
    """The name of an environment variable (where a secret is read from)."""

    def __post_init__(self) -> None:
        if self.type not in self.TYPES:
            raise ValueError(f"unknown option type {self.type!r} (known: {', '.join(self.TYPES)})")

    def check(self, value: Any, where: str, name: str) -> None:
        """Raises ConfigError (`where: name ...`) when `value` is not of this option's kind."""
        _OPTION_CHECKS[self.type](value, where, name, self)


Option.TEXT, Option.ASCII, Option.ID = Option("text"), Option("ascii"), Option("id")
Option.URL, Option.STRINGS, Option.DURATION = Option("url"), Option("strings"), Option("duration")
Option.TABLE, Option.BOOL, Option.NUMBER = Option("table"), Option("bool"), Option("number")
Option.ENV = Option("env")

COMMON_OPTIONS: dict[str, Option] = {
    "base_url": Option.URL,
    "write": Option.BOOL,
    "timeout": Option.NUMBER,
    "max_body_mb": Option.NUMBER,
    "type_labels": Option("table", keys=tuple(t.value for t in PostType)),
}
"""The keys every source takes besides `name` and `kind`; each kind adds its own."""


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
        sources=_sources(data.get("sources", []), path),
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


def _duration(value: Any, where: str, name: str, option: Option | None = None) -> timedelta:
    _expect(value, str, where, name)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {name}: {exc}") from None


def _http_url(value: Any, where: str, name: str, option: Option | None = None) -> str:
    try:  # a bad port or IPv6 bracket raises here rather than at the first request
        plain = isinstance(value, str) and not _LINE_BREAK_OR_CONTROL.search(value) and " " not in value
        parts = urlsplit(value) if plain else None
        ok = bool(parts and parts.scheme in ("http", "https") and parts.hostname and parts.port != 0)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{where}: {name} must be an http(s) URL, not {value!r}")
    return value


# --- one check per kind of source option (see Option) -------------------------------------


def _text(value: Any, where: str, name: str, option: Option | None = None) -> str:
    """One line: a value that ends up in a URL or a header cannot hold a line break."""
    _expect(value, str, where, name)
    if _LINE_BREAK_OR_CONTROL.search(value):
        raise ConfigError(f"{where}: {name} must be one line of text, not {value!r}")
    return value


def _ascii(value: Any, where: str, name: str, option: Option | None = None) -> str:
    """HTTP headers and host names take ASCII only; anything else fails every request."""
    _text(value, where, name)
    if not value.isascii():
        raise ConfigError(f"{where}: {name} must be ASCII text (it goes into HTTP headers or "
                          f"host names), not {value!r}")
    return value


def _id(value: Any, where: str, name: str, option: Option | None = None) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string or a number, not {value!r}")
    return _text(value, where, name)


def _strings(value: Any, where: str, name: str, option: Option | None = None) -> str | list[str]:
    if isinstance(value, list):
        for entry in _string_list(value, where, name):
            _text(entry, where, f"{name} entries")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string or a list of strings, not {value!r}")
    return _text(value, where, name)


def _table(value: Any, where: str, name: str, option: Option | None = None) -> dict[str, str]:
    """A table of string = string; `option` may limit its keys or its values."""
    _expect(value, dict, where, name)
    keys, values = (option.keys, option.values) if option else ((), ())
    for key, entry in value.items():
        if keys and key not in keys:
            raise ConfigError(f"{where}: {name}.{key}: unknown key (use {_one_of(keys)})")
        _text(entry, where, f"{name}.{key}")
        if values and entry not in values:
            raise ConfigError(f"{where}: {name}.{key} must be one of {_one_of(values)}, not {entry!r}")
    return dict(value)


def _bool(value: Any, where: str, name: str, option: Option | None = None) -> bool:
    return _expect(value, bool, where, name)


def _number(value: Any, where: str, name: str, option: Option | None = None) -> float:
    """Positive and below a million, so no limit built from it is zero, negative or overflows."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10**6:
        raise ConfigError(f"{where}: {name} must be a positive number, not {value!r}")
    return value


def _env(value: Any, where: str, name: str, option: Option | None = None) -> str:
    if not (isinstance(value, str) and _ENV_NAME.match(value)):
        raise ConfigError(f"{where}: {name} must name an environment variable (letters, digits "
                          f"and _), not {value!r}")
    return value


def _one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


_OPTION_CHECKS = {"text": _text, "ascii": _ascii, "id": _id, "url": _http_url, "strings": _strings,
                  "duration": _duration, "table": _table, "bool": _bool, "number": _number, "env": _env}


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
    _expect(table, dict, where, f"[{name}]")
    return _table(table, where, name, COMMON_OPTIONS["type_labels"])


def _sources(entries: Any, path: Path | None) -> list[SourceConfig]:
    """Every `[[sources]]` entry checked against its kind's declared options.

    An error names the file (when there is one: a config built in code has none), the
    source and the key.
    """
    from inbox.sources import registry  # each kind declares its required keys and options

    where = str(path) if path else "config"
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
        at = f"{path}: source {name!r}" if path else f"source {name!r}"
        if name in seen:
            raise ConfigError(f"{at}: the name is used twice")
        seen.add(name)
        kind = entry.get("kind")
        source_class = registry.KINDS.get(kind) if isinstance(kind, str) else None
        if source_class is None:
            raise ConfigError(f"{at}: unknown kind {kind!r} "
                              f"(known: {', '.join(sorted(registry.KINDS))})")
        options = {k: v for k, v in entry.items() if k not in ("name", "kind")}
        declared = {**COMMON_OPTIONS, **source_class.options}
        for key in options:
            if key.lower() in _SECRET_KEYS:
                raise ConfigError(f"{at}: {key} looks like a secret; secrets never go "
                                  f"in the config file: put it in an environment variable and "
                                  f"name that with {key}_env = \"VARIABLE\"")
        for key in source_class.required:
            if not options.get(key):
                raise ConfigError(f"{at}: {kind} needs {key} = ...")
        for key, value in options.items():
            option = declared.get(key) or (Option.ENV if key.endswith("_env") else None)
            if option is not None:
                option.check(value, at, key)
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
    _expect(table, dict, where, "[sync]")
    value = table.get("interval")
    if value is None:
        return None
    interval = _duration(value, where, "sync.interval")
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
