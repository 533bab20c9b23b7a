"""town drift: each town's last check against its backends

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "town_drift",
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drifts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_town_drift_town_id_town"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("town_id", name=op.f("pk_town_drift")),
    )


def downgrade() -> None:
    op.drop_table("town_drift")
