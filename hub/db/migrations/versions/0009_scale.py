"""scale: lookups and pages that stay quick at 20 000 people, provisioning leases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("provisioning_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_person_email_lower", "person", [sa.text("lower(email)")], unique=False)
    op.create_index("ix_person_display_name", "person", ["display_name", "username"], unique=False)
    op.create_index("ix_town_name", "town", ["name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_town_name", table_name="town")
    op.drop_index("ix_person_display_name", table_name="person")
    op.drop_index("ix_person_email_lower", table_name="person")
    with op.batch_alter_table("provisioning_step", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
