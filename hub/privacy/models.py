"""What data protection keeps: exports in chunks, erasures and their steps, retention per town."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, StepColumns, UTCDateTime, new_id, utcnow


class PersonalExport(Base):
    """A person's data as a DPO exported it, downloadable by that DPO until it expires.

    Both foreign keys cascade: erasing the person, or the DPO, takes the export with them.
    """

    __tablename__ = "personal_export"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    town_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sizes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExportPart(Base):
    """One chunk of one file of an export: files are written and read chunk by chunk."""

    __tablename__ = "personal_export_part"

    export_id: Mapped[str] = mapped_column(
        ForeignKey("personal_export.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Erasure(Base):
    """A person's erasure: its pseudonym and where it stands, step by step.

    ``person_id`` is kept only while the erasure runs (a later call resumes it); once done,
    only a hash of it remains, so that asking again answers with this same record.
    """

    __tablename__ = "erasure"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    person_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    requested_by: Mapped[str | None] = mapped_column(String(32))
    town_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ErasureStep(StepColumns, Base):
    """One backend's part of an erasure; a failed step keeps its error until run again."""

    __tablename__ = "erasure_step"

    erasure_id: Mapped[str] = mapped_column(
        ForeignKey("erasure.id", ondelete="CASCADE"), primary_key=True
    )


class RetentionSetting(Base):
    """A town's own retention periods, in days (the hub's defaults when it has none)."""

    __tablename__ = "retention_setting"

    town_id: Mapped[str] = mapped_column(
        ForeignKey("town.id", ondelete="CASCADE"), primary_key=True
    )
    audit_days: Mapped[int] = mapped_column(Integer)
    session_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
