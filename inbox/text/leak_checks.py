"""What a secret looks like: the judgments every leak rule shares.

A pattern says where a credential could be; these say whether what is there was made
by a machine (varied, high-entropy, no placeholder word) or typed by a person writing
documentation (`ghp_XXXX`, `<your-token>`, `AKIAIOSFODNN7EXAMPLE`, `hunter2`).
Pure functions of a string; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re

# Placeholders: symbols and references that only documentation holds, and words that
# stand for a credential. A word counts when its letters are cased as a person writes
# them (`test`, `TEST`, `Test`), so a random token that happens to hold `teSt` is not
# one; a word typed in leetspeak (`T0ken5ecret`, `P@ssw0rd`) counts too.
_MARKS = re.compile(r"\*\*\*|\.\.\.|…|\$\{|\{\{|\{[^{}]*\}|%\(|<|>|environ|getenv|process\.env|secrets\."
                    r"|^\$|^(?:null|none)$", re.IGNORECASE)
_PLACEHOLDER_WORDS = re.compile(r"example|your|placeholder|change[_-]?me|redacted|dummy|sample|fake|test|xxxx",
                                re.IGNORECASE)
_SPELLED_WORDS = re.compile(r"token|secret|passw|test|fake|example|placeholder|changeme|redacted|dummy|sample",
                            re.IGNORECASE)
_LEET = str.maketrans("013457@$", "oieastas")
_HEX = re.compile(r"[0-9a-fA-F-]+")
# Values the generic `name = value` rule leaves alone because they are ordinary data.
_ORDINARY = re.compile(
    r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"            # UUID
    r"|[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"                      # e-mail address
    r"|[vV]?\d+(?:\.\d+)+(?:[-+][\w.]+)?"                              # version
    r"|(?:~|\.{1,2})/.*|[A-Za-z]:\\.*|.*://.*"                          # path or URL
    r"|(?:/[A-Za-z]?[a-z0-9._-]+)+/?")                                 # /usr/local/bin
CODE_NAME = re.compile(
    r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+"       # attribute access: self.token
    r"|_*[a-z][a-z0-9]*(?:_+[a-z0-9]+)+_*"           # snake_case
    r"|_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)+_*"           # CONST_CASE
    r"|[a-z]+(?:[A-Z][a-z]+)+"                       # camelCase
    r"|(?:[A-Z][a-z]+)+[A-Z]?")                      # PascalCase: a type (CancellationToken)
_CLASSES = tuple(re.compile(chars) for chars in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"))
_RUN_LENGTH = 6


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    size = len(value)
    return -sum(count / size * math.log2(count / size)
                for count in (value.count(char) for char in set(value)))


def patterned(value: str) -> bool:
    """A repeated chunk (`abc123abc123`), a run of seven in sequence (`1234567`, `GFEDCBA`)
    or mostly sequential steps: typed, not generated. Runs of one or two characters
    (`//////` in AWS session tokens) are left to the entropy check."""
    seen: set[str] = set()
    for index in range(len(value) - _RUN_LENGTH + 1):
        chunk = value[index:index + _RUN_LENGTH]
        if chunk in seen and len(set(chunk)) > 2:
            return True
        seen.add(chunk)
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(value)]
    run = 1
    for previous, step in itertools.pairwise([0, *steps]):
        run = run + 1 if step in (1, -1) and step == previous else 2 if step in (1, -1) else 1
        if run > _RUN_LENGTH:
            return True
    return sum(1 for step in steps if step in (1, -1)) * 2 >= len(value) - 1


def placeholder(value: str) -> bool:
    """A documentation stand-in: `<your-token>`, `${TOKEN}`, `EXAMPLE`, `xxxx`, `...`."""
    return bool(_MARKS.search(value)) or any(_as_typed(match.group()) for match in _PLACEHOLDER_WORDS.finditer(value))


def spelled(value: str) -> bool:
    """A placeholder, or a word a person typed (`uvT0ken5ecret`, `P@ssw0rd`): letters
    in it, read as leetspeak, spell one."""
    if placeholder(value):
        return True
    return any(_as_typed(value[match.start():match.end()])
               for match in _SPELLED_WORDS.finditer(value.translate(_LEET)))


def _as_typed(word: str) -> bool:
    """At least three letters, cased as a person types a word: all lower, all upper,
    or capitalised."""
    letters = "".join(char for char in word if char.isalpha())
    return len(letters) >= 3 and (letters.islower() or letters.isupper()
                                  or (letters[0].isupper() and letters[1:].islower()))


def random_enough(body: str, *, digits: bool = True) -> bool:
    """Machine-made: varied, high-entropy, letters mixed with digits, no placeholder word.

    A short random body lacks digits now and then (3% of 20-character GitLab tokens), so
    mixed case stands in for digits; a word-like placeholder has neither. `digits=False`
    is for formats whose bodies may be letters of one case only (AWS ids, Hugging Face).
    """
    if len(set(body)) < 6 or entropy(body) < _least_entropy(body):
        return False
    lower, upper, number = (bool(pattern.search(body)) for pattern in _CLASSES[:3])
    if not (lower or upper) or (digits and not (number or (lower and upper))):
        return False
    return not spelled(body) and not patterned(body)


def _least_entropy(body: str) -> float:
    """3 bits a character; less for hex (16 letters) and for short bodies, where random
    draws repeat often enough to fall under 3 bits now and then (1 in 20 for 19 hex
    characters, 1 in 300 for 16 of an AWS key id)."""
    if _HEX.fullmatch(body):
        return 2.5
    return 3.0 if len(body) >= 24 else 2.75


def classes(value: str) -> int:
    """How many of lower case, upper case, digits and symbols the value mixes."""
    return sum(1 for pattern in _CLASSES if pattern.search(value))


def generic_secret(value: str) -> bool:
    """A value that looks generated rather than a word, a reference or ordinary data."""
    if len(value) < 10 or _ORDINARY.fullmatch(value):
        return False
    if spelled(value) or classes(value) < 2 or entropy(value) < 3.0 or patterned(value):
        return False
    text = _decoded_text(value)
    return not (text and (spelled(text) or patterned(text)))


def _decoded_text(value: str) -> str | None:
    """What a base64 value reads as, when it is text (Intercom tokens are `tok:…`)."""
    if len(value) < 16 or not _BASE64.fullmatch(value):
        return None
    decoded = b64decode(value.rstrip("="))
    printable = bytes(byte for byte in decoded or b"" if 0x20 <= byte < 0x7F)
    return printable.decode() if decoded and len(printable) >= 0.9 * len(decoded) else None


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,3}")


def b64decode(part: str) -> bytes | None:
    """Base64 or base64url without its padding, or None when it is not. (A stray last
    character, one more than base64 can hold, is dropped.)"""
    part = part[:len(part) - (len(part) % 4 == 1)]
    try:
        return base64.urlsafe_b64decode(part.replace("+", "-").replace("/", "_") + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def jwt_header(token: str) -> bool:
    """A JSON Web Token's first part decodes to a JSON object naming its algorithm, and
    the token is not the well-known sample from the JWT documentation."""
    header, _, rest = token.partition(".")
    decoded = b64decode(header)
    try:
        fields = json.loads(decoded) if decoded else None
    except ValueError:
        return False
    if not isinstance(fields, dict) or "alg" not in fields:
        return False
    payload = b64decode(rest.partition(".")[0]) or b""
    return b'"John Doe"' not in payload and b"example" not in payload.lower()


def basic_credentials(value: str) -> bool:
    """`Authorization: Basic` carries base64 of `user:password` with a real password."""
    decoded = b64decode(value)
    if not decoded:
        return False
    user, colon, password = decoded.decode("utf-8", "replace").partition(":")
    return bool(colon) and plausible_password(user, password)


URL_DEFAULTS = frozenset({
    "password", "passwd", "pass", "pwd", "pw", "secret", "root", "admin", "guest", "user",
    "username", "postgres", "mysql", "redis", "rabbitmq", "toor", "letmein", "1234", "123456",
})


def plausible_password(user: str, password: str) -> bool:
    """A password next to a user name (in a URL, `curl -u`, basic auth) needs no entropy,
    but placeholders and well-known defaults (`password`, `password3`, `guest:guest`,
    user = password, all digits) are not leaks."""
    typed = password.lower().rstrip("0123456789!").translate(_LEET)  # `password3`, `P@ssw0rd!`
    return not (typed in URL_DEFAULTS or not typed or password == user or spelled(password)
                or len(set(password)) == 1 or password.startswith(("$", "%")))

