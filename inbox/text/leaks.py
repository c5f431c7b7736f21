"""Credentials pasted into posts: find them, mask them, name them in one line.

People paste `.env` files, curl commands and stack traces into issues and forum posts,
often with a live token inside. `scan` finds those so the inbox can warn before a reply
quotes one; `mask` gives a copy that is safe to show, quote or export.

Pure text work (no I/O, no Textual). The formats are data (`leak_rules.RULES`: about a
hundred named rules across cloud, source hosts, registries, payment, messaging and AI
providers); this module decides which rules a text calls for and runs only those, plus
the detectors that need more than a pattern: private key blocks, passwords in URLs and
`name = value` assignments.

Speed: the ingest path scans every post and reply, so a text costs two passes in C and
almost nothing else. One regex finds the cue words (`token`, `://`, `bearer`...) in an
ASCII-folded copy; one translation splits the text into words of token characters, and
only words of 20 or more characters that start with a known prefix (or hold a known mark)
have a rule's pattern tried at their start. Every pattern is bounded, so time grows
linearly with the text.

Judgment calls (see `leak_checks` for what "looks random" means):

* A prefixed token must look random; documentation samples (`ghp_XXXX`, `<your-token>`,
  `AKIAIOSFODNN7EXAMPLE`) stay quiet. A token glued to a preceding letter or digit
  (inside a longer word) is not one.
* The generic `password=` / `token:` rule flags only values that look machine-made:
  10+ characters, entropy 3.0+, two or more character classes. So `password: hunter2`,
  `password=secret` and pass phrases with spaces are not flagged. Neither are UUIDs,
  e-mail addresses, version strings, paths, URLs, and (when unquoted) code: calls,
  attribute access, snake_case / CONST_CASE / camelCase / PascalCase names. A name that
  says whose credential it is (`AWS_SECRET_ACCESS_KEY`, `HEROKU_API_KEY`) names it.
* A name matches when it ends with a keyword (`DB_PASSWORD`, `githubToken`,
  `X-Api-Key`); `password_hash` or `token_type` do not.
* A password in a URL needs no entropy (the `user:pass@` shape says enough), but
  placeholders and well-known defaults (`password`, `guest:guest`, user = password)
  are skipped. A database or broker URL is named as one.
* A private key is flagged only with key material: a full BEGIN...END block with a
  real body, or a BEGIN line followed by base64 lines (a truncated paste), in which
  case the span runs through those lines so `mask` hides them. A BEGIN line quoted
  in prose is not a leak.
* `sk_test_` and publishable `pk_live_` Stripe keys are not secrets and are ignored.
* Masks reveal a known prefix plus at most 4 trailing characters, and never more
  than a quarter of the secret, so short URL passwords show one or two characters.
"""

from __future__ import annotations

import bisect
import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from inbox.text.leak_checks import CODE_NAME, generic_secret, plausible_password, random_enough
from inbox.text.leak_rules import CONTEXT, GENERIC, HARMLESS_STARTS, NAMED, RULES, SPECIFIC, Named, Rule

ELLIPSIS = "…"


@dataclass(frozen=True)
class Leak:
    """One secret in a text: what it is, where it sits, and a form safe to show."""

    kind: str
    label: str
    start: int
    end: int
    masked: str


# --- what calls a rule -----------------------------------------------------------------

# Token characters: a run of these is where a token can be. `=`, `:`, `@`, quotes and
# spaces end a run, so `TOKEN=ghp_…` and `https://x:ghp_…@host` give the token its own.
# Runs are found in a copy where every token character is `a` and every other a space:
# the first 20 `a`s in a row start the next long run, a search C does at memory speed.
_TOKEN_CHARS = string.ascii_letters + string.digits + "_-.+/~"
_SHAPE = bytes(0x61 if chr(byte) in _TOKEN_CHARS else 0x20 for byte in range(256))
_MIN_WORD = 20  # the shortest format (an AWS key id) has 20 characters
_RUN = b"a" * _MIN_WORD
_LEAD = b"/+-._~"  # stripped from a run's start: `//hooks.slack.com/…`


def _marks() -> tuple[re.Pattern[bytes], dict[bytes, tuple[int, ...]], tuple[tuple[int, bytes, int], ...]]:
    """One regex for the marks at a run's start (the longest one that fits is found, and
    it calls the rules of every mark it begins with), and the marks further in."""
    first: dict[bytes, set[int]] = {}
    inner: list[tuple[int, bytes, int]] = []
    for index, rule in enumerate(RULES):
        for offset, mark in rule.marks:
            if offset:
                inner.append((offset, mark.encode(), index))
            else:
                first.setdefault(mark.encode(), set()).add(index)
    calls = {mark: tuple(sorted({index for other, indexes in first.items() if mark.startswith(other)
                                 for index in indexes})) for mark in first}
    return re.compile(_trie(first)), calls, tuple(inner)


