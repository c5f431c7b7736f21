"""Secrets out of every message: the one place that masks them.

Error text from a channel can echo a token back (a 401 body quoting the header it got).
Every message that may be shown, stored (`sources.last_error`) or logged goes through a
`Redactor` that knows the configured secrets, and masking always comes before any
cutting short: a cut can split a secret so that its remains no longer match.

As a second guard, any run of 8 or more leading characters of a secret is masked too,
so a secret cut at an edge elsewhere still does not show. A secret that is a URL (a
webhook) is masked whole only: its first characters (`https://`) are no secret; its
secret parts (path, query) are given as secrets of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from inbox.text import one_line, valid_text

MASK = "***"
SHORTEST = 4
"""A shorter value is no real secret, and masking it would garble the text."""
PREFIX = 8
"""A run of this many leading characters of a secret is masked like the whole."""


class Redactor:
    """Masks known secrets (raw, or URL-encoded as a query parameter carries them)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self._prefixed: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """One more secret (an OAuth token learned mid-sync, say)."""
        if not secret or len(secret) < SHORTEST:
            return
        forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
        self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)
        if "://" not in secret:
            prefixed = {form for form in forms if len(form) > PREFIX}
            self._prefixed = sorted(set(self._prefixed) | prefixed, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """`text` with every secret, and every 8+ character start of one, as `***`."""
        for form in self._forms:
            text = text.replace(form, MASK)
        for form in self._prefixed:
            text = _mask_starts(text, form)
        return text

    def line(self, text: object, limit: int | None = None) -> str:
        """One clean line of valid text with every secret masked, then cut to `limit`
        characters (masked first, so the cut cannot leave part of a secret behind)."""
        masked = self(valid_text(str(text)))
        if limit is not None:
            masked = masked[:limit * 20]  # plenty once folded, and bounded work for `one_line`
        masked = self(one_line(masked))
        if limit is not None and len(masked) > limit:
            masked = masked[:max(0, limit - 1)].rstrip() + "…"
        return masked


def _mask_starts(text: str, secret: str) -> str:
    """Every run of text that matches the first PREFIX or more characters of `secret`."""
    head = secret[:PREFIX]
    found = text.find(head)
    if found < 0:
        return text
    parts: list[str] = []
    start = 0
    while found >= 0:
        end = found + PREFIX
        while end - found < len(secret) and end < len(text) and text[end] == secret[end - found]:
            end += 1
        parts += [text[start:found], MASK]
        start = end
        found = text.find(head, end)
    return "".join(parts) + text[start:]
