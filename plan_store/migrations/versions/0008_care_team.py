"""the care team around the plan: team roles, notes, handovers, phase history

Revision ID: 0008_care_team
Revises: 0007_participation
Create Date: 2026-12-05 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plan_store.types

revision: str = "0008_care_team"
down_revision: str | None = "0007_participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("operator", "coordinator", "admin")
NEW_ROLES = (*OLD_ROLES, "psychologist", "social_worker", "lawyer", "educator")


def _role_check(roles: Sequence[str]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _roles(roles: Sequence[str], length: int) -> sa.Enum:
    return sa.Enum(*roles, name="role", native_enum=False, create_constraint=False, length=length)


OLD_PROGRAMMES = ("education", "independent_living", "personal_growth")
NEW_PROGRAMMES = (*OLD_PROGRAMMES, "family_contact", "legal_migration")


def _programme_check(programmes: Sequence[str]) -> str:
    return "programme IN (" + ", ".join(f"'{p}'" for p in programmes) + ")"


def upgrade() -> None:
    # Two optional routes of the plan: family contact, legal and migration procedure.
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_goals_programme"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_goals_programme"), _programme_check(NEW_PROGRAMMES)
        )

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=_roles(OLD_ROLES, 19), type_=_roles(NEW_ROLES, 21)
        )
        batch_op.create_check_constraint(op.f("ck_staff_role"), _role_check(NEW_ROLES))

    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase_limits", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("caseload_ratio", sa.Integer(), server_default="8", nullable=False)
        )
    op.execute("UPDATE homes SET phase_limits = '{}'")
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.alter_column("phase_limits", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responsible_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_steps_responsible_staff_id_staff"), "staff", ["responsible_staff_id"], ["id"]
        )

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(*NEW_ROLES, name="role", native_enum=False, create_constraint=True, length=21),
            nullable=False,
        ),
        sa.Column("body_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_case_notes_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_case_notes_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index("ix_case_notes_adolescent_at", "case_notes", ["adolescent_id", "created_at"])

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column("from_staff_id", sa.Integer(), nullable=True),
        sa.Column("to_staff_id", sa.Integer(), nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=False),
        sa.Column("note_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_handovers_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"], ["staff.id"], name=op.f("fk_handovers_by_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["from_staff_id"], ["staff.id"], name=op.f("fk_handovers_from_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["to_staff_id"], ["staff.id"], name=op.f("fk_handovers_to_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index(op.f("ix_handovers_adolescent_id"), "handovers", ["adolescent_id"])
    op.create_index("ix_handovers_to_read", "handovers", ["to_staff_id", "read_at"])

    phases = (
        "detection",
        "first_reception",
        "reception",
        "integration",
        "independence",
        "long_term",
        "transition",
        "after_care",
    )
    op.create_table(
        "phase_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adolescent_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(*phases, name="phase", native_enum=False, create_constraint=True, length=23),
            nullable=False,
        ),
        sa.Column("started_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adolescent_id"],
            ["adolescents.id"],
            name=op.f("fk_phase_changes_adolescent_id_adolescents"),
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"], ["staff.id"], name=op.f("fk_phase_changes_by_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_changes")),
    )
    op.create_index(
        "ix_phase_changes_adolescent_at", "phase_changes", ["adolescent_id", "started_at"]
    )
    # Every case starts its history in the phase it is in, from when it was opened.
    op.execute(
        "INSERT INTO phase_changes (adolescent_id, phase, started_at) "
        "SELECT id, phase, created_at FROM adolescents"
    )


def downgrade() -> None:
    # The older schema has no such routes: their goals are kept, dropped, under growth.
    op.execute(
        "UPDATE goals SET status = 'dropped', programme = 'personal_growth' "
        "WHERE programme IN ('family_contact', 'legal_migration')"
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_goals_programme"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_goals_programme"), _programme_check(OLD_PROGRAMMES)
        )
    op.drop_index("ix_phase_changes_adolescent_at", table_name="phase_changes")
    op.drop_table("phase_changes")
    op.drop_index("ix_handovers_to_read", table_name="handovers")
    op.drop_index(op.f("ix_handovers_adolescent_id"), table_name="handovers")
    op.drop_table("handovers")
    op.drop_index("ix_case_notes_adolescent_at", table_name="case_notes")
    op.drop_table("case_notes")
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_steps_responsible_staff_id_staff"), type_="foreignkey")
        batch_op.drop_column("responsible_staff_id")
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.drop_column("caseload_ratio")
        batch_op.drop_column("phase_limits")
    # Nobody keeps a role the older schema does not know: such accounts are switched off.
    op.execute(
        "UPDATE staff SET role = 'operator', active = false "
        "WHERE role NOT IN ('operator', 'coordinator', 'admin')"
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=_roles(NEW_ROLES, 21), type_=_roles(OLD_ROLES, 19)
        )
        batch_op.create_check_constraint(op.f("ck_staff_role"), _role_check(OLD_ROLES))
