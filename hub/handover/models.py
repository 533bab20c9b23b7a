"""A handover and how far it got in each town, so that running it again finishes it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, UTCDateTime, new_id, utcnow
from hub.people.models import Role


class Handover(Base):
    __tablename__ = "handover"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    outgoing_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    incoming_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    effective: Mapped[date] = mapped_column(Date)
    offboard: Mapped[bool] = mapped_column(Boolean, default=False)
    offboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    """Why offboarding the outgoing person failed, once every town was done."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


_ROLE = Enum(Role, name="role", native_enum=False, length=16)


class HandoverTown(Base):
    """One town of a handover: what moves (read when it started), and what is done."""

    __tablename__ = "handover_town"

    handover_id: Mapped[str] = mapped_column(
        ForeignKey("handover.id", ondelete="CASCADE"), primary_key=True
    )
    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[Role] = mapped_column(_ROLE)
    """The outgoing person's role there, and the one the incoming person ends up with."""
    share: Mapped[float | None] = mapped_column(Float)
    """The incoming person's share there once done (the outgoing's added to theirs)."""
    membership_done: Mapped[bool] = mapped_column(Boolean, default=False)
    events_done: Mapped[bool] = mapped_column(Boolean, default=False)
    events_moved: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
