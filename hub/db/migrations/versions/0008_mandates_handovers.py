"""mandates and handovers: an elected official's membership ends by itself; a pooled post
handed over, town by town

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The role column is a plain string (non-native enum, no constraint): ELECTED needs no
    # change there.
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mandate_end", sa.Date(), nullable=True))
    op.create_table(
        "handover",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("outgoing_id", sa.String(length=32), nullable=False),
        sa.Column("incoming_id", sa.String(length=32), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("offboard", sa.Boolean(), nullable=False),
        sa.Column("offboarded", sa.Boolean(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incoming_id"],
            ["person.id"],
            name=op.f("fk_handover_incoming_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_id"],
            ["person.id"],
            name=op.f("fk_handover_outgoing_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_outgoing_id"), ["outgoing_id"], unique=False)
    op.create_table(
        "handover_town",
        sa.Column("handover_id", sa.String(length=32), nullable=False),
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "STAFF",
                "MANAGER",
                "TOWN_ADMIN",
                "DPO",
                "ELECTED",
                name="role",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("membership_done", sa.Boolean(), nullable=False),
        sa.Column("events_done", sa.Boolean(), nullable=False),
        sa.Column("events_moved", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["handover.id"],
            name=op.f("fk_handover_town_handover_id_handover"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_handover_town_town_id_town"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("handover_id", "town_id", name=op.f("pk_handover_town")),
    )


def downgrade() -> None:
    op.drop_table("handover_town")
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_outgoing_id"))
    op.drop_table("handover")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("mandate_end")
