"""Type suggestions learned from the team's own tags: a small linear model, in pure Python.

A post becomes a set of features (`features`): the words and word pairs of its title
(marked, so a title word weighs more than the same word in the body) and of the start of
its body, with code blocks, stack traces and links reduced to one marker each, so a long
log does not drown the sentence that says what the post is. A feature is a number, a
stable hash of its words (`feature`): the same in every process, so a stored model reads
any post, and cheap, as a word is hashed once. A softmax regression over the features
two tagged posts or more share (the `MAX_FEATURES` commonest) is fitted by stochastic
gradient descent; its probability for the type it picks is the suggestion's confidence.
Chosen by measurement over naive Bayes (`benchmarks/suggest.py`): within a point of
scikit-learn's logistic regression on real issues.

Training runs in the background after each pause in the tagging, so it is kept cheap: a
`Corpus` keeps the tagged posts' features between trainings (only new or changed posts
are read again), the fit makes a fixed number of updates rather than of passes, and the
weights are kept relative to the first type and packed two types to a complex number,
so one sum scores two types.

A model only suggests a type the team has tagged `MIN_PER_TYPE` posts of, and there is no
model until two types have: a team starts from nothing, and is told what is missing.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
import threading
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import gt, xor

from inbox.config.suggest import DEFAULT_MIN_PER_TYPE
from inbox.models import PostType

TYPES: tuple[str, ...] = tuple(t.value for t in PostType)
"""What a model can suggest: the inbox's post types (keys 1-4)."""
MIN_PER_TYPE = DEFAULT_MIN_PER_TYPE
"""Tagged posts of a type before the model suggests it (the `[suggest] min_per_type` default)."""
BODY_CHARS = 700
"""The start of a body that is read: what a post is, it says early (measured: from 500
characters to 2,000 macro F1 moves by less than a point); a long log only costs."""
TITLE_CHARS = 300
"""The start of a title that is read (a title longer than this is not one)."""
BITS = 20
"""Features are numbers below 2**BITS: few enough to count in a list, enough that two
features a model keeps rarely share one."""
MAX_FEATURES = 10_000
"""Features a model keeps, those the most tagged posts hold (measured: more adds nothing)."""
VISITS = 8_000
"""Updates a training makes: five to six passes over 1,500 tagged posts, one over more
than 8,000 (each post is learned from at least once)."""
PASSES = 6
"""At most: a few tagged posts are not learned by heart."""
RATE = 0.5
"""The learning rate at the start; it falls to a quarter of that by the end."""
MARGIN = 0.9
"""A post the model already gives its type this probability teaches it nothing more."""
FORMAT = 2

_SIZE = 1 << BITS
_MASK = _SIZE - 1
_REMEMBER = 50_000
"""Words whose numbers are remembered (then forgotten all at once, and hashed again)."""

_TOKENS = bytes(b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or 48 <= b <= 57 or b in b"_'" else 32
                for b in range(256))
"""Lower case; what is not a letter, digit, `_` or `'` (non-ASCII included) separates words."""
_FENCE = re.compile(rb"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_TRACE = re.compile(rb"\n[ \t]*(?:at [^\n]*:\d+\)?|file \"[^\n]*\", line \d+[^\n]*|traceback \(most recent call "
                    rb"last\):|#\d+ +0x[0-9a-f]+[^\n]*)[ \t]*(?=\n|\Z)", re.I)
_LINK = re.compile(rb"://\S*")
"""What is left of a link is its scheme (`https`), a word as good as a marker."""


class _Numbers(dict):
    """word (bytes) -> its number: CRC-32 from `start`, cut to `BITS` (stable everywhere,
    unlike Python's salted `hash`); a dictionary, so each word is hashed once."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start

    def __missing__(self, word: bytes) -> int:
        if len(self) >= _REMEMBER:
            self.clear()
        number = self[word] = zlib.crc32(word, self.start) & _MASK
        return number


_FIRST = _Numbers(0)
"""A word's feature, and the first half of a pair's."""
_SECOND = _Numbers(0x5BD1E995)
"""The second half of a pair's: a pair is `_FIRST[a] ^ _SECOND[b]`, so `a b` is not `b a`."""
_TITLE = 0x9E3779B9 & _MASK
"""Xor'ed into a title word's or pair's feature."""
MARKERS = {name: zlib.crc32(name.encode()) & _MASK for name in ("<code>", "<trace>", "<link>", "<nobody>")}
_CODE, _TRACE_MARK, _LINK_MARK, _NOBODY = MARKERS.values()


