"""`inbox people`: everyone who posts or answers, across channels, and the office-hours
call-outs (`--helpful`): the community members who answered the most lately.

Like every command, a failure the user can act on is one line on stderr (exit 2: bad
usage or config). Names come from channels: they are printed as plain text, never markup.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inbox.cli import options
from inbox.config import Config
from inbox.errors import UsageError
from inbox.store import Store
from inbox.text import one_line
from inbox.text.wording import plural
from inbox.timeutil import ago, utcnow
from inbox.triage.people import (
    DEFAULT_HELPFUL_WINDOW,
    Person,
    filter_people,
    first_people,
    helpful,
    parse_people_query,
    person_named,
    sync_person_logins,
)
from inbox.triage.tags import remove_tag, set_tag

EXIT_OK = 0
DEFAULT_LIMIT = 100
"""People listed when --limit is not given: a screenful of the most engaged, not a whole
community of a hundred thousand (which takes minutes to lay out as a table)."""
_LEVEL_STYLES = {1: "bold #98c379", 2: "#61afef", 3: "#e5c07b", 4: "dim"}


def add_parsers(commands: argparse._SubParsersAction) -> None:
    people = commands.add_parser(
        "people", help="everyone who posts or answers, across channels; --helpful: office-hours call-outs")
    people.add_argument("query", nargs="*", metavar="QUERY",
                        help="name or login text, tag:champion, level:1 (1 leading .. 4 exploring), "
                             "channel:github; `--` before a -term that negates")
    people.add_argument("--helpful", action="store_true",
                        help="the community members (not staff) who answered the most in --since "
                             "(default 14d), to call out at office hours")
    people.add_argument("--since", metavar="DURATION",
                        help="only activity this recent (e.g. 14d); counts cover that window")
    people.add_argument("--json", action="store_true", help="print JSON")
    people.add_argument("--limit", type=_count, default=DEFAULT_LIMIT, metavar="N",
                        help=f"at most N people, most engaged first (default {DEFAULT_LIMIT}; 0: everyone)")
    people.add_argument("--tag", nargs=2, metavar=("PERSON", "TAG"),
                        help="tag a person (champion, contributor, or any tag of letters, digits, -)")
    people.add_argument("--untag", nargs=2, metavar=("PERSON", "TAG"), help="take a tag off a person")


def run(command: str, config: Config, store: Store, args: argparse.Namespace, *,
        now: datetime | None = None) -> int:
    """The `people` command; the config's [people.NAME] logins are written to the store
    first, so `inbox list author:NAME` agrees with what this prints. `now`: tests' clock."""
    sync_person_logins(config, store)
    now = now or utcnow()
    since = options.since(args.since) if args.since else None
    if args.tag or args.untag:
        return _tag(config, store, args, now)
    limit = getattr(args, "limit", DEFAULT_LIMIT) or None
    if args.helpful:
        return _helpful(config, store, now, since or DEFAULT_HELPFUL_WINDOW, " ".join(args.query),
                        window=args.since or "14d", as_json=args.json, limit=limit)
    people, total = first_people(config, store, now=now, query=" ".join(args.query), since=since, limit=limit)
    if args.json:
        print(json.dumps([person.json() for person in people], indent=2, ensure_ascii=False))
        if total > len(people):  # beside the JSON, not in it: the array stays the people
            print(f"inbox: the first {len(people):,} of {plural(total, 'person')} (--limit 0 lists everyone)",
                  file=sys.stderr)
        return EXIT_OK
    print_people(people, now=now, more=total - len(people))
    return EXIT_OK


def _count(text: str) -> int:
    """`--limit N`: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--limit takes a whole number of people (0: everyone), not {text!r}")
    return int(text)


def _tag(config: Config, store: Store, args: argparse.Namespace, now: datetime) -> int:
    asked = [(args.tag, True)] if args.tag else []
    asked += [(args.untag, False)] if args.untag else []
    for (name, tag), adding in asked:
        person = person_named(config, store, name, now=now)
        if person is None:
            raise UsageError(f"no person named {one_line(name)!r} (see `inbox people`)")
        tag = tag.strip().lower()
        if adding:
            said = f"tagged {tag}" if set_tag(store, person.name, tag, now=now) else f"already tagged {tag}"
        elif remove_tag(store, person.name, tag, now=now):
            said = f"untagged {tag}"
        elif tag == "staff" and person.staff:
            said = "staff by what the channel or [team] staff says, not by a tag: it stays"
        else:
            said = f"had no tag {tag}"
        print(f"{one_line(person.name)}: {said}")
    return EXIT_OK


def _helpful(config: Config, store: Store, now: datetime, since: timedelta, query: str, *,
             window: str, as_json: bool, limit: int | None) -> int:
    parse_people_query(query)  # `--helpful tag:champion`: a bad term fails before any work
    ranked = filter_people(helpful(config, store, now=now, since=since), query)[:limit]
    if as_json:
        print(json.dumps([person.json() for person in ranked], indent=2, ensure_ascii=False))
        return EXIT_OK
    console = _console()
    window = one_line(window)
    if not ranked:
        console.print(Text(f"No community member answered a post in the last {window}."))
        return EXIT_OK
    console.print(Text(f"Call-outs for office hours: the community members who answered the most "
                       f"in the last {window}", style="bold"))
    width = len(str(len(ranked)))
    for rank, person in enumerate(ranked, start=1):
        line = Text(f"{rank:>{width}}. ")
        line.append(one_line(person.name), style="bold")
        line.append(f"  {plural(person.helped, 'reply')}")
        line.append(f" on {', '.join(person.helped_channels)}", style="dim")
        if person.tags:
            line.append(f"  [{', '.join(person.tags)}]", style="#e5c07b")
        console.print(line)
    return EXIT_OK


def _console() -> Console:
    # piped: no width limit, so a script gets whole names on one line each
    return Console(highlight=False, width=None if sys.stdout.isatty() else 10_000)


def print_people(people: list[Person], *, now: datetime, console: Console | None = None, more: int = 0) -> None:
    """The people table: every cell a Text, so a name like `[bold]x` prints as typed; then,
    when `more` people match beyond those, how to list them all."""
    console = console or _console()
    if not people:
        console.print(Text("No people match."))
        return
    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    for column, justify in (("name", "left"), ("channels", "left"), ("posts", "right"),
                            ("replies", "right"), ("first seen", "left"), ("last seen", "left"),
                            ("level", "left"), ("tags", "left")):
        table.add_column(Text(column), justify=justify, overflow="fold", no_wrap=column == "name")
    for person in people:
        table.add_row(
            Text(one_line(person.name), style="bold"),
            Text(one_line(", ".join(person.channels) or "-")),
            Text(f"{person.posts:,}"),
            Text(f"{person.replies:,}"),
            Text(person.first_seen.date().isoformat() if person.first_seen else "-"),
            Text(f"{ago(person.last_seen, now)} ago" if person.last_seen else "-"),
            Text(f"{person.level} {person.level_label}", style=_LEVEL_STYLES[person.level]),
            Text(one_line(", ".join(person.tags)), style="#e5c07b"),
        )
    console.print(table)
    if more:
        console.print(Text(f"…and {more:,} more (--limit 0 lists everyone)", style="dim"))
    elif sys.stdout.isatty():
        console.print(Text(plural(len(people), "person"), style="dim"))
