"""Keeping type suggestions current: retrain when the tags changed, suggest for new posts.

`retrain` reads every tagged post, trains a model (`inbox.triage.suggest`), stores it for
the whole team, then suggests again for every untagged post, newest model first to last
post. It does nothing when the tags are what the stored model was trained on, so calling
it often is cheap; and it keeps the tagged posts' features in memory for the next
training, which then featurises only the posts tagged since. `suggest_new` gives the
posts a sync brought a suggestion from the stored model; without a model it costs one
small read. Both run in a thread (the TUI's
workers, the sync's `to_thread`), never on an event loop.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from inbox.config import Config
from inbox.store import Store
from inbox.triage.suggest import FORMAT, Corpus, Model, Readiness, train

_loaded: dict[str, tuple[int, Model]] = {}
"""Per database, the model last loaded and its generation: loading is read once."""
_corpora: dict[str, Corpus] = {}
"""Per database, the tagged posts' features, kept from one training to the next (for the
`KEPT_CORPORA` databases trained on last: a few megabytes each)."""
KEPT_CORPORA = 2
_lock = threading.Lock()


@dataclass(frozen=True)
class Retrained:
    """What a `retrain` did."""

    readiness: Readiness
    trained: bool
    """A new model was trained and stored (False: the tags had not changed, or too few)."""
    seconds: float = 0.0
    """Training alone, wall clock."""
    suggested: int = 0
    """Untagged posts whose suggestion changed."""


def readiness(config: Config, store: Store) -> Readiness:
    """Whether there are tags enough for suggestions (the status line says so)."""
    return Readiness(store.suggestions.tag_counts(), config.suggest.min_per_type)


def loaded_model(store: Store) -> Model | None:
    """The stored model, loaded once per generation."""
    generation = store.suggestions.generation()
    if generation is None:
        return None
    where = str(store)
    with _lock:
        cached = _loaded.get(where)
    if cached is not None and cached[0] == generation:
        return cached[1]
    stored = store.suggestions.model()
    if stored is None:
        return None
    try:
        model = Model.from_bytes(stored.model)
    except ValueError:  # a newer inbox's model, or damaged: as if there were none until retrained
        return None
    with _lock:
        _loaded[where] = (stored.generation, model)
    return model


def retrain(config: Config, store: Store, *, now: datetime, force: bool = False,
            stop: Callable[[], bool] = lambda: False) -> Retrained:
    """Train on the tags as they are now, unless the stored model was trained on just these;
    then suggest again for every untagged post. `stop` is asked between chunks (a newer
    retrain has been asked for)."""
    settings = config.suggest
    counts, fingerprint = _tags_read(store.suggestions.tags(), settings.min_per_type)
    ready = Readiness(counts, settings.min_per_type)
    if not force and store.suggestions.fingerprint() == fingerprint:
        return Retrained(ready, False)
    if not ready.enough:
        if store.suggestions.generation() is not None:
            store.suggestions.drop_model()
        return Retrained(ready, False)
    started = time.perf_counter()
    with _lock:
        corpus = _corpora.pop(str(store), None) or Corpus()
        _corpora[str(store)] = corpus
        while len(_corpora) > KEPT_CORPORA:
            del _corpora[next(iter(_corpora))]
    model = train(store.suggestions.tagged_posts(), min_per_type=settings.min_per_type, corpus=corpus)
    seconds = time.perf_counter() - started
    if model is None:
        return Retrained(ready, False)
    generation = store.suggestions.save_model(model.to_bytes(), fingerprint=fingerprint, tagged=counts.total(),
                                              now=now)
    with _lock:
        _loaded[str(store)] = (generation, model)
    return Retrained(ready, True, seconds, suggest_all(store, model, stop=stop))


def suggest_all(store: Store, model: Model, *, stop: Callable[[], bool] = lambda: False) -> int:
    """Suggest again for every untagged post, a chunk at a time; only changes are written.
    Returns how many changed."""
    after: str | None = None
    changed = 0
    while not stop():
        rows = store.suggestions.untagged(after=after)
        if not rows:
            break
        writes = []
        for key, title, body, kind, confidence in rows:
            found = model.suggest(title, body)
            new = (found.type, round(found.confidence, 4)) if found else (None, None)
            if new != (kind, None if confidence is None else round(confidence, 4)):
                writes.append((key, *new))
        store.suggestions.write(writes)
        changed += len(writes)
        after = rows[-1][0]
        time.sleep(0)  # let a screen's thread draw between chunks
    return changed


def suggest_new(store: Store, keys: Sequence[str]) -> int:
    """Suggestions for the posts among `keys` that are untagged and have none yet (what a
    sync brought); nothing without a stored model. Returns how many were written."""
    if not keys:
        return 0
    model = loaded_model(store)
    if model is None:
        return 0
    writes = []
    for key, title, body in store.suggestions.unsuggested(keys):
        found = model.suggest(title, body)
        if found is not None:
            writes.append((key, found.type, round(found.confidence, 4)))
    store.suggestions.write(writes)
    return len(writes)


def after_sync(config: Config, store: Store, *, since: datetime | str, now: datetime) -> None:
    """At the end of a sync, before the rules: retrain if the tags changed (a teammate's,
    or the command line's), else suggest for what the sync brought."""
    if retrain(config, store, now=now).trained or loaded_model(store) is None:
        return
    suggest_new(store, store.keys_synced_since(since))


def _tags_read(tags: Iterable[tuple[str, str]], min_per_type: int) -> tuple[Counter[str], str]:
    """Tags per type, and what the model would be trained on, hashed: the sum of each
    (key, type)'s own hash, so the tags may come in any order and none is kept."""
    counts: Counter[str] = Counter()
    total = 0
    for key, kind in tags:
        counts[kind] += 1
        pair = hashlib.blake2b(f"{key}\t{kind}".encode("utf-8", "surrogatepass"), digest_size=16).digest()
        total += int.from_bytes(pair, "big")
    return counts, f"{FORMAT}:{min_per_type}:{total % 2**128:032x}"
