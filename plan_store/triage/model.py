"""The small statistical model beside the rules (see ``locales/triage/README.md``).

TF-IDF of character n-grams of the folded words (each word padded with a space, as
scikit-learn's ``char_wb`` does) and of the folded words and word pairs, each block
normalised apart (a ``FeatureUnion``), and a logistic regression over the categories,
trained by ``plan_store/triage/train.py`` on the tuning part of the evaluation set.
Self-harm is two classes, suicidal ideation (``self_harm+urgent``) and the rest, so
that the model can tell an urgent message from a sad one.

The model reads the words of a text that no idiom of the terms files covers (``me
muero de sueño`` is read as nothing at all), in training as at run time: the rules
say what is an idiom, and the model does not read it again.

The weights are read from ``model.json`` with plain Python. The model only adds a
category the rules did not find, when it is at least as sure as the threshold chosen
in cross-validation on the tuning part; at ``urgent`` when an urgent class is the
likelier of its category, at ``SEVERITY`` otherwise.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plan_store.enums import Severity
from plan_store.triage.folding import words_of

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "model.json"
NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
SEVERITY = Severity.MEDIUM
"""The severity of what the model adds from a category's plain class."""
URGENT = "+urgent"
"""The suffix of the class that is the urgent part of a category (``self_harm+urgent``)."""
NONE = "none"
CHARS = "c:"
WORDS = "w:"
"""Prefixes of the features of each block in ``model.json``."""


Weights = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Feature:
    """One n-gram the model knows: its idf, and its weight in each class (empty when
    every weight was too small to keep)."""

    idf: float
    weights: Weights


@dataclass(frozen=True, slots=True)
class Model:
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    chars: dict[str, Feature]
    """The character n-grams, without their ``c:`` prefix."""
    words: dict[str, Feature]
    """The word n-grams, without their ``w:`` prefix."""
    ngrams: tuple[int, int]
    word_ngrams: tuple[int, int]
    threshold: float
    labels: tuple[tuple[str, Severity], ...]
    """Each class's category and severity (``split``), in the order of ``classes``."""


@dataclass(frozen=True, slots=True)
class Guess:
    category: str
    """A category (a section name of the terms files) or ``"none"``."""
    probability: float
    """How sure the model is of ``category`` (its classes summed)."""
    severity: Severity
    sure: bool
    """Whether ``probability`` reaches the model's threshold."""


@functools.cache
def load(path: Path = MODEL_FILE) -> Model | None:
    """The model, or None (logged) when its file is missing or broken: the rules
    alone still work."""
    try:
        return from_data(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        log.exception("triage model in %s not loaded", path)
        return None


def from_data(data: dict[str, Any]) -> Model:
    """A model from what ``model.json`` holds, arranged for reading: each block's
    features apart and without their prefix, with their idf and weights together."""
    classes = tuple(str(label) for label in data["classes"])
    weights = {str(k): tuple(float(w) for w in v) for k, v in data["weights"].items()}
    if any(len(each) != len(classes) for each in weights.values()):
        raise ValueError("a feature without a weight for every class")
    blocks: dict[str, dict[str, Feature]] = {CHARS: {}, WORDS: {}}
    for key, idf in data["idf"].items():
        name = str(key)
        blocks[name[: len(CHARS)]][name[len(CHARS) :]] = Feature(float(idf), weights.get(name, ()))
    return Model(
        classes=classes,
        intercepts=tuple(float(b) for b in data["intercepts"]),
        chars=blocks[CHARS],
        words=blocks[WORDS],
        ngrams=(int(data["ngrams"][0]), int(data["ngrams"][1])),
        word_ngrams=(int(data["word_ngrams"][0]), int(data["word_ngrams"][1])),
        threshold=float(data["threshold"]),
        labels=tuple(split(label) for label in classes),
    )


def ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Character n-grams of each word padded with spaces (scikit-learn's ``char_wb``),
    in the order first seen."""
    return Counter(
        padded[start : start + n]
        for padded in [f" {word} " for word in text.split()]
        for n in range(low, high + 1)
        for start in range(len(padded) - n + 1)
    )


def word_ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Runs of ``low`` to ``high`` words, joined by a space (scikit-learn's ``word``
    analyzer on words split at spaces), in the order first seen."""
    words = text.split()
    return Counter(
        " ".join(words[start : start + n])
        for n in range(low, high + 1)
        for start in range(len(words) - n + 1)
    )


def _block(
    grams: Counter[str], known: dict[str, Feature], values: list[float], columns: list[Weights]
) -> None:
    """One block's TF-IDF values (sublinear tf), normalised to length 1, added to
    ``values`` in the order of ``grams``, with their features' weights to ``columns``
    (only the features that have weights: the others add nothing to a score)."""
    found = [
        (count, feature)
        for gram, count in grams.items()
        if (feature := known.get(gram)) is not None
    ]
    tf_idf = [(1 + math.log(count)) * feature.idf for count, feature in found]
    norm = math.sqrt(sum(v * v for v in tf_idf))
    if not norm:
        return
    for value, (_, feature) in zip(tf_idf, found, strict=True):
        if feature.weights:
            values.append(value / norm)
            columns.append(feature.weights)


def _scores(words: Sequence[str], model: Model) -> list[float]:
    """Each class's score: its intercept plus each feature's value times its weight,
    added one feature after the other in the order the features are met, as a sparse
    dot product in that order adds them (so the same sums, to the last bit)."""
    folded = " ".join(words)
    values: list[float] = []
    columns: list[Weights] = []
    _block(ngrams(folded, *model.ngrams), model.chars, values, columns)
    _block(word_ngrams(folded, *model.word_ngrams), model.words, values, columns)
    if not values:
        return list(model.intercepts)
    return [
        functools.reduce(operator.add, map(operator.mul, weights, values), intercept)
        for intercept, weights in zip(model.intercepts, zip(*columns, strict=True), strict=True)
    ]


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def probabilities(words: Sequence[str], model: Model) -> dict[str, float]:
    """The probability of each class for a text of folded ``words``."""
    shares = _softmax(_scores(words, model))
    return dict(zip(model.classes, shares, strict=True))


def split(label: str) -> tuple[str, Severity]:
    """The category of a class, and the severity the model adds it at."""
    if label.endswith(URGENT):
        return label.removesuffix(URGENT), Severity.URGENT
    return label, SEVERITY


def classify(text: str, model: Model | None = None) -> Guess:
    """The likeliest category of ``text`` ("none" or a category), how sure the model
    is, and the severity it would have."""
    return classify_words(words_of(text), model)


def classify_words(words: Sequence[str], model: Model | None = None) -> Guess:
    """``classify`` for a text already folded into ``words``."""
    model = model or load()
    if model is None:
        return Guess(NONE, 1.0, SEVERITY, False)
    by_category: dict[str, float] = {}
    likeliest: dict[str, tuple[float, Severity]] = {}
    for (category, severity), probability in zip(
        model.labels, _softmax(_scores(words, model)), strict=True
    ):
        by_category[category] = by_category.get(category, 0.0) + probability
        if probability > likeliest.get(category, (-1.0, SEVERITY))[0]:
            likeliest[category] = (probability, severity)
    category = max(by_category, key=by_category.__getitem__)
    probability = by_category[category]
    severity = likeliest[category][1]
    return Guess(category, probability, severity, probability >= model.threshold)
