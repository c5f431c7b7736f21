"""Credentials pasted into posts: find them, mask them, name them in one line.

People paste `.env` files, curl commands and stack traces into issues and forum posts,
often with a live token inside. `scan` finds those so the inbox can warn before a reply
quotes one; `mask` gives a copy that is safe to show, quote or export.

Pure text work (no I/O, no Textual). Patterns are compiled once; every search is
bounded, so time grows linearly with the text.

Judgment calls:

* A prefixed token (`ghp_`, `AKIA`, `sk_live_`...) must look random: at least six
  distinct characters, Shannon entropy of 3.0 bits/char or more, letters with digits
  (or with mixed case; AWS ids may lack digits), no sequential run or repeated chunk and no
  placeholder word (example, your, test, xxxx...). Documentation samples stay quiet.
* The generic `password=` / `token:` rule flags only values that look machine-made:
  10+ characters, entropy 3.0+, two or more character classes. So `password: hunter2`,
  `password=secret` and pass phrases with spaces are not flagged. Neither are UUIDs,
  e-mail addresses, version strings, paths, URLs, and (when unquoted) code: calls,
  attribute access, snake_case / CONST_CASE / camelCase names.
* A name matches when it ends with a keyword (`DB_PASSWORD`, `githubToken`,
  `X-Api-Key`); `password_hash` or `token_type` do not.
* A password in a URL needs no entropy (the `user:pass@` shape says enough), but
  placeholders and well-known defaults (`password`, `guest:guest`, user = password)
  are skipped.
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
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

ELLIPSIS = "…"


@dataclass(frozen=True)
class Leak:
    """One secret in a text: what it is, where it sits, and a form safe to show."""

    kind: str
    label: str
    start: int
    end: int
    masked: str


_LABELS = {
    "github-token": "GitHub token",
    "gitlab-token": "GitLab token",
    "slack-token": "Slack token",
    "slack-webhook": "Slack webhook URL",
    "aws-access-key": "AWS access key",
    "google-api-key": "Google API key",
    "stripe-live-key": "Stripe live key",
    "private-key": "Private key",
    "url-password": "Password in URL",
    "password-assignment": "Secret value",
}

# Overlaps go to the most specific finding: a known token format beats a password in a
# URL, which beats a generic `name = value` guess.
_SPECIFIC, _URL, _GENERIC = 0, 1, 2

# (kind, prefix, body, digits required). One regex per literal prefix: the regex engine
# jumps between occurrences of a literal, where an alternation would be tried at every
# character. Bodies are bounded and must end on a boundary.
_GITHUB = r"[A-Za-z0-9]{36}(?![A-Za-z0-9_])"
_GITLAB = r"[A-Za-z0-9_-]{20,128}(?![A-Za-z0-9_-])"
_SLACK = r"[A-Za-z0-9-]{20,160}(?![A-Za-z0-9-])"
_AWS = r"[A-Z0-9]{16}(?![A-Za-z0-9])"
_STRIPE = r"[A-Za-z0-9]{24,247}(?![A-Za-z0-9])"
_TOKEN_FORMATS = (
    ("github-token", r"gh[pousr]_", _GITHUB, True),
    ("github-token", r"github_pat_", r"[A-Za-z0-9_]{82}(?![A-Za-z0-9_])", True),
    ("gitlab-token", r"gl(?:pat|dt|rt)-", _GITLAB, True),
    ("slack-token", r"xox[bpars]-", _SLACK, True),
    ("slack-token", r"xapp-", _SLACK, True),
    ("aws-access-key", r"AKIA", _AWS, False),
    ("aws-access-key", r"ASIA", _AWS, False),
    ("google-api-key", r"AIza", r"[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])", True),
    ("stripe-live-key", r"sk_live_", _STRIPE, True),
    ("stripe-live-key", r"rk_live_", _STRIPE, True),
)
_TOKENS = tuple((kind, re.compile(f"({prefix})({body})"), digits)
                for kind, prefix, body, digits in _TOKEN_FORMATS)

_WEBHOOK = re.compile(r"hooks\.slack\.com/services/"
                      r"(T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/([A-Za-z0-9]{20,32}))(?![A-Za-z0-9])")

_KEY_BEGIN = re.compile(r"-----BEGIN ((?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY"
                        r"|PGP PRIVATE KEY BLOCK)-----")
_LINE_BREAK = r"(?:\r?\n|\\r?\\n)"  # real newlines, or `\n` escapes inside a JSON string
# A truncated paste: optional `Proc-Type:`-style headers, then base64 lines.
_KEY_TAIL = re.compile(rf"(?:{_LINE_BREAK}[ \t]*(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n\\]*)?){{0,8}}?"
                       rf"(?:{_LINE_BREAK}[ \t]*[A-Za-z0-9+/=]{{20,}})+")
_BASE64_CHAR = re.compile(r"[A-Za-z0-9+/]")
_ELIDED = re.compile(r"\.\.\.|…|<|>")  # a shortened sample; real base64 never holds these
_KEY_MAX = 64_000  # the largest armoured key block is far smaller than this

_URL_AUTH = re.compile(r"://([^\s:/@?#\[\]]{0,256}):([^\s/?#]{1,256})@(?=[A-Za-z0-9\[])")

# Generic assignments are found in two steps. Keyword roots are searched in an ASCII-folded
# copy of the text (one byte per character, so offsets match) with literal-prefix regexes;
# the rest of the name, the separator and the value are then matched in the text itself.
_KEYWORD_ROOTS = tuple(re.compile(root) for root in (
    rb"pass(?:w(?:or)?d|phrase)", rb"pwd", rb"secret", rb"token", rb"key"))
_KEY_QUALIFIERS = tuple(word + sep for word in (b"api", b"secret", b"access")  # api_key, apiKey
                        for sep in (b"", b"_", b"-"))
_BARE = r"[^\s\"'`\\,;&<>(){}\[\]]"  # an unquoted value runs until one of these
_BARE_CHAR = re.compile(_BARE)
_ASSIGNED_VALUE = re.compile(
    r"[\\\"'`\]]{0,3}[ \t]*(?::=|=>|=(?!=)|:(?![:/]))[ \t]*"
    rf"(?:(\\?[\"'`])([^\s\"'`\\]{{1,512}})|({_BARE}{{1,512}}))")

_PLACEHOLDER = re.compile(
    r"example|your|placeholder|change[_-]?me|redacted|dummy|sample|fake|test|xxxx|\*\*\*"
    r"|\.\.\.|…|\$\{|\{\{|%\(|<|>|environ|getenv|process\.env|secrets\.|^\$|^(?:null|none)$",
    re.IGNORECASE)
_URL_DEFAULTS = frozenset({
    "password", "passwd", "pass", "pwd", "pw", "secret", "root", "admin", "guest", "user",
    "username", "postgres", "mysql", "redis", "rabbitmq", "toor", "letmein", "1234", "123456",
})
# Values the generic rule leaves alone: other rules' formats, and ordinary data.
_DEFERRED = re.compile(r"gh[pousr]_|github_pat_|gl(?:pat|dt|rt)-|xox[bpars]-|xapp-|A[KS]IA"
                       r"|AIza|[spr]k_(?:live|test)_|-----")
_ORDINARY = re.compile(
    r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"            # UUID
    r"|[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"                      # e-mail address
    r"|[vV]?\d+(?:\.\d+)+(?:[-+][\w.]+)?"                              # version
    r"|(?:~|\.{1,2})/.*|[A-Za-z]:\\.*|.*://.*"                          # path or URL
    r"|(?:/[A-Za-z]?[a-z0-9._-]+)+/?")                                 # /usr/local/bin
_CODE_NAME = re.compile(
    r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+"       # attribute access: self.token
    r"|_*[a-z][a-z0-9]*(?:_+[a-z0-9]+)+_*"           # snake_case
    r"|_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)+_*"           # CONST_CASE
    r"|[a-z]+(?:[A-Z][a-z]+)+")                      # camelCase
_CLASSES = tuple(re.compile(chars) for chars in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"))
_RUN_LENGTH = 6


# Every detector needs one of these cues; most posts have none and are done in one search.
# (Searched in a lowercased copy: an IGNORECASE alternation is several times slower. Cues
# that share a first letter share a branch, so fewer branches are tried at each letter.)
_CUES = re.compile(r"g(?:h[pousr]_|ithub_pat_|l(?:pat|dt|rt)-)|x(?:ox|app-)|a(?:[ks]ia|iza)|_live_"
                   r"|hooks\.slack|begin|://|p(?:ass|wd)|secret|token|key")


def scan(text: str | None) -> list[Leak]:
    """Every secret in `text`, in order, without overlaps or duplicates."""
    if not text or not _CUES.search(text.lower()):
        return []
    candidates = sorted(
        (*_tokens(text), *_webhooks(text), *_private_keys(text),
         *_url_passwords(text), *_assignments(text)),
        key=lambda found: (found[0], found[1].start, found[1].start - found[1].end))
    starts: list[int] = []
    kept: list[Leak] = []
    for _, leak in candidates:
        index = bisect.bisect_right(starts, leak.start)
        if index and kept[index - 1].end > leak.start:
            continue
        if index < len(kept) and kept[index].start < leak.end:
            continue
        starts.insert(index, leak.start)
        kept.insert(index, leak)
    return kept


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
    """Whether any of the texts holds a cue a detector needs; when none does, `leaks_json`
    of them is None. One search over them all: most items have no cue anywhere. (No cue
    holds the separator, so none is made up across two texts.)"""
    return bool(_CUES.search("\0".join(text for text in texts if text).lower()))


def leaks_json(texts: Iterable[str | None]) -> str | None:
    """What the store keeps for an item: its distinct leaks across title, body and thread
    as JSON (kind, label, masked; never the secret), or None when there are none."""
    texts = [text for text in texts if text]
    if not may_leak(texts):
        return None
    seen: dict[tuple[str, str, str], None] = {}
    for text in texts:
        for leak in scan(text):
            seen.setdefault((leak.kind, leak.label, leak.masked), None)
    if not seen:
        return None
    return json.dumps([{"kind": kind, "label": label, "masked": masked}
                       for kind, label, masked in seen], ensure_ascii=False)


# --- detectors: each yields (priority, Leak) ------------------------------------------

def _leak(kind: str, start: int, end: int, masked: str, priority: int = _SPECIFIC
          ) -> tuple[int, Leak]:
    return priority, Leak(kind, _LABELS[kind], start, end, masked)


def _masked(prefix: str, secret: str) -> str:
    """Prefix, an ellipsis, and at most 4 (and at most a quarter) of the last characters."""
    keep = min(4, len(secret) // 4)
    return prefix + ELLIPSIS + (secret[-keep:] if keep else "")


def _tokens(text: str) -> Iterator[tuple[int, Leak]]:
    for kind, pattern, digits in _TOKENS:
        for match in pattern.finditer(text):
            start = match.start()
            if start and text[start - 1].isalnum():
                continue
            prefix, body = match.groups()
            if _random_enough(body, digits=digits):
                yield _leak(kind, start, match.end(), _masked(prefix, body))


def _webhooks(text: str) -> Iterator[tuple[int, Leak]]:
    for match in _WEBHOOK.finditer(text):
        scheme = next((s for s in ("https://", "http://") if text.endswith(s, 0, match.start())), "")
        if not scheme:
            continue
        ids, secret = match.group(1), match.group(2)
        if _random_enough(ids.replace("/", "")) and not _PLACEHOLDER.search(secret):
            start = match.start() - len(scheme)
            prefix = text[start:match.start(1)]
            yield _leak("slack-webhook", start, match.end(), _masked(prefix, secret))


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
        yield _leak("private-key", match.start(), stop, match.group(0) + ELLIPSIS)
        position = stop


def _key_material(body: str) -> bool:
    """A real key body, not `...` or `<your key here>`."""
    return len(_BASE64_CHAR.findall(body)) >= 40 and not _ELIDED.search(body)


def _url_passwords(text: str) -> Iterator[tuple[int, Leak]]:
    for match in _URL_AUTH.finditer(text):
        if not match.start() or not text[match.start() - 1].isalnum():
            continue  # no scheme before `://`
        user, password = match.group(1), match.group(2)
        if (password.lower() in _URL_DEFAULTS or password == user or _PLACEHOLDER.search(password)
                or len(set(password)) == 1):
            continue
        yield _leak("url-password", match.start(2), match.end(2), _masked("", password), _URL)


def _assignments(text: str) -> Iterator[tuple[int, Leak]]:
    folded = text.encode("ascii", "replace").lower()
    for root in _KEYWORD_ROOTS:
        examined = 0  # a keyword inside a value already looked at is part of that value
        for hit in root.finditer(folded):
            if hit.start() < examined:
                continue
            if hit.group() == b"key" and not folded.endswith(_KEY_QUALIFIERS, 0, hit.start()):
                continue
            match = _ASSIGNED_VALUE.match(text, hit.end())
            if match:
                examined = match.end()
                if found := _assigned_secret(text, match):
                    yield found


def _assigned_secret(text: str, match: re.Match[str]) -> tuple[int, Leak] | None:
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
        if text[end:end + 1] in ("(", "[") or _CODE_NAME.fullmatch(value):
            return None  # code that fetches the secret, not the secret
    if not _generic_secret(value):
        return None
    return _leak("password-assignment", start, end, _masked("", value), _GENERIC)


# --- what a secret looks like ----------------------------------------------------------

def _entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    size = len(value)
    return -sum(count / size * math.log2(count / size)
                for count in (value.count(char) for char in set(value)))


def _patterned(value: str) -> bool:
    """A repeated chunk (`abc123abc123`) or mostly sequential runs (`123456`, `abcdef`):
    typed, not generated. Runs of one or two characters (`//////` in AWS session tokens)
    are left to the entropy check."""
    seen: set[str] = set()
    for index in range(len(value) - _RUN_LENGTH + 1):
        chunk = value[index:index + _RUN_LENGTH]
        if chunk in seen and len(set(chunk)) > 2:
            return True
        seen.add(chunk)
    steps = sum(1 for a, b in itertools.pairwise(value) if abs(ord(a) - ord(b)) == 1)
    return steps * 2 >= len(value) - 1


def _random_enough(body: str, *, digits: bool = True) -> bool:
    """Machine-made: varied, high-entropy, letters mixed with digits, no placeholder word.

    A short random body lacks digits now and then (3% of 20-character GitLab tokens), so
    mixed case stands in for digits; a word-like placeholder has neither.
    """
    if len(set(body)) < 6 or _entropy(body) < 3.0:
        return False
    lower, upper, number = (bool(pattern.search(body)) for pattern in _CLASSES[:3])
    if not (lower or upper) or (digits and not (number or (lower and upper))):
        return False
    return not _PLACEHOLDER.search(body) and not _patterned(body)


def _classes(value: str) -> int:
    """How many of lower case, upper case, digits and symbols the value mixes."""
    return sum(1 for pattern in _CLASSES if pattern.search(value))


def _generic_secret(value: str) -> bool:
    """A value that looks generated rather than a word, a reference or ordinary data."""
    if len(value) < 10 or _DEFERRED.match(value) or _ORDINARY.fullmatch(value):
        return False
    if _PLACEHOLDER.search(value) or _classes(value) < 2 or _entropy(value) < 3.0:
        return False
    return not _patterned(value)