def features(title: str, body: str | None) -> list[int]:
    """The features of a post, in order, with repeats (a model counts each once)."""
    text = (body or "")[:BODY_CHARS].encode("utf-8", "surrogatepass")
    found: list[int] = []
    if b"```" in text or b"~~~" in text:
        found.append(_CODE)
        text = _FENCE.sub(b" ", text)
    text, traces = _TRACE.subn(b" ", b"\n" + text)
    if traces:
        found.append(_TRACE_MARK)
    if b"://" in text:
        found.append(_LINK_MARK)
        text = _LINK.sub(b" ", text)
    words = text.translate(_TOKENS).split()
    heading = title[:TITLE_CHARS].encode("utf-8", "surrogatepass").translate(_TOKENS).split()
    first, second = _FIRST.__getitem__, _SECOND.__getitem__
    head = list(map(first, heading))
    found += map(xor, head, repeat(_TITLE))
    found += map(xor, map(xor, head, map(second, heading[1:])), repeat(_TITLE))
    found += head
    if words:
        numbers = list(map(first, words))
        found += numbers
        found += map(xor, numbers, map(second, words[1:]))
    else:
        found.append(_NOBODY)
    return found


def feature(name: str) -> int:
    """A feature's number from its name: `crash`, `crash on` (a pair), `t:crash` and
    `t:crash on` (in the title), or a marker such as `<code>`."""
    if name in MARKERS:
        return MARKERS[name]
    title = name.startswith("t:")
    words = name.removeprefix("t:").encode().split()
    number = _FIRST[words[0]] if len(words) == 1 else _FIRST[words[0]] ^ _SECOND[words[1]]
    return number ^ _TITLE if title else number


@dataclass(frozen=True)
class Suggestion:
    """A type for an untagged post, and how sure the model is (0-1)."""

    type: str
    confidence: float

    @property
    def label(self) -> str:
        """`Bug? 84%`: as the list and the preview show it."""
        return f"{PostType(self.type).label}? {math.floor(self.confidence * 100):.0f}%"


class Model:
    """A trained softmax regression. Only the differences between the types' scores
    count, so the first type's weights are all zero and each other type has a weight per
    kept feature and a bias, relative to it; stored as 32-bit floats, and read back as
    such, so every process suggests alike."""

    def __init__(self, types: Sequence[str], suggested: Sequence[str], kept: Sequence[int],
                 weights: Sequence[Sequence[float]], bias: Sequence[float], counts: Mapping[str, int]) -> None:
        self.types = tuple(types)
        """The types it learned: the first scores zero, the others by `weights`."""
        self.suggested = frozenset(suggested)
        """The types it may suggest: those with enough tagged posts."""
        self.kept = array("I", kept)
        """The features it weighs, ascending."""
        self.weights = [array("f", row) for row in weights]
        """Per type after the first, a weight per kept feature."""
        self.bias = [float(b) for b in array("f", bias)]
        self.counts = dict(counts)
        """Tagged posts per type it was trained on."""
        self._slot = {f: n for n, f in enumerate(self.kept, 1)}
        self._rows = _packed(self.weights)

    def suggest(self, title: str, body: str | None) -> Suggestion | None:
        """The likeliest type and its probability; None when that type has too few tagged
        posts to be suggested."""
        slots = set(filter(None, map(self._slot.get, features(title, body))))
        scores = _scores(self._rows, self.bias, slots, len(self.types))
        best = max(range(len(scores)), key=scores.__getitem__)
        top = scores[best]
        total = sum(math.exp(s - top) for s in scores)
        if self.types[best] not in self.suggested:
            return None
        return Suggestion(self.types[best], 1.0 / total)

    # --- stored as bytes ------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Compact: the kept features as the gaps between them, the weights as 32-bit
        floats (little-endian), compressed."""
        head = json.dumps({"format": FORMAT, "bits": BITS, "types": self.types, "suggested": sorted(self.suggested),
                           "bias": self.bias, "counts": self.counts, "features": len(self.kept)})
        gaps = array("I", (b - a for a, b in zip([0, *self.kept], self.kept)))
        weights = array("f", (w for row in self.weights for w in row))
        if sys.byteorder == "big":
            gaps.byteswap()
            weights.byteswap()
        return zlib.compress(head.encode() + b"\0" + gaps.tobytes() + weights.tobytes(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        """Raises ValueError for bytes that are not a model of this format."""
        try:
            raw = zlib.decompress(data)
            head_end = raw.index(b"\0")
            head = json.loads(raw[:head_end])
            if head.get("format") != FORMAT or head.get("bits") != BITS:
                raise ValueError(f"model format {head.get('format')!r}, expected {FORMAT}")
            size, types, bias = head["features"], list(head["types"]), list(head["bias"])
            body = raw[head_end + 1:]
            if not set(types) <= set(TYPES) or len(types) < 2:
                raise ValueError(f"the model's types are not the inbox's: {types!r}")
            if not isinstance(size, int) or len(body) != 4 * size * len(types) or len(bias) != len(types) - 1:
                raise ValueError("the model's parts do not fit together")
            gaps, weights = array("I"), array("f")
            gaps.frombytes(body[:4 * size])
            weights.frombytes(body[4 * size:])
            if sys.byteorder == "big":
                gaps.byteswap()
                weights.byteswap()
            kept = list(accumulate(gaps))
            if size and (kept[-1] >= _SIZE or 0 in gaps[1:]):
                raise ValueError("the model's features are out of order")
            rows = [weights[n * size:(n + 1) * size] for n in range(len(types) - 1)]
            return cls(types, head["suggested"], kept, rows, bias, head["counts"])
        except (zlib.error, KeyError, TypeError, AttributeError, UnicodeDecodeError,
                json.JSONDecodeError) as exc:
            raise ValueError(f"not a type model ({type(exc).__name__})") from None


def _packed(weights: Sequence[Sequence[float]]) -> list[list[complex]]:
    """Weights two types to a complex number (real: one type, imaginary: the next), a
    feature's at its place from 1 (0 stands for none)."""
    rows = []
    for n in range(0, len(weights), 2):
        imaginary = weights[n + 1] if n + 1 < len(weights) else repeat(0.0)
        rows.append([0j, *map(complex, weights[n], imaginary)])
    return rows


