"""Family and papers on the case page: the social worker records who she may call and
the calls held, the lawyer her procedure; the operator reads both and is refused in
words when she tries to write them, with nothing changed."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from plan_store.enums import Role
from plan_store.models import Home, OutboxMessage
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import snapshot
from tests.console.world import World


def notices(html: str) -> list[str]:
    return re.findall(r'<p class="notice (?:done|problem)">([^<]*)</p>', html)


async def member(browsers: Any, container: Container, world: World, role: Role) -> Browser:
    name = {Role.SOCIAL_WORKER: "sara", Role.LAWYER: "mara"}.get(role, "lucia")
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, name, role, display_name=name.title())
        await uow.commit()
    browser: Browser = browsers()
    assert (await browser.login(name)).status_code == 303
    return browser


async def test_a_social_worker_records_a_contact_and_a_call_that_the_operator_reads(
    browsers: Any, as_ana: Browser, world: World, container: Container
) -> None:
    sara = await member(browsers, container, world, Role.SOCIAL_WORKER)
    base = f"/cases/{world.ana_case.id}"
    response = await sara.post(
        f"{base}/family/contacts",
        {
            "name": "Rosa",
            "relation": "mamá",
            "way": "call_and_visit",
            "allowed_by": "Procuraduría de Protección",
            "allowed_since": "2026-02-15",
        },
    )
    assert response.headers["location"].endswith("#family")
    page = (await sara.get(base)).text
    assert "Contacto permitido agregado. Lo ve en su chat, en «Mi familia»." in notices(page)
    contact = re.search(r'id="contact-(\d+)"', page)
    assert contact is not None
    await sara.post(
        f"{base}/family/contacts/{contact.group(1)}/held",
        {"way": "visit", "held_on": "2026-03-01", "note": "Le trajo fotos de sus hermanos."},
    )
    page = (await sara.get(base)).text
    assert "Llamada o visita registrada. La nota no llega a su chat." in notices(page)
    assert "«Le trajo fotos de sus hermanos.»" in page
    sheet = (await sara.get(f"{base}/evaluation")).text  # the period's timeline has it
    assert "Visita de su familia" in sheet and "Rosa: Le trajo fotos de sus hermanos." in sheet
    assert "Rosa (mamá) · Llamadas y visitas · último contacto: dom 1 mar 2026" in sheet

    ana_page = (await as_ana.get(base)).text
    assert "Rosa" in ana_page and "Procuraduría de Protección" in ana_page
    assert f'action="{base}/family/contacts"' not in ana_page  # she reads, she does not write
    before = await snapshot(container)
    await as_ana.post(
        f"{base}/family/contacts",
        {
            "name": "Julio",
            "relation": "tío",
            "way": "visit",
            "allowed_by": "Juez",
            "allowed_since": "2026-02-15",
        },
    )
    refused = notices((await as_ana.get(base)).text)
    assert "Ese cambio no le toca a tu papel en el equipo." in " ".join(refused)
    assert await snapshot(container) == before
    assert await audit_count(container, "family.contact_record") == 1


async def test_the_lawyer_follows_the_procedure_and_the_coordinator_reads_it(
    browsers: Any, world: World, container: Container
) -> None:
    mara = await member(browsers, container, world, Role.LAWYER)
    as_marta: Browser = browsers()
    assert (await as_marta.login("marta")).status_code == 303
    base = f"/cases/{world.ana_case.id}"
    assert f'action="{base}/legal"' in (await mara.get(base)).text
    await mara.post(
        f"{base}/legal",
        {"kind": "refugee", "stage": "filed", "next_on": "", "next_what": "", "followed_by_id": ""},
    )
    page = (await mara.get(base)).text
    procedure = re.search(r'id="procedure-(\d+)"', page)
    lawyer = re.search(r'<option value="(\d+)" selected>Mara', page)
    assert procedure is not None and lawyer is not None
    await mara.post(
        f"{base}/legal/{procedure.group(1)}",
        {
            "stage": "interview",
            "next_on": "2026-03-12",
            "next_what": "Entrevista: llevar tu constancia",
            "followed_by_id": lawyer.group(1),
        },
    )
    page = (await as_marta.get(base)).text
    assert "Reconocimiento de la condición de refugiado (COMAR)" in page
    assert "Entrevista: llevar tu constancia" in page and "Lo lleva: Mara" in page
    assert "Solicitud presentada" in page  # the stage before, in its history
    assert f'action="{base}/legal/{procedure.group(1)}"' not in page
    before = await snapshot(container)
    await as_marta.post(
        f"{base}/legal/{procedure.group(1)}",
        {"stage": "granted", "next_on": "", "next_what": "", "followed_by_id": ""},
    )
    assert await snapshot(container) == before
    assert await audit_count(container, "legal.stage") == 1
    assert await audit_count(container, "case.role_refused") == 1


async def test_the_audit_log_names_family_and_legal_changes_and_links_them(
    browsers: Any, world: World, container: Container
) -> None:
    mara = await member(browsers, container, world, Role.LAWYER)
    base = f"/cases/{world.ana_case.id}"
    await mara.post(
        f"{base}/legal",
        {"kind": "humanitarian_visa", "stage": "preparing", "followed_by_id": ""},
    )
    admin: Browser = browsers()
    assert (await admin.login("admin")).status_code == 303
    log = (await admin.get("/admin/audit")).text
    assert "Agregó un trámite legal o migratorio" in log
    assert re.search(rf'href="{base}#procedure-\d+"', log)


async def test_a_new_step_of_her_procedure_is_told_in_her_chat_in_plain_words(
    browsers: Any, world: World, container: Container
) -> None:
    mara = await member(browsers, container, world, Role.LAWYER)
    base = f"/cases/{world.ana_case.id}"
    await mara.post(
        f"{base}/legal",
        {"kind": "refugee", "stage": "filed", "next_on": "", "next_what": "", "followed_by_id": ""},
    )
    procedure = re.search(r'id="procedure-(\d+)"', (await mara.get(base)).text)
    assert procedure is not None
    moved = {"stage": "interview", "next_on": "", "next_what": "", "followed_by_id": ""}
    await mara.post(f"{base}/legal/{procedure.group(1)}", moved)
    assert "Se le avisó por su chat." in notices((await mara.get(base)).text)
    # The same step again, with only the next date changed: nothing new to tell her.
    await mara.post(f"{base}/legal/{procedure.group(1)}", {**moved, "next_on": "2026-03-12"})

    async with container.uow() as uow:
        sent = [
            json.loads(uow.cipher.decrypt(row.payload_ciphertext))["text"]
            for row in await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.adolescent_id == world.ana_case.id)
            )
        ]
    told = [text for text in sent if "👉 Ahora:" in text]
    assert told == [
        "📄 Tu trámite para pedir refugio en México\n"
        "👉 Ahora: tu entrevista\n"
        "En «📄 Mis papeles» ves lo que sigue."
    ]
