from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, Float, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, UTCDateTime, new_id, utcnow


class Role(StrEnum):
    STAFF = "STAFF"
    MANAGER = "MANAGER"
    TOWN_ADMIN = "TOWN_ADMIN"
    DPO = "DPO"  # the town's data-protection officer: people, audit, register; no files, no agenda
    ELECTED = "ELECTED"
    """A mayor or a deputy: the membership ends by itself with the mandate (``mandate_end``)."""


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        # addStaff looks addresses up case-insensitively: without it, a scan of everyone
        Index("ix_person_email_lower", func.lower(text("email"))),
        # the people's pages, by name
        Index("ix_person_display_name", "display_name", "username"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hub_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    directory_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    __tablename__ = "membership"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=16))
    share: Mapped[float | None] = mapped_column(Float)
    # ELECTED only: from this day (Europe/Paris) the membership is over (hub.people.mandates).
    mandate_end: Mapped[date | None] = mapped_column(Date)

    def current(self, today: date) -> bool:
        """Whether the membership still holds on ``today`` (a mandate ends at its date)."""
        return self.mandate_end is None or self.mandate_end > today
