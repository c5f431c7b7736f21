"""The inbox at 100, 100,000 and 1,000,000 items, side by side in one run.

    python benchmarks/scale.py                          # 100, 100k and 1M items, median of 3
    python benchmarks/scale.py --sizes 100 20000 --runs 1
    python benchmarks/scale.py --rebuild                # build the databases again

This is the benchmark entry point. It measures the checkout it lives in (the `inbox`
package next to this folder, run as `python -m inbox`), at each size, on databases shaped
like a real community's (`dataset.py`; cached in $TMPDIR/inbox-scale/ with the config
they are run with):

- the TUI in a real terminal, driven through tmux at 160x50 (`terminal.py`): open to
  first rows, busy until idle after that, j/g/G, a burst of 200 j right after the first
  rows, the filter bar, peak RSS;
- whole CLI commands as a user runs them: sweep, stats, people, list (wall time, peak
  RSS, output size);
- in process, what the TUI asks the store for: each sidebar view's count and first page,
  and the SLA refresh that runs after the first rows;

and once, sync ingest: `Store.save_page` in pages of 100 against a bare sqlite-utils
`insert_all` of the same rows. It ends with one table of every figure at every size, the
ratio to the smallest size, and the goal it is held to. Timings are medians of --runs.
Every measurement gives up after --timeout seconds and says "timeout", so a run always
finishes. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dataset
import terminal

from inbox.models import Item, Reply
from inbox.query import INBOX_QUERY
from inbox.store import Store, open_store
from inbox.timeutil import iso, utcnow

INBOX = [sys.executable, "-m", "inbox"]
CHILD_ENV = {"PYTHONPATH": str(ROOT)}
"""The inbox under test is this checkout's, whatever the environment has installed."""
FILTER = "replies:0 age:>=2d -label:bug"
BURST = 200
PRESSES = 3
CLI: dict[str, list[str]] = {
    "sweep": ["sweep"], "stats": ["stats"], "people": ["people"],
    "list --limit 50": ["list", "--limit", "50"], "list": ["list"],
}


# --- results ------------------------------------------------------------------------------

@dataclass
class Goal:
    """What the issue asks of a figure: at most `limit` at every size, or at the largest
    size at most `ratio` times the smallest size's."""

    text: str
    limit: float | None = None
    ratio: float | None = None

    def met(self, values: dict[int, float]) -> bool | None:
        known = {size: value for size, value in values.items() if not math.isnan(value)}
        if len(known) < len(values) or not known:
            return None
        if self.limit is not None:
            return max(known.values()) <= self.limit
        smallest, largest = known[min(known)], known[max(known)]
        return largest / smallest <= self.ratio if smallest > 0 else None


@dataclass
class Figure:
    name: str
    unit: str  # "s", "ms", "MB" or "KB"; values are kept in s, MB and KB
    goal: Goal | None = None
    missing: str = "n/a"
    """What a size without samples shows."""
    samples: dict[int, list[float]] = field(default_factory=dict)
    why: dict[int, str] = field(default_factory=dict)
    """Per size, what an infinite value means when it is not a timeout."""

    def add(self, size: int, *values: float) -> None:
        self.samples.setdefault(size, []).extend(values)

    def value(self, size: int) -> float:
        samples = self.samples.get(size)
        return statistics.median(samples) if samples else math.nan

    def cell(self, size: int) -> str:
        value = self.value(size)
        if math.isnan(value):
            return self.missing
        if math.isinf(value):
            return self.why.get(size, "timeout")
        return _number(value * 1000 if self.unit == "ms" else value)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


class Results:
    """Every figure in the order the table prints them."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        self.notes: list[str] = []

    def figure(self, name: str, unit: str, goal: Goal | None = None) -> Figure:
        if name not in self.figures:
            self.figures[name] = Figure(name, unit, goal)
        return self.figures[name]


# --- the TUI ------------------------------------------------------------------------------

def inbox_keys(path: Path | str, count: int) -> list[str]:
    """The first `count` keys of the Inbox view, in the list's order."""
    store = open_store(path)
    try:
        return [row["key"] for row in store.list_items(INBOX_QUERY, now=utcnow(), me=dataset.ME, limit=count)]
    finally:
        store.close()


