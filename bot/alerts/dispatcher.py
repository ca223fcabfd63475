"""The alert dispatcher: escalates, tells the adolescent, and delivers, from the database.

One round (``run_once``), never holding a transaction across a network call:

1. **Escalate** (one transaction): every alert whose next step is due moves one step
   (``alerts.escalate_due``, a compare-and-set per alert, so each step happens once
   whatever the number of workers and restarts). When the last step passes with
   nobody acknowledging, the adolescent's chat is given the emergency numbers
   again, queued in the outbox in the same transaction.
2. **Tell the adolescent** (one transaction): for each newly acknowledged alert,
   "Laura ya vio tu mensaje" is queued in the outbox, claimed by a compare-and-set
   on ``ack_told_at`` in the same transaction.
3. **Deliver**: due deliveries are claimed with a lease (``FOR UPDATE SKIP LOCKED``
   on PostgreSQL) and committed, sent on their channel, and the outcome recorded under
   the claim's token. A crash after the commit of the claim leaves the row to be
   claimed again when the lease lapses.

``wake()`` (subscribed to ``AlertRaised`` and ``AlertAcknowledged`` by the
composition root) starts a round at once; otherwise rounds run every
``poll_interval`` seconds. This is separate from the outbox sender on purpose: few
rows, other channels (email), and a round that escalates too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.alerts.channels import AlertSender, EmailAlerts
from bot.alerts.texts import digest_lines
from bot.outbox.channel import PermanentFailure, RetryLater
from dialogs import alerts as alert_screens
from dialogs.screens import Screen
from locales import Translator, is_supported, translator
from plan_store.enums import AlertChannel, AlertStep
from plan_store.models import Adolescent, Home
from plan_store.services import alert_deliveries, alerts, chats, consent, digests, outbox
from plan_store.services.homes import MEXICO_EMERGENCY_NUMBERS
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

ScreenFor = Callable[[Translator, Home], Screen]


class AlertDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        senders: Iterable[AlertSender],
        *,
        lease: timedelta = timedelta(seconds=60),
        poll_interval: float = 1.0,
        batch_size: int = 50,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._senders = {sender.channel: sender for sender in senders}
        self.lease = lease
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._on_outbox = on_outbox
        """Called when a round queued messages to adolescents (wakes the outbox sender)."""

    @property
    def channels(self) -> list[AlertChannel]:
        return list(self._senders)

    def wake(self, *_: object) -> None:
        """Run a round now (an alert was just raised or acknowledged in this process)."""
        self._wake.set()

    async def run_once(self, now: datetime | None = None) -> int:
        """One round at ``now`` (default the clock); how many deliveries were tried."""
        when = now or self._uow_factory.clock()
        queued = await self._escalate(when)
        queued += await self._tell_acknowledged()
        if queued and self._on_outbox is not None:
            self._on_outbox()
        tried = await self._deliver(when)
        await self._digests(when)
        return tried

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        while not stop_event.is_set():
            self._wake.clear()
            try:
                tried = await self.run_once()
            except Exception:
                log.exception("the alert round failed; trying again shortly")
                tried = 0
            if tried >= self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    waits = [
                        asyncio.create_task(self._wake.wait()),
                        asyncio.create_task(stop_event.wait()),
                    ]
                    try:
                        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for task in waits:
                            task.cancel()

    # ------------------------------------------------------------------ steps

    async def _escalate(self, now: datetime) -> int:
        async with self._uow_factory() as uow:
            moved = await alerts.escalate_due(uow, now)
            queued = 0
            for step in moved:
                if step.step is AlertStep.UNANSWERED:
                    queued += await _to_adolescent(
                        uow,
                        step.adolescent_id,
                        f"alert:{step.alert_id}:unanswered",
                        lambda t, home: alert_screens.unanswered(
                            t, dict(home.emergency_numbers or MEXICO_EMERGENCY_NUMBERS)
                        ),
                    )
            await uow.commit()
        for step in moved:
            log.info("alert %s escalated to %s", step.alert_id, step.step.name.lower())
        return queued

    async def _tell_acknowledged(self) -> int:
        async with self._uow_factory() as uow:
            queued = 0
            for alert, staff in await alerts.to_tell_acknowledged(uow):
                if not await alerts.mark_told(uow, alert.id):
                    continue
                queued += await _to_adolescent(
                    uow,
                    alert.adolescent_id,
                    f"alert:{alert.id}:seen",
                    _seen_by(staff.display_name),
                    named=True,
                )
            await uow.commit()
        return queued

    async def _deliver(self, now: datetime) -> int:
        async with self._uow_factory() as uow:
            jobs = await alert_deliveries.claim_deliveries(
                uow, now, channels=list(self._senders), lease=self.lease, limit=self.batch_size
            )
            await uow.commit()
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._send(job, now) for job in jobs))
        async with self._uow_factory() as uow:
            for job, (sent, error, retry_in) in zip(jobs, outcomes, strict=True):
                if not await alert_deliveries.record_delivery(
                    uow, job, sent=sent, error=error, retry_in=retry_in
                ):
                    log.warning("alert delivery %s was claimed again meanwhile", job.id)
            await uow.commit()
        return len(jobs)

    async def _digests(self, now: datetime) -> None:
        """Today's digests of non-urgent flags, by email (when email is configured)."""
        email = self._senders.get(AlertChannel.EMAIL)
        if not isinstance(email, EmailAlerts):
            return
        async with self._uow_factory() as uow:
            await digests.plan(uow, now)
            jobs = await digests.claim(uow, now, lease=self.lease)
            await uow.commit()
        for job in jobs:
            subject, body = digest_lines(job, email.console_url)
            try:
                await email.send_mail(job.address, subject, body)
            except RetryLater:
                sent, retry = False, timedelta(minutes=5)
            except PermanentFailure:
                sent, retry = False, None
            else:
                sent, retry = True, None
            async with self._uow_factory() as uow:
                await digests.record(uow, job, sent=sent, retry_in=retry)
                await uow.commit()

    async def _send(
        self, job: alert_deliveries.DeliveryJob, now: datetime
    ) -> tuple[bool, str, timedelta | None]:
        sender = self._senders[job.channel]
        try:
            await sender.send(job, now)
        except RetryLater as error:
            wait = error.after if error.after is not None else min(5.0 * 2**job.attempts, 300.0)
            log.warning("alert %s by %s: will retry (%s)", job.alert_id, job.channel, error)
            return False, str(error), timedelta(seconds=wait)
        except PermanentFailure as error:
            log.warning("alert %s by %s failed: %s", job.alert_id, job.channel, error)
            return False, str(error), None
        except Exception as error:
            log.exception("alert %s by %s failed unexpectedly", job.alert_id, job.channel)
            return False, f"{type(error).__name__}", timedelta(seconds=30)
        log.info("alert %s sent by %s to staff %s", job.alert_id, job.channel, job.staff_id)
        return True, "", None


def _seen_by(name: str) -> ScreenFor:
    return lambda t, _home: alert_screens.acknowledged(t, name)


async def _to_adolescent(
    uow: UnitOfWork,
    adolescent_id: int,
    key: str,
    screen: ScreenFor,
    *,
    named: bool = False,
) -> int:
    """Queue ``screen(t, home)`` to each active chat of the case, in the chat's
    language; a chat without consent in force is not told staff's names."""
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        return 0
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    open_chat = (await consent.state(uow, case)).valid
    queued = 0
    for link in await chats.active_links_of(uow, case.id):
        session = await chats.chat_session(uow, link.channel, link.external_id)
        lang = next(
            (code for code in (session.language, case.language) if code and is_supported(code)),
            "es",
        )
        t = translator(lang)
        shown: Screen = (
            screen(t, home) if (open_chat or not named) else alert_screens.acknowledged(t, "")
        )
        await outbox.enqueue(
            uow,
            channel=link.channel,
            external_chat_id=link.external_id,
            adolescent_id=case.id,
            payload=shown.to_payload(),
            dedupe_key=f"{key}:{link.id}",
            urgent=True,
        )
        queued += 1
    return queued
