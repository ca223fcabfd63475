"""each case keeps the time of her latest message to the team

Revision ID: 0011_last_inbound
Revises: 0004_security
Create Date: 2026-12-06 11:20:00

``adolescents.last_inbound_at`` is kept by a trigger on ``messages`` from now on
(as ``plan_store.models.LAST_INBOUND_TRIGGER`` was written then); the cases already
there get theirs from the messages stored (one index probe each).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0011_last_inbound"
down_revision: str | None = "0004_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LAST_INBOUND = """UPDATE adolescents SET last_inbound_at = NEW.created_at
    WHERE id = NEW.adolescent_id
      AND (last_inbound_at IS NULL OR last_inbound_at < NEW.created_at)"""
TRIGGER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sqlite": (
        (
            "CREATE TRIGGER messages_last_inbound AFTER INSERT ON messages"
            f" WHEN NEW.direction = 'inbound' BEGIN {_LAST_INBOUND}; END",
        ),
        ("DROP TRIGGER IF EXISTS messages_last_inbound",),
    ),
    "postgresql": (
        (
            "CREATE FUNCTION messages_last_inbound() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN {_LAST_INBOUND}; RETURN NULL; END $$",
            "CREATE TRIGGER messages_last_inbound AFTER INSERT ON messages FOR EACH ROW"
            " WHEN (NEW.direction = 'inbound') EXECUTE FUNCTION messages_last_inbound()",
        ),
        (
            "DROP TRIGGER IF EXISTS messages_last_inbound ON messages",
            "DROP FUNCTION IF EXISTS messages_last_inbound()",
        ),
    ),
}


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
    create, _ = TRIGGER[op.get_bind().dialect.name]
    for statement in create:
        op.execute(statement)


def downgrade() -> None:
    _, drop = TRIGGER[op.get_bind().dialect.name]
    for statement in drop:
        op.execute(statement)
    with op.batch_alter_table("adolescents", schema=None) as batch_op:
        batch_op.drop_column("last_inbound_at")