def _trie(words: Iterable[bytes]) -> bytes:
    """A regex matching the longest of `words` that fits, factored so words sharing a
    start share a branch."""
    tree: dict = {}
    for word in words:
        node = tree
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = None

    def emit(node: dict) -> bytes:
        branches = [re.escape(bytes([byte])) + emit(child) for byte, child in sorted(
            (key, value) for key, value in node.items() if key is not None)]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 and None not in node else b"(?:" + b"|".join(branches) + b")"
        return body + (b"?" if None in node else b"")
    return emit(tree)


_MARKS, _CALLS, _INNER = _marks()


def _word_starts(raw: bytes) -> dict[int, list[int]]:
    """For each rule a long run of token characters calls for, where its pattern is to
    be tried (`raw` is the text folded to one byte a character)."""
    shape = raw.translate(_SHAPE)
    starts: dict[int, list[int]] = {}
    position = shape.find(_RUN)
    while position >= 0:
        end = shape.find(b" ", position + _MIN_WORD)
        end = len(shape) if end < 0 else end
        if raw[position] in _LEAD:
            position = end - len(raw[position:end].lstrip(_LEAD))
        if mark := _MARKS.match(raw, position, end):
            for index in _CALLS[mark.group()]:
                starts.setdefault(index, []).append(position)
        position = shape.find(_RUN, end)
    for offset, mark, index in _INNER:  # rare marks: found where they are, the token starts before
        found = raw.find(mark, offset)
        while found >= 0:
            start = found - offset
            if shape.startswith(_RUN, start) and (not start or shape[start - 1] == 0x20):
                starts.setdefault(index, []).append(start)
            found = raw.find(mark, found + 1)
    return starts


# Cue words, searched in an ASCII-folded, lower-cased copy of the text (one byte per
# character, so offsets match the text). Most posts hold a generic one (`key`, `://`);
# the words rules are cued by are rare, and each is one fast substring search.
_ROOTS = (b"pass", b"pwd", b"secret", b"token", b"key")
_PASSWORDS = (b"password", b"passwd", b"passphrase")
_URL_CUE, _KEY_CUE = b"://", b"-----begin"
_CUE_RULES: dict[bytes, tuple[int, ...]] = {
    cue: tuple(index for index, rule in enumerate(RULES) if cue.decode() in rule.cues)
    for cue in {cue.encode() for rule in RULES for cue in rule.cues}}
_CUES = (_URL_CUE, _KEY_CUE, *sorted(_CUE_RULES))


def _roots(folded: bytes) -> list[tuple[int, int]]:
    """(start, end) of each keyword that may end a secret's name, in order."""
    found = []
    for root in _ROOTS:
        position = folded.find(root)
        while position >= 0:
            end = position + len(root)
            if root == b"pass":
                end = next((position + len(word) for word in _PASSWORDS if folded.startswith(word, position)), 0)
            if end:
                found.append((position, end))
            position = folded.find(root, position + len(root))
    return sorted(found)


# --- the scan --------------------------------------------------------------------------

def scan(text: str | None) -> list[Leak]:
    """Every secret in `text`, in order, without overlaps or duplicates."""
    if not text:
        return []
    raw = text.encode("ascii", "replace")
    folded = raw.lower()
    starts = _word_starts(raw)
    cues = [cue for cue in _CUES if cue in folded]
    roots = _roots(folded)
    if not cues and not starts and not roots:
        return []
    candidates = sorted(_findings(text, folded, roots, cues, starts),
                        key=lambda found: (found[0], found[1].start, found[1].start - found[1].end))
    begins: list[int] = []
    kept: list[Leak] = []
    for _, leak in candidates:
        index = bisect.bisect_right(begins, leak.start)
        if index and kept[index - 1].end > leak.start:
            continue
        if index < len(kept) and kept[index].start < leak.end:
            continue
        begins.insert(index, leak.start)
        kept.insert(index, leak)
    return kept


def _findings(text: str, folded: bytes, roots: list[tuple[int, int]], cues: list[bytes],
              starts: dict[int, list[int]]) -> Iterator[tuple[int, Leak]]:
    for index, positions in starts.items():
        rule = RULES[index]
        for position in positions:
            if (match := rule.pattern.match(text, position)) and rule.check(match):
                yield _from_rule(rule, match)
    for index in sorted({index for cue in cues for index in _CUE_RULES.get(cue, ())}):
        rule = RULES[index]
        for match in rule.pattern.finditer(text):
            if (not match.start() or not text[match.start() - 1].isalnum()) and rule.check(match):
                yield _from_rule(rule, match)
    if _KEY_CUE in cues:
        yield from _private_keys(text)
    if _URL_CUE in cues:
        yield from _url_passwords(text)
    if roots:
        yield from _assignments(text, folded, roots)


