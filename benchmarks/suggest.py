"""Type suggestions measured on real GitHub issues: which method, how good, how fast.

    python benchmarks/suggest.py                       # the shared labelled set
    python benchmarks/suggest.py --csv PATH --folds 5

Reads `../shared/datasets/issue-types/issues_train.csv` (1,500 issues labelled bug,
feature or question; never copied into the project) and prints:

- macro F1 and per-type F1 by stratified cross-validation, for the inbox's model
  (`inbox.triage.suggest`: softmax regression, pure Python), a multinomial naive Bayes
  on the same features (pure Python), and scikit-learn's logistic regression on the same
  features when scikit-learn is installed (a comparison only: the inbox does not use it);
- a learning curve: trained on 50, 150, 500 tagged posts and scored on all the others
  (mean of three draws), and on 1,500 by cross-validation;
- the threshold table: for each confidence threshold, how many posts get a suggestion
  and the macro F1 when a hidden suggestion counts as a miss;
- training time at 1,500 and at 10,000 tagged posts (the set resampled), from nothing
  and again after ten more posts are tagged (as the inbox retrains), the cost of a
  suggestion per post, and of featurising one.

CPU times (`time.process_time`, the least of three runs), so other work on the machine
counts less. Not a test.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox.triage import suggest  # noqa: E402

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "issue-types" / "issues_train.csv"
LABELS = {"bug": "bug", "feature": "feature", "question": "question"}
"""The set's labels as the inbox's types: bug -> Bug, feature -> Feature Proposal,
question -> Developer/Product Question."""
THRESHOLDS = [round(0.1 * n, 1) for n in range(10)]

Post = tuple[str, str, str]
Predictor = Callable[[str, str], tuple[str | None, float]]


def load(path: Path) -> list[Post]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as file:
        return [(row["title"], row["body"], LABELS[row["label"]]) for row in csv.DictReader(file)]


def folds(posts: Sequence[Post], k: int, seed: int = 0) -> list[list[int]]:
    """Stratified: each fold holds its share of every type."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for n, post in enumerate(posts):
        by_type[post[2]].append(n)
    shuffle = random.Random(seed).shuffle
    out: list[list[int]] = [[] for _ in range(k)]
    for _, members in sorted(by_type.items()):
        shuffle(members)
        for position, n in enumerate(members):
            out[position % k].append(n)
    return out


def f1_scores(gold: Sequence[str], guessed: Sequence[str | None], types: Sequence[str]) -> dict[str, float]:
    """Per type; a None guess (nothing shown) is a miss for the post's own type."""
    scores = {}
    for t in types:
        tp = sum(1 for g, p in zip(gold, guessed) if p == t and g == t)
        fp = sum(1 for g, p in zip(gold, guessed) if p == t and g != t)
        fn = sum(1 for g, p in zip(gold, guessed) if g == t and p != t)
        scores[t] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


# --- the methods ------------------------------------------------------------------------

def inbox_model(train: Sequence[Post]) -> Predictor:
    model = suggest.train(train, min_per_type=1)
    assert model is not None

    def predict(title: str, body: str) -> tuple[str | None, float]:
        found = model.suggest(title, body)
        return (found.type, found.confidence) if found else (None, 0.0)
    return predict


def naive_bayes(train: Sequence[Post], alpha: float = 0.1) -> Predictor:
    """Multinomial naive Bayes on the same features, each counted once per post."""
    counts: dict[str, Counter] = defaultdict(Counter)
    posts = Counter()
    for title, body, label in train:
        counts[label].update(set(suggest.features(title, body)))
        posts[label] += 1
    vocabulary = set().union(*counts.values())
    totals = {t: sum(c.values()) + alpha * len(vocabulary) for t, c in counts.items()}
    prior = {t: math.log(n / len(train)) for t, n in posts.items()}

    def predict(title: str, body: str) -> tuple[str | None, float]:
        found = [f for f in set(suggest.features(title, body)) if f in vocabulary]
        scores = {t: prior[t] + sum(math.log((counts[t][f] + alpha) / totals[t]) for f in found) for t in counts}
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        best = max(scores, key=scores.__getitem__)
        return best, 1 / total
    return predict


def sklearn_logistic(train: Sequence[Post]) -> Predictor | None:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None
    vectorizer = TfidfVectorizer(analyzer=lambda post: suggest.features(*post), sublinear_tf=True)
    matrix = vectorizer.fit_transform([(t, b) for t, b, _ in train])
    model = LogisticRegression(C=10, max_iter=2000).fit(matrix, [label for _, _, label in train])

    def predict(title: str, body: str) -> tuple[str | None, float]:
        probabilities = model.predict_proba(vectorizer.transform([(title, body)]))[0]
        best = int(probabilities.argmax())
        return model.classes_[best], float(probabilities[best])
    return predict


METHODS: dict[str, Callable[[Sequence[Post]], Predictor | None]] = {
    "inbox (softmax regression, pure Python)": inbox_model,
    "naive Bayes (multinomial, pure Python)": naive_bayes,
    "scikit-learn LogisticRegression (comparison)": sklearn_logistic,
}


# --- measuring ---------------------------------------------------------------------------

def cross_validate(posts: Sequence[Post], method: Callable, k: int) -> list[tuple[str, str | None, float]] | None:
    """(gold, guess, confidence) for every post, each guessed by a model that never saw it."""
    out = []
    for held in folds(posts, k):
        held_set = set(held)
        predict = method([p for n, p in enumerate(posts) if n not in held_set])
        if predict is None:
            return None
        for n in held:
            guess, confidence = predict(posts[n][0], posts[n][1])
            out.append((posts[n][2], guess, confidence))
    return out


