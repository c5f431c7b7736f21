"""The `inbox` command: `commands` parses the arguments and holds the table of commands;
each other module is one command group (respond, rules, stats, people, sources)."""

from inbox.cli.commands import main

__all__ = ["main"]
