"""each case keeps the time of her latest message to the team

Revision ID: 0011_last_inbound
Revises: 0004_security
Create Date: 2026-12-06 11:20:00

``adolescents.last_inbound_at`` is written with every inbound message from now on;
the cases already there get theirs from the messages stored (one index probe each).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0011_last_inbound"
down_revision: str | None = "0004_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adolescents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_inbound_at", plan_store.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE adolescents SET last_inbound_at = (SELECT max(messages.created_at)"
        " FROM messages WHERE messages.adolescent_id = adolescents.id"
        " AND messages.direction = 'inbound')"
    )


def downgrade() -> None:
    with op.batch_alter_table("adolescents", schema=None) as batch_op:
        batch_op.drop_column("last_inbound_at")
