"""Train the small statistical model that triage uses beside the rules.

``uv run --group train python -m plan_store.triage.train [TUNING_SET]`` reads the
tuning part of the evaluation set (default ``bench/triage_set/tune.tsv``; never the
held-back part), fits TF-IDF on character 2-5-grams and on words and word pairs of
the folded text (the words no idiom of the terms files covers, as at run time), and
a logistic regression over the categories (and "none"; self-harm split in two, as
``model.py`` says), and writes the weights to
``plan_store/triage/model.json``, which ``model.py`` reads with plain Python: no
scikit-learn, numpy or download at run time. Only features that weigh are kept.

The threshold is chosen by cross-validation on the tuning part: the model is fitted
on four fifths and read, as ``model.py`` reads it, on the fifth it did not see; the
threshold is the lowest of ``THRESHOLDS`` at which the model alone raises a flag on
at most ``MAX_FALSE_FLAGS`` of the messages with no risk. ``--cv-only`` prints the
figures of each threshold and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from plan_store.enums import Severity
from plan_store.triage import matcher_for
from plan_store.triage.model import (
    CHARS,
    MODEL_FILE,
    NGRAMS,
    NONE,
    URGENT,
    WORD_NGRAMS,
    WORDS,
    classify_words,
    from_data,
    load,
    probabilities,
)

DEFAULT_SET = Path("bench/triage_set/tune.tsv")
KEEP = 1e-3
"""Weights smaller than this (in every class) are dropped from the file."""
URGENT_APART = frozenset({"self_harm"})
"""Categories whose urgent messages are a class of their own (any suicidal ideation).
Splitting the urgent and high messages of the other categories the same way read
them as alarms in cross-validation, but caught fewer of them in a set written
fresh: their classes grew too small."""
C = 20.0
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
MAX_FALSE_FLAGS = 0.02
FOLDS = 5
NEVER_ADDED = frozenset({NONE, "distress"})
"""What the model never raises on its own (see ``plan_store.triage.with_model``)."""


@dataclass(frozen=True, slots=True)
class Example:
    words: tuple[str, ...]
    """As the model reads the message: its folded words that no idiom covers."""
    category: str
    severity: str

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def label(self) -> str:
        if self.category in URGENT_APART and self.severity == Severity.URGENT.value:
            return self.category + URGENT
        return self.category


def read(path: Path) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, category, severity, text = line.split("\t")
        plain = matcher_for(language).read(text).plain
        examples.append(Example(plain, category, severity))
    return examples


Predict = Callable[[list[str]], list[list[float]]]


def fit(examples: Sequence[Example], c: float, balanced: bool) -> tuple[dict[str, Any], Predict]:
    """The model fitted on ``examples``, as ``model.json`` holds it (threshold 1), and
    scikit-learn's probabilities of each class for folded texts."""
    union = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    tokenizer=str.split,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=WORD_NGRAMS,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )
    features = union.fit_transform([e.text for e in examples])
    classifier = LogisticRegression(
        max_iter=5000, C=c, class_weight="balanced" if balanced else None
    )
    classifier.fit(features, [e.label for e in examples])
    classes = [str(each) for each in classifier.classes_]
    idf: dict[str, float] = {}
    weights: dict[str, list[float]] = {}
    offset = 0
    for prefix, (_, vectorizer) in zip((CHARS, WORDS), union.transformer_list, strict=True):
        for gram, index in vectorizer.vocabulary_.items():
            idf[prefix + gram] = round(float(vectorizer.idf_[index]), 4)  # all: the norm
            column = [float(classifier.coef_[k][offset + index]) for k in range(len(classes))]
            if max(abs(w) for w in column) >= KEEP:
                weights[prefix + gram] = [round(w, 4) for w in column]
        offset += len(vectorizer.vocabulary_)
    data = {
        "about": "plan_store/triage/train.py; TF-IDF of char_wb n-grams and word n-grams",
        "ngrams": list(NGRAMS),
        "word_ngrams": list(WORD_NGRAMS),
        "threshold": 1.0,
        "classes": classes,
        "intercepts": [round(float(b), 4) for b in classifier.intercept_],
        "idf": idf,
        "weights": weights,
    }

    def predict(texts: list[str]) -> list[list[float]]:
        return [[float(p) for p in row] for row in classifier.predict_proba(union.transform(texts))]

    return data, predict


@dataclass(slots=True)
class Fold:
    """How the model read one message it was not fitted on."""

    example: Example
    category: str
    probability: float
    severity: Severity


