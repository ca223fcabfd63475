"""translations: console translations, staff languages, translator role, term reviews

Revision ID: 0005_translations
Revises: 0001
Create Date: 2026-12-05 22:51:45.924641
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0005_translations"
down_revision: str | None = "0002_duty_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("operator", "coordinator", "admin")
ROLES_AFTER = (*ROLES_BEFORE, "translator")


def _role(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=19)


def upgrade() -> None:
    op.create_table(
        "installation_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_installation_settings")),
    )
    op.create_table(
        "staff_languages",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("speaks", sa.Boolean(), nullable=False),
        sa.Column("translates", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_languages_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", "language", name=op.f("pk_staff_languages")),
    )
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("context", sa.String(length=120), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("plural_text", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("translated_by_id", sa.Integer(), nullable=True),
        sa.Column("translated_by_name", sa.String(length=120), nullable=False),
        sa.Column("translated_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_name", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["staff.id"], name=op.f("fk_translations_reviewed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["translated_by_id"], ["staff.id"], name=op.f("fk_translations_translated_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint(
            "language", "context", "msgid", name=op.f("uq_translations_language_context_msgid")
        ),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=_role(ROLES_BEFORE), type_=_role(ROLES_AFTER))
    with op.batch_alter_table("operator_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker_language", sa.String(length=16), nullable=True))

    with op.batch_alter_table("triage_terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", plan_store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_triage_terms_reviewed_by_id_staff"), "staff", ["reviewed_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("triage_terms", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_triage_terms_reviewed_by_id_staff"), type_="foreignkey"
        )
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")

    with op.batch_alter_table("operator_requests", schema=None) as batch_op:
        batch_op.drop_column("speaker_language")

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=_role(ROLES_AFTER), type_=_role(ROLES_BEFORE))
    op.drop_table("translations")
    op.drop_table("staff_languages")
    op.drop_table("installation_settings")