def _from_rule(rule: Rule, match: re.Match[str]) -> tuple[int, Leak]:
    shown = match["shown"] if "shown" in match.re.groupindex else None
    start = match.start("shown") if shown is not None else match.start("secret")
    return rule.priority, Leak(rule.kind, rule.label, start, match.end(), _masked(shown or "", match["secret"]))


def _masked(prefix: str, secret: str) -> str:
    """Prefix, an ellipsis, and at most 4 (and at most a quarter) of the last characters."""
    keep = min(4, len(secret) // 4)
    return prefix + ELLIPSIS + (secret[-keep:] if keep else "")


def mask(text: str | None) -> str:
    """`text` with every secret replaced by its masked form, the rest untouched."""
    if not text:
        return ""
    pieces: list[str] = []
    position = 0
    for leak in scan(text):
        pieces += (text[position:leak.start], leak.masked)
        position = leak.end
    pieces.append(text[position:])
    return "".join(pieces)


def describe(leaks: Iterable[Leak]) -> str:
    """One short line naming each distinct leak, e.g. `GitHub token ghp_…abcd`."""
    seen: dict[str, None] = {}
    for leak in leaks:
        seen.setdefault(f"{leak.label} {leak.masked}", None)
    return ", ".join(seen)


def may_leak(texts: Iterable[str | None]) -> bool:
    """Whether any of the texts calls for a detector; when none does, `leaks_json` of
    them is None. (No cue or token character is the separator, so none is made up
    across two texts.)"""
    raw = "\0".join(text for text in texts if text).encode("ascii", "replace")
    folded = raw.lower()
    return any(cue in folded for cue in (*_CUES, *_ROOTS)) or bool(_word_starts(raw))


def leaks_json(texts: Iterable[str | None]) -> str | None:
    """What the store keeps for an item: its distinct leaks across title, body and thread
    as JSON (kind, label, masked; never the secret), or None when there are none."""
    seen: dict[tuple[str, str, str], None] = {}
    for text in texts:
        for leak in scan(text):
            seen.setdefault((leak.kind, leak.label, leak.masked), None)
    if not seen:
        return None
    return json.dumps([{"kind": kind, "label": label, "masked": masked}
                       for kind, label, masked in seen], ensure_ascii=False)


# --- detectors that need more than a pattern -------------------------------------------

_KEY_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?)-----")
_LINE_BREAK = r"(?:\r?\n|\\r?\\n)"  # real newlines, or `\n` escapes inside a JSON string
# A truncated paste: optional `Proc-Type:`-style headers, then base64 lines.
_KEY_TAIL = re.compile(rf"(?:{_LINE_BREAK}[ \t]*(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n\\]*)?){{0,8}}?"
                       rf"(?:{_LINE_BREAK}[ \t]*[A-Za-z0-9+/=]{{20,}})+")
_BASE64_CHAR = re.compile(r"[A-Za-z0-9+/]")
_ELIDED = re.compile(r"\.\.\.|…|<|>")  # a shortened sample; real base64 never holds these
_KEY_MAX = 64_000  # the largest armoured key block is far smaller than this
_SERVICE_ACCOUNT = re.compile(r"\"private_key\"\s*:\s*\"$")


def _private_keys(text: str) -> Iterator[tuple[int, Leak]]:
    next_end: dict[str, int] = {}  # per END line, where it next occurs (-1: nowhere further)
    position = 0
    while match := _KEY_BEGIN.search(text, position):
        end_line = f"-----END {match.group(1)}-----"
        end = next_end.get(end_line, 0)
        if 0 <= end < match.end():
            end = next_end[end_line] = text.find(end_line, match.end())
        body = text[match.end():end] if 0 <= end - match.end() <= _KEY_MAX else ""
        if body and "-----BEGIN " not in body:
            stop = end + len(end_line) if _key_material(body) else -1
        else:  # no END line near enough, or another key starts first: a truncated paste
            tail = _KEY_TAIL.match(text, match.end())
            stop = tail.end() if tail else -1
        if stop < 0:
            position = match.end()
            continue
        in_json = _SERVICE_ACCOUNT.search(text, max(0, match.start() - 40), match.start())
        kind, label = (("gcp-service-account", "Google Cloud service account key")
                       if in_json and "service_account" in text else ("private-key", "Private key"))
        yield SPECIFIC, Leak(kind, label, match.start(), stop, match.group(0) + ELLIPSIS)
        position = stop


