"""Reading the config file (TOML) into a `Config`, once, checking every section.

Secrets never live here: a source names the environment variable that holds its token.
Each channel kind declares its own options; `inbox.sources.registry` passes those
declarations to `check_source_options`, so this package imports nothing above it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from inbox.config.checks import (
    COMMON_OPTIONS,
    DATABASE_SCHEMES,
    Option,
    database_url_problem,
    duration,
    expect,
    http_url,
    string_list,
    string_table,
    table,
    unknown_keys,
)
from inbox.config.model import Config, JiraConfig, SourceConfig, StoreSettings, Team, TuiSettings, View
from inbox.config.people import parse_people
from inbox.config.rules import parse_rules
from inbox.config.sla import parse_sla
from inbox.config.suggest import parse_suggest
from inbox.config.sweep import parse_sweep
from inbox.errors import ConfigError
from inbox.keys import KeymapError, check_keymap
from inbox.text import nearest

APP_NAME = "inbox"
SECTIONS = ("team", "sources", "views", "keys", "sync", "playbooks", "templates", "docs", "jira",
            "type_labels", "sweep", "slack", "sla", "rules", "people", "store", "tui", "suggest")
"""Every top-level section the config file may have."""
_SECRET_KEYS = {"token", "api_key", "key", "secret", "password", "api_token", "client_secret"}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def default_config_path() -> Path:
    return config_location(None)[0]


def config_location(given: Path | None) -> tuple[Path, str]:
    """The config file the inbox reads, and what chose it: `--config`, else
    `$INBOX_CONFIG`, else `config.toml` in the user config folder."""
    if given is not None:
        return given, "--config"
    env = os.environ.get("INBOX_CONFIG")
    if env:
        return Path(env).expanduser(), "$INBOX_CONFIG"
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml", "the user config folder"


MAX_CONFIG_BYTES = 2**20
"""A config is a few kilobytes; a file far larger is not one, and is not read into memory."""


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "inbox.db"


def database(given: str | None, config: Config) -> str | Path:
    """Where the inbox is: `--db`, else `$INBOX_DB`, else `[store] url`, else the user
    data dir's `inbox.db`. A SQLite path or a PostgreSQL URL, as written."""
    return database_location(given, config)[0]


def database_location(given: str | None, config: Config) -> tuple[str | Path, str]:
    """`database`, and what chose it."""
    if given:
        return given, "--db"
    if os.environ.get("INBOX_DB"):
        return os.environ["INBOX_DB"], "$INBOX_DB"
    if config.store.url:
        return config.store.url, "[store] url"
    return default_db_path(), "the user data folder"


def load(path: Path | None = None, *, required: bool = False) -> Config:
    """Load and validate a config file; a missing default file is an empty config.

    Source options are checked by the kinds that declare them: load through
    `inbox.sources.registry.load_config`, which does both.
    """
    explicit = path is not None or bool(os.environ.get("INBOX_CONFIG"))
    path = path or default_config_path()
    if not path.exists():
        if required or explicit:
            raise ConfigError(f"{path}: config file not found")
        return Config(path=None)
    if not path.is_file():  # a pipe would wait for ever, and /dev/zero never ends
        raise ConfigError(f"{path}: not a regular file, so not read as a config")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 2**20} MiB, so not read as a config")
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ConfigError(f"{path}: values nested too deeply to read") from None
    except ValueError:  # a whole number of thousands of digits, past what Python converts
        raise ConfigError(f"{path}: a number too long to read") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    """Every section of a parsed TOML file, checked and typed."""
    where = str(path) if path else "config"
    for section in data:
        if section not in SECTIONS:
            close = nearest(section, SECTIONS)
            hint = f"did you mean {close}?" if close else f"known: {', '.join(SECTIONS)}"
            raise ConfigError(f"{where}: unknown section {section} ({hint})")
    team = _team(data.get("team", {}), where)
    sources = _sources(data.get("sources", []), path)
    kinds = {source.name: source.kind for source in sources}
    return Config(
        path=path,
        team=team,
        sources=sources,
        views=_views(data.get("views", []), where),
        keys=_keys(data.get("keys", {}), where),
        sync_interval=_sync_interval(data.get("sync", {}), where),
        playbook_paths=_folders(data.get("playbooks", {}), "playbooks", path, where),
        template_paths=_folders(data.get("templates", {}), "templates", path, where),
        docs=_docs(data.get("docs", {}), where),
        jira=_jira(data.get("jira"), where),
        type_labels=_type_labels(data.get("type_labels", {}), where),
        sweep=parse_sweep(data.get("sweep", {}), data.get("slack"), kinds, where),
        sla=parse_sla(data.get("sla"), where),
        rules=parse_rules(data.get("rules", []), where, team.me),
        people=parse_people(data.get("people", {}), kinds, where),
        store=_store(data.get("store", {}), where),
        tui=_tui(data.get("tui", {}), where),
        suggest=parse_suggest(data.get("suggest", {}), where),
    )