def cross_validate(examples: Sequence[Example], c: float, balanced: bool) -> list[Fold]:
    order = list(range(len(examples)))
    random.Random(0).shuffle(order)  # noqa: S311 (folds, not secrets)
    # Stratified: every fifth message of each label, in a shuffled order.
    by_label: dict[str, list[int]] = {}
    for index in order:
        by_label.setdefault(examples[index].label, []).append(index)
    fold_of = {i: n % FOLDS for members in by_label.values() for n, i in enumerate(members)}
    read_back: list[Fold] = []
    for fold in range(FOLDS):
        train = [examples[i] for i in order if fold_of[i] != fold]
        model = from_data(fit(train, c, balanced)[0])
        for index in (i for i in order if fold_of[i] == fold):
            guess = classify_words(examples[index].words, model)
            read_back.append(
                Fold(examples[index], guess.category, guess.probability, guess.severity)
            )
    return read_back


def cv_table(folds: Sequence[Fold]) -> dict[float, tuple[float, float]]:
    """Per threshold: the model's recall and false flags; prints the figures."""
    risky = [f for f in folds if f.example.category != NONE]
    benign = [f for f in folds if f.example.category == NONE]
    print(f"cross-validation ({FOLDS} folds) on {len(folds)} messages, the model alone:")
    print(
        f"{'threshold':>9}{'recall':>8}{'false flags':>12}{'urgent of those':>16}"
        f"{'ideation urgent':>16}{'other self-harm urgent':>23}"
    )
    table: dict[float, tuple[float, float]] = {}
    for threshold in THRESHOLDS:
        caught = [
            f for f in risky if f.category == f.example.category and f.probability >= threshold
        ]
        flagged = [
            f for f in benign if f.category not in NEVER_ADDED and f.probability >= threshold
        ]
        ideation = [f for f in caught if f.example.label == "self_harm" + URGENT]
        other = [f for f in caught if f.example.label == "self_harm"]
        recall, false_flags = len(caught) / len(risky), len(flagged) / len(benign)
        table[threshold] = (recall, false_flags)
        print(
            f"{threshold:>9.2f}{recall:>8.2f}{false_flags:>12.3f}"
            f"{sum(f.severity is Severity.URGENT for f in flagged):>16}"
            f"{_share(ideation):>16}{_share(other):>23}"
        )
    return table


def _share(folds: Sequence[Fold]) -> str:
    urgent = sum(f.severity is Severity.URGENT for f in folds)
    return f"{urgent}/{len(folds)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan_store.triage.train")
    parser.add_argument("tuning_set", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--c", type=float, default=C, help="inverse regularisation")
    parser.add_argument("--balanced", action="store_true", help="weigh classes by rarity")
    parser.add_argument("--cv-only", action="store_true", help="print the figures only")
    args = parser.parse_args(argv)
    if "held_back" in args.tuning_set.name:
        parser.error("the held-back part is never trained on")
    examples = read(args.tuning_set)
    table = cv_table(cross_validate(examples, args.c, args.balanced))
    allowed = [t for t, (_, false_flags) in table.items() if false_flags <= MAX_FALSE_FLAGS]
    threshold = min(allowed, default=max(THRESHOLDS))
    recall, false_flags = table[threshold]
    print(
        f"threshold {threshold:.2f}: recall {recall:.2f}, false flags {false_flags:.3f} "
        f"(the lowest with false flags <= {MAX_FALSE_FLAGS})"
    )
    if args.cv_only:
        return 0
    data, predict = fit(examples, args.c, args.balanced)
    data["threshold"] = threshold
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return _check(args.out, examples, data, predict)


def _check(path: Path, examples: Sequence[Example], data: dict[str, Any], predict: Predict) -> int:
    """The plain-Python reader of the written file gives scikit-learn's probabilities."""
    written = load.__wrapped__(path)
    assert written is not None
    expected = predict([e.text for e in examples])
    worst = max(
        abs(probabilities(e.words, written)[label] - row[k])
        for e, row in zip(examples, expected, strict=True)
        for k, label in enumerate(written.classes)
    )
    size = path.stat().st_size
    print(
        f"{len(examples)} messages, {len(data['weights'])} of {len(data['idf'])} features "
        f"weigh -> {path} ({size / 1e6:.1f} MB)"
    )
    print(f"largest difference between the file and the fitted model: {worst:.4f}")
    return 0 if worst < 0.01 else 1


if __name__ == "__main__":
    raise SystemExit(main())