def _key_material(body: str) -> bool:
    """A real key body, not `...` or `<your key here>`."""
    return len(_BASE64_CHAR.findall(body)) >= 40 and not _ELIDED.search(body)


_URL_AUTH = re.compile(r"://([^\s:/@?#\[\]]{0,256}):([^\s/?#]{1,256})@(?=[A-Za-z0-9\[])")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}$")
_DATABASES = re.compile(r"(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|mongodb|rediss?|amqps?|mssql|sqlserver"
                        r"|oracle|cockroachdb|clickhouse|neo4j|bolt|couchdbs?|cassandra|memcached)(?:\+[\w.+-]*)?",
                        re.IGNORECASE)


def _url_passwords(text: str) -> Iterator[tuple[int, Leak]]:
    for match in _URL_AUTH.finditer(text):
        position = match.start()
        if not position or not text[position - 1].isalnum():
            continue  # no scheme before `://`
        user, password = match.group(1), match.group(2)
        if not plausible_password(user, password):
            continue
        scheme = _SCHEME.search(text, max(0, position - 31), position)
        kind, label = (("database-url", "Database password in URL")
                       if scheme and _DATABASES.fullmatch(scheme.group()) else ("url-password", "Password in URL"))
        yield CONTEXT, Leak(kind, label, match.start(2), match.end(2), _masked("", password))


# Generic assignments: a cue word ending a name (found above in the folded copy), then
# the separator and the value matched in the text itself.
_KEY_QUALIFIERS = tuple(word + sep for word in (b"api", b"secret", b"access", b"account")  # api_key, apiKey
                        for sep in (b"", b"_", b"-"))
_BARE = r"[^\s\"'`\\,;&<>(){}\[\]]"  # an unquoted value runs until one of these
_BARE_CHAR = re.compile(_BARE)
_ASSIGNED_VALUE = re.compile(
    r"[\\\"'`\]]{0,3}[ \t]*(?::=|=>|=(?!=)|:(?![:/]))[ \t]*"
    rf"(?:(\\?[\"'`])([^\s\"'`\\]{{1,512}})|({_BARE}{{1,512}}))")
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_.-")
# Values the generic rule leaves to the rule of their format, or to no rule at all.
_DEFERRED = (*HARMLESS_STARTS, "-----", *(start for rule in RULES for start in rule.starts if len(start) >= 4))


def _assignments(text: str, folded: bytes, roots: list[tuple[int, int]]) -> Iterator[tuple[int, Leak]]:
    examined = 0  # a keyword inside a value already looked at is part of that value
    for start, end in roots:
        if start < examined:
            continue
        if end - start == 3 and folded[start] == 0x6B and not folded.endswith(_KEY_QUALIFIERS, 0, start):
            continue  # `key` only after api, secret, access or account
        match = _ASSIGNED_VALUE.match(text, end)
        if match:
            examined = match.end()
            if found := _assigned_secret(text, folded, end, match):
                yield found


def _assigned_secret(text: str, folded: bytes, name_end: int, match: re.Match[str]) -> tuple[int, Leak] | None:
    """The value of a `name = value` match, if it looks like a secret."""
    quote, value = match.group(1), match.group(2)
    if quote:
        start, end = match.span(2)
        if not (text.startswith(quote[-1], end) or text.startswith("\\" + quote[-1], end)):
            return None  # unclosed: the quoted text has spaces, so it is prose
    else:
        if _BARE_CHAR.match(text, match.end(3)):
            return None  # longer than any credential
        start = match.start(3)
        value = match.group(3).rstrip(".:!?")
        end = start + len(value)
        if text[end:end + 1] in ("(", "[") or CODE_NAME.fullmatch(value):
            return None  # code that fetches the secret, not the secret
    if value.startswith(_DEFERRED):
        return None
    named = _named(folded, name_end)
    if named and named.shape and named.shape.fullmatch(value) and random_enough(value, digits=False):
        kind, label = named.kind, named.label
    elif generic_secret(value):
        kind, label = ((named.kind, named.label) if named and not named.shape
                       else ("password-assignment", "Secret value"))
    else:
        return None
    return GENERIC, Leak(kind, label, start, end, _masked("", value))


def _named(folded: bytes, name_end: int) -> Named | None:
    """The provider a variable's name points to (`HEROKU_API_KEY`), if any."""
    start = name_end
    while start > max(0, name_end - 64) and folded[start - 1] in _NAME_CHARS:
        start -= 1
    name = folded[start:name_end].decode().replace("_", "").replace("-", "").replace(".", "")
    return next((named for named in NAMED if all(word in name for word in named.words)), None)
