"""Markdown files with YAML front matter, the form playbooks and reply templates share.

Errors say `file:line: what is wrong`, counting lines in the file, so a broken file costs
its author one read. Bundled files ship inside the package; run in place from a source
checkout, the repo's own folder is used.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from inbox.errors import UsageError


class FrontMatterError(ValueError):
    """A file that cannot be used, said as `file:line: what is wrong`."""


@dataclass(frozen=True)
class Document:
    front: dict[str, Any]
    body: str
    """The Markdown after the front matter."""
    body_line: int
    """The file line the body starts on."""
    where: str
    front_lines: tuple[str, ...]

    def fail(self, key: str, message: str) -> FrontMatterError:
        """An error pointing at the front matter line that sets `key`."""
        return FrontMatterError(f"{self.where}:{self.key_line(key)}: {key}: {message}")

    def key_line(self, key: str) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
        for index, line in enumerate(self.front_lines):
            if pattern.match(line):
                return index + 2
        return 1

    def text(self, key: str, *, required: str | None = None) -> str:
        """A one-line text field; `required` is the reason given when it is missing."""
        value = self.front.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(key, f"missing ({required})")
            return ""
        if isinstance(value, (dict, list)):
            raise self.fail(key, f"must be text, not {type(value).__name__}")
        return " ".join(str(value).split())

    def words(self, key: str, *, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of short words (`[a, b]` or `a, b`), lowercased, checked against `allowed`."""
        value = self.front.get(key)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            value = [part for part in value.split(",")]
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            raise self.fail(key, "must be a list like [a, b]")
        words = tuple(dict.fromkeys(str(v).strip().lower() for v in value if str(v).strip()))
        if allowed is not None:
            for word in words:
                if word not in allowed:
                    raise self.fail(key, f"{word!r} is not one of {', '.join(allowed)}")
        return words


def parse_document(text: str, where: str) -> Document:
    """Split front matter from body. Raises FrontMatterError."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(f"{where}:1: no front matter: the file must start with a line '---'")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise FrontMatterError(f"{where}:1: the front matter is never closed with a line '---'") from None
    front_lines = lines[1:close]
    try:
        front = yaml.safe_load("\n".join(front_lines))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        problem = exc.problem or exc.context or "not valid YAML"
        raise FrontMatterError(f"{where}:{line}: front matter: {problem}") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"{where}:1: front matter: {exc}") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise FrontMatterError(f"{where}:2: front matter must be key: value lines")
    return Document(front=front, body="\n".join(lines[close + 1:]), body_line=close + 2,
                    where=where, front_lines=tuple(front_lines))


def bundled_folder(package: str, repo_folder: str) -> Path:
    """Where files shipped with the package live: the package `package` when installed
    (editable or not), else the repo's own `repo_folder` when run in place."""
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / repo_folder


def load_folders(folders: list[Path], load: Callable[[Path], Any], what: str
                 ) -> tuple[dict[str, Any], list[str]]:
    """Every `*.md` in the folders, in order (a later file of the same name wins), each
    through `load(path)`; a file it refuses is one warning line and the rest still load."""
    found: dict[str, Any] = {}
    warnings: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            warnings.append(f"{folder}: {what} folder not found")
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                loaded = load(path)
            except FrontMatterError as exc:
                warnings.append(str(exc))
                continue
            found[loaded.name] = loaded
    return found, warnings


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrontMatterError(f"{path}: cannot read: {exc}") from None


def lookup(found: Mapping[str, Any], name: str, what: str) -> Any:
    """The entry called `name` (its file stem, or its title), case-insensitively.

    Raises:
        UsageError: none is called that; the message suggests the closest names.
    """
    wanted = name.strip().lower().removesuffix(".md")
    if wanted in found:
        return found[wanted]
    by_title = {entry.title.lower(): entry for entry in found.values()}
    if wanted in by_title:
        return by_title[wanted]
    close = difflib.get_close_matches(wanted, [*found, *by_title], n=3, cutoff=0.5)
    close = list(dict.fromkeys(by_title[c].name if c in by_title else c for c in close))
    hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(sorted(found)) or 'none'}"
    raise UsageError(f"no {what} named {name!r}; {hint}")
