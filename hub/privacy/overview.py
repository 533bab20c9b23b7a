"""What the DPO's page shows about a person: their towns, whether an erasure would be
accepted (and why not), an erasure under way, the caller's exports still downloadable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.db.base import utcnow
from hub.errors import Forbidden
from hub.identity.principal import Principal
from hub.privacy.erasure import Block, erasure_block, person_hash
from hub.privacy.models import Erasure, ErasureStep, PersonalExport
from hub.privacy.repository import PrivacyRepository
from hub.privacy.scope import Subject, find_subject


@dataclass(frozen=True)
class Overview:
    subject: Subject
    block: Block | None
    erasure: Erasure | None
    steps: Sequence[ErasureStep]
    exports: Sequence[PersonalExport]


async def personal_data(session: AsyncSession, actor: Principal, person_id: str) -> Overview:
    linked: list[str] = []
    try:
        subject = await find_subject(session, actor, person_id, linked)
    except Forbidden as exc:  # someone looked for another town's person: their DPO should know
        await session.rollback()
        towns: list[str | None] = list(linked) or [None]
        for town_id in towns:
            record(
                session,
                actor,
                "privacy.read",
                person_id,
                town_id=town_id,
                outcome=exc.code.value,
                details={"message": exc.message},
                subject_id=person_id,
            )
        await session.commit()
        raise
    repository = PrivacyRepository(session)
    erasure = await repository.erasure_by_hash(person_hash(subject.person.id))
    steps = await repository.erasure_steps([erasure.id]) if erasure else []
    exports = await repository.exports(subject.person.id, actor.person_id, utcnow())
    return Overview(subject, erasure_block(actor, subject), erasure, steps, exports)
