"""Translations made in the console: who may write them, a second person's review,
the chat using reviewed ones from the next message, and the ``.po`` round trip."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.whatsapp.templates import TemplateBook, TemplateHint, parse_template
from locales import Translator, translator
from locales.catalogs import compile_po, po_path
from locales.core_set import (
    TEMPLATES_DIR,
    chat_messages,
    core_keys,
    whatsapp_messages,
    workspace_messages,
)
from locales.exchange import read_entries, write_entries
from locales.template_exchange import read_templates, write_templates
from plan_store.enums import RiskCategory, Role, Severity
from plan_store.errors import BrokenPlaceholders, OutOfScope, OwnReview, TemplateButtonTooLong
from plan_store.models import AuditEntry, Translation
from plan_store.services import staff_languages, translations, triage_terms
from plan_store.services.access import StaffActor
from plan_store.services.translations import State
from rumbo.container import Container
from tests.bot.test_scheduler_jobs import statements
from tests.builders import a_case
from tests.plan_store.builders import Team, a_staff_member

BACK = "⬅️ Volver"
WITH_NAME = "¿Qué quieres hacer, {name}?"


async def translators(container: Container, team: Team) -> tuple[StaffActor, StaffActor]:
    """Two translators of K'iche' (Ana Tzoc and Pedro Ixcoy), given it by an admin."""
    async with container.uow() as uow:
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        ana = await a_staff_member(uow, None, "tzoc", Role.TRANSLATOR, display_name="Ana Tzoc")
        pedro = await a_staff_member(
            uow, team.home, "ixcoy", Role.TRANSLATOR, display_name="Pedro Ixcoy"
        )
        for person in (ana, pedro):
            await staff_languages.set_translated(uow, admin, person.id, ["quc"])
        await uow.commit()
    return ana, pedro


async def test_a_reviewed_translation_reaches_the_chat_and_a_draft_does_not(
    container: Container, team: Team
) -> None:
    ana, pedro = await translators(container, team)
    async with container.uow() as uow:
        await translations.save(
            uow, ana, language="quc", context="", msgid=BACK, text="⬅️ Chi'j", note="corto"
        )
        await uow.commit()
    async with container.uow() as uow:
        await translations.sync(uow)
    assert translator("quc").gettext(BACK) == BACK  # a draft stays out of the chat

    async with container.uow() as uow:
        with pytest.raises(OwnReview):
            await translations.review(uow, ana, language="quc", context="", msgid=BACK)
        row = await translations.review(uow, pedro, language="quc", context="", msgid=BACK)
        assert (row.reviewed_by_name, row.translated_by_name) == ("Pedro Ixcoy", "Ana Tzoc")
        await uow.commit()
    async with container.uow() as uow:
        await translations.sync(uow)
    assert translator("quc").gettext(BACK) == "⬅️ Chi'j"  # no restart
    assert translator("mam").gettext(BACK) == BACK  # no other language

    async with container.uow() as uow:  # a new text needs a new review
        await translations.save(uow, pedro, language="quc", context="", msgid=BACK, text="⬅️ Xa")
        await uow.commit()
    async with container.uow() as uow:
        await translations.sync(uow)
        (item,) = [i for i in await translations.items(uow, "quc") if i.message.msgid == BACK]
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
    assert (item.state, item.text) == (State.DRAFT, "⬅️ Xa")
    assert translator("quc").gettext(BACK) == BACK
    assert actions.count("translation.save") == 2 and actions.count("translation.review") == 1


async def test_translators_work_only_in_their_languages_and_keep_the_placeholders(
    container: Container, team: Team
) -> None:
    ana, _ = await translators(container, team)
    async with container.uow() as uow:
        assert await translations.translatable_languages(uow, ana) == ["quc"]
        assert await translations.translatable_languages(uow, team.operator) == []
        assert "mam" in await translations.translatable_languages(uow, team.coordinator)
        with pytest.raises(OutOfScope):
            await translations.save(uow, ana, language="mam", context="", msgid=BACK, text="x")
        with pytest.raises(OutOfScope):
            await translations.save(
                uow, team.operator, language="quc", context="", msgid=BACK, text="x"
            )
        with pytest.raises(BrokenPlaceholders):
            await translations.save(
                uow, ana, language="quc", context="", msgid=WITH_NAME, text="¿Jas kaj?"
            )
        with pytest.raises(BrokenPlaceholders):
            await translations.save(
                uow, ana, language="quc", context="", msgid=WITH_NAME, text="{nombre}, ¿jas?"
            )
        saved = await translations.save(
            uow, ana, language="quc", context="", msgid=WITH_NAME, text="{name}, ¿jas kaj?"
        )
        assert saved.text == "{name}, ¿jas kaj?"


async def test_english_needs_no_review_and_the_core_set_decides_whether_a_language_is_ready(
    container: Container, team: Team
) -> None:
    ana, pedro = await translators(container, team)
    async with container.uow() as uow:
        await translations.sync(uow)
    assert translations.core_ready("en") and translations.core_ready("es")
    assert not translations.core_ready("quc")
    core = [m for m in chat_messages() if m.core]
    assert {m.key for m in core} == core_keys() and len(core) > 50
    async with container.uow() as uow:
        for message in core:
            text = f"«quc» {message.msgid}"  # keeps every placeholder
            plural = f"«quc» {message.msgid_plural}" if message.msgid_plural else None
            await translations.save(
                uow,
                ana,
                language="quc",
                context=message.context,
                msgid=message.msgid,
                text=text,
                plural_text=plural,
            )
        await uow.commit()
    async with container.uow() as uow:
        await translations.sync(uow)
    assert not translations.core_ready("quc")  # drafts only
    async with container.uow() as uow:
        for message in core:
            await translations.review(
                uow, pedro, language="quc", context=message.context, msgid=message.msgid
            )
        await uow.commit()
    async with container.uow() as uow:
        await translations.sync(uow)
        progress = translations.progress(await translations.items(uow, "quc"))
    assert translations.core_ready("quc") and not translations.core_ready("mam")
    assert all(p.reviewed == p.total for p in progress if p.core)
    assert next(p for p in progress if p.key == "other").reviewed < 5


async def test_po_export_and_import_round_trip_every_translation_comment_and_signature(
    container: Container, team: Team, tmp_path: Path
) -> None:
    ana, pedro = await translators(container, team)
    shutil.copy(po_path("quc"), tmp_path / "quc.po")
    po = tmp_path / "quc.po"
    plural = next(m for m in chat_messages() if m.msgid_plural)
    async with container.uow() as uow:
        await translations.save(
            uow, ana, language="quc", context="", msgid=BACK, text="⬅️ Chi'j", note="corto\ncheck"
        )
        await translations.review(uow, pedro, language="quc", context="", msgid=BACK)
        await translations.save(
            uow, pedro, language="quc", context="", msgid=WITH_NAME, text="{name}, ¿jas?"
        )
        await translations.save(
            uow,
            ana,
            language="quc",
            context=plural.context,
            msgid=plural.msgid,
            text=f"jun {plural.msgid}",
            plural_text=f"e k'ia {plural.msgid_plural}",
        )
        exported = await translations.entries(uow, "quc")
        await uow.commit()
    assert write_entries(po, exported) == []

    async with container.uow() as uow:  # a fresh start: nothing in the database
        for row in await uow.session.scalars(select(Translation)):
            await uow.session.delete(row)
        await uow.commit()
    async with container.uow() as uow:
        taken = await translations.import_entries(uow, "quc", read_entries(po))
        again = await translations.entries(uow, "quc")
        await uow.commit()
    assert taken >= len(exported)
    mine = {(e.context, e.msgid) for e in exported}
    assert [e for e in again if (e.context, e.msgid) in mine] == exported
    back = next(e for e in again if e.msgid == BACK)
    assert (back.translated_by, back.reviewed_by, back.note) == (
        "Ana Tzoc",
        "Pedro Ixcoy",
        "corto\ncheck",
    )
    text = po.read_text(encoding="utf-8")
    assert "# reviewed-by: Pedro Ixcoy, 20" in text and "# translated-by: Ana Tzoc, 20" in text
    # A draft is written fuzzy: the catalog never shows it to a chat, as the console does not.
    from_file = Translator("quc", compile_po(po))
    assert (from_file.gettext(WITH_NAME), from_file.gettext(BACK)) == (WITH_NAME, "⬅️ Chi'j")


async def test_whatsapp_templates_are_translated_with_their_parameters_kept(
    container: Container, team: Team
) -> None:
    ana, _ = await translators(container, team)
    body = next(m for m in whatsapp_messages() if "{{1}}" in m.msgid)
    async with container.uow() as uow:
        with pytest.raises(BrokenPlaceholders):
            await translations.save(
                uow, ana, language="quc", context=body.context, msgid=body.msgid, text="Saqarik"
            )
        kept = " ".join(sorted(set(re.findall(r"\{\{\d+\}\}", body.msgid))))
        row = await translations.save(
            uow, ana, language="quc", context=body.context, msgid=body.msgid, text=f"Saqarik {kept}"
        )
        assert row.context.startswith("whatsapp:")


async def test_a_translator_adds_a_term_of_their_language_that_a_second_speaker_reviews(
    container: Container, team: Team
) -> None:
    ana, pedro = await translators(container, team)
    async with container.uow() as uow:
        term = await triage_terms.add(
            uow,
            ana,
            language="quc",
            category=RiskCategory.RUNNING_AWAY,
            severity=Severity.HIGH,
            term="kinel chi naj",
        )
        with pytest.raises(OutOfScope):
            await triage_terms.add(
                uow,
                ana,
                language="mam",
                category=RiskCategory.HEALTH,
                severity=Severity.LOW,
                term="yab",
            )
        active = await triage_terms.active_terms(uow, ["quc"])
        assert [t.term for t in active] == ["kinel chi naj"]  # counts before its review
        with pytest.raises(OwnReview):
            await triage_terms.review(uow, ana, term.id)
        reviewed = await triage_terms.review(uow, pedro, term.id)
        assert reviewed.reviewed_by_id == pedro.id and reviewed.reviewed_at is not None
        await uow.commit()


async def test_staff_record_the_languages_they_speak_and_their_home_finds_them(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        await staff_languages.set_spoken(uow, team.operator, team.operator.id, ["es", "quc"])
        with pytest.raises(OutOfScope):
            await staff_languages.set_spoken(uow, team.operator, team.coordinator.id, ["mam"])
        found = await staff_languages.speakers(uow, [team.home.id], ["quc", "mam"])
        await uow.commit()
    assert list(found) == [(team.home.id, "quc")]
    assert len(found[(team.home.id, "quc")]) == 1


async def test_the_speakers_of_many_cases_are_found_in_three_queries_whatever_their_number(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        await staff_languages.set_spoken(uow, team.operator, team.operator.id, ["quc"])
        ids = []
        for index, code in enumerate(["quc", "mam", "es"] * 4):
            case = await a_case(uow, team.home, team.operator, f"CAS-{index + 100}")
            case.language = code
            ids.append(case.id)
        await uow.commit()
    counts = []
    for wanted in (ids[:3], ids):
        async with container.uow() as uow:
            with statements(container) as sent:
                found = await staff_languages.case_speakers(uow, wanted)
            counts.append(len(sent))
    assert counts == [3, 3]
    assert len(found) == 8  # the Spanish cases need nobody
    assert found[ids[0]] == [staff_languages.CaseSpeakers("quc", ("Ana",))]
    assert found[ids[1]] == [staff_languages.CaseSpeakers("mam", ())]  # nobody: a warning
    assert ids[2] not in found


async def test_whatsapp_template_translations_round_trip_through_template_files_that_wait_for_meta(
    container: Container, team: Team, tmp_path: Path
) -> None:
    ana, pedro = await translators(container, team)
    directory = tmp_path / "whatsapp_templates"
    shutil.copytree(TEMPLATES_DIR, directory)
    context = "whatsapp:recordatorio_cita"
    body, *buttons = [m for m in whatsapp_messages() if m.context == context]
    texts = {
        body.msgid: "Saqarik {{1}} 👋\n📅 {{2}}: {{3}}.\n¿La katbe'?",
        buttons[0].msgid: "✔️ Kinbe'",
        buttons[1].msgid: "❌ Man kinbe' taj",
    }
    async with container.uow() as uow:
        with pytest.raises(TemplateButtonTooLong):
            await translations.save(
                uow, ana, language="quc", context=context, msgid=buttons[2].msgid, text="🔁 " * 11
            )
        for msgid, text in texts.items():
            await translations.save(
                uow, ana, language="quc", context=context, msgid=msgid, text=text, note="Ana"
            )
            await translations.review(uow, pedro, language="quc", context=context, msgid=msgid)
        await translations.save(  # a draft
            uow, pedro, language="quc", context=context, msgid=buttons[2].msgid, text="🔁 Jalwachij"
        )
        exported = await translations.entries(uow, "quc")
        await uow.commit()

    (path,) = write_templates("quc", exported, directory)
    assert path.name == "recordatorio_cita_quc.es_MX.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    assert (written["meta_approval"], written["ready_to_submit"]) == ("pending", False)
    assert written["body"] == texts[body.msgid]
    assert [b["text"] for b in written["buttons"]][:2] == [texts[b.msgid] for b in buttons[:2]]
    template = parse_template(written, source=path.name)  # what Meta is sent
    assert template.name == "recordatorio_cita_quc"
    assert template.translation_of == "recordatorio_cita"
    # Until Meta approves it, K'iche' chats get the Spanish template.
    assert TemplateBook.load(directory).find("recordatorio_cita", "quc").name == "recordatorio_cita"
    assert whatsapp_messages(directory) == whatsapp_messages()  # not a source to translate

    async with container.uow() as uow:  # a fresh start: nothing in the database
        for row in await uow.session.scalars(select(Translation)):
            await uow.session.delete(row)
        await uow.commit()
    async with container.uow() as uow:
        taken = await translations.import_entries(uow, "quc", read_templates("quc", directory))
        again = await translations.entries(uow, "quc")
        await uow.commit()
    assert taken == len(exported) == 4
    assert again == exported

    written["meta_approval"] = "approved"  # a person records Meta's approval
    path.write_text(json.dumps(written, ensure_ascii=False), encoding="utf-8")
    book = TemplateBook.load(directory)
    hint = TemplateHint("recordatorio_cita", ("Lu", "Mañana", "Taller"), ("a", "b", "c"))
    assert book.message(hint, "quc")["name"] == "recordatorio_cita_quc"
    assert book.message(hint, "mam")["name"] == "recordatorio_cita"
    assert write_templates("quc", again, directory) == [path]
    assert json.loads(path.read_text(encoding="utf-8"))["meta_approval"] == "approved"
    changed = [
        dataclasses.replace(e, text=e.text + "!") if e.msgid == body.msgid else e for e in again
    ]
    write_templates("quc", changed, directory)  # new words need a new approval
    assert json.loads(path.read_text(encoding="utf-8"))["meta_approval"] == "pending"


async def test_every_message_of_the_workspace_round_trips_through_the_catalog_and_template_files(
    container: Container, team: Team, tmp_path: Path
) -> None:
    ana, pedro = await translators(container, team)
    po = tmp_path / "quc.po"
    shutil.copy(po_path("quc"), po)
    directory = tmp_path / "whatsapp_templates"
    shutil.copytree(TEMPLATES_DIR, directory)
    every = workspace_messages()
    async with container.uow() as uow:
        for index, message in enumerate(every):
            who, reviewer = (ana, pedro) if index % 2 else (pedro, ana)
            text = re.sub(r"[^{}\s]+(?![^{]*\})", "xa", message.msgid)  # placeholders kept
            await translations.save(
                uow,
                who,
                language="quc",
                context=message.context,
                msgid=message.msgid,
                text=text[:20] if message.is_button and message.context else text,
                plural_text=f"e {message.msgid_plural}" if message.msgid_plural else None,
                note=f"note {index}\nsecond line" if index % 3 else "",
            )
            if index % 4:  # three in four reviewed, the others drafts
                await translations.review(
                    uow, reviewer, language="quc", context=message.context, msgid=message.msgid
                )
        exported = await translations.entries(uow, "quc")
        await uow.commit()
    assert len(exported) == len(every)
    in_catalog = [e for e in exported if not e.context.startswith("whatsapp:")]
    assert write_entries(po, in_catalog) == []
    assert len(write_templates("quc", exported, directory)) == len(TemplateBook.load().names())

    async with container.uow() as uow:
        for row in await uow.session.scalars(select(Translation)):
            await uow.session.delete(row)
        await uow.commit()
    async with container.uow() as uow:
        found = read_entries(po) + read_templates("quc", directory)
        await translations.import_entries(uow, "quc", found)
        again = await translations.entries(uow, "quc")
        await uow.commit()
    assert again == exported
