"""Words for people: a count with its noun in the right number, and text shortened at a
word. One helper each, so "1 items" and a title cut mid-word cannot come back one
message at a time."""

from __future__ import annotations

_IRREGULAR = {"person": "people", "child": "children"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 item`, `2 items`, `1 reply`, `3 replies`, `1 person`, `12,000 people`.

    `many` names a plural the rules below do not know. Counts over a thousand are
    grouped (`12,000`), as every count on screen reads."""
    if count == 1:
        return f"1 {noun}"
    if many is None:
        many = _IRREGULAR.get(noun)
    if many is None:
        if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
            many = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "ch", "sh")):
            many = noun + "es"
        else:
            many = noun + "s"
    return f"{count:,} {many}"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary and ended with "…".

    A single word longer than most of the room (a URL, a path) is cut inside it rather than
    leaving almost nothing; short text is returned as it is."""
    if limit < 1:
        return ""
    if len(text) <= limit:
        return text
    room = text[: limit - 1]  # one character for the ellipsis
    if not text[limit - 1].isspace():  # the cut falls inside a word: drop that word
        space = max(room.rfind(" "), room.rfind("\n"))
        if space >= limit // 3:
            room = room[:space]
    return room.rstrip(" ,;:.-–—\n") + "…"
