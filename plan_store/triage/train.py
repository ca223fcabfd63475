"""Train the small statistical model that triage uses beside the rules.

``uv run --group train python -m plan_store.triage.train [TUNING_SET]`` reads the
tuning part of the evaluation set (default ``bench/triage_set/tune.tsv``; never the
held-back part), fits TF-IDF on character 2-5-grams of the folded words and a
logistic regression over the categories (and "none"), and writes the weights to
``plan_store/triage/model.json``, which ``model.py`` reads with plain Python: no
scikit-learn, numpy or download at run time. Only features that weigh are kept.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from plan_store.triage.folding import words_of
from plan_store.triage.model import MODEL_FILE, NGRAMS, THRESHOLD, classify, load

DEFAULT_SET = Path("bench/triage_set/tune.tsv")
KEEP = 1e-3
"""Weights smaller than this (in every class) are dropped from the file."""


def read(path: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _, category, _, text = line.split("\t")
        texts.append(" ".join(words_of(text)))
        labels.append(category)
    return texts, labels


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan_store.triage.train")
    parser.add_argument("tuning_set", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if "held_back" in args.tuning_set.name:
        parser.error("the held-back part is never trained on")
    texts, labels = read(args.tuning_set)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2
    )
    features = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(max_iter=3000, C=5, class_weight="balanced")
    classifier.fit(features, labels)
    classes = [str(c) for c in classifier.classes_]
    weights: dict[str, list[float]] = {}
    idf: dict[str, float] = {}
    for gram, index in vectorizer.vocabulary_.items():
        idf[gram] = round(float(vectorizer.idf_[index]), 4)  # all of them: the norm
        column = [float(classifier.coef_[k][index]) for k in range(len(classes))]
        if max(abs(w) for w in column) >= KEEP:
            weights[gram] = [round(w, 4) for w in column]
    model = {
        "about": "plan_store/triage/train.py; features: TF-IDF of char_wb n-grams",
        "ngrams": list(NGRAMS),
        "threshold": THRESHOLD,
        "classes": classes,
        "intercepts": [round(float(b), 4) for b in classifier.intercept_],
        "idf": idf,
        "weights": weights,
    }
    args.out.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    # The plain-Python reader must give what scikit-learn gives.
    written = load.__wrapped__(args.out)
    assert written is not None
    probabilities = classifier.predict_proba(features)
    worst = max(
        abs(classify(text, written)[1] - float(max(row)))
        for text, row in zip(texts, probabilities, strict=True)
    )
    print(f"{len(texts)} messages, {len(weights)} of {len(idf)} features weigh -> {args.out}")
    print(f"largest difference from scikit-learn's probabilities: {worst:.4f}")
    return 0 if worst < 0.01 else 1


if __name__ == "__main__":
    raise SystemExit(main())
