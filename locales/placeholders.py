"""Placeholders a translation must keep: `{name}` fields and `%(name)s` fields.

Python code fills `{name}` with `str.format`; Jinja templates fill `%(name)s`. A
translation that adds a field crashes the formatting call, one that drops a field
loses information, so both the runtime and `locales.checks` hold translations to the
fields of their msgid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from string import Formatter

_PERCENT_FIELD = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@lru_cache(maxsize=4096)
def fields(text: str) -> frozenset[str] | None:
    """The placeholders in `text`, written `{name}` or `%(name)s`; None if malformed."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        return None
    found = {"{" + name + "}" for _, name, _, _ in parsed if name is not None}
    found.update("%(" + name + ")s" for name in _PERCENT_FIELD.findall(text))
    return frozenset(found)


def placeholder_problem(sources: Sequence[str], translation: str) -> str | None:
    """What is wrong with the placeholders of `translation`, or None.

    `sources` is `(msgid,)`, or `(msgid, msgid_plural)` for a plural form: a form
    must keep the fields both Spanish forms share and may use any field of either
    (a singular form may say "one" instead of "{n}").
    """
    source_fields = [fields(source) for source in sources]
    known = [f for f in source_fields if f is not None]
    if len(known) < len(source_fields):
        return None  # the Spanish text is no format string: nothing to hold the translation to
    got = fields(translation)
    if got is None:
        return f"breaks a placeholder (unbalanced braces) in {translation!r}"
    required = frozenset.intersection(*known)
    allowed = frozenset.union(*known)
    if missing := sorted(required - got):
        return f"drops {', '.join(missing)} in {translation!r}"
    if extra := sorted(got - allowed):
        return f"adds {', '.join(extra)}, which the Spanish text does not have, in {translation!r}"
    return None
