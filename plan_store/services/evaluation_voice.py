"""The adolescent's voice around the fortnightly evaluation.

Before it: three days ahead, a few short questions with buttons and her own words
(``EvaluationVoice``), shown at the top of the preparation sheet. After it: the
agreements staff chose for her to read (``EvaluationAgreement``), sent in plain words
with the next evaluation's date; she answers "de acuerdo" or "quiero hablarlo".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from plan_store.enums import AgreementAnswer, CaseStatus, Role
from plan_store.errors import InvalidTransition, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Adolescent, Evaluation, EvaluationAgreement, EvaluationVoice, Home
from plan_store.services import audit
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork

LEAD_DAYS = 3
"""She is asked this many days before the evaluation (until the day before it)."""
QUESTIONS = ("going", "hard", "talk", "proud")
"""How the plan is going, what was hard, what she wants to talk about, one goal she is
proud of (a goal's id, or ``none``)."""
MAX_NOTE = 1000
MAX_AGREEMENT = 300
MAX_AGREEMENTS = 8


# --- before the evaluation -----------------------------------------------------------


async def asks_due(uow: UnitOfWork, now: datetime) -> list[tuple[Adolescent, Home, date]]:
    """Cases in care whose next evaluation is ``LEAD_DAYS`` days away or nearer (on the
    home's calendar, not the day itself) and who were not asked for it yet."""
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .outerjoin(
            EvaluationVoice,
            (EvaluationVoice.adolescent_id == Adolescent.id)
            & (EvaluationVoice.evaluation_on == Adolescent.next_evaluation_on),
        )
        .where(
            Adolescent.status == CaseStatus.IN_CARE,
            Adolescent.next_evaluation_on.is_not(None),
            Adolescent.next_evaluation_on <= now.date() + timedelta(days=LEAD_DAYS + 1),
            Adolescent.next_evaluation_on >= now.date() - timedelta(days=1),
            EvaluationVoice.id.is_(None),
        )
        .order_by(Adolescent.next_evaluation_on, Adolescent.id)
    )
    due: list[tuple[Adolescent, Home, date]] = []
    for case, home in rows.all():
        today = now.astimezone(ZoneInfo(home.timezone)).date()
        day = case.next_evaluation_on
        if day is not None and today < day <= today + timedelta(days=LEAD_DAYS):
            due.append((case, home, day))
    return due


async def ask(uow: UnitOfWork, adolescent_id: int, evaluation_on: date) -> EvaluationVoice:
    """The questions for the evaluation of ``evaluation_on``, made once."""
    voice = await uow.session.scalar(
        select(EvaluationVoice).where(
            EvaluationVoice.adolescent_id == adolescent_id,
            EvaluationVoice.evaluation_on == evaluation_on,
        )
    )
    if voice is None:
        voice = EvaluationVoice(
            adolescent_id=adolescent_id,
            evaluation_on=evaluation_on,
            answers={},
            created_at=uow.now(),
        )
        uow.session.add(voice)
        await uow.flush()
    return voice


async def voice_of_case(uow: UnitOfWork, adolescent_id: int, voice_id: int) -> EvaluationVoice:
    voice = await uow.session.get(EvaluationVoice, voice_id)
    if voice is None:
        raise NotFound(f"no evaluation questions {voice_id}")
    if voice.adolescent_id != adolescent_id:
        raise NotOwnedByCase(f"evaluation questions {voice_id} are another adolescent's")
    return voice


async def answer(
    uow: UnitOfWork, adolescent_id: int, voice_id: int, question: str, value: str
) -> EvaluationVoice:
    if question not in QUESTIONS:
        raise ValidationFailed(f"no question {question!r}")
    voice = await voice_of_case(uow, adolescent_id, voice_id)
    voice.answers = {**(voice.answers or {}), question: value[:40]}
    voice.answered_at = uow.now()
    audit.record(
        uow,
        "evaluation_voice.answer",
        actor="adolescent",
        adolescent_id=adolescent_id,
        target=f"evaluation_voice:{voice.id}",
        details={"question": question},
    )
    return voice


async def add_words(
    uow: UnitOfWork,
    adolescent_id: int,
    voice_id: int,
    *,
    text: str = "",
    voice_message_id: int | None = None,
) -> EvaluationVoice:
    """Her own words for the evaluation: typed (added to what she wrote before), or a
    voice note (kept as her message ``voice_message_id``)."""
    voice = await voice_of_case(uow, adolescent_id, voice_id)
    text = text.strip()
    if text:
        earlier = note_of(uow, voice)
        joined = f"{earlier}\n{text}" if earlier else text
        voice.note_ciphertext = uow.cipher.encrypt(joined[:MAX_NOTE])
    if voice_message_id is not None:
        voice.voice_message_id = voice_message_id
    voice.answered_at = uow.now()
    audit.record(
        uow,
        "evaluation_voice.words",
        actor="adolescent",
        adolescent_id=adolescent_id,
        target=f"evaluation_voice:{voice.id}",
    )
    return voice


def note_of(uow: UnitOfWork, voice: EvaluationVoice) -> str:
    if voice.note_ciphertext is None:
        return ""
    return uow.cipher.decrypt(voice.note_ciphertext)


