"""Alerts in the console: the live banner on every page, and one alert's page.

Every page of a logged-in staff member asks ``/alerts/live`` every few seconds
(``static/alerts.js``); the alerts told to her that nobody has acknowledged come back
as case numbers, categories and waiting times (never words or alias), and the page
shows a banner, plays a sound and raises a browser notification. An alert's page
lets whoever may act on it (her own caseload, her home if she coordinates, or any
adolescent of her home while she is on duty: audited as on-duty access) see what
raised it and acknowledge it.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from locales import N_, Translator
from plan_store.enums import AlertChannel, DeliveryStatus, FlagCategory
from plan_store.errors import NotFound
from plan_store.models import Adolescent, Flag, Home, Message, OperatorRequest, Staff
from plan_store.services import alert_deliveries, alert_reads, alerts, requests, staff_languages
from plan_store.services.access import may_see
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.labels import label
from staff_console.templating import duration

# Translators: the reason of an alert in the console: the adolescent asked to talk to someone now.
REQUEST_LABEL = N_("Pidió hablar con alguien ya")


CHANNELS = {
    # Translators: where an alert reached a staff member: her own Telegram chat.
    AlertChannel.TELEGRAM: N_("Telegram"),
    # Translators: where an alert reached a staff member: her email.
    AlertChannel.EMAIL: N_("correo"),
    # Translators: where an alert reached a staff member: a console page she had open.
    AlertChannel.CONSOLE: N_("consola"),
}
STATUSES = {
    # Translators: an alert waiting to go out to a staff member.
    DeliveryStatus.PENDING: N_("por enviar"),
    # Translators: an alert going out to a staff member right now.
    DeliveryStatus.SENDING: N_("enviándose"),
    # Translators: an alert that reached a staff member.
    DeliveryStatus.SENT: N_("entregada"),
    # Translators: an alert that could not reach a staff member (or was no longer needed).
    DeliveryStatus.FAILED: N_("no enviada"),
}


def category_label(t: Translator, category: str) -> str:
    if category == alerts.REQUEST_CATEGORY:
        return t.gettext(REQUEST_LABEL)
    try:
        return label(t, FlagCategory(category))
    except ValueError:
        return category


@staff_endpoint(passive=True)
async def live(page: Page) -> Response:
    """The open alerts told to this person, for the banner. Marks the console
    deliveries as shown. Polling it does not keep a session alive."""
    now = page.now()
    async with page.uow() as uow:
        found = await alert_reads.live_for(uow, page.me.id)
        await uow.commit()
    return JSONResponse(
        {
            "alerts": [
                {
                    "id": alert.id,
                    "case": alert.case_number,
                    "category": category_label(page.t, alert.category),
                    "waited": duration(page.t, alert.waiting(now)),
                    "url": f"/alerts/{alert.id}",
                }
                for alert in found
            ]
        },
        headers={"cache-control": "no-store"},
    )


@staff_endpoint()
async def alert_page(page: Page) -> Response:
    alert_id = page.int_param("alert_id")
    async with page.uow() as uow:
        try:
            alert, on_duty = await alerts.alert_for_staff(uow, page.actor, alert_id)
        except NotFound:
            await uow.commit()  # the refusal is audited apart
            raise HTTPException(404) from None
        case = await uow.session.get(Adolescent, alert.adolescent_id)
        home = await uow.session.get(Home, alert.home_id)
        assert case is not None and home is not None
        words = await _words(uow, alert.flag_id, alert.request_id)
        case_speakers = await staff_languages.case_speakers(uow, [case.id])
        request = (
            await uow.session.get(OperatorRequest, alert.request_id) if alert.request_id else None
        )
        seen_by = (
            await uow.session.get(Staff, alert.acknowledged_by_id)
            if alert.acknowledged_by_id
            else None
        )
        deliveries = [
            (staff.display_name, delivery.channel, delivery.status, delivery.step)
            for delivery, staff in await alert_deliveries.deliveries(uow, alert.id)
        ]
        await uow.commit()
        return page.render(
            "alert.html",
            alert=alert,
            case=case,
            home=home,
            category=category_label(page.t, alert.category),
            words=words,
            request=request,
            seen_by=seen_by.display_name if seen_by else None,
            deliveries=deliveries,
            case_speakers=case_speakers,
            on_duty_access=on_duty,
            case_open=may_see(page.actor, case),
            channel_label=lambda channel: page.t.gettext(CHANNELS[channel]),
            status_label=lambda status: page.t.gettext(STATUSES[status]),
        )


async def _words(uow: UnitOfWork, flag_id: int | None, request_id: int | None) -> str:
    """What raised the alert, for the person acting on it (never sent anywhere)."""
    if flag_id is not None:
        flag = await uow.session.get(Flag, flag_id)
        if flag is not None and flag.message_id is not None:
            message = await uow.session.get(Message, flag.message_id)
            if message is not None:
                return uow.cipher.decrypt(message.body_ciphertext)
    if request_id is not None:
        request = await uow.session.get(OperatorRequest, request_id)
        if request is not None:
            return requests.message_of(uow, request)
    return ""


@staff_endpoint()
async def acknowledge(page: Page) -> Response:
    alert_id = page.int_param("alert_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await alerts.acknowledge(uow, page.actor, alert_id, via="console")
        return ("alert.acknowledged",)

    return await change_action(page, change, back=f"/alerts/{alert_id}")


@staff_endpoint()
async def request_handled(page: Page) -> Response:
    """The urgent request behind the alert is answered (on duty too)."""
    alert_id = page.int_param("alert_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await requests.handle_from_alert(uow, page.actor, alert_id)
        return ("request.handled",)

    return await change_action(page, change, back=f"/alerts/{alert_id}")


routes: list[BaseRoute] = [
    Route("/alerts/live", live, methods=["GET"]),
    Route("/alerts/{alert_id:int}", alert_page, methods=["GET"]),
    Route("/alerts/{alert_id:int}/acknowledge", acknowledge, methods=["POST"]),
    Route("/alerts/{alert_id:int}/request", request_handled, methods=["POST"]),
]
