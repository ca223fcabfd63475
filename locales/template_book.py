"""The WhatsApp templates Meta approved, read from ``locales/whatsapp_templates``.

WhatsApp lets a business write freely only within 24 hours of the person's last
message; outside that window only an approved template may be sent. The texts
submitted to Meta are kept here, beside the translations of the chat (see
``bot.whatsapp.templates`` for the file format and how the bridge sends them, and
``locales.template_exchange`` for how a template is translated in the console).

This module reads them: which template there is for a name and a chat language,
checked the way Meta checks a submission. The dialogs ask it whether a template has
words of its own in a language (``has_own_translation``); the WhatsApp bridge builds
its messages from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Self

from locales.core_set import TEMPLATES_DIR

APPROVAL = "meta_approval"
APPROVED = "approved"
"""A file without ``meta_approval`` is one the team submitted and Meta approved."""

FALLBACK_LANGUAGE = "es"

MAX_BODY = 1024
MAX_QUICK_REPLIES = 10
MAX_BUTTON_TEXT = 25

_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
_NAME = re.compile(r"[a-z0-9_]{1,512}")
_CATEGORIES = frozenset({"UTILITY", "MARKETING", "AUTHENTICATION"})


class TemplateError(ValueError):
    """A template file, or a hint, that cannot be used."""


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    language: str
    """WhatsApp's language code of this translation (``es_MX``, ``en_US``)."""
    category: str
    body: str
    param_names: tuple[str, ...]
    button_texts: tuple[str, ...]
    rumbo_languages: tuple[str, ...]
    translation_of: str | None = None
    """For a translation made in the console: the Spanish template it translates (its
    own ``name`` is the one Meta approved)."""

    @property
    def key(self) -> str:
        """The name producers ask for: the Spanish template's."""
        return self.translation_of or self.name

    @property
    def param_count(self) -> int:
        return len(self.param_names)

    def render(self, params: Sequence[str]) -> str:
        """The body as the person will read it (for the record and for tests)."""
        return _PLACEHOLDER.sub(lambda m: params[int(m.group(1)) - 1], self.body)


class TemplateBook:
    """Every template translation found in a directory."""

    def __init__(self, templates: Iterable[Template]) -> None:
        """An approved translation made in the console (``translation_of``) takes its
        chat language over from the Spanish template that lists it."""
        self._by_key: dict[tuple[str, str], Template] = {}
        listed = sorted(templates, key=lambda t: t.translation_of is not None)
        for template in listed:
            for language in template.rumbo_languages:
                key = (template.key, language)
                taken = self._by_key.get(key)
                if taken is not None and (template.translation_of is None or taken.translation_of):
                    raise TemplateError(f"two translations of {template.key} for {language}")
                self._by_key[key] = template

    @classmethod
    def load(cls, directory: Path = TEMPLATES_DIR) -> Self:
        """The templates Meta approved: a translation still ``"meta_approval":
        "pending"`` (``locales.template_exchange``) is never sent."""
        found = (load_template(path) for path in sorted(directory.glob("*.*.json")))
        return cls(template for template in found if template is not None)

    def names(self) -> set[str]:
        return {name for name, _ in self._by_key}

    def find(self, name: str, language: str | None) -> Template:
        """The translation of ``name`` for a chat language, else the Spanish one."""
        found = self._by_key.get((name, language or FALLBACK_LANGUAGE))
        if found is None:
            found = self._by_key.get((name, FALLBACK_LANGUAGE))
        if found is None:
            raise TemplateError(f"no WhatsApp template named {name!r}")
        return found


def load_template(path: Path) -> Template | None:
    """The template of a file, or None while it waits for Meta's approval."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(f"{path.name}: {error}") from error
    if isinstance(data, dict) and data.get(APPROVAL, APPROVED) != APPROVED:
        return None
    return parse_template(data, source=path.name)


def parse_template(data: Any, *, source: str = "template") -> Template:
    """A template from its JSON form, checked the way Meta checks a submission."""
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: not an object")
    name, language, category, body = (
        data.get("name"),
        data.get("language"),
        data.get("category"),
        data.get("body"),
    )
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TemplateError(f"{source}: the name is lowercase letters, digits and _")
    if not isinstance(language, str) or not language:
        raise TemplateError(f"{source}: no language")
    if category not in _CATEGORIES:
        raise TemplateError(f"{source}: category is one of {sorted(_CATEGORIES)}")
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        raise TemplateError(f"{source}: the body is 1 to {MAX_BODY} characters")
    params = data.get("params", [])
    if not isinstance(params, list):
        raise TemplateError(f"{source}: params is a list")
    numbers = sorted({int(n) for n in _PLACEHOLDER.findall(body)})
    if numbers != list(range(1, len(params) + 1)):
        raise TemplateError(
            f"{source}: the body's placeholders are {numbers}, "
            f"but {len(params)} params are described"
        )
    param_names = []
    for param in params:
        if not isinstance(param, dict) or not param.get("name") or not param.get("example"):
            raise TemplateError(f"{source}: each param has a name and an example")
        param_names.append(str(param["name"]))
    buttons = data.get("buttons", [])
    if not isinstance(buttons, list) or len(buttons) > MAX_QUICK_REPLIES:
        raise TemplateError(f"{source}: at most {MAX_QUICK_REPLIES} buttons")
    texts = []
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") != "QUICK_REPLY":
            raise TemplateError(f"{source}: only QUICK_REPLY buttons are used")
        text = button.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_BUTTON_TEXT:
            raise TemplateError(f"{source}: a button text is 1 to {MAX_BUTTON_TEXT} characters")
        texts.append(text)
    languages = data.get("rumbo_languages", [])
    if not isinstance(languages, list) or not languages:
        raise TemplateError(f"{source}: rumbo_languages names the chat languages it serves")
    translation_of = data.get("translation_of")
    if translation_of is not None and not isinstance(translation_of, str):
        raise TemplateError(f"{source}: translation_of names a template")
    return Template(
        name=name,
        language=language,
        category=str(category),
        body=body,
        param_names=tuple(param_names),
        button_texts=tuple(texts),
        rumbo_languages=tuple(str(code) for code in languages),
        translation_of=translation_of,
    )


@cache
def default_book() -> TemplateBook:
    return TemplateBook.load()


def has_own_translation(name: str, language: str) -> bool:
    """Whether template ``name`` is approved in ``language`` itself (not only Spanish)."""
    return default_book().find(name, language).language.split("_")[0] == language
