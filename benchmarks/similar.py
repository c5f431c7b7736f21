"""The similar posts list at 100 and 100,000 items, on SQLite and on PostgreSQL.

    python benchmarks/similar.py                              # 100 and 100k, SQLite and PostgreSQL
    python benchmarks/similar.py --sizes 100 20000 --keys 100 --backends sqlite
    INBOX_BENCH_POSTGRES=postgresql://postgres@127.0.0.1/postgres python benchmarks/similar.py

What the preview asks for each post it settles on: `Store.similar(key, limit=3)`, timed in
process. The databases are the scale benchmark's (`dataset.py`, cached in
$TMPDIR/inbox-scale/ or --folder), each copied once beside it with pairs of posts planted
in it: the same question asked on two channels in other words (`PAIRS`), so the run also
says how often the other half of a pair comes first. The PostgreSQL database of each size
is `inbox_similar_<size>` on the server (filled once by `inbox db copy`; --rebuild fills
it again).

Measured for each size and backend, over --keys posts picked at random (seeded):
- cold: a store just opened (and connected) for each post, nothing counted yet, as
  `inbox similar` runs;
- warm: one store moving from post to post, as the preview does;
- the planted pairs: the share whose other half is first, and in the top three.
Figures are milliseconds (median, 95th percentile, largest). The goal: within 50 ms at
100,000 items, held to the warm 95th percentile (what the preview shows); the cold figures
say what a new process's first list costs (`inbox similar`, where starting Python takes
longer). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset  # noqa: E402

from inbox.models import Item  # noqa: E402
from inbox.store import Store, open_store  # noqa: E402
from inbox.timeutil import utcnow  # noqa: E402

INBOX = [sys.executable, "-m", "inbox"]
GOAL_MS = 50.0

PAIRS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("Kerberos keytab rejected after rotating the service principal",
      "Since we rotated the service principal, login through Kerberos fails: the keytab is rejected."),
     ("Keytab no longer accepted by Kerberos since the principal rotation",
      "Our Kerberos login broke after rotating the principal. Is a new keytab needed?")),
    (("Outgoing webhooks silently dropped when the payload exceeds 64 KB",
      "Large payloads never reach our endpoint; smaller webhooks arrive fine."),
     ("Webhook payload over 64KB is dropped without any error",
      "When the payload gets big the outgoing webhook just never fires.")),
    (("Apple silicon build of the desktop app is missing from the download page",
      "Only the Intel build is offered for macOS; is there a native arm64 one?"),
     ("Is there a native Apple silicon (arm64) desktop build?",
      "The download page lists an Intel build only. Rosetta works but is sluggish.")),
    (("Markdown tables render as plain pipes in the mobile app",
      "Tables show correctly on desktop but the phone shows raw pipe characters."),
     ("Mobile app does not render Markdown tables",
      "On iPhone a message with a table shows the pipes instead of a table.")),
    (("Bulk import from Rocket.Chat loses thread replies",
      "After importing our Rocket.Chat export, every thread reply became a top-level post."),
     ("Rocket.Chat migration flattens threads",
      "We migrated from Rocket.Chat and the imported threads are gone: replies are top-level.")),
    (("Emoji reactions missing after restoring a backup",
      "We restored last night's backup onto a new host and every reaction disappeared."),
     ("Backup restore drops all emoji reactions",
      "Restoring from backup worked except that the reactions on posts are missing.")),
    (("Guest users can see the member directory",
      "Guests should not browse the directory, but they can list every member."),
     ("Member directory visible to guest accounts",
      "A guest account can open the directory and see all members. Privacy problem for us.")),
    (("Daylight saving change shifts scheduled reminders by one hour",
      "Every reminder set before the clocks changed now fires an hour late."),
     ("Reminders fire an hour late since the daylight saving switch",
      "After the clocks moved, all scheduled reminders are off by exactly one hour.")),
    (("Screen reader announces every typing indicator",
      "With VoiceOver on, each typing indicator is read aloud, which makes the app unusable."),
     ("VoiceOver reads typing indicators aloud constantly",
      "Accessibility: the typing indicator is announced by the screen reader again and again.")),
    (("Corporate proxy with NTLM authentication blocks the desktop sign-in",
      "Behind our NTLM proxy the desktop app never reaches the sign-in page."),
     ("Desktop app cannot sign in through an NTLM proxy",
      "Our company proxy uses NTLM and the desktop client fails before the login screen.")),
)
"""The same question asked twice, in other words: planted on two channels each."""
PAIR_SOURCES = (("server", "github"), ("forum", "discourse"), ("so", "stackexchange"), ("slack", "slack"),
                ("helpdesk", "zendesk"))


# --- databases ---------------------------------------------------------------------------------


def planted(path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """A copy of the scale database with the pairs planted (made once, cached beside it),
    and the pairs' keys."""
    target = path.with_name(path.stem + "-similar.db")
    keys = []
    items = []
    now = utcnow().replace(second=0, microsecond=0)
    for index, (first, second) in enumerate(PAIRS):
        made = []
        for half, (title, body) in enumerate((first, second)):
            source, kind = PAIR_SOURCES[(index + half * 2) % len(PAIR_SOURCES)]
            number = f"90{index:03d}{half}"
            made.append(f"{source}:{number}")
            items.append(Item(source=source, kind=kind, external_id=number, url=f"https://example.org/{number}",
                              title=title, body=body, author="pair-asker", author_is_staff=False,
                              created_at=now - timedelta(days=index + 1, hours=half),
                              last_activity_at=now - timedelta(days=index, hours=half)))
        keys.append((made[0], made[1]))
    if target.exists():
        return target, keys
    scratch = target.with_suffix(".copying")
    with sqlite3.connect(path) as source, sqlite3.connect(scratch) as copy:
        source.backup(copy)
    store = Store(scratch)
    try:
        for item in items:
            store.save_page(item.source, [item])
    finally:
        store.close()
    scratch.rename(target)
    return target, keys


