"""`inbox init` and `inbox config`: from the demo to your own inbox.

`init` writes a commented starter config where the inbox will read it (never over an
existing file); `config` says which config file and database are in use, what chose
each, and whether each is there. Both run before any config is loaded: the config may
not exist yet.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from inbox.config import Config, config_location, database_location
from inbox.config.starter import write_starter
from inbox.sources.registry import load_config
from inbox.store import Store, is_url, server_unreachable

EXIT_OK = 0


def add_parsers(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("init", help="write a commented starter config where the inbox reads it "
                                     "(never over an existing one)")
    commands.add_parser("config", help="print which config file and database are in use, and "
                                       "whether each exists")


def run(command: str, config: Config | None, store: Store | None, args: argparse.Namespace) -> int:
    return _init(args) if command == "init" else _config(args)


def _init(args: argparse.Namespace) -> int:
    path, chosen_by = config_location(args.config)
    written = write_starter(path)
    shown = shlex.quote(str(written))
    read = {"--config": f"when given --config {shown} (or with INBOX_CONFIG={shown})",
            "$INBOX_CONFIG": "from there while $INBOX_CONFIG says so"}.get(chosen_by, "from there")
    print(f"Wrote a starter config to {written}: the inbox reads it {read}.\n"
          "Next: set `me` under [team], uncomment a [[sources]] block for each channel and export "
          "its token variable,\nthen `inbox sources --check` tries them, `inbox sync` fetches the "
          "posts and `inbox` opens the inbox.")
    return EXIT_OK


def _config(args: argparse.Namespace) -> int:
    path, chosen_by = config_location(args.config)
    print(f"config    {path}  ({_file_state(path, 'inbox init` writes a starter')}; from {chosen_by})",
          flush=True)  # shown before the file is read, so an error in it follows its name
    config = load_config(path) if path.is_file() else Config(path=None)
    where, chosen_by = database_location(args.db, config)
    if is_url(str(where)):  # shown as given: a URL never holds a password
        why_not = server_unreachable(str(where), password_env=config.store.password_env)
        state = "PostgreSQL, reached" if why_not is None else f"PostgreSQL, not reached: {why_not}"
    else:
        state = _file_state(Path(where).expanduser(), "inbox sync` or `inbox` makes it")
    print(f"database  {where}  ({state}; from {chosen_by})")
    return EXIT_OK


def _file_state(path: Path, maker: str) -> str:
    if path.is_file():
        return "exists"
    return "a folder, not a file" if path.is_dir() else f"not there yet: `{maker}"
