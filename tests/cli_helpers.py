"""Running the `inbox` command in process, as the CLI tests do."""

from __future__ import annotations

import pytest

from inbox.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`inbox ARGS...` (each made a string): its exit code, stdout and stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err
