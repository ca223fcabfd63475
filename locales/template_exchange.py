"""WhatsApp template translations in and out of the template files the bridge sends.

A template (``locales/whatsapp_templates/<name>.es_MX.json``) is translated in the
console like any chat message: its body and each button, under the context
``whatsapp:<name>``. WhatsApp sends a template only once Meta has approved it, and
WhatsApp has no template language for K'iche', Mam, Q'eqchi' or Q'anjob'al. So
``rumbo i18n export`` writes each translation as a template of its own, submitted to
Meta under the Spanish template's language code::

    locales/whatsapp_templates/recordatorio_cita_quc.es_MX.json
    {"name": "recordatorio_cita_quc", "language": "es_MX", "category": "UTILITY",
     "rumbo_languages": ["quc"], "translation_of": "recordatorio_cita",
     "meta_approval": "pending", "ready_to_submit": false,
     "body": "...", "params": [...the Spanish template's...], "buttons": [...],
     "translations": [{"source": "<the Spanish>", "text": "...",
                       "translated_by": "Ana Tzoc, 2026-12-05T22:10:03Z",
                       "reviewed_by": "Pedro Ixcoy, 2026-12-05T23:01:44Z",
                       "note": "..."}, ...],
     "untranslated": ["<Spanish texts nobody translated: sent as they are>"]}

``meta_approval`` is ``pending`` until a person submits the file in WhatsApp Manager
and Meta approves it; they then write ``approved``, and from then on the bridge sends
it to chats in that language (until then they get the Spanish template). An export
that changes the text of an approved file sets it back to ``pending``: the new words
need a new approval. ``ready_to_submit`` says whether every text is translated and
reviewed. ``rumbo i18n import LANG`` reads the ``translations`` back with their
signatures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from locales.core_set import TEMPLATES_DIR, WHATSAPP_CONTEXT
from locales.exchange import Entry, parse_signature, signature

TRANSLATION_OF = "translation_of"
APPROVAL = "meta_approval"
PENDING = "pending"
APPROVED = "approved"
SOURCE_LANGUAGE_CODE = "es_MX"


def is_template_entry(entry: Entry) -> bool:
    return entry.context.startswith(WHATSAPP_CONTEXT)


def translation_path(name: str, code: str, directory: Path = TEMPLATES_DIR) -> Path:
    return directory / f"{name}_{code}.{SOURCE_LANGUAGE_CODE}.json"


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: not a template")
    return data


def _record(entry: Entry) -> dict[str, str]:
    record = {"source": entry.msgid, "text": entry.text}
    if entry.translated_by:
        record["translated_by"] = signature(entry.translated_by, entry.translated_at)
    if entry.reviewed_by:
        record["reviewed_by"] = signature(entry.reviewed_by, entry.reviewed_at)
    if entry.note:
        record["note"] = entry.note
    return record


def _translated(source: dict[str, Any], code: str, found: dict[str, Entry]) -> dict[str, Any]:
    """The template file of ``code`` for the Spanish ``source`` and its entries."""
    body = str(source["body"])
    buttons = [str(b["text"]) for b in source.get("buttons", [])]
    texts = [body, *buttons]
    done = [found[text] for text in texts if text in found]
    return {
        "name": f"{source['name']}_{code}",
        "language": source["language"],
        "category": source["category"],
        "rumbo_languages": [code],
        TRANSLATION_OF: source["name"],
        APPROVAL: PENDING,
        "ready_to_submit": all(text in found and found[text].reviewed_by for text in texts),
        "purpose": source.get("purpose", ""),
        "body": found[body].text if body in found else body,
        "params": source.get("params", []),
        "buttons": [
            {"type": "QUICK_REPLY", "text": found[text].text if text in found else text}
            for text in buttons
        ],
        "translations": [_record(entry) for entry in done],
        "untranslated": [text for text in texts if text not in found],
    }


def _sent_words(data: dict[str, Any]) -> tuple[Any, ...]:
    return (data.get("body"), data.get("buttons"))


def write_templates(
    code: str, entries: Iterable[Entry], directory: Path = TEMPLATES_DIR
) -> list[Path]:
    """Write the template translations among ``entries`` (of language ``code``) as
    template files; the paths written. An approved file whose words stay the same
    keeps its approval."""
    by_template: dict[str, dict[str, Entry]] = {}
    for entry in entries:
        if is_template_entry(entry):
            name = entry.context.removeprefix(WHATSAPP_CONTEXT)
            by_template.setdefault(name, {})[entry.msgid] = entry
    written = []
    for name, found in sorted(by_template.items()):
        source_path = directory / f"{name}.{SOURCE_LANGUAGE_CODE}.json"
        if not source_path.exists():
            continue  # a template that is gone
        data = _translated(_read(source_path), code, found)
        path = translation_path(name, code, directory)
        if path.exists():
            before = _read(path)
            if before.get(APPROVAL) == APPROVED and _sent_words(before) == _sent_words(data):
                data[APPROVAL] = APPROVED
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_templates(code: str, directory: Path = TEMPLATES_DIR) -> list[Entry]:
    """The translations, with their signatures, of the template files of ``code``."""
    found = []
    for path in sorted(directory.glob("*.json")):
        data = _read(path)
        of = data.get(TRANSLATION_OF)
        if not isinstance(of, str) or data.get("rumbo_languages") != [code]:
            continue
        for record in data.get("translations", []):
            translated_by, translated_at = parse_signature(str(record.get("translated_by", "")))
            reviewed_by, reviewed_at = (
                parse_signature(str(record["reviewed_by"]))
                if record.get("reviewed_by")
                else (None, None)
            )
            found.append(
                Entry(
                    context=WHATSAPP_CONTEXT + of,
                    msgid=str(record["source"]),
                    text=str(record["text"]),
                    note=str(record.get("note", "")),
                    translated_by=translated_by,
                    translated_at=translated_at,
                    reviewed_by=reviewed_by,
                    reviewed_at=reviewed_at,
                )
            )
    return found
