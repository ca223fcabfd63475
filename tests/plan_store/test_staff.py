"""Staff accounts: argon2 password hashes, roles and homes, log out everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from plan_store.enums import Role
from plan_store.errors import (
    DuplicateName,
    InvalidTransition,
    LoginThrottled,
    NotFound,
    ValidationFailed,
    WrongPassword,
)
from plan_store.models import AuditEntry, Staff, Throttle
from plan_store.services import staff
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import PASSWORD, a_home, a_staff_member, staff_row

LIMITS = staff.LoginLimits()


@pytest.fixture
async def ana(container: Container) -> StaffActor:
    """An operator, with the usual password."""
    async with container.uow() as uow:
        ana = await a_staff_member(uow, await a_home(uow), "ana")
        await uow.commit()
    return ana


@pytest.fixture
async def admin(container: Container) -> StaffActor:
    async with container.uow() as uow:
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        await uow.commit()
    return admin


async def test_staff_passwords_are_argon2_hashes_and_wrong_ones_fail(
    container: Container, production_password_hashing: PasswordHasher
) -> None:
    async with container.uow() as uow:
        home = await a_home(uow)
        ana = await a_staff_member(uow, home, "Ana.Lopez")
        await uow.commit()

    async with container.uow() as uow:
        stored = (await staff_row(uow, ana)).password_hash
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert PASSWORD not in stored
        found = await staff.authenticate(uow, "  ana.lopez ", PASSWORD)
        assert found is not None and found.id == ana.id
        assert await staff.authenticate(uow, "ana.lopez", PASSWORD + "!") is None
        assert await staff.authenticate(uow, "ana.lopez", "") is None
        assert await staff.authenticate(uow, "nadie", PASSWORD) is None


async def test_a_hash_made_with_weaker_settings_is_upgraded_at_login(
    container: Container, ana: StaffActor, monkeypatch: pytest.MonkeyPatch
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(staff, "_hasher", stronger)

    async with container.uow() as uow:
        assert await staff.authenticate(uow, "ana", PASSWORD) is not None
        await uow.commit()
    async with container.uow() as uow:
        upgraded = (await staff_row(uow, ana)).password_hash
        assert "m=2048,t=2,p=1" in upgraded
        assert await staff.authenticate(uow, "ana", PASSWORD) is not None


async def test_a_staff_account_is_checked_before_it_is_added(container: Container) -> None:
    async with container.uow() as uow:
        home = await a_home(uow)
        await a_staff_member(uow, home, "ana")

        def add(
            username: str, password: str, role: Role, home_id: int | None
        ) -> Coroutine[Any, Any, Staff]:
            return staff.add_staff(
                uow,
                username=username,
                display_name="X",
                password=password,
                role=role,
                home_id=home_id,
            )

        with pytest.raises(ValidationFailed):
            await add("beto", "short", Role.OPERATOR, home.id)
        with pytest.raises(ValidationFailed):
            await add("beto", PASSWORD, Role.COORDINATOR, None)  # a coordinator has a home
        with pytest.raises(ValidationFailed):
            await add("beto lópez!", PASSWORD, Role.OPERATOR, home.id)
        with pytest.raises(NotFound):
            await add("beto", PASSWORD, Role.OPERATOR, home.id + 100)
        with pytest.raises(DuplicateName):
            await add(" ANA ", PASSWORD, Role.OPERATOR, home.id)
        admin = await add("root", PASSWORD, Role.ADMIN, None)  # an admin needs no home
        assert admin is not None


async def test_log_out_everywhere_invalidates_older_sessions(
    container: Container, ana: StaffActor
) -> None:
    async with container.uow() as uow:
        await staff.log_out_everywhere(uow, ana.id)
        await uow.commit()
    async with container.uow() as uow:
        assert (await staff_row(uow, ana)).session_epoch == 1
        with pytest.raises(NotFound):
            await staff.log_out_everywhere(uow, ana.id + 100)


async def attempt(container: Container, username: str, password: str, client: str) -> object:
    """One console log-in; committed whatever happens, as the console does."""
    async with container.uow() as uow:
        try:
            found = await staff.log_in(uow, username, password, client=client)
        except LoginThrottled as error:
            await uow.commit()
            return error
        await uow.commit()
        return found.username if found else None


async def test_wrong_passwords_slow_down_that_account_at_that_address_only(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home(uow)
        await a_staff_member(uow, home, "ana")
        await a_staff_member(uow, home, "beto")
        await uow.commit()
    for _ in range(LIMITS.free + 1):
        assert await attempt(container, "ana", "not her password", "10.6.6.6") is None
    held = await attempt(container, "ana", PASSWORD, "10.6.6.6")
    assert isinstance(held, LoginThrottled)
    assert held.until == clock.now + LIMITS.first_delay
    # Her own address, and other accounts at this one, are not held back.
    assert await attempt(container, "ana", PASSWORD, "10.9.9.9") == "ana"
    assert await attempt(container, "beto", PASSWORD, "10.6.6.6") == "beto"
    async with container.uow() as uow:
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
    assert actions.count("staff.login_failed") == LIMITS.free + 1
    assert actions.count("staff.login_throttled") == 1
    clock.advance(seconds=2)
    assert await attempt(container, "ana", "not her password", "10.6.6.6") is None
    again = await attempt(container, "ana", PASSWORD, "10.6.6.6")
    assert isinstance(again, LoginThrottled) and again.until == clock.now + 2 * LIMITS.first_delay


async def test_one_address_trying_many_accounts_is_locked_out_and_nobody_else(
    container: Container, clock: FakeClock
) -> None:
    names = ["beto", "coral", "dora", "eli"]
    async with container.uow() as uow:
        home = await a_home(uow)
        for name in ["ana", *names]:
            await a_staff_member(uow, home, name)
        await uow.commit()
    per_name = LIMITS.max_per_client // len(names)
    for name in names:
        for _ in range(per_name):
            clock.advance(seconds=5)  # past the per-account delays (2 s, then 4 s)
            assert await attempt(container, name, "password123", "203.0.113.7") is None

    assert isinstance(await attempt(container, "ana", PASSWORD, "203.0.113.7"), LoginThrottled)
    assert await attempt(container, "ana", PASSWORD, "10.0.0.1") == "ana"
    async with container.uow() as uow:  # neither names nor addresses are kept in clear
        keys = " ".join(await uow.session.scalars(select(Throttle.key)))
    assert "beto" not in keys and "203.0.113.7" not in keys


async def test_many_failures_on_one_account_alert_the_admins_once(
    container: Container, clock: FakeClock, ana: StaffActor
) -> None:
    for n in range(LIMITS.alert_after + 5):
        assert await attempt(container, "ana", "guess", f"198.51.100.{n}") is None
    async with container.uow() as uow:
        alerts = [
            (a.target, a.details)
            for a in await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "staff.login_alert")
            )
        ]
    assert alerts == [(f"staff:{ana.id}", {"failures": LIMITS.alert_after})]
    assert await attempt(container, "ana", PASSWORD, "10.0.0.1") == "ana"


async def test_parallel_guesses_are_checked_one_at_a_time_against_the_limit(
    container: Container, ana: StaffActor
) -> None:
    """The attack that found 18 of 40 parallel guesses checked against a limit of 5."""

    async def guess(n: int) -> object:
        return await attempt(container, "ana", f"guess number {n}", "198.51.100.7")

    results = await asyncio.gather(*(guess(n) for n in range(40)))
    checked = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, LoginThrottled)]
    assert len(checked) == LIMITS.free + 1 and len(refused) == 40 - len(checked)
    async with container.uow() as uow:
        failed = await uow.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "staff.login_failed")
        )
    assert failed == LIMITS.free + 1


async def test_a_successful_log_in_forgets_earlier_failures(
    container: Container, ana: StaffActor
) -> None:
    for _ in range(LIMITS.free):
        await attempt(container, "ana", "typo typo typo", "10.0.0.1")
    assert await attempt(container, "Ana", PASSWORD, "10.0.0.1") == "ana"
    for _ in range(LIMITS.free):
        assert await attempt(container, "ana", "typo typo typo", "10.0.0.1") is None
    assert await attempt(container, "ana", PASSWORD, "10.0.0.1") == "ana"


async def test_an_admin_deactivates_and_reactivates_an_account_but_never_their_own(
    container: Container, admin: StaffActor, ana: StaffActor
) -> None:
    async with container.uow() as uow:
        await staff.set_active(uow, admin, ana.id, False)
        await uow.commit()
    async with container.uow() as uow:
        row = await staff_row(uow, ana)
        assert (row.active, row.session_epoch) == (False, 1)  # her sessions end too
        assert await staff.authenticate(uow, "ana", PASSWORD) is None
        with pytest.raises(InvalidTransition):
            await staff.set_active(uow, admin, ana.id, False)
        with pytest.raises(InvalidTransition):
            await staff.set_active(uow, admin, admin.id, False)
        with pytest.raises(NotFound):
            await staff.set_active(uow, admin, ana.id + 100, True)
        await staff.set_active(uow, admin, ana.id, True)
        await uow.commit()
    async with container.uow() as uow:
        assert await staff.authenticate(uow, "ana", PASSWORD) is not None
        actions = list(
            await uow.session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.staff_id == admin.id, AuditEntry.target == f"staff:{ana.id}"
                )
            )
        )
        assert actions == ["staff.deactivate", "staff.reactivate"]


async def test_passwords_are_reset_by_an_admin_or_changed_knowing_the_current_one(
    container: Container, admin: StaffActor, ana: StaffActor
) -> None:
    new, newer = "nueva contraseña 1", "nueva contraseña 2"
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):
            await staff.reset_password(uow, admin, ana.id, "corta")
        await staff.reset_password(uow, admin, ana.id, new)
        await uow.commit()
    async with container.uow() as uow:
        assert await staff.authenticate(uow, "ana", PASSWORD) is None
        assert await staff.authenticate(uow, "ana", new) is not None
        assert (await staff_row(uow, ana)).session_epoch == 1

    async with container.uow() as uow:
        with pytest.raises(WrongPassword):
            await staff.change_password(uow, ana.id, PASSWORD, newer)
    async with container.uow() as uow:  # the failure was kept though the change was not
        assert await uow.session.scalar(select(func.sum(Throttle.failures))) == 1
        with pytest.raises(ValidationFailed):
            await staff.change_password(uow, ana.id, new, "corta")
    async with container.uow() as uow:
        changed = await staff.change_password(uow, ana.id, new, newer)
        assert changed.session_epoch == 2
        await uow.commit()
    async with container.uow() as uow:
        assert await staff.authenticate(uow, "ana", newer) is not None
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
        assert actions.count("staff.password_reset") == 1
        assert actions.count("staff.password_change") == 1
        assert actions.count("staff.password_change_failed") == 1
        for entry in await uow.session.scalars(select(AuditEntry)):
            assert new not in f"{entry.target} {entry.details}"


async def test_wrong_current_passwords_are_slowed_down_but_do_not_hold_back_the_log_in(
    container: Container, ana: StaffActor
) -> None:
    for _ in range(LIMITS.free + 1):
        async with container.uow() as uow:
            with pytest.raises(WrongPassword):
                await staff.change_password(uow, ana.id, "no es", "nueva contraseña")
    async with container.uow() as uow:
        with pytest.raises(LoginThrottled):
            await staff.change_password(uow, ana.id, PASSWORD, "nueva contraseña")
    assert await attempt(container, "ana", PASSWORD, "10.0.0.1") == "ana"


async def test_the_console_language_is_kept_in_the_account(
    container: Container, ana: StaffActor
) -> None:
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):
            await staff.set_language(uow, ana.id, "quc")
        await staff.set_language(uow, ana.id, "en")
        await staff.set_language(uow, ana.id, "en")  # the same again: no new entry
        await uow.commit()
    async with container.uow() as uow:
        assert (await staff_row(uow, ana)).language == "en"
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
        assert actions.count("staff.language") == 1


async def test_an_admin_logging_someone_out_everywhere_is_audited_as_the_admin(
    container: Container, admin: StaffActor, ana: StaffActor
) -> None:
    async with container.uow() as uow:
        await staff.log_out_everywhere(uow, ana.id, by=admin)
        await uow.commit()
    async with container.uow() as uow:
        assert (await staff_row(uow, ana)).session_epoch == 1
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "staff.logout_everywhere")
        )
        assert entry is not None
        assert (entry.staff_id, entry.target) == (admin.id, f"staff:{ana.id}")
