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


@dataclass(frozen=True, slots=True)
class Model:
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    idf: dict[str, float]
    """The idf of every feature, keyed ``c:<char n-gram>`` or ``w:<word n-gram>``."""
    weights: dict[str, list[float]]
    ngrams: tuple[int, int]
    word_ngrams: tuple[int, int]
    threshold: float


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
    """A model from what ``model.json`` holds."""
    return Model(
        classes=tuple(data["classes"]),
        intercepts=tuple(float(b) for b in data["intercepts"]),
        idf={str(k): float(v) for k, v in data["idf"].items()},
        weights={str(k): [float(w) for w in v] for k, v in data["weights"].items()},
        ngrams=(int(data["ngrams"][0]), int(data["ngrams"][1])),
        word_ngrams=(int(data["word_ngrams"][0]), int(data["word_ngrams"][1])),
        threshold=float(data["threshold"]),
    )


def ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Character n-grams of each word padded with spaces (scikit-learn's ``char_wb``)."""
    grams: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                continue
            for start in range(len(padded) - n + 1):
                grams[padded[start : start + n]] += 1
    return grams


def word_ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Runs of ``low`` to ``high`` words, joined by a space (scikit-learn's ``word``
    analyzer on words split at spaces)."""
    words = text.split()
    grams: Counter[str] = Counter()
    for n in range(low, high + 1):
        for start in range(len(words) - n + 1):
            grams[" ".join(words[start : start + n])] += 1
    return grams


def _block(grams: Counter[str], prefix: str, model: Model) -> dict[str, float]:
    """One block's TF-IDF values (sublinear tf), normalised to length 1."""
    values = {}
    for gram, count in grams.items():
        idf = model.idf.get(prefix + gram)
        if idf is not None:
            values[prefix + gram] = (1 + math.log(count)) * idf
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {k: v / norm for k, v in values.items()} if norm else {}


def probabilities(words: Sequence[str], model: Model) -> dict[str, float]:
    """The probability of each class for a text of folded ``words``."""
    folded = " ".join(words)
    features = _block(ngrams(folded, *model.ngrams), CHARS, model)
    features.update(_block(word_ngrams(folded, *model.word_ngrams), WORDS, model))
    scores = list(model.intercepts)
    for feature, value in features.items():
        for k, weight in enumerate(model.weights.get(feature, ())):
            scores[k] += weight * value
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {label: e / total for label, e in zip(model.classes, exps, strict=True)}


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
    for label, probability in probabilities(words, model).items():
        category, severity = split(label)
        by_category[category] = by_category.get(category, 0.0) + probability
        if probability > likeliest.get(category, (-1.0, SEVERITY))[0]:
            likeliest[category] = (probability, severity)
    category = max(by_category, key=by_category.__getitem__)
    probability = by_category[category]
    severity = likeliest[category][1]
    return Guess(category, probability, severity, probability >= model.threshold)
