"""Benchmarks: open-to-first-paint, filter query time, sync ingest rate, peak memory.

    python benchmarks/run.py                 # 100 / 10k / 100k items
    python benchmarks/run.py --sizes 100 10000

Builds throwaway databases under a temp folder (cached between runs by size), then
measures headless. Not part of the test suite: timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox.config import parse  # noqa: E402
from inbox.models import Item  # noqa: E402
from inbox.store import Store  # noqa: E402
from inbox.store.db import _item_row  # noqa: E402
from inbox.timeutil import utcnow  # noqa: E402

NOW = utcnow()
KINDS = [("server", "github"), ("forum", "discourse"), ("so", "stackexchange")]
WORDS = ("install upgrade postgres docker plugin crash login ldap saml webhook mobile push "
         "notification license enterprise migration timeout memory search export").split()
FILTERS = [
    "is:open -is:done -is:snoozed",
    "is:open -is:done -is:snoozed is:awaiting age:>=2d",
    "is:open -is:done -is:snoozed idle:>7d staff:no",
    "label:bug",
    "kind:discourse replies:>3",
    "postgres",
    '"push notification" -staff:yes',
    "type:none assignee:none",
]


def make_items(count: int) -> list[Item]:
    items = []
    for n in range(count):
        source, kind = KINDS[n % 3]
        created = NOW - timedelta(minutes=(n * 37) % (60 * 24 * 120))
        words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7, 11))
        items.append(Item(
            source=source, kind=kind, external_id=str(n), url=f"https://example.org/{kind}/{n}",
            title=f"{words} problem number {n}", body=f"Body of {n}: {words}. " * 5,
            author=f"user{n % 997}", author_is_staff=n % 11 == 0, created_at=created,
            last_activity_at=created + timedelta(minutes=n % 500), replies=n % 7,
            last_reply_by_staff=None if n % 7 == 0 else n % 2 == 0, answered=n % 5 == 0,
            state="closed" if n % 13 == 0 else "open",
            labels=["bug"] if n % 4 == 0 else (["enhancement", "Help Wanted"] if n % 9 == 0 else []),
        ))
    return items


def build(path: Path, count: int) -> float:
    """Fill a database page by page through the store, as a sync does; returns seconds."""
    store = Store(path)
    items = make_items(count)
    start = time.perf_counter()
    for offset in range(0, count, 100):
        store.save_page("bench", items[offset:offset + 100])
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def raw_insert(path: Path, count: int) -> float:
    """The same rows with a bare sqlite-utils insert_all (no FTS, no labels, no cursor)."""
    import sqlite_utils

    db = sqlite_utils.Database(path)
    columns = ("key", "source", "kind", "external_id", "url", "title", "body", "author",
               "author_is_staff", "created_at", "last_activity_at", "replies",
               "last_reply_by_staff", "answered", "state", "labels", "synced_at")
    rows = [dict(zip(columns, _item_row(item, None))) for item in make_items(count)]
    start = time.perf_counter()
    db["items"].insert_all(rows, pk="key", batch_size=100)
    return time.perf_counter() - start


def database(folder: Path, count: int) -> Path:
    path = folder / f"bench-{count}.db"
    if not path.exists():
        build(path, count)
    return path


async def first_paint(path: Path) -> float:
    """Seconds from building the app to the first rows drawn in the list."""
    from inbox.tui.app import make_app
    from inbox.tui.widgets.item_list import ItemList

    store = Store(path)
    start = time.perf_counter()
    app = make_app(parse({}), store, now=lambda: NOW)
    async with app.run_test(size=(160, 50)) as pilot:
        while True:
            lists = app.screen.query(ItemList)
            if lists and lists.first().total > 0 and lists.first().row(0) is not None:
                break
            await pilot.pause(0.001)
        await pilot.pause(0)  # let the frame with the rows be drawn
        elapsed = time.perf_counter() - start
    store.close()
    return elapsed


async def compose_open(path: Path, runs: int = 5) -> float:
    """Median seconds from pressing `r` to the compose screen drawn with a template in it."""
    from inbox.tui.app import make_app
    from inbox.tui.screens.compose import ComposeScreen

    store = Store(path)
    config = parse({"team": {"me": "user1"}, "docs": {name: "https://docs.example.org" for name in
                   ("forum", "ideas", "docs", "troubleshooting", "contributing")}})
    app = make_app(config, store, now=lambda: NOW)
    samples = []
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        for _ in range(runs):
            start = time.perf_counter()
            await pilot.press("r")
            while not (isinstance(app.screen, ComposeScreen) and app.screen.is_mounted
                       and app.screen.query_one("TextArea").text):
                await pilot.pause(0.001)
            await pilot.pause(0)
            samples.append(time.perf_counter() - start)
            await pilot.press("escape")
            await pilot.pause(0.05)
    store.close()
    return statistics.median(samples)


def filter_times(path: Path) -> dict[str, float]:
    """Median milliseconds for count + first page of each filter (what the TUI runs)."""
    store = Store(path)
    results = {}
    for query in FILTERS:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            store.count(query, now=NOW, me="user1")
            store.list_items(query, now=NOW, me="user1", limit=100)
            samples.append((time.perf_counter() - start) * 1000)
        results[query] = statistics.median(samples)
    store.close()
    return results


def child(path: str) -> None:
    """Run one first-paint measurement in a fresh process so peak memory is its own."""
    elapsed = asyncio.run(first_paint(Path(path)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.4f} {peak_mb:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="first-paint runs per size (median)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    folder = Path(tempfile.gettempdir()) / "inbox-bench"
    folder.mkdir(exist_ok=True)
    print(f"databases in {folder}\n")
    print(f"{'items':>8} {'first paint (median)':>22} {'peak RSS':>10}")
    paints = {}
    for size in args.sizes:
        path = database(folder, size)
        samples, peaks = [], []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                 capture_output=True, text=True, check=True).stdout.split()
            samples.append(float(out[0]))
            peaks.append(float(out[1]))
        paints[size] = statistics.median(samples)
        print(f"{size:>8} {paints[size] * 1000:>19.0f} ms {max(peaks):>7.0f} MB")
    smallest, largest = min(args.sizes), max(args.sizes)
    print(f"\nratio first paint {largest} / {smallest}: {paints[largest] / paints[smallest]:.2f}x\n")

    print(f"filter query (count + first page of 100) at {largest} items, median of 5:")
    for query, ms in filter_times(database(folder, largest)).items():
        print(f"  {ms:7.1f} ms  {query}")

    opened = asyncio.run(compose_open(database(folder, largest)))
    print(f"\nreply screen (r) open with a template filled in, at {largest} items: {opened * 1000:.0f} ms")

    gc.collect()
    count = min(largest, 20_000)
    with tempfile.TemporaryDirectory() as scratch:
        ours = build(Path(scratch) / "ours.db", count)
        raw = raw_insert(Path(scratch) / "raw.db", count)
    print(f"\nsync ingest of {count} items in pages of 100: {count / ours:,.0f} items/s "
          f"(store.save_page: FTS, labels, one transaction per page)")
    print(f"raw sqlite-utils insert_all of the same rows:  {count / raw:,.0f} items/s "
          f"-> ours takes {ours / raw:.1f}x the raw time")


if __name__ == "__main__":
    main()