TUI_FIGURES: dict[str, tuple[str, str, Goal]] = {
    # what terminal.session measures: (the table's label, unit, goal)
    "open": ("TUI open → first rows", "s", Goal("≤1.5x of smallest", ratio=1.5)),
    "idle": ("TUI first rows → idle", "s", Goal("≤2 s", limit=2)),
    "rss": ("TUI peak RSS once idle", "MB", Goal("≤1.5x of smallest", ratio=1.5)),
    **{f"{key} {what}": (f"{key} → {said}", "ms", Goal("<50 ms", limit=0.05))
       for key in ("j", "g", "G")
       for what, said in (("change", "screen changes"), ("preview", "preview shows the item"))},
    "filter": (f"filter {FILTER!r} → rows", "s", Goal("≤2x of smallest", ratio=2)),
}


def measure_tui(results: Results, size: int, db: Path | str, config: Path, runs: int, timeout: float) -> None:
    command = [*INBOX, "--config", str(config), "--db", str(db)]
    for label, unit, goal in TUI_FIGURES.values():  # the table's order, whatever a run reaches
        results.figure(label, unit, goal)
    burst = results.figure(f"{BURST} j right after first rows", "s", Goal("≤2 s", limit=2))

    keys = inbox_keys(db, BURST + 1)
    target = keys[min(BURST, len(keys) - 1)] if keys else None
    for run in range(runs):
        figures = terminal.session(command, CHILD_ENV, presses=PRESSES, query=FILTER, timeout=timeout)
        for name, samples in figures.items():
            results.figure(*TUI_FIGURES[name]).add(size, *samples)
        if target is None:
            continue
        seconds, shown = terminal.burst(command, CHILD_ENV, count=BURST, target=target, timeout=timeout)
        burst.add(size, seconds)
        if math.isinf(seconds) and shown is not None:
            row = keys.index(shown) if shown in keys else "?"
            burst.why[size] = "keys lost"
            results.notes.append(f"{size:,} items, run {run + 1}: after {BURST} j the cursor rests on "
                                 f"row {row} ({shown}), not row {keys.index(target)} ({target})")
        _progress(f"  TUI run {run + 1}: " + ", ".join(
            f"{name} {_number(statistics.median(values))}" for name, values in figures.items())
            + f", burst {_number(seconds) if math.isfinite(seconds) else 'not reached'}")


# --- the CLI ------------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_mb: float
    output_kb: float
    code: int
    error: str


def run_cli(args: Sequence[str], timeout: float) -> Run:
    """One whole command, output to a file as when piped; its own peak RSS, as GNU time
    reports it (wait4's counts the memory of this process the child was forked from)."""
    env = {**os.environ, **CHILD_ENV, "COLUMNS": "160"}  # as wide as the TUI's terminal
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        timer = ["/usr/bin/time", "-f", "%M", "-o", peak.name] if Path("/usr/bin/time").exists() else []
        start = time.perf_counter()
        process = subprocess.Popen([*timer, *INBOX, *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env=env, start_new_session=True)
        killer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))  # time and the inbox
        killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        said = err.read().decode(errors="replace").strip().splitlines()
        timed_out = process.returncode == -9 and seconds >= timeout
        reported = peak.read().split()
        peak_kb = int(reported[-1]) if reported and reported[-1].isdigit() else usage.ru_maxrss
        return Run(math.inf if timed_out else seconds, peak_kb / 1024, out.tell() / 1024,
                   process.returncode, said[-1] if said else "")


def measure_cli(results: Results, size: int, db: Path, config: Path, runs: int, timeout: float) -> None:
    for name, args in CLI.items():
        wall = results.figure(f"inbox {name}", "s", Goal("<1 s", limit=1))
        peak = results.figure(f"inbox {name}: peak RSS", "MB")
        output = results.figure(f"inbox {name}: output", "KB")
        for _ in range(runs):
            done = run_cli(["--config", str(config), "--db", str(db), *args], timeout)
            failed = done.code != 0 and math.isfinite(done.seconds)
            wall.add(size, math.inf if failed else done.seconds)  # a failure is no figure, and no goal met
            peak.add(size, done.peak_mb)
            output.add(size, done.output_kb)
            if failed:
                wall.why[size] = f"exit {done.code}"
                results.notes.append(f"{size:,} items: `inbox {name}` exited {done.code}: {done.error}")
        _progress(f"  inbox {name}: {wall.cell(size)} s, {peak.cell(size)} MB, {output.cell(size)} KB")


# --- the store, in process ------------------------------------------------------------------

