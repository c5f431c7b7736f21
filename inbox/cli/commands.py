"""The `inbox` command: the TUI by default, and the same inbox from scripts.

Every failure the user can act on is one line on stderr with exit code 1 (the work
failed) or 2 (bad usage, config or input); never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import platformdirs

from inbox import __version__
from inbox import config as config_module
from inbox.config import Config
from inbox.errors import ConfigError, DatabaseBusy, DatabaseUnreachable, InboxError, QueryError, UsageError
from inbox.store import Store, open_store
from inbox.store.sweeps import define as define_sweeps
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.timeutil import utcnow

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"inbox: {message} (see `{self.prog} --help`)\n")


GROUPS: dict[str, str] = {
    "sync": "sync",
    "sources": "sources",
    "list": "items", "triage": "items",
    "templates": "respond", "reply": "respond", "jira": "respond", "release": "respond",
    "stats": "stats",
    "people": "people",
    "rules": "rules",
    "db": "database",
    "log": "history",
    "similar": "similar",
    "init": "setup", "config": "setup",
    "sweep": "sweep",
    "playbook": "playbook",
}
"""The table of commands: each is kept in a group module (`inbox.cli.<module>`), which adds
its parsers and runs them as `run(command, config, store, args)`. This module runs only
`demo` itself, and the TUI when no command is given."""

OFFLINE = {"templates", "playbook"}
"""Group commands that run without opening the store."""
BEFORE_CONFIG = {"init", "config"}
"""Group commands that run before the config is loaded (it may not exist yet)."""


def _group(name: str) -> ModuleType:
    """A command group's module, imported when used so `inbox --help` stays quick."""
    return importlib.import_module(f"inbox.cli.{name}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or only those of `command`'s group when it names one."""
    config_path = config_module.default_config_path()
    parser = _Parser(
        prog="inbox",
        description="Every support channel of your community in one keyboard-driven terminal inbox.",
        epilog=_escaped(f"With no command, opens the inbox. Try `inbox demo` for a tour; `inbox init` "
                        f"writes a starter config at {config_path}; `inbox config` says which config "
                        "and database are in use."),
    )
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help=_escaped(f"config file (default: $INBOX_CONFIG, else the user config folder; "
                                      f"here: {config_path})"))
    parser.add_argument("--db", metavar="PATH|URL",
                        help=_escaped(f"a SQLite file or a postgresql:// URL (default: $INBOX_DB, [store] url, "
                                      f"else {config_module.default_db_path()})"))
    parser.add_argument("--version", action="version", version=f"inbox {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser("demo", help="load the bundled demo workspace and open it")
    demo.add_argument("--no-tui", action="store_true", help="only load the demo, do not open the inbox")

    for name in HELP_ORDER if command not in GROUPS else (GROUPS[command],):
        _group(name).add_parsers(commands)
    return parser


HELP_ORDER = ("setup", "sync", "sources", "items", "history", "similar", "respond", "stats", "people", "rules",
              "database", "sweep", "playbook")
"""The groups in the order `inbox --help` lists their commands."""


def _command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` names (after any `--config`/`--db`), so that only its group is
    imported to parse it: `inbox list` need not load the channels' HTTP code."""
    found = _Silent(add_help=False)
    found.add_argument("--config")
    found.add_argument("--db")
    found.add_argument("command", nargs="?")
    try:
        known, _ = found.parse_known_args(argv)
    except ValueError:  # e.g. `--db` with nothing after it: the whole parser says so
        return None
    return known.command


class _Silent(argparse.ArgumentParser):
    """A parser that raises ValueError where argparse would print and exit."""

    def error(self, message: str) -> NoReturn:
        raise ValueError(message)


def _escaped(text: str) -> str:
    """Help text as argparse takes it: a `%` in a path is not a format."""
    return text.replace("%", "%%")


def main(argv: Sequence[str] | None = None) -> int:
    argv, negated_terms = _negated_list_terms(list(sys.argv[1:] if argv is None else argv))
    args = build_parser(_command_in(argv)).parse_args(argv)
    if negated_terms:
        args.query += negated_terms
    try:
        return _run(args)
    except (ConfigError, QueryError, UsageError) as exc:
        _error(exc)
        return EXIT_USAGE
    except InboxError as exc:
        _error(exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("inbox: interrupted (everything saved so far is kept)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inbox list | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("INBOX_DEBUG"):
            raise
        _error(InboxError(f"unexpected error ({type(exc).__name__}: {exc}); "
                          "run with INBOX_DEBUG=1 for details"))
        return EXIT_FAILED


_GLOBAL_WITH_VALUE = {"--config", "--db"}
_LIST_WITH_VALUE = {"--limit"}


def _negated_list_terms(argv: list[str]) -> tuple[list[str], list[str]]:
    """Take `-term`s out of `inbox list ...` before argparse reads them as options.

    `inbox list is:open -is:done -helm` is a query; `--json` and `--limit N` stay options,
    and a mistyped `--jsno` is still an error.
    """
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        index += 2 if argv[index] in _GLOBAL_WITH_VALUE else 1
    if index >= len(argv) or argv[index] != "list":
        return argv, []
    kept, terms = argv[: index + 1], []
    rest = iter(argv[index + 1:])
    for token in rest:
        if token in _LIST_WITH_VALUE:
            kept += [token, next(rest, "")]
        elif token.startswith("-") and not token.startswith("--") and token != "-h" and len(token) > 1:
            terms.append(token)
        else:
            kept.append(token)
    return kept, terms


def _error(exc: Exception) -> None:
    print(f"inbox: {one_line(str(exc))}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command in BEFORE_CONFIG:
        return _group(GROUPS[args.command]).run(args.command, None, None, args)
    from inbox.sources.registry import load_config  # each kind checks its own options

    config = load_config(args.config)
    if args.command in OFFLINE or (args.command == "rules" and not args.dry_run):  # listing the rules too
        return _group(GROUPS[args.command]).run(args.command, config, None, args)
    from inbox.triage.people import sync_person_logins

    store = _open_store(args, config)
    sync_person_logins(config, store)  # `author:NAME` takes [people.NAME] everywhere
    store.sweeps = define_sweeps(config)  # `sweep:daily` is the sweep this config defines
    store.suggest_threshold = config.suggest.threshold  # what counts as a type suggestion
    if args.command is None:
        return _tui(config, store)
    if args.command in GROUPS:
        return _group(GROUPS[args.command]).run(args.command, config, store, args)
    raise UsageError(f"unknown command {args.command}")


def _open_store(args: argparse.Namespace, config: Config) -> Store:
    try:
        return open_store(config_module.database(args.db, config), password_env=config.store.password_env)
    except (DatabaseBusy, DatabaseUnreachable):  # the right database, busy or away: trying again later works (exit 1)
        raise
    except InboxError as exc:  # not a database, not ours, read-only, or a folder: the path given is wrong
        raise UsageError(str(exc)) from None


def _tui(config: Config, store: Store, *, demo: bool = False) -> int:
    from inbox.tui.app import make_app  # the TUI (and Textual) only load when used

    app = make_app(config, store, demo=demo)
    app.run()
    return app.return_code or EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    import shlex

    from inbox.demo import CONFIG_PATH, demo_config, load_demo

    path = args.db
    if path is None:
        path = Path(platformdirs.user_data_dir(config_module.APP_NAME)) / "demo.db"
        for suffix in ("", "-wal", "-shm"):  # a fresh demo each time, with times relative to now
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    try:
        store = open_store(path)
    except InboxError as exc:
        raise UsageError(str(exc)) from None
    count = load_demo(store, now=utcnow())
    # where it all is, so any other command can be run on the demo too
    print(f"Loaded the demo workspace: {plural(count, 'item')} into {path}, config {CONFIG_PATH}\n"
          f"Try: inbox --config {shlex.quote(str(CONFIG_PATH))} --db {shlex.quote(str(path))} sweep")
    if args.no_tui:
        return EXIT_OK
    return _tui(demo_config(), store, demo=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
