"""The responding commands: `templates`, `reply`, `jira` and `release`.

Like every command, a failure the user can act on is one line on stderr (exit 1: the
work failed; exit 2: bad usage or config), and what was typed or drafted is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from inbox.config import Config
from inbox.desktop import copy_text, open_page
from inbox.errors import InboxError, SourceError, UsageError
from inbox.models import Reply
from inbox.respond.collisions import Collision
from inbox.store import Store
from inbox.text import clean, one_line
from inbox.text.wording import plural
from inbox.timeutil import ago, utcnow
from inbox.respond.templates import (
    TemplateLibrary,
    load_templates,
    render,
    reply_values,
)
from inbox.workspace import Workspace

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(commands: argparse._SubParsersAction) -> None:
    templates = commands.add_parser("templates", help="list the reply templates and the links each needs")
    templates.add_argument("--json", action="store_true", help="print JSON")

    reply = commands.add_parser("reply", help="render a reply from a template; --post sends it")
    reply.add_argument("key", metavar="KEY", help="the item to answer, like server:1234")
    reply.add_argument("--template", metavar="NAME", help="the template (default: the item's saved draft)")
    reply.add_argument("--release", metavar="VERSION", help="the version {version} stands for")
    reply.add_argument("--post", action="store_true",
                       help="post it to the channel (or copy it and open the page where the channel "
                            "takes no replies through its API)")
    reply.add_argument("--discard", action="store_true", help="throw the item's draft away")

    jira = commands.add_parser("jira", help="file the item as a Jira issue (a reproducible bug)")
    jira.add_argument("key", metavar="KEY", help="the item, like server:1234")

    release = commands.add_parser("release", help="thank the nominators of ideas completed since the last release")
    release.add_argument("version", metavar="VERSION", help="the version released, e.g. 11.2")
    release.add_argument("--csv", metavar="FILE", type=Path, help="write the spreadsheet rows (- for stdout)")
    release.add_argument("--post", action="store_true", help="post each thank-you where the channel allows")


def run(command: str, config: Config, store: Store | None, args: argparse.Namespace) -> int:
    """`templates` needs no store (None); the others do."""
    handler = {"templates": _templates, "reply": _reply, "jira": _jira, "release": _release}[command]
    return handler(config, store, args)


def _library(config: Config) -> TemplateLibrary:
    library = load_templates(config.template_paths)
    for warning in library.warnings:
        print(f"inbox: warning: {one_line(warning)}", file=sys.stderr)
    return library


def _templates(config: Config, store: Store | None, args: argparse.Namespace) -> int:
    library = _library(config)
    rows = []
    for template in library:
        missing = [link for link in template.links if link not in config.docs]
        rows.append({"name": template.name, "title": template.title, "types": list(template.types),
                     "kinds": list(template.kinds), "links": list(template.links),
                     "missing_links": missing, "variables": list(template.variables),
                     "path": str(template.path) if template.path else None})
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max((len(row["name"]) for row in rows), default=0)
    for row in rows:
        suits = ", ".join(row["types"] or ["any type"]) + (f" on {', '.join(row['kinds'])}" if row["kinds"] else "")
        links = ", ".join(f"{link} (missing from [docs])" if link in row["missing_links"] else link
                          for link in row["links"])
        print(f"{row['name']:<{width}}  {one_line(row['title'])} · {suits}" + (f" · links: {links}" if links else ""))
    return EXIT_OK


def _reply(config: Config, store: Store, args: argparse.Namespace) -> int:
    now = utcnow()
    item = store.item(args.key, now=now)
    if item is None:
        raise UsageError(f"no item with key {args.key}")
    if args.discard:
        store.drafts.discard(args.key)
        print(f"{args.key}: draft discarded")
        return EXIT_OK
    if args.template:
        template = _library(config).get(args.template)
        version = args.release or store.releases.latest()
        text = render(template, reply_values(item, config, today=now.date(), version=version))
        template_name: str | None = template.name
    else:
        draft = store.drafts.get(args.key)
        if draft is None:
            raise UsageError(f"{args.key} has no draft: give --template NAME (see `inbox templates`)")
        text, template_name = draft.text, draft.template
        if draft.error:
            print(f"inbox: the last try failed: {one_line(draft.error)}", file=sys.stderr)
    if not args.post:
        print(clean(text))
        return EXIT_OK
    try:
        outcome = asyncio.run(Workspace(config, store).reply(args.key, text, template=template_name))
    except Collision as exc:
        _show_replies(exc.replies, now)
        print(f"inbox: {one_line(args.key)}: {one_line(str(exc))} (above); the draft is kept: "
              "run the same command again to post it anyway", file=sys.stderr)
        return EXIT_FAILED
    if outcome.posted:
        print(f"{args.key}: {one_line(outcome.message)}")
        return EXIT_OK
    _hand_over(outcome.text, outcome.url, outcome.message)
    return EXIT_OK


def _show_replies(replies: list[Reply], now: datetime) -> None:
    """Replies as the channel gave them, plain text (never markup, never escapes)."""
    for reply in replies:
        staff = " (staff)" if reply.author_is_staff else ""
        print(f"--- {one_line(reply.author)}{staff}, {ago(reply.created_at, now)} ago")
        print(clean(reply.body).strip())


def _hand_over(text: str, url: str | None, message: str) -> None:
    """Not posted by the inbox: put the reply where the user can post it by hand."""
    copied = copy_text(text)
    opened = open_page(url or "")
    said = ["The reply is copied to the clipboard" if copied else
            "No clipboard here: the reply is printed above"]
    if opened:
        said.append(f"its page is opening in the browser ({one_line(url)})")
    elif url:
        said.append(f"no browser here: post it at {one_line(url)}")
    print(clean(text))
    print(f"inbox: {one_line(message)} {'; '.join(said)}.", file=sys.stderr)


def _jira(config: Config, store: Store, args: argparse.Namespace) -> int:
    filed = asyncio.run(Workspace(config, store).file_bug(args.key))
    if filed.new:
        print(f"{args.key}: filed {filed.key} {filed.url}")
    else:
        print(f"{args.key}: already filed as {filed.key} {filed.url}")
    print(f"Tell the reporter: inbox reply {args.key} --template bug-filed --post", file=sys.stderr)
    return EXIT_OK


def _release(config: Config, store: Store, args: argparse.Namespace) -> int:
    from inbox.respond.release import prepare_release, release_csv

    now = utcnow()
    announcements = prepare_release(config, store, _library(config), args.version, now=now)
    if not announcements:
        print(f"No ideas completed since the last release: nothing to announce in {one_line(args.version)}.",
              file=sys.stderr)
    # With the rows on stdout (`--csv -`), the listing goes to stderr so a redirect gets only CSV.
    out = sys.stderr if args.csv is not None and str(args.csv) == "-" else sys.stdout
    failed = False
    for announcement in announcements:
        item = announcement.item
        print(f"{item['key']}  {one_line(item['title'])} (nominated by {one_line(item['author'])})", file=out)
        if announcement.reply:
            print("    " + clean(announcement.reply).replace("\n", "\n    "), file=out)
        if announcement.note:
            print(f"    ({one_line(announcement.note)})", file=out)
        if args.post and announcement.reply:
            try:
                outcome = asyncio.run(Workspace(config, store).reply(item["key"], announcement.reply,
                                                                     template="feature-shipped"))
            except (SourceError, InboxError) as exc:
                print(f"inbox: {item['key']}: {one_line(str(exc))}", file=sys.stderr)
                failed = True
                continue
            if outcome.posted:
                print(f"    {one_line(outcome.message)}", file=out)
            else:
                print(f"    Post by hand at {one_line(outcome.url or item['url'])} "
                      f"(`inbox reply {item['key']}` prints the draft)", file=out)
    if args.csv:
        rows = release_csv(announcements)
        if str(args.csv) == "-":
            sys.stdout.write(rows)
        else:
            try:
                args.csv.write_text(rows, encoding="utf-8")
            except OSError as exc:
                raise InboxError(f"{args.csv}: cannot write: {exc.strerror or exc}") from None
            print(f"Wrote {plural(len(announcements), 'row')} to {args.csv}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