def timed(function: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure_store(results: Results, size: int, db: Path | str, config_path: Path, runs: int) -> None:
    """What the TUI asks the store for when it opens: each sidebar view's count and
    first page (the Inbox also with the filter), and the SLA refresh."""
    from inbox.sources.registry import load_config
    from inbox.store.sweeps import define as define_sweeps
    from inbox.views import all_views
    from inbox.workspace import Workspace

    config = load_config(config_path)
    store = open_store(db)
    store.sweeps = define_sweeps(config)  # the sweep views read the config's sweeps
    try:
        now = utcnow()
        queries = {view.name: view.query for view in all_views(config)}
        queries["Inbox + filter"] = f"{INBOX_QUERY} {FILTER}"
        for name, query in queries.items():
            def page(query: str = query) -> None:
                store.count(query, now=now, me=config.team.me)
                store.list_items(query, now=now, me=config.team.me, limit=100)
            results.figure(f"view {name}: count + first 100", "ms").add(size, timed(page, runs))
        results.figure("SLA refresh (runs after first rows)", "ms").add(
            size, timed(Workspace(config, store).refresh_sla, runs))
    finally:
        store.close()


# --- sync ingest ----------------------------------------------------------------------------

ITEM_COLUMNS = {"key": str, "source": str, "kind": str, "external_id": str, "url": str, "title": str,
                "body": str, "author": str, "author_is_staff": int, "created_at": str,
                "last_activity_at": str, "replies": int, "last_reply_by_staff": int, "answered": int,
                "state": str, "labels": str, "synced_at": str}
REPLY_COLUMNS = {"key": str, "reply_id": str, "author": str, "author_is_staff": int, "created_at": str,
                 "body": str}


def _item_row(item: Item, synced: str) -> dict[str, Any]:
    return {"key": item.key, "source": item.source, "kind": item.kind, "external_id": item.external_id,
            "url": item.url, "title": item.title, "body": item.body, "author": item.author,
            "author_is_staff": int(item.author_is_staff), "created_at": iso(item.created_at),
            "last_activity_at": iso(item.last_activity_at), "replies": item.replies,
            "last_reply_by_staff": None if item.last_reply_by_staff is None else int(item.last_reply_by_staff),
            "answered": int(item.answered), "state": item.state, "labels": json.dumps(item.labels),
            "synced_at": synced}


def _reply_rows(key: str, thread: list[Reply]) -> list[dict[str, Any]]:
    return [{"key": key, "reply_id": r.external_id, "author": r.author, "author_is_staff": int(r.author_is_staff),
             "created_at": iso(r.created_at), "body": r.body} for r in thread]


Pages = list[tuple[str, list[Item], dict[str, list[Reply]]]]


def ingest_store(folder: Path, pages: Pages, synced: Any) -> float:
    store = Store(folder / "store.db")
    start = time.perf_counter()
    for source, items, streamed in pages:
        store.save_page(source, items, replies=streamed or None, synced_at=synced)
    seconds = time.perf_counter() - start
    store.close()
    return seconds


def ingest_bare(folder: Path, pages: Pages, synced: Any, *, fts: bool) -> float:
    """The same rows with sqlite-utils `insert_all`, a page at a time, in WAL with
    synchronous=NORMAL as the store runs; rows prepared beforehand."""
    import sqlite_utils

    db = sqlite_utils.Database(folder / f"bare-{fts}.db")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db["items"].create(ITEM_COLUMNS, pk="key")
    db["thread"].create(REPLY_COLUMNS, pk=("key", "reply_id"))
    if fts:
        db["items"].enable_fts(["title", "body", "author"], create_triggers=True, tokenize="unicode61")
    stamp = iso(synced)
    prepared = [([_item_row(item, stamp) for item in items],
                 [row for item in items for row in _reply_rows(item.key, item.thread or [])]
                 + [row for key, thread in streamed.items() for row in _reply_rows(key, thread)])
                for _, items, streamed in pages]
    start = time.perf_counter()
    for item_rows, reply_rows in prepared:
        db["items"].insert_all(item_rows, pk="key")
        db["thread"].insert_all(reply_rows, pk=("key", "reply_id"))
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def measure_ingest(count: int, runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds to store `count` items (and their threads) by each way, median of runs; and
    the median of each run's ratio of the store to a way. The ways take turns within a run,
    so a machine busier in one minute than the next weighs on all of them alike."""
    now = utcnow().replace(microsecond=0)
    pages = list(dataset.Generator(count, now).pages(100))
    ways: dict[str, Callable[[Path], float]] = {
        "Store.save_page": lambda folder: ingest_store(folder, pages, now),
        "insert_all, plain table": lambda folder: ingest_bare(folder, pages, now, fts=False),
        "insert_all, with FTS5 triggers": lambda folder: ingest_bare(folder, pages, now, fts=True),
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for run in range(runs):
        for name, way in ways.items():
            with tempfile.TemporaryDirectory() as scratch:
                samples[name].append(way(Path(scratch)))
        _progress(f"  run {run + 1}: " + ", ".join(f"{name} {count / samples[name][-1]:,.0f} items/s"
                                                    for name in ways))
    ours = samples["Store.save_page"]
    ratios = {name: statistics.median(mine / theirs for mine, theirs in zip(ours, their))
              for name, their in samples.items() if name != "Store.save_page"}
    return {name: statistics.median(values) for name, values in samples.items()}, ratios


# --- output ---------------------------------------------------------------------------------

def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _label(size: int) -> str:
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{name}"
    return str(size)


def print_table(results: Results, sizes: list[int]) -> None:
    smallest, others = sizes[0], sizes[1:]
    width = max(len(f"{f.name} ({f.unit})") for f in results.figures.values())
    header = [f"{'figure':<{width}}", *(f"{_label(s):>10}" for s in sizes),
              *(f"{_label(s) + '/' + _label(smallest):>10}" for s in others), "  goal"]
    print("".join(header))
    print("-" * (len("".join(header)) + 22))
    for figure in results.figures.values():
        cells = [f"{figure.name + ' (' + figure.unit + ')':<{width}}"]
        cells += [f"{figure.cell(size):>10}" for size in sizes]
        for size in others:
            base, value = figure.value(smallest), figure.value(size)
            ratio = value / base if base and math.isfinite(base) and not math.isnan(value) else math.nan
            cells.append(f"{'n/a' if math.isnan(ratio) else 'inf' if math.isinf(ratio) else f'{ratio:.2f}x':>10}")
        if figure.goal:
            met = figure.goal.met({size: figure.value(size) for size in sizes})
            cells.append(f"  {figure.goal.text:<18} {'?' if met is None else 'ok' if met else 'MISS'}")
        print("".join(cells))


def print_ingest(measured: tuple[dict[str, float], dict[str, float]], count: int) -> None:
    seconds, ratios = measured
    print(f"\nsync ingest of {count:,} items with their replies, pages of 100 (median):")
    for name, value in seconds.items():
        print(f"  {name:<32} {count / value:>9,.0f} items/s  {value:6.2f} s")
    for name, ratio in ratios.items():
        print(f"  Store.save_page / {name:<32} {ratio:5.2f}x (median of each run's ratio)   "
              f"goal ≤2x  {'ok' if ratio <= 2 else 'MISS'}")


PARTS = ("tui", "cli", "store", "ingest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--timeout", type=float, default=terminal.TIMEOUT,
                        help="seconds before a measurement gives up (default %(default)s)")
    parser.add_argument("--ingest", type=int, default=20_000, metavar="ITEMS",
                        help="items stored by the ingest comparison (default %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="build the databases even if cached")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS),
                        help="measure only these parts (default: all)")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    if shutil.which("tmux") is None:
        sys.exit("scale.py needs tmux for the TUI figures: apt-get install -y tmux")

    folder = Path(tempfile.gettempdir()) / "inbox-scale"
    config = dataset.write_config(folder / "scale.toml")
    print(f"inbox checkout {ROOT}; Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} cores; medians of {args.runs} run(s)")
    print(f"config {config}")
    results = Results()
    build = results.figure("database build (once, cached)", "s")
    migration = results.figure("database migration, this run", "s")
    migration.missing = "none"
    databases = {}
    for size in sizes if set(args.only) - {"ingest"} else ():  # the ingest makes its own
        _progress(f"{size:,} items: database")
        made = dataset.database(folder, size, config, rebuild=args.rebuild)
        databases[size] = made.path
        work = f"{made.how} in {made.seconds:.1f} s" if made.seconds is not None else made.how
        print(f"database {made.path} ({made.path.stat().st_size / 2**20:,.0f} MB, {work})", flush=True)
        if made.build_seconds is not None:
            build.add(size, made.build_seconds)
        if made.how.startswith("migrated"):
            migration.add(size, made.seconds)
    for size in sizes:
        if "tui" in args.only:
            _progress(f"{size:,} items: TUI")
            measure_tui(results, size, databases[size], config, args.runs, args.timeout)
        if "cli" in args.only:
            _progress(f"{size:,} items: CLI")
            measure_cli(results, size, databases[size], config, args.runs, args.timeout)
        if "store" in args.only:
            _progress(f"{size:,} items: store")
            measure_store(results, size, databases[size], config, args.runs)
    ingest = None
    if "ingest" in args.only:
        _progress("ingest")
        ingest = measure_ingest(args.ingest, args.runs)

    print()
    print_table(results, sizes)
    if ingest is not None:
        print_ingest(ingest, args.ingest)
    if results.notes:
        print("\nnotes:")
        for note in results.notes:
            print(f"  {note}")


if __name__ == "__main__":
    main()
