"""Recall and false flags of the risk triage on the held-back part of its evaluation set.

``python -m bench triage_recall`` reads ``bench/triage_set/held_back.tsv`` (never
tuned on; ``--part tune`` reads the tuning part instead) and prints, per category and
severity, how many risk messages raised a flag of their category (recall), and how
many also got their severity; then, per language, how many messages with no risk
raised any flag (false flags). Targets: recall at least 0.95, false flags at most 0.05.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from plan_store import triage
from plan_store.triage import CATEGORIES

SET = Path(__file__).resolve().parent / "triage_set"
NONE = "none"
RECALL_TARGET = 0.95
FALSE_FLAG_TARGET = 0.05


@dataclass(frozen=True, slots=True)
class Example:
    language: str
    category: str
    severity: str
    text: str


def read_set(part: str) -> list[Example]:
    examples = []
    for line in (SET / f"{part}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, category, severity, text = line.split("\t")
        if category != NONE and category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r} in {part}.tsv")
        examples.append(Example(language, category, severity, text))
    return examples


@dataclass(slots=True)
class Figures:
    caught: Counter[tuple[str, str]]
    exact: Counter[tuple[str, str]]
    total: Counter[tuple[str, str]]
    flagged_benign: Counter[str]
    benign: Counter[str]
    misses: list[Example]
    false_flags: list[Example]
    seconds: float
    rules_caught: int = 0
    rules_flagged_benign: int = 0


def measure(examples: Sequence[Example]) -> Figures:
    figures = Figures(Counter(), Counter(), Counter(), Counter(), Counter(), [], [], 0.0)
    started = time.perf_counter()
    for example in examples:
        risks = triage.triage(example.text, example.language)
        found = {r.category: r.severity.value for r in risks}
        rules = {r.category for r in risks if r.term != triage.MODEL_TERM}
        if example.category == NONE:
            figures.rules_flagged_benign += bool(rules)
        else:
            figures.rules_caught += CATEGORIES[example.category] in rules
        if example.category == NONE:
            figures.benign[example.language] += 1
            if found:
                figures.flagged_benign[example.language] += 1
                figures.false_flags.append(example)
            continue
        key = (example.category, example.severity)
        figures.total[key] += 1
        got = found.get(CATEGORIES[example.category])
        if got is None:
            figures.misses.append(example)
            continue
        figures.caught[key] += 1
        if got == example.severity:
            figures.exact[key] += 1
    figures.seconds = time.perf_counter() - started
    return figures


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "  - "


def report(figures: Figures, part: str, show: bool) -> bool:
    print(f"triage on the {part} part: per category and severity")
    print(f"{'category':<16}{'severity':<10}{'n':>4}{'caught':>8}{'recall':>8}{'sev ok':>8}")
    by_category: dict[str, list[int]] = {}
    for (category, severity), n in sorted(figures.total.items()):
        caught, exact = figures.caught[(category, severity)], figures.exact[(category, severity)]
        print(
            f"{category:<16}{severity:<10}{n:>4}{caught:>8}{_rate(caught, n):>8}"
            f"{_rate(exact, n):>8}"
        )
        sums = by_category.setdefault(category, [0, 0])
        sums[0] += n
        sums[1] += caught
    print(f"{'category':<26}{'n':>4}{'caught':>8}{'recall':>8}")
    for category, (n, caught) in sorted(by_category.items()):
        print(f"{category:<26}{n:>4}{caught:>8}{_rate(caught, n):>8}")
    risky = sum(figures.total.values())
    caught = sum(figures.caught.values())
    print(f"{'all risk messages':<26}{risky:>4}{caught:>8}{_rate(caught, risky):>8}")
    print(f"{'false flags':<26}{'n':>4}{'flagged':>8}{'rate':>8}")
    for language, n in sorted(figures.benign.items()):
        flagged = figures.flagged_benign[language]
        print(f"{'no risk, ' + language:<26}{n:>4}{flagged:>8}{_rate(flagged, n):>8}")
    benign = sum(figures.benign.values())
    flagged = sum(figures.flagged_benign.values())
    print(f"{'no risk, all':<26}{benign:>4}{flagged:>8}{_rate(flagged, benign):>8}")
    count = risky + benign
    print(
        f"the rules alone: recall {_rate(figures.rules_caught, risky)}, "
        f"false flags {_rate(figures.rules_flagged_benign, benign)}"
    )
    print(f"{count} messages in {figures.seconds * 1000:.0f} ms")
    recall = caught / risky if risky else 1.0
    false_flags = flagged / benign if benign else 0.0
    cells = [figures.caught[k] / n for k, n in figures.total.items()]
    met = recall >= RECALL_TARGET and false_flags <= FALSE_FLAG_TARGET
    print(
        f"targets: recall {recall:.3f} (>= {RECALL_TARGET}), false flags {false_flags:.3f} "
        f"(<= {FALSE_FLAG_TARGET}), lowest cell recall {min(cells, default=1.0):.2f}: "
        + ("met" if met else "NOT met")
    )
    if show:
        for example in figures.misses:
            print(f"missed [{example.category} {example.severity}] {example.text}")
        for example in figures.false_flags:
            print(f"false flag [{example.language}] {example.text}")
    return met


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench triage_recall", description=__doc__)
    parser.add_argument("--part", choices=("held_back", "tune"), default="held_back")
    parser.add_argument("--show", action="store_true", help="list each miss and false flag")
    args = parser.parse_args(argv)
    met = report(measure(read_set(args.part)), args.part, args.show)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
