"""staff security and data at rest: server-side sessions, second factor, shared
failure counters, encrypted case columns, kept safeguarding words, erasure requests

Revision ID: 0004_security
Revises: 0010_family_legal
Create Date: 2026-12-05 23:18:38.984650

The case columns that identify an adolescent or say where she will be become
Fernet tokens (text); chat addresses (WhatsApp phone numbers, chat ids) become
deterministic AES-SIV tokens, still looked up in SQL. Rows already there are
encrypted here with the first key of ``RUMBO_DATA_KEY`` (and decrypted again on
downgrade); an empty database needs no key.
"""

import os
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import plan_store.types
from plan_store.crypto import Cipher

revision: str = "0004_security"
down_revision: str | None = "0010_family_legal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, kind, old type): kind says how the clear value is written.
ENCRYPTED: list[tuple[str, str, str, Any]] = [
    ("adolescents", "alias", "text", sa.String(length=60)),
    ("adolescents", "birth_date", "date", sa.Date()),
    ("goals", "title", "text", sa.String(length=200)),
    ("steps", "title", "text", sa.String(length=200)),
    ("appointments", "title", "text", sa.String(length=200)),
    ("appointments", "place", "text", sa.String(length=200)),
    ("appointments", "starts_at", "datetime", plan_store.types.UTCDateTime(timezone=True)),
    ("flags", "detail", "text", sa.String(length=300)),
    ("flags", "note", "text", sa.Text()),
    ("evaluations", "summary", "text", sa.Text()),
    ("evaluations", "goals_reviewed", "text", sa.Text()),
    # Chat addresses (WhatsApp phone numbers among them): deterministic, looked up in SQL.
    ("chat_links", "external_id", "address", sa.String(length=64)),
    ("chat_sessions", "external_id", "address", sa.String(length=64)),
    ("staff_chats", "external_id", "address", sa.String(length=64)),
    ("outbox", "external_chat_id", "address", sa.String(length=64)),
]


def _new_type(kind: str) -> Any:
    return sa.String(length=200) if kind == "address" else sa.Text()


def _encrypt(cipher: Cipher, kind: str, value: Any) -> str:
    if kind == "address":
        return cipher.encrypt_addresses(str(value))[0]
    return cipher.encrypt(_clear_text(kind, value)).decode("ascii")


def _decrypt(cipher: Cipher, kind: str, value: Any) -> str:
    if kind == "address":
        return cipher.decrypt_address(str(value))
    return cipher.decrypt(str(value).encode())


def _clear_text(kind: str, value: Any) -> str:
    """A value as read before the change, written as the encrypted type writes it."""
    if kind == "date":
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    if kind == "datetime":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return str(value)


def _cipher() -> Cipher:
    keys = os.environ.get("RUMBO_DATA_KEY", "")
    if not keys.strip():
        raise RuntimeError("RUMBO_DATA_KEY is needed to encrypt (or decrypt) the rows there")
    return Cipher(keys)


def _rewrite(table: str, columns: list[str], change: Callable[[str, Any], Any]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()  # noqa: S608
    for row in rows:
        values = {c: change(c, v) for c, v in zip(columns, row[1:], strict=True)}
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        connection.execute(
            sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),  # noqa: S608
            {"id": row[0], **values},
        )


def _tables() -> dict[str, list[tuple[str, str, Any]]]:
    tables: dict[str, list[tuple[str, str, Any]]] = {}
    for table, column, kind, old in ENCRYPTED:
        tables.setdefault(table, []).append((column, kind, old))
    return tables


def _any_rows() -> bool:
    connection = op.get_bind()
    return any(
        connection.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first()  # noqa: S608
        for t in _tables()
    )


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttles")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=80), nullable=False),
        sa.Column("created_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_sessions_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"], unique=False
    )
    op.drop_index(op.f("ix_login_attempts_at"), table_name="login_attempts")
    op.drop_index(op.f("ix_login_attempts_key_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", plan_store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["staff.id"],
            name=op.f("fk_erasure_requests_confirmed_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff.id"],
            name=op.f("fk_erasure_requests_requested_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(
        op.f("ix_erasure_requests_case_id"), "erasure_requests", ["case_id"], unique=False
    )

    with op.batch_alter_table("homes") as batch:
        batch.add_column(
            sa.Column("safeguarding_days", sa.Integer(), nullable=False, server_default="90")
        )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("totp_enabled_at", plan_store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "recovery_code_hashes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("kept_words", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("kept_until", plan_store.types.UTCDateTime(timezone=True), nullable=True)
        )

    op.drop_index(op.f("ix_appointments_adolescent_starts"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_status_starts"), table_name="appointments")
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch:
            for column, kind, old in columns:
                batch.alter_column(
                    column,
                    existing_type=old,
                    type_=_new_type(kind),
                    existing_nullable=False,
                    postgresql_using=f"{column}::text",
                )
    op.create_index(
        "ix_appointments_adolescent_status",
        "appointments",
        ["adolescent_id", "status"],
        unique=False,
    )
    op.create_index("ix_appointments_status", "appointments", ["status"], unique=False)
    op.create_index("ix_appointments_updated_at", "appointments", ["updated_at"], unique=False)
    if _any_rows():
        cipher = _cipher()
        kinds = {(t, c): kind for t, c, kind, _ in ENCRYPTED}
        for table, columns in _tables().items():

            def encrypt(column: str, value: Any, table: str = table) -> str:
                return _encrypt(cipher, kinds[(table, column)], value)

            _rewrite(table, [c for c, _, _ in columns], encrypt)


def downgrade() -> None:
    if _any_rows():
        cipher = _cipher()
        kinds = {(t, c): kind for t, c, kind, _ in ENCRYPTED}
        for table, columns in _tables().items():

            def decrypt(column: str, value: Any, table: str = table) -> str:
                return _decrypt(cipher, kinds[(table, column)], value)

            _rewrite(table, [c for c, _, _ in columns], decrypt)
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch:
            for column, kind, old in columns:
                cast = {"date": "date", "datetime": "timestamptz"}.get(kind, "text")
                batch.alter_column(
                    column,
                    existing_type=_new_type(kind),
                    type_=old,
                    existing_nullable=False,
                    postgresql_using=f"{column}::{cast}",
                )
    op.drop_index("ix_appointments_updated_at", table_name="appointments")
    op.drop_index("ix_appointments_status", table_name="appointments")
    op.drop_index("ix_appointments_adolescent_status", table_name="appointments")
    op.create_index(
        op.f("ix_appointments_status_starts"),
        "appointments",
        ["status", "starts_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_appointments_adolescent_starts"),
        "appointments",
        ["adolescent_id", "starts_at"],
        unique=False,
    )
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("kept_until")
        batch.drop_column("kept_words")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("recovery_code_hashes")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
    with op.batch_alter_table("homes") as batch:
        batch.drop_column("safeguarding_days")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", plan_store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_key_at"), "login_attempts", ["key", "at"], unique=False)
    op.create_index(op.f("ix_login_attempts_at"), "login_attempts", ["at"], unique=False)
    op.drop_index(op.f("ix_erasure_requests_case_id"), table_name="erasure_requests")
    op.drop_table("erasure_requests")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("throttles")
