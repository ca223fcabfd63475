"""Re-encryption of everything kept encrypted, after a new data key is put first.

Rotation runs in batches, each its own transaction, so a large installation is never
locked for long and an interrupted run can simply be started again: a row already
under the current key is re-encrypted once more, harmlessly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import attributes

from plan_store.crypto import ChatAddress, EncryptedDate, EncryptedDateTime, EncryptedText
from plan_store.models import (
    AppointmentConfirmation,
    Base,
    CaseNote,
    Concern,
    EvaluationAgreement,
    EvaluationVoice,
    FamilyContact,
    FamilyContactRecord,
    Handover,
    LegalProcedure,
    Message,
    OperatorRequest,
    OutboxMessage,
    Proposal,
)
from plan_store.services import audit
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

Encrypted = (
    Message
    | OperatorRequest
    | AppointmentConfirmation
    | OutboxMessage
    | Proposal
    | EvaluationVoice
    | EvaluationAgreement
    | Concern
    | CaseNote
    | Handover
    | FamilyContact
    | FamilyContactRecord
    | LegalProcedure
)


@dataclass(frozen=True, slots=True)
class EncryptedColumns:
    model: type[Encrypted]
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


ENCRYPTED: tuple[EncryptedColumns, ...] = (
    EncryptedColumns(Message, ("body_ciphertext", "voice_ciphertext")),
    EncryptedColumns(OperatorRequest, ("message_ciphertext",)),
    EncryptedColumns(AppointmentConfirmation, ("reason_ciphertext",)),
    EncryptedColumns(OutboxMessage, ("payload_ciphertext",)),
    EncryptedColumns(Proposal, ("text_ciphertext", "reply_ciphertext")),
    EncryptedColumns(EvaluationVoice, ("note_ciphertext",)),
    EncryptedColumns(EvaluationAgreement, ("items_ciphertext",)),
    EncryptedColumns(Concern, ("text_ciphertext", "voice_ciphertext")),
    EncryptedColumns(CaseNote, ("body_ciphertext",)),
    EncryptedColumns(Handover, ("note_ciphertext",)),
    EncryptedColumns(
        FamilyContact, ("name_ciphertext", "relation_ciphertext", "allowed_by_ciphertext")
    ),
    EncryptedColumns(FamilyContactRecord, ("note_ciphertext",)),
    EncryptedColumns(LegalProcedure, ("next_ciphertext",)),
)


@dataclass(frozen=True, slots=True)
class TypedColumns:
    """Columns typed ``EncryptedText``/``Date``/``DateTime`` or ``ChatAddress``: read as
    plain values, so writing them back (marked changed) encrypts them under the current
    key."""

    model: type[Any]
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


def typed_columns() -> tuple[TypedColumns, ...]:
    """Every model's encrypted-typed columns, found from the models themselves, so a
    column added later is rotated too."""
    found: list[TypedColumns] = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        names = tuple(
            attribute.key
            for attribute in mapper.column_attrs
            if isinstance(
                attribute.columns[0].type,
                EncryptedText | EncryptedDate | EncryptedDateTime | ChatAddress,
            )
        )
        if names:
            found.append(TypedColumns(mapper.class_, names))
    return tuple(found)


async def rotate_batch(
    uow: UnitOfWork, table: EncryptedColumns | TypedColumns, *, after_id: int, limit: int = 500
) -> list[int]:
    """Re-encrypt up to ``limit`` rows with an id above ``after_id`` under the current
    key. Returns their ids, in order; none when no row was left."""
    model_id = table.model.id
    rows: list[Any] = list(
        await uow.session.scalars(
            select(table.model).where(model_id > after_id).order_by(model_id).limit(limit)
        )
    )
    for row in rows:
        for column in table.columns:
            value = getattr(row, column)
            if value is None:
                continue
            if isinstance(table, TypedColumns):
                attributes.flag_modified(row, column)  # written again: the current key
            else:
                setattr(row, column, uow.cipher.rotate(value))
    return [row.id for row in rows]


async def rotate_all(uows: UnitOfWorkFactory, *, batch_size: int = 500) -> dict[str, int]:
    """Every encrypted column of every table, batch by batch. Returns rows per table."""
    done: dict[str, int] = {}
    tables: list[EncryptedColumns | TypedColumns] = [*ENCRYPTED, *typed_columns()]
    for table in tables:
        count, after_id = 0, 0
        while True:
            async with uows() as uow:
                ids = await rotate_batch(uow, table, after_id=after_id, limit=batch_size)
                await uow.commit()
            if not ids:
                break
            after_id = ids[-1]
            count += len(ids)
        done[table.name] = done.get(table.name, 0) + count
    async with uows() as uow:
        audit.record(uow, "keys.rotate", actor="system", details=done)
        await uow.commit()
    return done


@dataclass(slots=True)
class KeyUsage:
    """How many encrypted values each key of ``RUMBO_DATA_KEY`` opens."""

    by_key: list[int]
    unreadable: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_key) + self.unreadable


async def key_usage(uows: UnitOfWorkFactory, keys: int, *, batch_size: int = 2000) -> KeyUsage:
    """Every encrypted value, tried against each of the ``keys`` keys in order (read
    only, batch by batch): what ``rumbo check`` reports after a rotation."""
    usage = KeyUsage(by_key=[0] * keys)
    for table in ENCRYPTED:
        model_id = table.model.id
        columns = [getattr(table.model, name) for name in table.columns]
        after_id = 0
        while True:
            async with uows() as uow:
                rows = (
                    await uow.session.execute(
                        select(model_id, *columns)
                        .where(model_id > after_id)
                        .order_by(model_id)
                        .limit(batch_size)
                    )
                ).all()
                for row in rows:
                    for value in row[1:]:
                        if value is None:
                            continue
                        index = uow.cipher.key_index(value)
                        if index is None:
                            usage.unreadable += 1
                        else:
                            usage.by_key[index] += 1
            if not rows:
                break
            after_id = rows[-1][0]
    return usage
