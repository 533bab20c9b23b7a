"""data protection: exports, erasures, retention per town

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_export",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("town_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_personal_export_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["person.id"],
            name=op.f("fk_personal_export_requested_by_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_export")),
    )
    with op.batch_alter_table("personal_export", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_export_person_id"), ["person_id"])
        batch_op.create_index(batch_op.f("ix_personal_export_requested_by"), ["requested_by"])
        batch_op.create_index(batch_op.f("ix_personal_export_expires_at"), ["expires_at"])
    op.create_table(
        "personal_export_part",
        sa.Column("export_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["personal_export.id"],
            name=op.f("fk_personal_export_part_export_id_personal_export"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", "name", "seq", name=op.f("pk_personal_export_part")),
    )
    op.create_table(
        "erasure",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("town_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure")),
        sa.UniqueConstraint("person_hash", name=op.f("uq_erasure_person_hash")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_erasure_pseudonym")),
    )
    with op.batch_alter_table("erasure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_person_id"), ["person_id"])
    op.create_table(
        "erasure_step",
        sa.Column("erasure_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["erasure_id"],
            ["erasure.id"],
            name=op.f("fk_erasure_step_erasure_id_erasure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("erasure_id", "name", name=op.f("pk_erasure_step")),
    )
    op.create_table(
        "retention_setting",
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.Column("audit_days", sa.Integer(), nullable=False),
        sa.Column("session_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["town.id"],
            name=op.f("fk_retention_setting_town_id_town"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("town_id", name=op.f("pk_retention_setting")),
    )


def downgrade() -> None:
    op.drop_table("retention_setting")
    op.drop_table("erasure_step")
    with op.batch_alter_table("erasure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_person_id"))
    op.drop_table("erasure")
    op.drop_table("personal_export_part")
    with op.batch_alter_table("personal_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_export_expires_at"))
        batch_op.drop_index(batch_op.f("ix_personal_export_requested_by"))
        batch_op.drop_index(batch_op.f("ix_personal_export_person_id"))
    op.drop_table("personal_export")
