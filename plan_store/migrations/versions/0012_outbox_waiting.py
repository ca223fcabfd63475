"""the outbox's rows not yet delivered get an index of their own

Revision ID: 0012_outbox_waiting
Revises: 0011_last_inbound
Create Date: 2026-12-06 17:05:00

The sender's claim reads it (``plan_store.models.OUTBOX_WAITING``). On PostgreSQL
``CREATE INDEX`` holds writes to the outbox while it reads the table: about a second
for half a million rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_outbox_waiting"
down_revision: str | None = "0011_last_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_waiting",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting", table_name="outbox")
