"""The starter config `inbox init` writes: commented, loading as it is, with a source of
every channel kind to uncomment, and secrets only ever named (their environment variables).

The text is `starter.toml` beside this module, shipped with the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from inbox.errors import UsageError


def starter_text() -> str:
    return resources.files("inbox.config").joinpath("starter.toml").read_text(encoding="utf-8")


def write_starter(path: Path) -> Path:
    """The starter config at `path`, its folder made if need be; an existing file is never
    replaced (the check and the write are one step, so no race can lose a config).

    Raises:
        UsageError: something is already at `path`, or it cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot make its folder ({exc.strerror or exc})") from None
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(starter_text())
    except FileExistsError:
        raise UsageError(f"{path} already exists and is left as it is: edit it, or give another "
                         "path with --config") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the config ({exc.strerror or exc})") from None
    return path
