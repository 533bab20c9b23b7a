"""mandate end: an elected official's membership ends by itself

Revision ID: 0008b
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008b"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The role column is a plain string (non-native enum, no constraint): ELECTED needs no
    # change there.
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mandate_end", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("mandate_end")
