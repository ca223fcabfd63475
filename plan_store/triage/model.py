"""The small statistical model beside the rules (see ``locales/triage/README.md``).

TF-IDF of character n-grams of the folded words (each word padded with a space, as
scikit-learn's ``char_wb`` does) and a logistic regression over the categories,
trained by ``plan_store/triage/train.py`` on the tuning part of the evaluation set.
The weights are read from ``model.json`` with plain Python. The model only adds a
category the rules did not find, when it is at least ``THRESHOLD`` sure, and at
``SEVERITY``: a look and the safety answer, never more on its own.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from plan_store.enums import Severity
from plan_store.triage.folding import words_of

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "model.json"
NGRAMS = (2, 5)
THRESHOLD = 0.8
"""Chosen on the tuning part (cross-validation): the lowest that added no false flag."""
SEVERITY = Severity.MEDIUM
NONE = "none"


@dataclass(frozen=True, slots=True)
class Model:
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    idf: dict[str, float]
    weights: dict[str, list[float]]
    ngrams: tuple[int, int]
    threshold: float


@functools.cache
def load(path: Path = MODEL_FILE) -> Model | None:
    """The model, or None (logged) when its file is missing or broken: the rules
    alone still work."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Model(
            classes=tuple(data["classes"]),
            intercepts=tuple(float(b) for b in data["intercepts"]),
            idf={str(k): float(v) for k, v in data["idf"].items()},
            weights={str(k): [float(w) for w in v] for k, v in data["weights"].items()},
            ngrams=(int(data["ngrams"][0]), int(data["ngrams"][1])),
            threshold=float(data["threshold"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        log.exception("triage model in %s not loaded", path)
        return None


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


def classify(text: str, model: Model | None = None) -> tuple[str, float]:
    """The most likely class of ``text`` ("none" or a category) and its probability."""
    model = model or load()
    if model is None:
        return NONE, 1.0
    grams = ngrams(" ".join(words_of(text)), *model.ngrams)
    values = {
        g: (1 + math.log(count)) * model.idf[g] for g, count in grams.items() if g in model.idf
    }
    norm = math.sqrt(sum(v * v for v in values.values()))
    scores = list(model.intercepts)
    if norm:
        for gram, value in values.items():
            for k, weight in enumerate(model.weights.get(gram, ())):
                scores[k] += weight * value / norm
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    best = max(range(len(scores)), key=scores.__getitem__)
    return model.classes[best], exps[best] / sum(exps)
