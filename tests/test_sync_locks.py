"""One sync at a time per source across the team: a second sync of a source someone is
syncing skips it with one line naming who and since when (or waits with --wait), and a
sync killed mid-way leaves the source free for the next one, on both backends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import pytest

from inbox.store import open_store
from inbox.store.sync_locks import Holder

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _amy() -> Holder:
    """A teammate syncing on this host: a live process (the test runner's parent) stands in
    for theirs, since a lock on this host whose process is gone counts as free."""
    return Holder("amy", socket.gethostname(), os.getppid(), "2026-12-05T11:58:00Z")


def test_a_source_someone_syncs_is_theirs_until_they_are_done(store_location) -> None:
    amy, bob = open_store(store_location), open_store(store_location)
    try:
        amy_holds = _amy()
        assert amy.sync_locks.take("server", amy_holds, now=NOW) is None
        held = bob.sync_locks.take("server", Holder.me("bob", NOW), now=NOW)
        assert held is not None and held.who == "amy" and "since 2026-12-05T11:58:00Z" in held.describe()
        assert bob.sync_locks.take("forum", Holder.me("bob", NOW), now=NOW) is None  # another source is free
        amy.sync_locks.release("server", amy_holds)
        assert bob.sync_locks.take("server", Holder.me("bob", NOW), now=NOW) is None
    finally:
        amy.close()
        bob.close()


_HOLD = textwrap.dedent("""
    import sys, time
    from datetime import UTC, datetime
    from inbox.store import open_store
    from inbox.store.sync_locks import Holder
    store = open_store(sys.argv[1])
    now = datetime.now(UTC)
    assert store.sync_locks.take("server", Holder.me("carol", now), now=now) is None
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_sync_killed_mid_way_leaves_the_source_free(store_location) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store_location)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        store = open_store(store_location)
        try:
            held = store.sync_locks.take("server", Holder.me("dave", NOW), now=NOW)
            assert held is not None and held.who == "carol" and held.pid == holder.pid
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            deadline = time.monotonic() + 5
            while (held := store.sync_locks.take("server", Holder.me("dave", NOW), now=NOW)) is not None:
                assert time.monotonic() < deadline, "the lock outlived the process"
                time.sleep(0.1)
        finally:
            store.close()
    finally:
        if holder.poll() is None:
            holder.kill()


@pytest.mark.parametrize("wait", [False, True])
async def test_sync_skips_or_waits_for_a_source_a_teammate_is_syncing(store_location, wait: bool) -> None:
    from inbox.config import parse
    from inbox.sync import sync_all

    config = parse({"team": {"me": "bob"}, "sources": [
        {"name": "server", "kind": "github", "repo": "a/b", "base_url": "http://127.0.0.1:1"}]})
    amy, bob = open_store(store_location), open_store(store_location)
    amy_holds = _amy()
    assert amy.sync_locks.take("server", amy_holds, now=NOW) is None
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # amy finishes while bob waits
        slept.append(seconds)
        amy.sync_locks.release("server", amy_holds)

    try:
        results = await sync_all(config, bob, now=NOW, sleep=sleep, wait=wait)
        (result,) = results
        if wait:
            assert slept and result.skipped is None and result.error  # it synced (nothing listens there)
        else:
            assert result.skipped and "amy" in result.summary() and result.ok and not slept
    finally:
        amy.close()
        bob.close()
