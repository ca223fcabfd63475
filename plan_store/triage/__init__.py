"""Risk triage of what an adolescent writes: self-harm and suicide, violence and
abuse, trafficking and exploitation, running away, health, and plain distress.

Triage belongs to the domain: the terms live in ``locales/triage/<lang>.txt``
(format and severities: ``locales/triage/README.md``), read by ``terms`` (the one
parser), and staff add more in the console (``plan_store.services.triage_terms``),
passed in as ``extra``. A chat is read with the terms of its language plus the
Spanish ones, always. ``folding`` says how words are compared, ``matching`` how
terms are found, and ``model`` adds what a small statistical model is sure of and
the rules missed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from plan_store.enums import FlagCategory
from plan_store.triage import model
from plan_store.triage.folding import words_of
from plan_store.triage.matching import Matcher, Risk
from plan_store.triage.terms import (
    ALWAYS,
    CATEGORIES,
    TRIAGE_DIR,
    FileSection,
    Rules,
    StaffTerm,
    TriageFileError,
    file_rules,
    file_sections,
    parse,
    read_file,
    staff_rules,
)

__all__ = [
    "ALWAYS",
    "CATEGORIES",
    "MODEL_TERM",
    "TRIAGE_DIR",
    "FileSection",
    "Matcher",
    "Risk",
    "Rules",
    "StaffTerm",
    "TriageFileError",
    "file_sections",
    "matcher_for",
    "parse",
    "read_file",
    "triage",
    "with_model",
    "words_of",
]


@functools.lru_cache(maxsize=64)
def matcher_for(code: str, extra: tuple[StaffTerm, ...] = ()) -> Matcher:
    """The matcher for a chat in language ``code``: its terms and the Spanish ones,
    and ``extra`` (staff's terms for those languages). Kept per set of terms, so a
    term staff add or deactivate takes effect on the next message."""
    rules = Rules()
    for each in dict.fromkeys((ALWAYS, code)):
        rules.extend(file_rules(each))
    if extra:
        rules.extend(staff_rules(extra))
    return Matcher(rules)


def triage(text: str, language: str, extra: Iterable[StaffTerm] = ()) -> list[Risk]:
    """The risks in ``text`` written in a chat of ``language``, most severe first.
    ``extra``: the active terms staff added for ``language`` and Spanish."""
    reading = matcher_for(language, tuple(extra)).read(text)
    return with_model(text, reading.risks, reading.negated)


MODEL_TERM = "(model)"


def with_model(
    text: str, risks: list[Risk], negated: frozenset[FlagCategory] = frozenset()
) -> list[Risk]:
    """``risks`` and, when the model is sure of a category the rules did not find
    (nor found only negated), that category at the model's severity. Never a cry for
    help (``distress``): that is a whole-message reading the rules make."""
    label, probability = model.classify(text)
    category = CATEGORIES.get(label)
    if category is None or category is FlagCategory.OTHER or probability < model.THRESHOLD:
        return risks
    if category in negated or any(risk.category is category for risk in risks):
        return risks
    found = [*risks, Risk(category, model.SEVERITY, MODEL_TERM)]
    return sorted(found, key=lambda r: (r.severity.rank, r.category.value))
