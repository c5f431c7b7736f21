"""The words a post is about: what finds the same question asked on another channel.

A post's title and the start of its body, split as the search index splits text (letters
and digits; SQLite's unicode61 and PostgreSQL's parser both fold case and accents), less
the words that say nothing about the question: English function words, greetings and the
boilerplate of support posts. What is left is only a candidate: the store drops the words
too many posts share, which it alone can count (`inbox.store.similar`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
BODY_CHARS = 4_000
"""Characters of a body read for words: the question is asked at the start, and a pasted
log of 100,000 characters must cost no more than a short post."""
SHORTEST, LONGEST = 3, 24
"""Words shorter say nothing; longer ones are hashes, tokens and ids, found in one post."""

STOP_WORDS = frozenset("""
a about above after again against all almost also although always am among an and another any anybody
anyone anything anyway anywhere are around as at away back be because been before being below
between both but by can cannot could did does doing done down during each either else enough even
ever every everyone everything few for from further get gets getting got had has have having he her
here hers herself him himself his how however i if in into is isn it its itself just keep kept know
last least less let like made make makes many may maybe me might mine more most much must my myself
need needs neither never new next no nobody none nor not nothing now of off often on once one only
onto or other others otherwise our ours ourselves out over own per perhaps please quite rather
really same see seem seems several shall she should since so some somebody someone something
sometimes somewhat still such than that the their theirs them themselves then there these they
thing things this those though through thus till to too toward towards under until up upon us use
used uses using very via was way ways we well were what whatever when whenever where whether which
while who whoever whole whom whose why will with within without would yet you your yours yourself
yourselves
aren couldn didn doesn don hadn hasn haven isn mustn needn shan shouldn wasn weren won wouldn ll ve re
hello hey thanks thank thx regards cheers dear team guys folks sorry appreciate appreciated help
helps helped question questions issue issues problem problems anyone someone please hope hoping
trying tried try want wanted wants able unable seems seemed getting gets work works worked working
think thought look looks looking looked find found know knows see saw seen way says said
http https www com org net html htm
""".split())
"""Words that say nothing about which question a post asks: English function words,
greetings and thanks, and the words every support post uses to ask ("trying", "issue")."""


def fold(word: str) -> str:
    """A word as the search index holds it: lowercase, accents off (café is cafe)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    found = []
    for raw in _WORD.findall(text):
        word = fold(raw)
        if not SHORTEST <= len(word) <= LONGEST or word in STOP_WORDS:
            continue
        if word.isdigit() and len(word) > 6:  # a timestamp or an id, not an error code
            continue
        found.append(word)
    return found


@dataclass(frozen=True)
class Term:
    """A word a post is about, and whether its title has it (a title match counts more)."""

    word: str
    in_title: bool


def key_terms(title: str | None, body: str | None, *, limit: int) -> list[Term]:
    """Up to `limit` candidate words: the title's in order, then the body's, the most
    repeated first (ties in order of appearance); each word once."""
    terms: dict[str, Term] = {}
    for word in _words(title or ""):
        terms.setdefault(word, Term(word, True))
    counts = Counter(_words((body or "")[:BODY_CHARS]))
    for word, _ in counts.most_common():
        if len(terms) >= limit:
            break
        terms.setdefault(word, Term(word, False))
    return list(terms.values())[:limit]
