"""De-duplication of inbound updates by (channel, update id)."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import Channel
from plan_store.models import ProcessedUpdate
from plan_store.unit_of_work import UnitOfWork


async def first_seen(uow: UnitOfWork, channel: Channel, update_id: str) -> bool:
    """Record the update in this transaction; False if it was applied before.

    Two deliveries racing in two transactions both get True, and the second commit
    fails on the primary key: the transport then retries and sees it applied.
    """
    seen = await uow.session.scalar(
        select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id
        )
    )
    if seen is not None:
        return False
    uow.session.add(ProcessedUpdate(channel=channel, update_id=update_id, received_at=uow.now()))
    await uow.flush()
    return True