def _scores(rows: Sequence[Sequence[complex]], bias: Sequence[float], slots: Iterable[int],
            classes: int) -> list[float]:
    """Each type's score for a post, its features' weights summed and L2-normalised
    (binary features: divided by the square root of their number)."""
    slots = list(slots)
    scale = 1.0 / math.sqrt(len(slots)) if slots else 0.0
    scores = [0.0]
    for row in rows:
        total = sum(map(row.__getitem__, slots)) * scale
        scores += (total.real, total.imag)
    return [score + b for score, b in zip(scores[:classes], [0.0, *bias])]


# --- training ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Readiness:
    """Whether the tags so far are enough for suggestions, and what is missing."""

    counts: Mapping[str, int]
    min_per_type: int

    @property
    def ready(self) -> list[str]:
        return [t for t in TYPES if self.counts.get(t, 0) >= self.min_per_type]

    @property
    def enough(self) -> bool:
        return len(self.ready) >= 2

    def describe(self) -> str:
        """For the status line: `type suggestions after 10 tagged posts of two types (Bug 3,
        Feature Proposal 0, …)`, or which types are suggested."""
        if self.enough:
            return "suggesting " + ", ".join(PostType(t).label for t in self.ready)
        have = ", ".join(f"{PostType(t).label} {self.counts.get(t, 0)}" for t in TYPES)
        return f"type suggestions start at {self.min_per_type} tagged posts of two types ({have})"


class Corpus:
    """The features of the posts a model was last trained on, kept for the next training:
    it reads again only the posts that are new or whose text changed, and keeps count of
    the posts holding each feature by adding what came and taking away what went. One per
    database, in memory (a post is known by a hash of its text, valid in this process)."""

    def __init__(self) -> None:
        self._docs: dict[int, array] = {}
        """Hash of (title, body) -> the post's features, each once (in the order a set of
        them gives, the same in any process)."""
        self._uses: Counter[int] = Counter()
        """How many of the posts last read had that text."""
        self._held = array("i", bytes(4 * _SIZE))
        """Per feature, how many of them hold it (4 MB)."""
        self._lock = threading.Lock()
        self.featurised = 0
        """Posts featurised so far (what a retrain costs beyond the fit)."""

    def read(self, texts: Sequence[tuple[str, str | None]]) -> tuple[list[array], list[int], list[int]]:
        """Each post's features, then the features two posts or more hold (ascending) and
        how many hold each."""
        with self._lock:
            keys = list(map(hash, texts))
            docs, fresh = self._docs, {}
            out = []
            for key, (title, body) in zip(keys, texts):
                doc = docs.get(key)
                if doc is None:
                    doc = fresh.get(key)
                    if doc is None:
                        doc = fresh[key] = array("I", set(features(title, body)))
                out.append(doc)
            docs = {**docs, **fresh}
            self.featurised += len(fresh)
            uses, held = Counter(keys), self._held
            for key, before in self._uses.items():
                gone = before - uses.get(key, 0)
                if gone > 0:
                    for f in docs[key]:
                        held[f] -= gone
            for key, now in uses.items():
                came = now - self._uses.get(key, 0)
                if came > 0:
                    for f in docs[key]:
                        held[f] += came
            self._docs = {key: docs[key] for key in uses}
            self._uses = uses
            common = list(compress(range(_SIZE), map(gt, held, repeat(1))))
            return out, common, list(map(held.__getitem__, common))


