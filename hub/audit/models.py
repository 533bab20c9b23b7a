from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # No foreign key: the trail outlives what it describes.
    town_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # The person the entry is about (added, offboarded, given a role…), for the person filter.
    subject_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(1024))
    # "ok", or the error code the change was refused with: refusals are audited too.
    outcome: Mapped[str] = mapped_column(String(32), default="ok")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
