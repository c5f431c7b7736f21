"""`inbox rules [--dry-run]`: the config's rules, and what each would do now.

A bad rule is one line naming the rule and the field (exit 2, through the CLI's
ConfigError handling); a dry run writes nothing and adds no label.
"""

from __future__ import annotations

import argparse
import sys

from inbox.config import Config
from inbox.errors import UsageError
from inbox.store import Store
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.timeutil import utcnow
from inbox.triage.rules import load_rules, preview_rules

EXIT_OK = 0


def add_parsers(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser("rules", help="list the rules; --dry-run shows what each would do now")
    rules.add_argument("--dry-run", action="store_true",
                       help="show, per rule, the items it matches now and what it would change "
                            "(nothing is written)")


def run(command: str, config: Config, store: Store | None, args: argparse.Namespace) -> int:
    """Listing needs no store (None); `--dry-run` does."""
    rules = load_rules(config)
    if not rules:
        print("No rules yet: add [[rules]] entries (name, query and actions) to the config file; "
              "the README's Rules section has examples.", file=sys.stderr)
        return EXIT_OK
    if not args.dry_run:
        width = max(len(rule.name) for rule in rules)
        for rule in rules:
            print(f"{rule.name:<{width}}  {one_line(rule.query.text)}  ->  {rule.describe_actions()}")
        return EXIT_OK
    if store is None:
        raise UsageError("rules --dry-run needs the inbox database")
    previews = preview_rules(config, store, now=utcnow(), rules=rules)
    for index, preview in enumerate(previews):
        if index:
            print()
        rule = preview.rule
        count = plural(preview.matched, "item")
        print(f"{rule.name} ({one_line(rule.query.text)} -> {rule.describe_actions()}): matches {count}")
        changes = [action for action in preview.actions if action.applied]
        if not preview.actions:
            print("  nothing to change" if preview.matched else "  nothing matches now")
            continue
        for action in preview.actions:
            title = f"  {one_line(action.title)}" if action.title else ""
            print(f"  {action.describe()}{title}")
        if not changes:
            print("  nothing would change")
    return EXIT_OK
