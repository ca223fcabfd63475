"""What adolescents write, and the alias they choose, is shown as text: never markup."""

from __future__ import annotations

from typing import Any

from plan_store.enums import Channel, FlagCategory, RequestReason, Severity, Urgency
from plan_store.services import flags, messages, requests
from rumbo.container import Container
from tests.console.conftest import Browser
from tests.console.world import World, a_full_case

SCRIPT = "<script>alert('x')</script>"
IMAGE = '<img src=x onerror="alert(1)">'


async def test_script_in_an_alias_a_message_or_a_request_is_shown_as_text(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        case = await a_full_case(
            uow, world.home, world.ana, "MX-2026-0666", alias=SCRIPT[:60], chat="7666"
        )
        message = await messages.record_inbound(
            uow, case.id, channel=Channel.TELEGRAM, body=f"{IMAGE} y {SCRIPT} & más"
        )
        await flags.raise_flag(
            uow,
            case.id,
            category=FlagCategory.SELF_HARM,
            severity=Severity.URGENT,
            message_id=message.id,
            detail=SCRIPT,
        )
        await requests.create(
            uow, case.id, reason=RequestReason.OTHER, urgency=Urgency.URGENT, message=IMAGE
        )
        await messages.mark_for_evaluation(uow, world.ana, case.id, message.id)
        await uow.commit()
    browser: Browser = browsers()
    await browser.login("ana")
    pages = [
        await browser.get("/"),
        await browser.get("/dashboard/urgent"),
        await browser.get("/cases"),
        await browser.get("/flags"),
        await browser.get(f"/cases/{case.id}"),
        await browser.get(f"/cases/{case.id}/messages"),
        await browser.get(f"/cases/{case.id}/evaluation"),
        await browser.post(f"/cases/{case.id}/code"),
    ]
    for page in pages:
        assert page.status_code == 200, page.url
        assert "<script>" not in page.text, page.url
        assert "<img src=x" not in page.text, page.url
        assert "&lt;script&gt;" in page.text, page.url
    case_page = pages[4].text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in case_page
    assert "&amp; más" in case_page