def train(examples: Iterable[tuple[str, str | None, str]], *, min_per_type: int = MIN_PER_TYPE,
          seed: int = 0, corpus: Corpus | None = None) -> Model | None:
    """A model from (title, body, type) of tagged posts; None until two types have
    `min_per_type` posts each. `corpus` keeps the posts' features for the next training.
    Deterministic for the same examples and seed."""
    texts: list[tuple[str, str | None]] = []
    labels: list[str] = []
    for title, body, post_type in examples:
        if post_type in TYPES:
            texts.append((title, body))
            labels.append(post_type)
    counts = Counter(labels)
    readiness = Readiness(counts, min_per_type)
    if not readiness.enough:
        return None
    docs, common, held = (corpus or Corpus()).read(texts)
    kept = _telling(common, held)
    slot = [0] * _SIZE
    for n, f in enumerate(kept, 1):
        slot[f] = n
    rows = [list(filter(None, map(slot.__getitem__, doc))) for doc in docs]
    types = [t for t in TYPES if counts[t]]
    target = [types.index(label) for label in labels]
    weights, bias = _fit(rows, target, len(types), len(kept), seed)
    return Model(types, readiness.ready, kept, weights, bias, {t: counts[t] for t in types})


def _telling(common: list[int], held: list[int]) -> list[int]:
    """The features worth keeping, ascending: of those two posts or more hold, the
    `MAX_FEATURES` the most posts hold (ties: the lower number)."""
    if len(common) <= MAX_FEATURES:
        return common
    order = sorted(range(len(common)), key=held.__getitem__, reverse=True)[:MAX_FEATURES]
    return [common[n] for n in sorted(order)]


def _fit(docs: Sequence[Sequence[int]], target: Sequence[int], classes: int, size: int,
         seed: int) -> tuple[list[list[float]], list[float]]:
    """Softmax regression by stochastic gradient descent on L2-normalised binary features
    (`docs`: each post's features as 1..size); a post already given its type with `MARGIN`
    is skipped. The weights are kept relative to the first type's (an update moves each
    other type's by its gradient less the first type's, as updating all of them would),
    two types to a complex number: a post is scored and updated in one pass per two types."""
    rows = [[0j] * (size + 1) for _ in range(classes // 2)]
    bias = [0.0] * classes
    scales = [1.0 / math.sqrt(len(doc)) if doc else 0.0 for doc in docs]
    visits = max(len(docs), min(VISITS, PASSES * len(docs)))
    shuffle = random.Random(seed).shuffle
    exp = math.exp
    done = 0
    while done < visits:
        order = list(range(len(docs)))
        shuffle(order)
        for n in order[:visits - done]:
            rate = RATE / (1 + 3 * done / visits)
            done += 1
            doc, scale, label = docs[n], scales[n], target[n]
            scores = [0.0]
            for row in rows:
                total = sum(map(row.__getitem__, doc)) * scale
                scores += (total.real, total.imag)
            scores = [s + b for s, b in zip(scores, bias)]
            top = max(scores)
            powers = [exp(s - top) for s in scores]
            total = sum(powers)
            if powers[label] > MARGIN * total:
                continue
            gradients = [p / total for p in powers]
            gradients[label] -= 1.0
            first = gradients[0]
            gradients = [g - first for g in gradients] + [0.0]
            for c in range(1, classes):
                bias[c] -= rate * gradients[c] * 0.1
            for r, row in enumerate(rows):
                real, imaginary = gradients[1 + 2 * r], gradients[2 + 2 * r]
                if -0.01 < real < 0.01 and -0.01 < imaginary < 0.01:
                    continue
                step = complex(real, imaginary) * (rate * scale)
                for f in doc:
                    row[f] -= step
    weights = []
    for row in rows:
        weights += ([z.real for z in row[1:]], [z.imag for z in row[1:]])
    return weights[:classes - 1], bias[1:]
