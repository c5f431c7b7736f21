"""Type suggestions learned from the team's own tags: a small linear model, in pure Python.

A post becomes a bag of features (`features`): the words and word pairs of its title
(marked, so a title word weighs more than the same word in the body) and of the start of
its body, with code blocks, stack traces and links reduced to one marker each, so a long
log does not drown the sentence that says what the post is. A softmax regression over the
features kept (`train`: the most telling ones, by how unevenly the tagged types use them)
is fitted by a few passes of stochastic gradient descent; its probability for the type it
picks is the suggestion's confidence. Chosen by measurement over naive Bayes
(`benchmarks/suggest.py`): it is as good as scikit-learn's logistic regression on real
issues and trains in the background in a fraction of a second.

A model only suggests a type the team has tagged `MIN_PER_TYPE` posts of, and there is no
model until two types have: a team starts from nothing, and is told what is missing.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import re
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from inbox.config.suggest import DEFAULT_MIN_PER_TYPE
from inbox.models import PostType

TYPES: tuple[str, ...] = tuple(t.value for t in PostType)
"""What a model can suggest: the inbox's post types (keys 1-4)."""
MIN_PER_TYPE = DEFAULT_MIN_PER_TYPE
"""Tagged posts of a type before the model suggests it (the `[suggest] min_per_type` default)."""
BODY_CHARS = 2000
"""The start of a body that is read: what a post is, it says early; a long log only costs."""
MAX_FEATURES = 10_000
"""Features a model keeps, the most telling first (measured: more adds nothing)."""
EPOCHS = 4
RATE = 0.5
MARGIN = 0.9
"""A post the model already gives its type this probability teaches it nothing more."""
FORMAT = 1
BODY_PAIRS = True

_FENCE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_TRACE = re.compile(r"^[ \t]*(?:at [^\n]*:\d+\)?|file \"[^\n]*\", line \d+[^\n]*|traceback \(most recent call last\):"
                    r"|#\d+ +0x[0-9a-f]+[^\n]*)[ \t]*$", re.M)
_LINK = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
_WORD = re.compile(r"[a-z][a-z0-9_']+|\d+")


