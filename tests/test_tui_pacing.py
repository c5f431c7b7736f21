"""One run at a time: requests made during a run become one more run, with the latest."""

from __future__ import annotations

from inbox.tui.pacing import OneAtATime


def test_requests_during_a_run_become_one_run_with_the_latest() -> None:
    started: list[int] = []
    runs = OneAtATime(started.append)
    runs.request(1)
    for value in range(2, 200):  # 198 requests while the first run is under way
        runs.request(value)
    assert started == [1]
    runs.done()
    assert started == [1, 199]
    runs.done()
    assert started == [1, 199]  # nothing asked meanwhile: idle
    runs.request(200)
    assert started == [1, 199, 200]
