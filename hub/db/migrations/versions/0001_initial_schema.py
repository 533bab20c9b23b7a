"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("town_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=1024), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_town_id"), ["town_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("hub_admin", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("oidc_subject", sa.String(length=255), nullable=True),
        sa.Column("directory_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("email", name=op.f("uq_person_email")),
        sa.UniqueConstraint("oidc_subject", name=op.f("uq_person_oidc_subject")),
        sa.UniqueConstraint("username", name=op.f("uq_person_username")),
    )
    op.create_table(
        "town",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_town")),
        sa.UniqueConstraint("insee_code", name=op.f("uq_town_insee_code")),
        sa.UniqueConstraint("slug", name=op.f("uq_town_slug")),
    )
    op.create_table(
        "membership",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.Column(
            "role",
            sa.Enum("STAFF", "MANAGER", "TOWN_ADMIN", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("share", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_membership_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_membership_town_id_town"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "town_id", name=op.f("pk_membership")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_town_id"), ["town_id"], unique=False)

    op.create_table(
        "provisioning_step",
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["town.id"],
            name=op.f("fk_provisioning_step_town_id_town"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("town_id", "name", name=op.f("pk_provisioning_step")),
    )
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_town_id", sa.String(length=32), nullable=True),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("root", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_town_id"],
            ["town.id"],
            name=op.f("fk_workspace_owner_town_id_town"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
        sa.UniqueConstraint("owner_town_id", name=op.f("uq_workspace_owner_town_id")),
    )
    op.create_table(
        "workspace_town",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("town_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["town.id"],
            name=op.f("fk_workspace_town_town_id_town"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_workspace_town_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "town_id", name=op.f("pk_workspace_town")),
    )
    with op.batch_alter_table("workspace_town", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspace_town_town_id"), ["town_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workspace_town", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspace_town_town_id"))

    op.drop_table("workspace_town")
    op.drop_table("workspace")
    op.drop_table("provisioning_step")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_town_id"))

    op.drop_table("membership")
    op.drop_table("town")
    op.drop_table("person")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_town_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
