"""The `inbox` command: `commands` parses the arguments and holds the table of commands;
each other module is one command group (setup, sync, sources, items, history, respond,
stats, people, rules, database, sweep, playbook)."""

from inbox.cli.commands import main

__all__ = ["main"]
