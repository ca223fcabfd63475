"""What the team around the plan meets in its first hour on a case page: the forms
offer only what their role may do, so nobody fills a form to be refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from plan_store.enums import Role
from plan_store.models import Home
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.console.conftest import Browser
from tests.console.world import World


def appointment_kinds(html: str, case_id: int) -> list[str]:
    form = html.split(f'action="/cases/{case_id}/appointments"', 1)[1].split("</form>", 1)[0]
    select = form.split('<select name="kind">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([a-z_]+)"', select)


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (Role.LAWYER, ["legal"]),
        (Role.PSYCHOLOGIST, ["psychology"]),
        (Role.EDUCATOR, ["school", "job_training"]),
        (Role.SOCIAL_WORKER, ["health", "other"]),
    ],
)
async def test_the_team_is_offered_only_the_appointments_of_their_role(
    browsers: Any, world: World, container: Container, role: Role, kinds: list[str]
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, "lucia", role, display_name="Lucía")
        await uow.commit()
    member: Browser = browsers()
    assert (await member.login("lucia")).status_code == 303
    page = (await member.get(f"/cases/{world.ana_case.id}")).text
    assert appointment_kinds(page, world.ana_case.id) == kinds


async def test_the_operator_is_offered_every_kind_of_appointment(
    as_ana: Browser, world: World
) -> None:
    page = (await as_ana.get(f"/cases/{world.ana_case.id}")).text
    assert appointment_kinds(page, world.ana_case.id) == [
        "school",
        "job_training",
        "health",
        "legal",
        "psychology",
        "other",
    ]
