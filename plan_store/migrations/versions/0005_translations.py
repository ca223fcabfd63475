"""translations: console translations, staff languages, translator role, term reviews

Revision ID: 0005_translations
Revises: 0008_care_team
Create Date: 2026-12-05 22:51:45.924641
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0005_translations"
down_revision: str | None = "0008_care_team"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = (
    "operator",
    "coordinator",
    "admin",
    "psychologist",
    "social_worker",
    "lawyer",
    "educator",
)
ROLES_AFTER = (*ROLES_BEFORE, "translator")


def _role_check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _roles(table: str, roles: tuple[str, ...]) -> None:
    """The CHECK constraint of a ``role`` column, from the roles before to ``roles``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_role"), _role_check(roles))


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
    _roles("staff", ROLES_AFTER)
    _roles("case_notes", ROLES_AFTER)
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

    op.execute("UPDATE staff SET role = 'operator', active = false WHERE role = 'translator'")
    _roles("case_notes", ROLES_BEFORE)
    _roles("staff", ROLES_BEFORE)
    op.drop_table("translations")
    op.drop_table("staff_languages")
    op.drop_table("installation_settings")