def _team(section: Any, where: str) -> Team:
    expect(section, dict, where, "[team]")
    unknown_keys(section, ("staff", "me", "rotation", "rotation_start", "follow_up"), where, "[team]")
    start = section.get("rotation_start")
    if start is not None:
        expect(start, date, where, "team.rotation_start")
    me = section.get("me")
    if me is not None:
        expect(me, str, where, "team.me")
    # a shared config file names no one: each teammate's environment says who they are
    me = os.environ.get("INBOX_ME", "").strip() or me
    return Team(
        staff=string_list(section.get("staff", []), where, "team.staff"),
        me=me,
        rotation=string_list(section.get("rotation", []), where, "team.rotation"),
        rotation_start=start,
        follow_up=duration(section.get("follow_up", "2d"), where, "team.follow_up"),
    )


def _store(section: Any, where: str) -> StoreSettings:
    expect(section, dict, where, "[store]")
    unknown_keys(section, ("url", "password_env"), where, "[store]")
    url, password_env = section.get("url"), section.get("password_env")
    if url is not None:
        expect(url, str, where, "store.url")
        if not url.lower().startswith(DATABASE_SCHEMES):
            raise ConfigError(f"{where}: store.url: a PostgreSQL URL (postgresql://USER@HOST/DATABASE); "
                              "a SQLite file is given with --db or $INBOX_DB")
        if problem := database_url_problem(url):
            raise ConfigError(f"{where}: store.url {problem}")
    if password_env is not None:
        expect(password_env, str, where, "store.password_env")
    return StoreSettings(url=url, password_env=password_env)


def _docs(section: Any, where: str) -> dict[str, str]:
    expect(section, dict, where, "[docs]")
    docs = {}
    for name, url in section.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ConfigError(f"{where}: docs.{name}: a link name is letters, digits, '-' or '_'")
        docs[name] = http_url(url, where, f"docs.{name}")
    return docs


def _jira(section: Any, where: str) -> JiraConfig | None:
    if section is None:
        return None
    expect(section, dict, where, "[jira]")
    if "token" in section or "api_token" in section:
        raise ConfigError(f"{where}: [jira]: secrets never go in the config file: put the API "
                          "token in an environment variable and name it with token_env")
    unknown_keys(section, ("base_url", "project", "email", "token_env", "issue_type", "labels"),
                 where, "[jira]")
    for key in ("base_url", "project", "email", "token_env"):
        if not section.get(key):
            raise ConfigError(f"{where}: [jira] needs {key} = ...")
        expect(section[key], str, where, f"jira.{key}")
    issue_type = section.get("issue_type", "Bug")
    expect(issue_type, str, where, "jira.issue_type")
    return JiraConfig(
        base_url=http_url(section["base_url"], where, "jira.base_url").rstrip("/"),
        project=section["project"], email=section["email"], token_env=section["token_env"],
        issue_type=issue_type, labels=string_list(section.get("labels", []), where, "jira.labels"),
    )


def _type_labels(section: Any, where: str) -> dict[str, str]:
    expect(section, dict, where, "[type_labels]")
    return string_table(section, where, "type_labels", COMMON_OPTIONS["type_labels"])


