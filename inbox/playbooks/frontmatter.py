"""Markdown files with YAML front matter, the form playbooks and reply templates share.

Errors say `file:line: what is wrong`, counting lines in the file, so a broken file costs
its author one read. Bundled files ship inside the package; run in place from a source
checkout, the repo's own folder is used.

A user folder may hold anything, so reading is bounded: the file's size, the front
matter's size and nesting, and no YAML anchors or aliases (a few hundred bytes of them
expand to gigabytes). Whatever a file holds, loading it either works or raises
FrontMatterError, which costs that file alone.
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
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from inbox.errors import UsageError

MAX_FILE_BYTES = 64 * 1024
"""Over ten times the longest bundled playbook, and small enough that even hostile
Markdown renders in well under a second."""
MAX_FRONT_CHARS = 16 * 1024
"""Far beyond any real front matter, and small enough that parsing it stays quick."""
MAX_DEPTH = 20
"""Real front matter nests three deep (schedule, entry, key); PyYAML recurses per level."""
MAX_INT = 2**63 - 1
"""Whole numbers stay within what dates, durations and display can take."""


class FrontMatterError(ValueError):
    """A file that cannot be used, said as `file:line: what is wrong`."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases, bounds nesting, and turns a value
    that cannot be built (a date like 2026-13-45, a number too large) into a marked error."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ComposerError(None, None, "anchors and aliases (&name, *name) are not allowed",
                                event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # PyYAML's builders fail in many ways: 2026-13-45 a ValueError,
            # `!!bool maybe` a KeyError, `!!timestamp nope` an AttributeError
            what = "date or time" if node.tag.endswith(":timestamp") else "value"
            problem = f"{_named(node)} is not a valid {what}"
            if isinstance(exc, (ValueError, ArithmeticError)):  # these say why: "month must be in 1..12"
                problem += f" ({shorten(' '.join(str(exc).split()), 80)})"
            raise ConstructorError(None, None, problem, node.start_mark) from None

    def construct_yaml_str(self, node):
        """Text as a terminal and a file can take it: a `"\\ud83d\\ude00"` escape pair joined
        into its character, a lone half of one refused rather than failing every print."""
        value = super().construct_yaml_str(node)
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise ConstructorError(None, None, "text with a lone surrogate (a \\ud800-\\udfff escape) "
                                   "is not valid", node.start_mark) from None

    def construct_yaml_int(self, node):
        too_large = ConstructorError(None, None, f"{_named(node)} is too large a number", node.start_mark)
        if len(node.value) > 80:  # before building it: some forms grow with every digit
            raise too_large
        value = super().construct_yaml_int(node)
        if abs(value) > MAX_INT:
            raise too_large
        return value


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_yaml_str)


def shorten(text: str, limit: int = 40) -> str:
    """Text cut short for an error line: the line names a value, it need not repeat it."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _named(node: yaml.Node) -> str:
    return shorten(repr(node.value)) if isinstance(node.value, str) else "the value"


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
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(f"{where}:1: no front matter: the file must start with a line '---'")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise FrontMatterError(f"{where}:1: the front matter is never closed with a line '---'") from None
    front_lines = lines[1:close]
    front = _load_yaml("\n".join(front_lines), where)
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise FrontMatterError(f"{where}:2: front matter must be key: value lines")
    return Document(front=front, body="\n".join(lines[close + 1:]), body_line=close + 2,
                    where=where, front_lines=tuple(front_lines))


def _load_yaml(text: str, where: str) -> Any:
    """The front matter as Python values. Raises FrontMatterError at the line at fault
    (line 1 of the file is the opening `---`)."""
    if len(text) > MAX_FRONT_CHARS:
        line = text.count("\n", 0, MAX_FRONT_CHARS) + 2
        raise FrontMatterError(f"{where}:{line}: front matter: longer than {MAX_FRONT_CHARS // 1024} KiB")
    loader = None
    try:
        loader = _Loader(text)
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # counted from the index: YAML also breaks lines at U+0085, U+2028 and U+2029
        line = text.count("\n", 0, mark.index) + 2 if mark else 1
        problem = exc.problem or exc.context or "not valid YAML"
        if problem.startswith("but ") and exc.context:  # "but found another document"
            problem = f"{exc.context}, {problem}"
        raise FrontMatterError(f"{where}:{line}: front matter: {problem}") from None
    except ReaderError as exc:  # a control character: no mark, but a position
        line = text.count("\n", 0, exc.position) + 2
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise FrontMatterError(f"{where}:{line}: front matter: control character {code:#06x} "
                               "is not allowed") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"{where}:1: front matter: {' '.join(str(exc).split())}") from None
    finally:
        if loader is not None:
            loader.dispose()


def bundled_folder(package: str, repo_folder: str) -> Path:
    """Where the files shipped with the running `inbox` live: run from a source checkout,
    the checkout's own `repo_folder` beside it (even when another checkout is installed),
    else the installed package `package`."""
    import inbox

    beside = Path(inbox.__file__).resolve().parent.parent / repo_folder
    if (beside / "__init__.py").is_file():
        return beside
    return Path(str(resources.files(package)))


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
            if not path.is_file():  # a folder, a pipe, a dangling link: reading could hang
                warnings.append(f"{path}: not a regular file")
                continue
            try:
                loaded = load(path)
            except FrontMatterError as exc:
                warnings.append(str(exc))
                continue
            found[loaded.name] = loaded
    return found, warnings


def read_text(path: Path) -> str:
    """The file as UTF-8 text, at most MAX_FILE_BYTES of it. Raises FrontMatterError."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FrontMatterError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FrontMatterError(f"{path}:1: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FrontMatterError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x} "
                               f"at column {column})") from None


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
