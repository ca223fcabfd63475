"""messages and requests say when a text was cut, and how long it was

Revision ID: 0003_triage
Revises: 0002_duty_alerts
Create Date: 2026-12-05 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_triage"
down_revision: str | None = "0002_duty_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_length", sa.Integer(), nullable=True))
    with op.batch_alter_table("operator_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_length", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_requests", schema=None) as batch_op:
        batch_op.drop_column("original_length")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("original_length")