async def for_sheet(
    uow: UnitOfWork, case: Adolescent, period_start: date
) -> EvaluationVoice | None:
    """What she said for the coming evaluation: her answers for ``next_evaluation_on``,
    else the newest made since the period began."""
    query = select(EvaluationVoice).where(EvaluationVoice.adolescent_id == case.id)
    if case.next_evaluation_on is not None:
        found = await uow.session.scalar(
            query.where(EvaluationVoice.evaluation_on == case.next_evaluation_on)
        )
        if found is not None:
            return found
    found = await uow.session.scalar(
        query.where(EvaluationVoice.evaluation_on >= period_start)
        .order_by(EvaluationVoice.evaluation_on.desc())
        .limit(1)
    )
    return found


# --- after the evaluation ------------------------------------------------------------


def clean_agreements(lines: Sequence[str]) -> list[str]:
    items = [" ".join(line.split())[:MAX_AGREEMENT] for line in lines]
    items = [item.lstrip("-•* ").strip() for item in items]
    return [item for item in items if item][:MAX_AGREEMENTS]


EVALUATORS = frozenset({Role.SOCIAL_WORKER})
"""Of the team around the plan, who records the evaluation (``evaluations.record``)."""


async def set_agreements(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    evaluation_id: int,
    lines: Sequence[str],
    *,
    share: bool = False,
) -> EvaluationAgreement | None:
    """The agreements of an evaluation that she should read, in plain words; ``share``
    sends them now. No lines: none. The social worker, who records the evaluation,
    writes and sends them too."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=EVALUATORS)
    evaluation = await uow.session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.adolescent_id != case.id:
        raise NotFound(f"no evaluation {evaluation_id} for case {adolescent_id}")
    items = clean_agreements(lines)
    if not items:
        return None
    agreement = await uow.session.scalar(
        select(EvaluationAgreement).where(EvaluationAgreement.evaluation_id == evaluation.id)
    )
    if agreement is not None and agreement.shared_at is not None:
        raise InvalidTransition(f"the agreements of evaluation {evaluation_id} were sent")
    if agreement is None:
        agreement = EvaluationAgreement(
            evaluation_id=evaluation.id, adolescent_id=case.id, created_at=uow.now()
        )
        uow.session.add(agreement)
    agreement.items_ciphertext = uow.cipher.encrypt(json.dumps(items, ensure_ascii=False))
    await uow.flush()
    audit.record(
        uow,
        "agreements.set",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"agreements:{agreement.id}",
        details={"items": len(items)},
    )
    if share:
        await _share(uow, actor, agreement)
    return agreement


async def share(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, agreement_id: int
) -> EvaluationAgreement:
    """Send the agreements to her chat (once)."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=EVALUATORS)
    agreement = await uow.session.get(EvaluationAgreement, agreement_id)
    if agreement is None or agreement.adolescent_id != case.id:
        raise NotFound(f"no agreements {agreement_id} for case {adolescent_id}")
    if agreement.shared_at is not None:
        raise InvalidTransition(f"agreements {agreement_id} were sent already")
    await _share(uow, actor, agreement)
    return agreement


async def _share(uow: UnitOfWork, actor: StaffActor, agreement: EvaluationAgreement) -> None:
    agreement.shared_at = uow.now()
    agreement.shared_by_id = actor.id
    audit.record(
        uow,
        "agreements.share",
        staff_id=actor.id,
        adolescent_id=agreement.adolescent_id,
        target=f"agreements:{agreement.id}",
    )


def items_of(uow: UnitOfWork, agreement: EvaluationAgreement) -> list[str]:
    items = json.loads(uow.cipher.decrypt(agreement.items_ciphertext))
    return [str(item) for item in items] if isinstance(items, list) else []


async def latest_of(
    uow: UnitOfWork, adolescent_id: int
) -> tuple[EvaluationAgreement, Evaluation] | None:
    row = (
        await uow.session.execute(
            select(EvaluationAgreement, Evaluation)
            .join(Evaluation, Evaluation.id == EvaluationAgreement.evaluation_id)
            .where(EvaluationAgreement.adolescent_id == adolescent_id)
            .order_by(Evaluation.held_on.desc(), Evaluation.id.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def to_send(uow: UnitOfWork) -> list[tuple[EvaluationAgreement, Evaluation, Adolescent]]:
    """Agreements staff sent that no message carried yet."""
    rows = await uow.session.execute(
        select(EvaluationAgreement, Evaluation, Adolescent)
        .join(Evaluation, Evaluation.id == EvaluationAgreement.evaluation_id)
        .join(Adolescent, Adolescent.id == EvaluationAgreement.adolescent_id)
        .where(EvaluationAgreement.shared_at.is_not(None), EvaluationAgreement.sent_at.is_(None))
        .order_by(EvaluationAgreement.shared_at, EvaluationAgreement.id)
    )
    return [(a, e, c) for a, e, c in rows.all()]


async def answer_agreements(
    uow: UnitOfWork, adolescent_id: int, agreement_id: int, value: AgreementAnswer
) -> EvaluationAgreement:
    agreement = await uow.session.get(EvaluationAgreement, agreement_id)
    if agreement is None or agreement.sent_at is None:
        raise NotFound(f"no agreements {agreement_id} sent")
    if agreement.adolescent_id != adolescent_id:
        raise NotOwnedByCase(f"agreements {agreement_id} are another adolescent's")
    agreement.answer = value
    agreement.answered_at = uow.now()
    audit.record(
        uow,
        "agreements.answer",
        actor="adolescent",
        adolescent_id=adolescent_id,
        target=f"agreements:{agreement.id}",
        details={"answer": value.value},
    )
    return agreement