def macro(results: Sequence[tuple[str, str | None, float]], threshold: float = 0.0) -> tuple[float, dict]:
    types = sorted({gold for gold, _, _ in results})
    scores = f1_scores([g for g, _, _ in results],
                       [p if c >= threshold else None for _, p, c in results], types)
    return sum(scores.values()) / len(scores), scores


def learning_curve(posts: Sequence[Post], sizes: Sequence[int], cv: list, draws: int = 3) -> list[tuple[int, float]]:
    curve = []
    for size in sizes:
        if size >= len(posts):
            curve.append((len(posts), macro(cv)[0]))
            continue
        figures = []
        for draw in range(draws):
            chosen = [n for fold in folds(posts, len(posts) // size, seed=draw)[:1] for n in fold]
            chosen_set = set(chosen)
            predict = inbox_model([posts[n] for n in chosen])
            rest = [(p[2], *predict(p[0], p[1])) for n, p in enumerate(posts) if n not in chosen_set]
            figures.append(macro(rest)[0])
        curve.append((size, sum(figures) / len(figures)))
    return curve


def _best(run: Callable[[], object], times: int = 3) -> tuple[float, object]:
    """The least CPU time of a few runs (other work on the machine only adds), and the
    last result."""
    least, result = math.inf, None
    for _ in range(times):
        start = time.process_time()
        result = run()
        least = min(least, time.process_time() - start)
    return least, result


def timings(posts: Sequence[Post]) -> dict[str, float]:
    """CPU seconds: training at 1,500 and 10,000 posts, from nothing (every post
    featurised) and again after ten more are tagged (the others' features kept, as the
    inbox keeps them between trainings); a suggestion and a featurising per post."""
    out = {}
    # 10,000 posts drawn from the set, each title numbered so no two texts are the same
    resampled = [(f"{title} #{n}", body, label) for n, (title, body, label)
                 in ((n, posts[random.Random(n).randrange(len(posts))]) for n in range(10_000))]
    for size, sample in (("1,500", list(posts)), ("10,000", resampled)):
        out[f"train {size}"], model = _best(lambda: suggest.train(sample, min_per_type=1))
        corpus = suggest.Corpus()
        suggest.train(sample, min_per_type=1, corpus=corpus)
        runs = iter(range(3))

        def retrain() -> suggest.Model | None:
            run = next(runs)  # each run, ten posts tagged that the corpus has not seen
            more = [(f"{title} ({run})", body, label) for title, body, label in sample[:10]]
            return suggest.train([*sample, *more], min_per_type=1, corpus=corpus)
        out[f"retrain {size} (+10)"], _ = _best(retrain)
    assert isinstance(model, suggest.Model)
    out["featurise / post"] = _best(lambda: [suggest.features(title, body) for title, body, _ in posts])[0] / len(posts)
    out["suggest / post"] = _best(lambda: [model.suggest(title, body) for title, body, _ in posts])[0] / len(posts)
    blob = model.to_bytes()
    out["model bytes (10k)"] = len(blob)
    out["load model"], _ = _best(lambda: suggest.Model.from_bytes(blob))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DATASET)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    if not args.csv.is_file():
        sys.exit(f"{args.csv}: no such file (the labelled issues live in shared/datasets/issue-types/)")
    posts = load(args.csv)
    print(f"{len(posts):,} issues: {dict(sorted(Counter(p[2] for p in posts).items()))}")
    print(f"\n{args.folds}-fold stratified cross-validation, macro F1 (per type):")
    inbox_cv = None
    for name, method in METHODS.items():
        results = cross_validate(posts, method, args.folds)
        if results is None:
            print(f"  {name:<46} (not installed)")
            continue
        inbox_cv = inbox_cv or results
        score, per_type = macro(results)
        print(f"  {name:<46} {score:.3f}  (" + ", ".join(f"{t} {s:.3f}" for t, s in per_type.items()) + ")")
    assert inbox_cv is not None
    print("\nlearning curve (inbox model), macro F1 on the posts it was not trained on:")
    for size, score in learning_curve(posts, (50, 150, 500, len(posts)), inbox_cv):
        how = "cross-validated" if size == len(posts) else "mean of 3 draws"
        print(f"  {size:>6,} tagged  {score:.3f}  ({how})")
    print("\nthreshold table (inbox model, cross-validated; a hidden suggestion counts as a miss):")
    print("  threshold  shown   macro F1  precision of what is shown  per type")
    for threshold in THRESHOLDS:
        shown = [r for r in inbox_cv if r[2] >= threshold]
        precision = sum(1 for g, p, _ in shown if g == p) / len(shown) if shown else 0.0
        score, per_type = macro(inbox_cv, threshold)
        print(f"  {threshold:>9.1f}  {len(shown) / len(inbox_cv):>5.0%}   {score:.3f}     {precision:.3f}"
              "                       " + ", ".join(f"{t} {s:.3f}" for t, s in per_type.items()))
    print("\ntimes (CPU):")
    for name, value in timings(posts).items():
        shown = f"{value:,.0f} bytes" if "bytes" in name else (
            f"{value * 1e6:,.0f} µs" if "/" in name else f"{value:.3f} s")
        print(f"  {name:<22} {shown}")


if __name__ == "__main__":
    main()
