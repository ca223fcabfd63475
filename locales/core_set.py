"""What the chat says, in the order a translator should take it: the core set first.

The core set is what an adolescent must be able to read in their language before a
language is offered as ready: the safety answer and the emergency numbers, consent
and its details, linking, the main menu, the request to the operator, privacy and
leaving. Then everything else the chat says. Staff console texts are not part of it
(staff read Spanish).

A message belongs to the first set one of its places in the code belongs to (its
``#:`` references in ``messages.pot``). The button labels of ``dialogs/labels.py``
are shared by many screens, so the core ones are named here by their Spanish text
(``tests/locales/test_core_set.py`` holds this list to the template).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from locales.catalogs import DOMAIN, LOCALES_DIR, N_

TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
OTHER = "other"
WHATSAPP = "whatsapp"
WHATSAPP_CONTEXT = "whatsapp:"
"""The context of a WhatsApp template's texts: ``whatsapp:<template name>``."""
TEMPLATES_DIR = LOCALES_DIR / "whatsapp_templates"
TEMPLATE_PARAM = re.compile(r"\{\{\d+\}\}")
MAX_TEMPLATE_BUTTON = 20
"""A template button's text, at most (WhatsApp takes 25; 20 also fits a reply button)."""
COMMENT_TAG = "Translators:"


@dataclass(frozen=True, slots=True)
class MessageSet:
    key: str
    title: str
    """Spanish, marked for translation: the console shows it in the staff's language."""
    files: tuple[str, ...]
    core: bool = True


SETS: tuple[MessageSet, ...] = (
    MessageSet(
        "safety",
        # Translators: a set of chat messages in the translation workspace.
        N_("Respuesta de seguridad y números de emergencia"),
        ("dialogs/free_text.py",),
    ),
    # Translators: a set of chat messages in the translation workspace.
    MessageSet("consent", N_("Consentimiento y sus detalles"), ("dialogs/consent.py",)),
    # Translators: a set of chat messages in the translation workspace.
    MessageSet("linking", N_("Conectar el chat"), ("dialogs/linking.py",)),
    MessageSet(
        "menu",
        # Translators: a set of chat messages in the translation workspace.
        N_("Menú principal"),
        (
            "locales/core_strings.py",
            "dialogs/menu.py",
            "dialogs/language.py",
            "dialogs/help.py",
            "dialogs/common.py",
            "dialogs/conversation.py",
        ),
    ),
    # Translators: a set of chat messages in the translation workspace.
    MessageSet("operator", N_("Pedir a la operadora"), ("dialogs/operator.py",)),
    # Translators: a set of chat messages in the translation workspace.
    MessageSet("privacy", N_("Privacidad y dejar Rumbo"), ("dialogs/privacy.py",)),
    # Translators: a set of chat messages in the translation workspace.
    MessageSet(OTHER, N_("Todo lo demás"), ("dialogs/", "bot/"), core=False),
    MessageSet(
        WHATSAPP,
        # Translators: a set in the translation workspace: texts WhatsApp sends only
        # after Meta approves each translation.
        N_("Plantillas de WhatsApp (necesitan la aprobación de Meta)"),
        (),
        core=False,
    ),
)
SET_BY_KEY = {s.key: s for s in SETS}

CORE_LABELS = {
    "🏠 Menú": "menu",
    "❓ Ayuda": "menu",
    "🌐 Idioma": "menu",
    "❓ ¿Qué es Rumbo?": "linking",
    "⏭️ Saltar": "operator",
    "🚪 Dejar Rumbo": "privacy",
    "✋ No, gracias": "consent",
    "📄 Leer otra vez": "consent",
    "🔴 Sí, es urgente": "operator",
    "🟢 Puede esperar": "operator",
}
"""Labels of ``dialogs/labels.py`` that core screens show, and the set of each."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A message the chat shows, as a translator needs it."""

    context: str
    msgid: str
    msgid_plural: str | None
    comment: str
    """The ``# Translators:`` comment of the code."""
    places: tuple[str, ...]
    set_key: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)

    @property
    def core(self) -> bool:
        return SET_BY_KEY[self.set_key].core

    @property
    def is_button(self) -> bool:
        """Whether it is a button's label (its comment says so, as the convention asks)."""
        return self.comment.lower().startswith(("button", "botón"))


def _comment(message: Message) -> str:
    text = " ".join(c.strip() for c in message.auto_comments).strip()
    return text.removeprefix(COMMENT_TAG).strip()


def _set_of(message: Message) -> str | None:
    files = [path for path, _ in message.locations]
    if isinstance(message.id, str) and message.id in CORE_LABELS:
        return CORE_LABELS[message.id]
    for candidate in SETS:
        if any(f.startswith(prefix) for f in files for prefix in candidate.files):
            return candidate.key
    return None


def chat_messages_of(template: Catalog) -> list[ChatMessage]:
    """The template's messages that the chat shows, core sets first, in code order."""
    found: list[ChatMessage] = []
    for message in template:
        if not message.id:
            continue
        set_key = _set_of(message)
        if set_key is None:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        found.append(
            ChatMessage(
                context=message.context or "",
                msgid=ids[0],
                msgid_plural=ids[1] if len(ids) > 1 else None,
                comment=_comment(message),
                places=tuple(f"{path}:{line}" for path, line in message.locations),
                set_key=set_key,
            )
        )
    order = {s.key: index for index, s in enumerate(SETS)}
    return sorted(found, key=lambda m: order[m.set_key])


@functools.cache
def chat_messages(template: Path = TEMPLATE) -> tuple[ChatMessage, ...]:
    """What the chat shows, read once from ``messages.pot`` (it changes with the code)."""
    with template.open("rb") as handle:
        return tuple(chat_messages_of(read_po(handle, domain=DOMAIN)))


def core_keys() -> frozenset[tuple[str, str]]:
    return frozenset(m.key for m in chat_messages() if m.core)


@functools.cache
def whatsapp_messages(directory: Path = TEMPLATES_DIR) -> tuple[ChatMessage, ...]:
    """The Spanish body and buttons of each WhatsApp template, to translate. A
    translation is not sent until Meta approves it as a template of its own."""
    found = []
    for path in sorted(directory.glob("*.es_MX.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        if "translation_of" in template:
            continue  # a translation made here (``locales.template_exchange``)
        context = WHATSAPP_CONTEXT + str(template["name"])
        params = "; ".join(
            f"{{{{{index}}}}}: {param['description']}"
            for index, param in enumerate(template.get("params", []), start=1)
        )
        comment = " ".join(part for part in (str(template.get("purpose", "")), params) if part)
        place = (f"locales/whatsapp_templates/{path.name}",)
        found.append(ChatMessage(context, str(template["body"]), None, comment, place, WHATSAPP))
        for button in template.get("buttons", []):
            found.append(ChatMessage(context, str(button["text"]), None, "button", place, WHATSAPP))
    return tuple(found)


def workspace_messages() -> tuple[ChatMessage, ...]:
    """Everything a translator translates: the chat's messages, then the templates."""
    return chat_messages() + whatsapp_messages()


def template_param_problem(source: str, translation: str) -> str | None:
    wanted, got = TEMPLATE_PARAM.findall(source), TEMPLATE_PARAM.findall(translation)
    if sorted(wanted) != sorted(got):
        return f"keep the parameters {' '.join(wanted)} of the Spanish text"
    return None