def features(title: str, body: str | None) -> list[str]:
    """The features of a post, in order, with repeats (a model counts each once)."""
    text = (body or "")[:BODY_CHARS].lower()
    found: list[str] = []
    if "```" in text or "~~~" in text:
        found.append("<code>")
        text = _FENCE.sub(" ", text)
    if "at " in text or "file \"" in text or "traceback" in text or "#" in text:
        before = len(text)
        text = _TRACE.sub(" ", text)
        if len(text) != before:
            found.append("<trace>")
    if "://" in text:
        found.append("<link>")
        text = _LINK.sub(" ", text)
    heading = _WORD.findall(title.lower())
    words = _WORD.findall(text)
    found += ["t:" + word for word in heading]
    found += ["t:" + a + " " + b for a, b in zip(heading, heading[1:])]
    found += heading
    found += words
    if BODY_PAIRS:
        found += [a + " " + b for a, b in zip(words, words[1:])]
    if not words:
        found.append("<nobody>")
    return found


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
    """A trained softmax regression: a weight per kept feature and type, and a bias."""

    def __init__(self, types: Sequence[str], suggested: Sequence[str], vocabulary: Sequence[str],
                 weights: Sequence[Sequence[float]], bias: Sequence[float], counts: Mapping[str, int]) -> None:
        self.types = tuple(types)
        """The types it learned, in the order of `weights`."""
        self.suggested = frozenset(suggested)
        """The types it may suggest: those with enough tagged posts."""
        self.vocabulary = tuple(vocabulary)
        self.index = {feature: n for n, feature in enumerate(self.vocabulary)}
        self.weights = [list(row) for row in weights]
        self.bias = list(bias)
        self.counts = dict(counts)
        """Tagged posts per type it was trained on."""

    def suggest(self, title: str, body: str | None) -> Suggestion | None:
        """The likeliest type and its probability; None when that type has too few tagged
        posts to be suggested."""
        return self.suggest_features(features(title, body))

    def suggest_features(self, found: Iterable[str]) -> Suggestion | None:
        known = set(map(self.index.get, found))
        known.discard(None)
        ids: list[int] = list(known)  # type: ignore[arg-type]
        scale = 1.0 / math.sqrt(len(ids)) if ids else 0.0
        scores = [b + scale * sum(map(row.__getitem__, ids)) for row, b in zip(self.weights, self.bias)]
        best = max(range(len(scores)), key=scores.__getitem__)
        top = scores[best]
        total = sum(math.exp(s - top) for s in scores)
        if self.types[best] not in self.suggested:
            return None
        return Suggestion(self.types[best], 1.0 / total)

    # --- stored as bytes ------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Compact: the features as text, the weights as 32-bit floats, compressed."""
        head = json.dumps({"format": FORMAT, "types": self.types, "suggested": sorted(self.suggested),
                           "bias": self.bias, "counts": self.counts, "features": len(self.vocabulary)})
        weights = array("f", (w for row in self.weights for w in row))
        if sys.byteorder == "big":
            weights.byteswap()
        return zlib.compress(b"\0".join([head.encode(), "\n".join(self.vocabulary).encode()]) + b"\0"
                             + weights.tobytes(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        """Raises ValueError for bytes that are not a model of this format."""
        try:
            raw = zlib.decompress(data)
            head_end = raw.index(b"\0")
            vocab_end = raw.index(b"\0", head_end + 1)
            head = json.loads(raw[:head_end])
            if head.get("format") != FORMAT:
                raise ValueError(f"model format {head.get('format')!r}, expected {FORMAT}")
            vocabulary = raw[head_end + 1:vocab_end].decode().split("\n") if head["features"] else []
            weights = array("f")
            weights.frombytes(raw[vocab_end + 1:])
            if sys.byteorder == "big":
                weights.byteswap()
            size, types = len(vocabulary), list(head["types"])
            if len(vocabulary) != head["features"] or len(weights) != size * len(types):
                raise ValueError("the model's parts do not fit together")
            rows = [weights[n * size:(n + 1) * size].tolist() for n in range(len(types))]
            return cls(types, head["suggested"], vocabulary, rows, head["bias"], head["counts"])
        except (zlib.error, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a type model ({type(exc).__name__})") from None


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


def train(examples: Iterable[tuple[str, str | None, str]], *, min_per_type: int = MIN_PER_TYPE,
          seed: int = 0) -> Model | None:
    """A model from (title, body, type) of tagged posts; None until two types have
    `min_per_type` posts each. Deterministic for the same examples and seed."""
    found: list[frozenset[str]] = []
    labels: list[str] = []
    for title, body, post_type in examples:
        if post_type in TYPES:
            found.append(frozenset(features(title, body)))
            labels.append(post_type)
    counts = Counter(labels)
    readiness = Readiness(counts, min_per_type)
    if not readiness.enough:
        return None
    types = [t for t in TYPES if counts[t]]
    target = [types.index(label) for label in labels]
    vocabulary = _telling(found, target, len(types))
    index = {feature: n for n, feature in enumerate(vocabulary)}
    get = index.get
    # in index order, not the set's (which varies with the process's string hashing): the
    # sums come out the same to the last bit, and so the same model from the same tags
    docs = [sorted(n for n in map(get, doc) if n is not None) for doc in found]
    weights, bias = _fit(docs, target, len(types), len(vocabulary), seed)
    return Model(types, readiness.ready, vocabulary, weights, bias, {t: counts[t] for t in types})


def _telling(found: Sequence[frozenset[str]], target: Sequence[int], classes: int) -> list[str]:
    """The features worth keeping: seen in two posts or more, the `MAX_FEATURES` whose
    use differs most between the types (a chi-square-like score), in a fixed order."""
    per_type = [Counter() for _ in range(classes)]
    sizes = [0] * classes
    for doc, label in zip(found, target):
        per_type[label].update(doc)
        sizes[label] += 1
    total = Counter()
    for seen in per_type:
        total.update(seen)
    shares = [size / len(found) for size in sizes]
    scored = []
    for feature, n in total.items():
        if n < 2:
            continue
        score = 0.0
        for seen, share in zip(per_type, shares):
            over = seen[feature] - n * share if feature in seen else 0.0
            if over > 0:
                score = max(score, over * over / (n * share))
        scored.append((score, feature))
    best = heapq.nlargest(MAX_FEATURES, scored)
    return sorted(feature for _, feature in best)


def _fit(docs: Sequence[Sequence[int]], target: Sequence[int], classes: int, size: int,
         seed: int) -> tuple[list[list[float]], list[float]]:
    """Softmax regression by stochastic gradient descent on L2-normalised binary features;
    a post already given its type with `MARGIN` is skipped."""
    weights = [[0.0] * size for _ in range(classes)]
    bias = [0.0] * classes
    scales = [1.0 / math.sqrt(len(doc)) if doc else 0.0 for doc in docs]
    order = list(range(len(docs)))
    shuffle = random.Random(seed).shuffle
    exp = math.exp
    span = range(classes)
    for epoch in range(EPOCHS):
        shuffle(order)
        rate = RATE / (1 + epoch)
        for n in order:
            doc, scale, label = docs[n], scales[n], target[n]
            scores = [b + scale * sum(map(row.__getitem__, doc)) for row, b in zip(weights, bias)]
            top = max(scores)
            powers = [exp(s - top) for s in scores]
            total = sum(powers)
            if powers[label] / total > MARGIN:
                continue
            for c in span:
                gradient = powers[c] / total - (c == label)
                if -0.01 < gradient < 0.01:
                    continue
                step = rate * gradient * scale
                row = weights[c]
                for f in doc:
                    row[f] -= step
                bias[c] -= rate * gradient * 0.1
    return weights, bias
