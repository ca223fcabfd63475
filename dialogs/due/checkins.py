"""After care: the question whether she wants the monthly check-ins, then the
check-ins themselves, until the follow-up ends or she turns 21."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dialogs import follow_up_consent, reminders
from dialogs.due.outgoing import full, message
from dialogs.follow_up import checkin_key
from locales.template_book import has_own_translation
from plan_store.enums import ConsentPurpose
from plan_store.models import Adolescent
from plan_store.services import consent, follow_up, outbox
from plan_store.services.recipients import Targets
from plan_store.unit_of_work import UnitOfWork

CHECKIN_EVERY_MONTHS = 1
CHECKIN_AT = time(10, 0)
CHECKIN_TTL = timedelta(days=7)


async def follow_up_checkins(
    uow: UnitOfWork,
    now: datetime,
    *,
    every_months: int = CHECKIN_EVERY_MONTHS,
    at: time = CHECKIN_AT,
    limit: int | None = None,
) -> int:
    """After care: a check-in each month (from ``at`` local time on its day) until
    the follow-up ends or the adolescent turns 21. The ``FollowUpCheckin`` row is
    made for staff even when no chat can be reached; its screen goes once."""
    due_on: list[tuple[Adolescent, date]] = []
    for case, local in await follow_up.cases_in_follow_up(uow, now):
        due = follow_up.latest_checkin_due(case, local.date(), every_months)
        if due is not None and not (due == local.date() and local.time() < at):
            due_on.append((case, due))
    made_already = await follow_up.checkins_made(uow, due_on)
    due_on = [
        (case, due)
        for case, due in due_on
        if follow_up.still_to_send(made_already.get((case.id, due)))
    ]
    purposes = (ConsentPurpose.FOLLOW_UP,)
    targets = Targets(uow)
    await targets.preload((case for case, _ in due_on), purposes)
    queued: list[outbox.Outgoing] = []
    for case, due in due_on:
        checkin = made_already.get((case.id, due))
        if checkin is None:
            checkin = await follow_up.checkin_due(uow, case.id, due)
        if not follow_up.still_to_send(checkin):
            continue
        target = await targets.of(case, purposes=purposes)
        if target is None:
            continue
        payload = reminders.follow_up_checkin(checkin.id, case.alias, target.lang)
        key = checkin_key(checkin.id)
        queued.append(message(target, case, payload, key, now, expires_at=now + CHECKIN_TTL))
        checkin.sent_at = now
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def follow_up_consent_asks(
    uow: UnitOfWork, now: datetime, *, limit: int | None = None
) -> int:
    """After care: ask once whether the adolescent wants the monthly check-ins, when
    there is no decision on the current version of the follow-up consent text (a new
    version asks again). Only while the follow-up lasts, and only to a chat whose
    consent for messaging is in force; the answer is taken by
    ``dialogs.follow_up_consent``."""
    purpose = follow_up_consent.PURPOSE
    version = await consent.current_version(uow, purpose)
    keyed = [
        (case, follow_up_consent.ask_key(case.id, version))
        for case, local in await follow_up.cases_in_follow_up(uow, now)
        if follow_up.in_follow_up(case, local.date())
    ]
    existing = await outbox.taken_keys(uow, (key for _, key in keyed))
    keyed = [(case, key) for case, key in keyed if key not in existing]
    targets = Targets(uow)
    await targets.preload((case for case, _ in keyed), (purpose,))
    wordings: dict[str, follow_up_consent.Wording] = {}
    queued: list[outbox.Outgoing] = []
    for case, key in keyed:
        target = await targets.of(case)
        if target is None or not (await targets.consent_of(case, purpose)).undecided:
            continue
        if target.lang not in wordings:
            wordings[target.lang] = await follow_up_consent.wording(uow, target.lang)
        payload = reminders.follow_up_consent_question(
            case.id,
            case.alias,
            target.lang,
            wordings[target.lang],
            template_in_language=has_own_translation(
                reminders.FOLLOW_UP_CONSENT_TEMPLATE, target.lang
            ),
        )
        queued.append(message(target, case, payload, key, now, expires_at=now + CHECKIN_TTL))
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)
