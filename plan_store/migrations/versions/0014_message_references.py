"""the rows that point at a message are found by index

Revision ID: 0014_message_references
Revises: 0013_active_link_index
Create Date: 2026-12-06 20:25:00

Deleting a message (erasing a case's chat content) checks the foreign keys that
point at it: ``flags.message_id`` and ``evaluation_voices.voice_message_id``. Without
an index each deleted message read both tables whole.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_message_references"
down_revision: str | None = "0013_active_link_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_flags_message_id", "flags", "message_id"),
    ("ix_evaluation_voices_voice_message_id", "evaluation_voices", "voice_message_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
