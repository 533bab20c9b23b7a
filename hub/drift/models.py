"""The last check of each town, kept so that pages listing towns with drift ask no backend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, UTCDateTime, utcnow


class TownDrift(Base):
    __tablename__ = "town_drift"

    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drifts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
