"""A team's inbox on PostgreSQL, side by side with SQLite, and ten teammates at once.

    python benchmarks/team.py                                # 100 and 100k items, median of 3
    python benchmarks/team.py --sizes 100 20000 --runs 1 --clients 4 --seconds 10
    INBOX_BENCH_POSTGRES=postgresql://postgres@127.0.0.1/postgres python benchmarks/team.py

The server is `$INBOX_BENCH_POSTGRES` (default: the loopback one, user postgres); each
size gets a database of its own there (`inbox_bench_<size>`), filled once by
`inbox db copy` from the SQLite database `scale.py` builds, and kept for later runs
(`--rebuild` fills it again). Measured, for each size on both backends:

- the TUI in a real terminal (tmux, as `scale.py` drives it): open to first rows, j/g/G,
  the filter bar;
- in process, each built-in view's count and first page (what the sidebar and list ask);

then, on the largest size's server database, `--clients` processes each triaging a
random post once a second for `--seconds`: every write's time, errors (a deadlock would
be one), and at the end whether every write is in the history and each post holds the
last value written to it. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset  # noqa: E402
import scale  # noqa: E402

from inbox.query import INBOX_QUERY  # noqa: E402
from inbox.store import open_store  # noqa: E402
from inbox.timeutil import utcnow  # noqa: E402

SERVER = os.environ.get("INBOX_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TYPES = ("bug", "feature", "question", "troubleshooting")


def server_database(size: int, sqlite_path: Path, *, rebuild: bool, name: str | None = None,
                    items: int | None = None) -> str:
    """The size's database on the server (`name`, else `inbox_bench_<size>`), filled from
    the SQLite one unless it already holds its `items` (else `size`) posts."""
    import psycopg

    name = name or f"inbox_bench_{size}"
    url = urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))
    with psycopg.connect(SERVER, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    store = open_store(url)
    try:
        filled = store.item_count() == (size if items is None else items)
    finally:
        store.close()
    if not filled:
        scale._progress(f"  copying {size:,} items into {url}")
        start = time.perf_counter()
        code = subprocess.run([*scale.INBOX, "--db", str(sqlite_path), "db", "copy", "--to", url],
                              env={**os.environ, **scale.CHILD_ENV}, stdout=subprocess.DEVNULL).returncode
        if code != 0:
            raise SystemExit(f"inbox db copy into {url} failed ({code})")
        scale._progress(f"  copied in {time.perf_counter() - start:.0f} s")
    return url


# --- ten teammates ---------------------------------------------------------------------------

def client(url: str, seconds: float, seed: str, keys: list[str]) -> None:
    """One teammate: a triage a second on a random post (a note only this write says, so
    each write is one entry in the history); prints its writes as JSON."""
    store = open_store(url)
    rng = random.Random(seed)
    writes, errors = [], []
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while next_at < deadline:
        time.sleep(max(0.0, next_at - time.monotonic()))
        key, note = rng.choice(keys), f"client{seed}-{len(writes) + len(errors)}"
        start = time.perf_counter()
        try:
            store.set_triage([key], {"note": note}, now=utcnow(), by=f"client{seed}")
            writes.append((key, note, time.perf_counter() - start))
        except Exception as exc:  # noqa: BLE001 - counted and shown: a deadlock would be one
            errors.append(f"{type(exc).__name__}: {exc}")
        next_at += 1.0
    store.close()
    print(json.dumps({"writes": writes, "errors": errors}))


def load(url: str, clients: int, seconds: float) -> dict[str, float | str]:
    """`clients` teammates at once; then whether every write is in the history and each
    post holds the last note written to it (the last write wins)."""
    store = open_store(url)
    keys = [row["key"] for row in store.list_items(INBOX_QUERY, now=utcnow(), limit=40)]
    store.close()
    run = f"{time.time():.0f}"
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "keys.json"
        listing.write_text(json.dumps(keys))
        procs = [subprocess.Popen([sys.executable, __file__, "--client", url, "--seconds", str(seconds),
                                   "--seed", f"{run}-{n}", "--keys", str(listing)],
                                  stdout=subprocess.PIPE, text=True, env={**os.environ, **scale.CHILD_ENV})
                 for n in range(clients)]
        outputs = [json.loads(proc.communicate()[0]) for proc in procs]
    writes = [w for out in outputs for w in out["writes"]]
    errors = [e for out in outputs for e in out["errors"]]
    latencies = sorted(w[2] for w in writes)
    written = {note for _, note, _ in writes}
    store = open_store(url)
    try:
        recorded, diverged = set(), 0
        rows = store.triage_rows(keys)
        for key in keys:
            notes = [c.new for c in store.history.of(key) if c.field == "note" and c.new in written]
            recorded.update(notes)
            if notes and (rows[key] or {}).get("note") != notes[-1]:
                diverged += 1
    finally:
        store.close()
    return {"writes": len(writes), "errors": len(errors), "lost (not in history)": len(written - recorded),
            "posts not on last write": diverged,
            "p50 ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
            "p95 ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
            "max ms": 1000 * latencies[-1] if latencies else float("nan"),
            "first error": errors[0] if errors else "-"}


# --- full text -------------------------------------------------------------------------------

SEARCHES = ("webhook", '"upgrade fails"', "webhook is:open -is:done")
"""Bare words match as prefixes, phrases exactly (FTS5 on SQLite, tsvector and GIN on
PostgreSQL)."""


def measure_search(results: scale.Results, size: int, where: Path | str, runs: int) -> None:
    store = open_store(where)
    try:
        now = utcnow()
        for query in SEARCHES:
            def search(query: str = query) -> None:
                store.count(query, now=now)
                store.page(query, now=now, limit=100)
            results.figure(f"search {query}: count + first 100", "ms").add(size, scale.timed(search, runs))
    finally:
        store.close()


# --- the run -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-tui", action="store_true", help="only the store and the load")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--seed", default="0", help=argparse.SUPPRESS)
    parser.add_argument("--keys", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client, args.seconds, args.seed, json.loads(Path(args.keys).read_text()))
        return

    folder = Path(tempfile.gettempdir()) / "inbox-scale"
    folder.mkdir(exist_ok=True)
    config = dataset.write_config(folder / "scale.toml")
    results = {backend: scale.Results() for backend in ("SQLite", "PostgreSQL")}
    largest_url = None
    for size in args.sizes:
        scale._progress(f"{size:,} items")
        path = dataset.database(folder, size, config, rebuild=args.rebuild).path
        url = server_database(size, path, rebuild=args.rebuild)
        largest_url = url
        for backend, where in (("SQLite", path), ("PostgreSQL", url)):
            if not args.skip_tui:
                scale.measure_tui(results[backend], size, where, config, args.runs, args.timeout)
            scale.measure_store(results[backend], size, where, config, args.runs)
            measure_search(results[backend], size, where, args.runs)
    for backend, result in results.items():
        print(f"\n{backend}")
        scale.print_table(result, args.sizes)
    if largest_url and args.clients:
        scale._progress(f"{args.clients} clients, a triage a second each, for {args.seconds:.0f} s")
        figures = load(largest_url, args.clients, args.seconds)
        print(f"\n{args.clients} clients triaging once a second for {args.seconds:.0f} s "
              f"on {args.sizes[-1]:,} items (PostgreSQL over loopback):")
        for name, value in figures.items():
            print(f"  {name:<16} {value:.1f}" if isinstance(value, float) else f"  {name:<16} {value}")
        ok = (figures["errors"] == 0 and figures["lost (not in history)"] == 0
              and figures["posts not on last write"] == 0 and figures["p95 ms"] < 100)
        print(f"  goal: no lost write, no deadlock, p95 < 100 ms: {'ok' if ok else 'MISS'}")


if __name__ == "__main__":
    main()
