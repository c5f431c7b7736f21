"""`inbox sources`: how each configured source stands, and a quick credentials check.

The status comes from the store (what the last sync recorded); the check makes one
cheap request per source, all at once, and says in one line why a source fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text

from inbox.config import Config
from inbox.errors import InboxError, SourceError
from inbox.sources import registry
from inbox.store import Store
from inbox.text import one_line
from inbox.timeutil import ago, utcnow


EXIT_OK, EXIT_FAILED = 0, 1


def source_rows(config: Config, store: Store, *, now: datetime) -> list[dict[str, Any]]:
    """One row per configured source, never-synced ones included."""
    states = {row["name"]: row for row in store.source_states()}
    rows = []
    for source in config.sources:
        state = states.get(source.name) or {}
        rows.append({
            "name": source.name,
            "kind": source.kind,
            "items": store.item_count(source.name),
            "last_success_at": state.get("last_success_at"),
            "last_attempt_at": state.get("last_attempt_at"),
            "rate_remaining": state.get("rate_remaining"),
            "rate_limit": state.get("rate_limit"),
            "rate_reset_at": state.get("rate_reset_at"),
            "last_error": state.get("last_error"),
        })
    return rows


async def check_sources(config: Config, *, env: Mapping[str, str] | None = None,
                        transport: httpx.AsyncBaseTransport | None = None) -> dict[str, str]:
    """By source name: "ok", or why its credentials or target do not work."""

    async def check(source_config) -> tuple[str, str]:
        try:
            source = registry.build(source_config, config, env=env)
            async with source.session(transport=transport, retries=1) as session:
                await source.check(session)
        except SourceError as exc:
            return source_config.name, exc.reason
        except InboxError as exc:
            return source_config.name, str(exc)
        except Exception as exc:  # noqa: BLE001 - one source's surprise must not hide the others' results
            return source_config.name, f"unexpected error ({type(exc).__name__})"
        return source_config.name, "ok"

    return dict(await asyncio.gather(*(check(s) for s in config.sources)))


def print_sources(rows: list[dict[str, Any]], *, now: datetime, console: Console | None = None) -> None:
    console = console or Console()
    if not rows:
        console.print("No sources configured: add [[sources]] to the config (see the README).",
                      markup=False, highlight=False)
        return
    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    for column, justify in (("source", "left"), ("kind", "left"), ("items", "right"),
                            ("last sync", "left"), ("rate left", "right"), ("last error", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        synced = f"{ago(row['last_success_at'], now)} ago" if row["last_success_at"] else "never"
        rate = ""
        if row["rate_remaining"] is not None:
            rate = f"{row['rate_remaining']:,}" + (f"/{row['rate_limit']:,}" if row["rate_limit"] else "")
        cells = [row["name"], row["kind"], f"{row['items']:,}", synced, rate,
                 one_line(row["last_error"] or "-")]
        styles = ["bold", "", "", "", "", "#e06c75" if row["last_error"] else "dim"]
        table.add_row(*[Text(cell, style=style) for cell, style in zip(cells, styles)])
    console.print(table)
    for row in rows:
        if "check" in row:
            ok = row["check"] == "ok"
            line = Text(f"check {row['name']}: ", style="bold")
            line.append("ok" if ok else f"failed: {one_line(row['check'])}", style="#98c379" if ok else "#e06c75")
            console.print(line)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    sources = commands.add_parser("sources", help="the configured sources: last sync, items, rate limit, last error")
    sources.add_argument("--check", action="store_true", help="try each source's credentials with one cheap request")
    sources.add_argument("--json", action="store_true", help="print JSON")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    """`inbox sources [--check] [--json]`: each source's state, and with `--check` whether
    its credentials work (exit 1 if one does not)."""
    check, as_json = args.check, args.json
    rows = source_rows(config, store, now=utcnow())
    if check:
        checks = asyncio.run(check_sources(config))
        for row in rows:
            row["check"] = checks.get(row["name"])
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print_sources(rows, now=utcnow())
    failed = check and any(row.get("check") != "ok" for row in rows)
    return EXIT_FAILED if failed else EXIT_OK
