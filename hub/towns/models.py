from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, StepColumns, UTCDateTime, new_id, utcnow


class Town(Base):
    __tablename__ = "town"
    __table_args__ = (Index("ix_town_name", "name", "id"),)  # the towns' pages, by name

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    insee_code: Mapped[str] = mapped_column(String(5), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Workspace(Base):
    """A folder on one file backend, opened by one town (its own) or several (shared)."""

    __tablename__ = "workspace"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    owner_town_id: Mapped[str | None] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), unique=True
    )
    backend: Mapped[str] = mapped_column(String(32), default="webdav")
    root: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkspaceTown(Base):
    __tablename__ = "workspace_town"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProvisioningStep(StepColumns, Base):
    """One backend step of a town's provisioning; a failed step keeps its error until retried."""

    __tablename__ = "provisioning_step"

    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True
    )
    # A replica running the step holds it until then (hub.towns.provisioning): no other one
    # runs it meanwhile, and a replica that died lets it go when the time is up.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TownRecord(NamedTuple):
    """A town as the read paths show it (a row, not an object the session tracks)."""

    id: str
    slug: str
    name: str
    insee_code: str


class StepRecord(NamedTuple):
    town_id: str
    name: str
    done: bool
    error: str | None


# What the GraphQL types read a town or a step from: the model, or a read path's row.
TownLike = Town | TownRecord
StepLike = ProvisioningStep | StepRecord
