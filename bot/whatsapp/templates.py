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

The files are read and checked by ``locales.template_book`` (the dialogs ask it
whether a template has words of its own in a chat's language); this module turns a
hint into the Cloud API's ``template`` object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from locales import template_book
from locales.core_set import TEMPLATES_DIR
from locales.template_book import FALLBACK_LANGUAGE, MAX_BODY, TemplateError, parse_template

TEMPLATE_KEY = "template"
"""The outbox payload key holding a template hint."""

PENDING_MESSAGE = "mensaje_pendiente"
"""The content-free notice sent when a message waits outside the window."""
PENDING_ACTION = "wa:pending"
"""What its button sends back: handled by the WhatsApp transport, not the dialogs."""

MAX_PARAM = 1024


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


class TemplateBook(template_book.TemplateBook):
    """The approved templates (``locales.template_book``), as Cloud API messages."""

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


@cache
def default_book() -> TemplateBook:
    return TemplateBook.load()


@cache
def interface_strings() -> dict[str, dict[str, str]]:
    """The few words the transport adds around a screen, per language."""
    data = json.loads((TEMPLATES_DIR / "interface.json").read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def interface_text(key: str, language: str | None) -> str:
    texts = interface_strings()[key]
    return texts.get(language or FALLBACK_LANGUAGE) or texts[FALLBACK_LANGUAGE]


__all__ = [
    "PENDING_ACTION",
    "PENDING_MESSAGE",
    "TEMPLATES_DIR",
    "TEMPLATE_KEY",
    "TemplateBook",
    "TemplateError",
    "TemplateHint",
    "clean_param",
    "default_book",
    "interface_strings",
    "interface_text",
    "parse_template",
]
