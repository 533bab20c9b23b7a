"""Data protection in the API: a person's data for their DPO, export, erasure, retention and
the register. Each resolver opens the session and calls the service."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from hub.db.base import utcnow
from hub.gql.context import Info
from hub.people.directory_sync import DirectorySync
from hub.people.types import Person
from hub.privacy import erasure, export, overview, register, retention
from hub.privacy.repository import PrivacyRepository
from hub.privacy.types import (
    Erasure,
    PersonalData,
    PersonalDataExport,
    ProcessingRegister,
    RetentionPeriods,
)


def _backends(info: Info) -> erasure.Backends:
    services = info.context.services
    return erasure.Backends(
        calendars=services.backends.calendars,
        sync=DirectorySync(services.backends.directory, services.settings.backend_timeout),
        step_timeout=services.step_timeout,
    )


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description="What the hub holds about a person in the towns you are the DPO of "
        "(hub admins: all); NOT_FOUND for no such person, FORBIDDEN (audited) for a person "
        "of none of your towns."
    )
    async def personal_data(self, info: Info, person: strawberry.ID) -> PersonalData:
        principal = info.context.principal
        base = info.context.services.settings.base_url
        async with info.context.db() as session:
            found = await overview.personal_data(session, principal, str(person))
        subject = found.subject
        return PersonalData(
            person=Person.of(subject.person),
            erasure_block=found.block,
            erasure=Erasure.of(found.erasure, found.steps) if found.erasure else None,
            exports=[PersonalDataExport.of(row, base) for row in found.exports],
            town_ids=sorted(subject.mine),
            active_town_ids=sorted(subject.member_of) if subject.person.active else [],
        )

    @strawberry.field(description="How long the town's records are kept (its DPO, its admins).")
    async def retention(self, info: Info, town: str) -> RetentionPeriods:
        settings = info.context.services.settings
        async with info.context.db() as session:
            found = await retention.readable_town(session, info.context.principal, town)
            periods = await retention.retention_of(session, settings, [found.id])
        return RetentionPeriods.of(periods[found.id])

    @strawberry.field(
        description="The town's record of processing activities for the hub (its DPO, its "
        "admins), also downloadable as Markdown, HTML and CSV."
    )
    async def processing_register(self, info: Info, town: str) -> ProcessingRegister:
        settings = info.context.services.settings
        async with info.context.db() as session:
            found = await retention.readable_town(session, info.context.principal, town)
            built = await register.build_register(session, settings, found, utcnow())
        return ProcessingRegister.of(built, settings.base_url)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Right of access (GDPR art. 15/20): everything the hub holds about the "
        "person in the towns you are the DPO of, as JSON and a French summary to download "
        "(until expiresAt). Audited."
    )
    async def export_personal_data(self, info: Info, person: strawberry.ID) -> PersonalDataExport:
        services = info.context.services
        ttl = timedelta(hours=services.settings.export_ttl_hours)
        async with info.context.db() as session:
            row = await export.export_personal_data(
                session, info.context.principal, services.backends.calendars, str(person), ttl=ttl
            )
        return PersonalDataExport.of(row, services.settings.base_url)

    @strawberry.mutation(
        description="Right to erasure (GDPR art. 17) for someone offboarded: their account "
        "deleted from the directory and the hub, out of future events, a pseudonym in past "
        "events and the audit trail. CONFLICT (naming the towns) while their account is "
        "active. Idempotent; again after a failed step, it resumes."
    )
    async def erase_person(self, info: Info, person: strawberry.ID) -> Erasure:
        async with info.context.db() as session:
            row = await erasure.erase_person(
                session, info.context.principal, _backends(info), str(person)
            )
            steps = await PrivacyRepository(session).erasure_steps([row.id])
        return Erasure.of(row, steps)

    @strawberry.mutation(description="How long the town keeps its records (its DPO). Audited.")
    async def set_retention(
        self, info: Info, town: str, audit_days: int, session_days: int
    ) -> RetentionPeriods:
        settings = info.context.services.settings
        async with info.context.db() as session:
            found = await retention.set_retention(
                session, info.context.principal, settings, town, audit_days, session_days
            )
        return RetentionPeriods.of(found)