def _sources(entries: Any, path: Path | None) -> list[SourceConfig]:
    """Each `[[sources]]` entry's name, kind and the checks every kind shares; the kind's
    own options are checked by `check_source_options`."""
    where = str(path) if path else "config"
    expect(entries, list, where, "[[sources]]")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = f"sources #{index}"
        expect(entry, dict, where, label)
        name = entry.get("name")
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            raise ConfigError(f"{where}: {label}: name must be letters, digits, '-', '_' or '.' "
                              f"(it prefixes item keys like name:1234), not {name!r}")
        at = source_label(path, name)
        if name in seen:
            raise ConfigError(f"{at}: the name is used twice")
        seen.add(name)
        kind = entry.get("kind")
        if not isinstance(kind, str):
            raise ConfigError(f"{at}: kind must be a channel kind like \"github\", not {kind!r}")
        options = {k: v for k, v in entry.items() if k not in ("name", "kind")}
        for key in options:
            if key.lower() in _SECRET_KEYS:
                raise ConfigError(f"{at}: {key} looks like a secret; secrets never go "
                                  f"in the config file: put it in an environment variable and "
                                  f"name that with {key}_env = \"VARIABLE\"")
        for key, option in COMMON_OPTIONS.items():
            if key in options:
                option.check(options[key], at, key)
        sources.append(SourceConfig(name=name, kind=kind, options=options))
    return sources


def source_label(path: Path | None, name: str) -> str:
    """How an error names a source: `config.toml: source 'server'`."""
    return f"{path}: source {name!r}" if path else f"source {name!r}"


def check_source_options(source: SourceConfig, path: Path | None, options: Mapping[str, Option],
                         required: tuple[str, ...] = ()) -> None:
    """Checks one source against what its kind declares: every key known (a `*_env` key
    too: a misspelt one would sync without credentials), the required ones present, each
    value of its declared kind."""
    at = source_label(path, source.name)
    declared = {**COMMON_OPTIONS, **options}
    unknown_keys(source.options, declared, str(path) if path else "", f"source {source.name!r}")
    for key in required:
        if not source.options.get(key):
            raise ConfigError(f"{at}: {source.kind} needs {key} = ...")
    for key, value in source.options.items():
        declared[key].check(value, at, key)


def _views(entries: Any, where: str) -> list[View]:
    from inbox.query import parse_query  # fail at load time, not when the sidebar draws

    expect(entries, list, where, "[[views]]")
    views = []
    for index, entry in enumerate(entries, start=1):
        expect(entry, dict, where, f"views #{index}")
        unknown_keys(entry, ("name", "query"), where, f"views #{index}")
        name, query = entry.get("name"), entry.get("query")
        expect(name, str, where, f"views #{index} name")
        expect(query, str, where, f"view {name!r} query")
        try:
            parse_query(query)
        except Exception as exc:
            raise ConfigError(f"{where}: view {name!r}: {exc}") from None
        views.append(View(name=name, query=query))
    return views


def _sync_interval(section: Any, where: str) -> timedelta | None:
    section = table(section, where, "sync")
    unknown_keys(section, ("interval",), where, "[sync]")
    value = section.get("interval")
    if value is None:
        return None
    interval = duration(value, where, "sync.interval")
    if interval < timedelta(minutes=1):
        raise ConfigError(f"{where}: sync.interval must be 1m or more, not {value!r}")
    return interval


def _folders(section: Any, name: str, path: Path | None, where: str) -> list[Path]:
    """`[section] paths = [...]` as folders: `~` expanded, relative to the config file."""
    expect(section, dict, where, f"[{name}]")
    unknown_keys(section, ("paths",), where, f"[{name}]")
    base = path.parent if path else Path.cwd()
    folders = []
    for entry in string_list(section.get("paths", []), where, f"{name}.paths"):
        folder = Path(entry).expanduser()
        folders.append(folder if folder.is_absolute() else base / folder)
    return folders


def _tui(section: Any, where: str) -> TuiSettings:
    section = table(section, where, "tui")
    unknown_keys(section, ("auto_advance",), where, "[tui]")
    return TuiSettings(auto_advance=expect(section.get("auto_advance", True), bool, where, "tui.auto_advance"))


def _keys(section: Any, where: str) -> dict[str, str]:
    expect(section, dict, where, "[keys]")
    for action, keys in section.items():
        expect(keys, str, where, f"keys.{action}")
    try:
        check_keymap(section)
    except KeymapError as exc:
        raise ConfigError(f"{where}: [keys]: {exc}") from None
    return dict(section)