def server_database(size: int, sqlite_path: Path, *, rebuild: bool) -> str:
    """`inbox_similar_<size>` on the server, filled from the SQLite database when new."""
    import team

    return team.server_database(size, sqlite_path, rebuild=rebuild, name=f"inbox_similar_{size}",
                                items=size + 2 * len(PAIRS))


# --- measuring ---------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(where: str | Path, keys: list[str], pairs: list[tuple[str, str]]) -> dict[str, object]:
    now = utcnow()
    cold = []
    for key in keys[: max(1, len(keys) // 5)]:  # a fresh store per post: nothing counted yet
        store = open_store(where)
        try:
            store.etag("")  # connected: what is timed is the similar list
            cold.append(timed(lambda: store.similar(key, now=now)))
        finally:
            store.close()
    store = open_store(where)
    try:
        store.similar(keys[0], now=now)  # the connection and the server's statistics, once
        warm = [timed(lambda: store.similar(key, now=now)) for key in keys]
        first = top = 0
        for one, other in pairs:
            for asked, answer in ((one, other), (other, one)):
                found = [row["key"] for row in store.similar(asked, now=now) or []]
                first += bool(found) and found[0] == answer
                top += answer in found
    finally:
        store.close()
    return {"cold": cold, "warm": warm, "first": first / (2 * len(pairs)), "top3": top / (2 * len(pairs))}


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):6.1f} {p95:6.1f} {ordered[-1]:6.1f}"


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 100_000])
    parser.add_argument("--keys", type=int, default=300, help="posts measured per size (default %(default)s)")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "inbox-scale",
                        help="where the databases are cached (default %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    args = parser.parse_args()
    config = dataset.write_config(args.folder / "scale.toml")
    print(f"inbox checkout {ROOT}; Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} cores; milliseconds: median, 95th percentile, largest")
    rows = []
    for size in sorted(set(args.sizes)):
        _progress(f"{size:,} items: database")
        made = dataset.database(args.folder, size, config, rebuild=args.rebuild)
        if args.rebuild:
            made.path.with_name(made.path.stem + "-similar.db").unlink(missing_ok=True)
        path, pairs = planted(made.path)
        store = Store(path)
        try:
            every = [row[0] for row in store.db.conn.execute("SELECT key FROM items ORDER BY key")]
        finally:
            store.close()
        keys = random.Random(size).sample(every, min(args.keys, len(every)))
        for backend in args.backends:
            where: str | Path = path
            if backend == "postgres":
                if shutil.which("psql") is None and not os.environ.get("INBOX_BENCH_POSTGRES"):
                    _progress("  (no psql found: trying the server anyway)")
                where = server_database(size, path, rebuild=args.rebuild)
            _progress(f"{size:,} items: {backend}")
            result = measure(where, keys, pairs)
            rows.append((size, backend, result))
    print()
    print(f"{'items':>9} {'backend':<9} {'cold (ms)':>20}   {'warm (ms)':>20}   pair first  top 3   "
          f"goal ≤{GOAL_MS:.0f} ms")
    for size, backend, result in rows:
        warm, cold = result["warm"], result["cold"]
        ordered = sorted(warm)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        ok = "ok" if p95 <= GOAL_MS else "MISS"
        print(f"{size:>9,} {backend:<9} {_figures(cold)}   {_figures(warm)}   {result['first']:9.0%}  "
              f"{result['top3']:5.0%}   {ok}")


if __name__ == "__main__":
    main()
