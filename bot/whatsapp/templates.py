"""Pre-approved message templates: what may be sent outside the 24-hour window.

WhatsApp lets a business write freely only within 24 hours of the person's last
message. Outside that window only a template Meta has approved may be sent. The
templates live in ``locales/whatsapp_templates/<name>.<language>.json`` (the texts
submitted to Meta, kept in the repository)::

    {"name": "recordatorio_cita", "language": "es_MX", "category": "UTILITY",
     "rumbo_languages": ["es", "quc", "mam", "kek", "kjb"],
     "body": "Hola {{1}} 👋\\n📅 {{2}}: {{3}}.\\n¿Vas a ir?",
     "params": [{"name": "alias", "example": "Lu", "description": "..."}, ...],
     "buttons": [{"type": "QUICK_REPLY", "text": "✔️ Voy a ir"}, ...]}

``rumbo_languages`` says which chat languages use that translation. WhatsApp has no
template languages for K'iche', Mam, Q'eqchi' or Q'anjob'al: those chats get the
Spanish template.

A producer asks for a template with the ``template`` key of an outbox payload (the
**template hint**)::

    {"text": "...", "buttons": [[["✔️ Voy a ir", "appt:ok:7"], ...]],
     "language": "es",
     "template": {"name": "recordatorio_cita",
                  "params": ["Lu", "Mañana, martes 12 a las 10:00", "Taller (CECATI 42)"],
                  "buttons": ["appt:ok:7", "appt:no:7", "appt:chg:7"]}}

``params`` fill ``{{1}}``, ``{{2}}``, ... in order. ``buttons`` are the actions sent
back when a quick-reply button is tapped, one per template button, in order; when
left out, the actions of the screen's own buttons are used. Inside the window the
screen itself (``text`` and ``buttons``) is sent as an ordinary message; a payload
with no ``text`` always goes as the template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_KEY = "template"
"""The outbox payload key holding a template hint."""

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "locales" / "whatsapp_templates"
FALLBACK_LANGUAGE = "es"

PENDING_MESSAGE = "mensaje_pendiente"
"""The content-free notice sent when a message waits outside the window."""
PENDING_ACTION = "wa:pending"
"""What its button sends back: handled by the WhatsApp transport, not the dialogs."""

MAX_BODY = 1024
MAX_PARAM = 1024
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

    @property
    def param_count(self) -> int:
        return len(self.param_names)

    def render(self, params: Sequence[str]) -> str:
        """The body as the person will read it (for the record and for tests)."""
        return _PLACEHOLDER.sub(lambda m: params[int(m.group(1)) - 1], self.body)


@dataclass(frozen=True, slots=True)
class TemplateHint:
    """A producer's request to send a template: see the module documentation."""

    name: str
    params: tuple[str, ...] = ()
    buttons: tuple[str, ...] | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> TemplateHint | None:
        raw = payload.get(TEMPLATE_KEY)
        if raw is None:
            return None
        if isinstance(raw, str):
            return cls(name=raw)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise TemplateError(f"a template hint needs a name: {raw!r}")
        params = raw.get("params") or []
        buttons = raw.get("buttons")
        if not isinstance(params, list) or (buttons is not None and not isinstance(buttons, list)):
            raise TemplateError("template params and buttons are lists")
        return cls(
            name=raw["name"],
            params=tuple(str(p) for p in params),
            buttons=tuple(str(b) for b in buttons) if buttons is not None else None,
        )


class TemplateBook:
    """Every template translation found in a directory."""

    def __init__(self, templates: Iterable[Template]) -> None:
        self._by_key: dict[tuple[str, str], Template] = {}
        for template in templates:
            for language in template.rumbo_languages:
                key = (template.name, language)
                if key in self._by_key:
                    raise TemplateError(f"two translations of {template.name} for {language}")
                self._by_key[key] = template

    @classmethod
    def load(cls, directory: Path = TEMPLATES_DIR) -> TemplateBook:
        return cls(load_template(path) for path in sorted(directory.glob("*.*.json")))

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

    def message(
        self,
        hint: TemplateHint,
        language: str | None,
        fallback_buttons: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The ``template`` object of a Cloud API message for ``hint``.

        Checked here against the approved text (parameter and button counts, lengths),
        so that a mistake is a clear permanent failure rather than an API error.
        """
        template = self.find(hint.name, language)
        params = [clean_param(p) for p in hint.params]
        if len(params) != template.param_count:
            raise TemplateError(
                f"template {template.name} takes {template.param_count} parameters "
                f"({', '.join(template.param_names) or 'none'}), got {len(params)}"
            )
        for param in params:
            if not param:
                raise TemplateError(f"template {template.name}: an empty parameter")
        if len(template.render(params)) > MAX_BODY:
            raise TemplateError(f"template {template.name}: the filled body is over {MAX_BODY}")
        actions = list(hint.buttons) if hint.buttons is not None else list(fallback_buttons)
        if len(actions) != len(template.button_texts):
            raise TemplateError(
                f"template {template.name} has {len(template.button_texts)} buttons, "
                f"got {len(actions)} actions for them"
            )
        components: list[dict[str, Any]] = []
        if params:
            components.append(
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            )
        for index, action in enumerate(actions):
            components.append(
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": str(index),
                    "parameters": [{"type": "payload", "payload": action}],
                }
            )
        message: dict[str, Any] = {
            "name": template.name,
            "language": {"code": template.language},
        }
        if components:
            message["components"] = components
        return message


def clean_param(value: str) -> str:
    """A parameter as WhatsApp takes it: no line breaks or tabs, no runs of spaces."""
    cleaned = " ".join(value.split())
    return cleaned[:MAX_PARAM]


def load_template(path: Path) -> Template:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(f"{path.name}: {error}") from error
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
    return Template(
        name=name,
        language=language,
        category=str(category),
        body=body,
        param_names=tuple(param_names),
        button_texts=tuple(texts),
        rumbo_languages=tuple(str(code) for code in languages),
    )


@cache
def default_book() -> TemplateBook:
    return TemplateBook.load()


def has_own_translation(name: str, language: str) -> bool:
    """Whether template ``name`` is approved in ``language`` itself (not only Spanish)."""
    return default_book().find(name, language).language.split("_")[0] == language


@cache
def interface_strings() -> dict[str, dict[str, str]]:
    """The few words the transport adds around a screen, per language."""
    data = json.loads((TEMPLATES_DIR / "interface.json").read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def interface_text(key: str, language: str | None) -> str:
    texts = interface_strings()[key]
    return texts.get(language or FALLBACK_LANGUAGE) or texts[FALLBACK_LANGUAGE]
