"""family and papers: allowed family contacts and their calls and visits, the legal
and migration procedure with its stages

Revision ID: 0010_family_legal
Revises: 0005_translations
Create Date: 2026-12-06 01:58:14.756276
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0010_family_legal"
down_revision: str | None = "0005_translations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column("name_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("relation_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column(
            "way",
            sa.Enum(
                "call",
                "visit",
                "call_and_visit",
                name="contactway",
                native_enum=False,
                create_constraint=True,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("allowed_by_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("allowed_since", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_family_contacts_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_family_contacts_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_contacts")),
    )
    with op.batch_alter_table("family_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_contacts_adolescent_id"), ["adolescent_id"], unique=False
        )

    op.create_table(
        "legal_procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "refugee",
                "humanitarian_visa",
                "regularisation",
                "family_reunification",
                "assisted_return",
                "other",
                name="legalkind",
                native_enum=False,
                create_constraint=True,
                length=28,
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "preparing",
                "filed",
                "interview",
                "waiting",
                "granted",
                "documents",
                "refused",
                "appeal",
                "closed",
                name="legalstage",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("next_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("followed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_legal_procedures_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_legal_procedures_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["followed_by_id"], ["staff.id"], name=op.f("fk_legal_procedures_followed_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_procedures")),
    )
    with op.batch_alter_table("legal_procedures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_procedures_adolescent_id"), ["adolescent_id"], unique=False
        )

    op.create_table(
        "family_contact_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "way",
            sa.Enum(
                "call",
                "visit",
                "call_and_visit",
                name="contactway",
                native_enum=False,
                create_constraint=True,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_family_contact_records_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["family_contacts.id"],
            name=op.f("fk_family_contact_records_contact_id_family_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
            name=op.f("fk_family_contact_records_recorded_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_contact_records")),
    )
    with op.batch_alter_table("family_contact_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_family_contact_records_adolescent_on", ["adolescent_id", "held_on"], unique=False
        )

    op.create_table(
        "legal_stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "preparing",
                "filed",
                "interview",
                "waiting",
                "granted",
                "documents",
                "refused",
                "appeal",
                "closed",
                name="legalstage",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_staff_id"], ["staff.id"], name=op.f("fk_legal_stage_changes_by_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["legal_procedures.id"],
            name=op.f("fk_legal_stage_changes_procedure_id_legal_procedures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_stage_changes")),
    )
    with op.batch_alter_table("legal_stage_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_legal_stage_changes_procedure_at", ["procedure_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("legal_stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_stage_changes_procedure_at")

    op.drop_table("legal_stage_changes")
    with op.batch_alter_table("family_contact_records", schema=None) as batch_op:
        batch_op.drop_index("ix_family_contact_records_adolescent_on")

    op.drop_table("family_contact_records")
    with op.batch_alter_table("legal_procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_procedures_adolescent_id"))

    op.drop_table("legal_procedures")
    with op.batch_alter_table("family_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_contacts_adolescent_id"))

    op.drop_table("family_contacts")
