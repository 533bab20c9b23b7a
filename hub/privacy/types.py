"""GraphQL types of data protection: a person's data for their DPO, exports, erasures,
retention periods and the register."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.gql.context import Info
from hub.privacy.downloads import export_url
from hub.privacy.erasure import Block, ErasureState, state_of
from hub.privacy.models import Erasure as ErasureModel
from hub.privacy.models import ErasureStep as StepModel
from hub.privacy.models import PersonalExport as ExportModel
from hub.privacy.register import Register
from hub.privacy.retention import Retention

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town

ErasureStateType = strawberry.enum(ErasureState, name="ErasureState")
ErasureBlockType = strawberry.enum(
    Block,
    name="ErasureBlock",
    description="Why erasePerson would be refused: SELF (one's own data), HUB_ADMIN (only "
    "hub administrators erase one of them), ACTIVE (the account is still active: offboard "
    "first), OTHER_TOWNS (they also worked for towns whose DPO the caller is not).",
)


async def _towns(
    info: Info, town_ids: Sequence[str]
) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
    from hub.towns.types import Town

    principal = info.context.principal
    rows = await info.context.loaders.town.load_many(
        [t for t in town_ids if principal.sees_town(t)]
    )
    return sorted((Town.of(row) for row in rows if row is not None), key=lambda t: t.name)


@strawberry.type(description="A person's data as exported for their DPO, for a limited time.")
class PersonalDataExport:
    id: strawberry.ID
    created_at: datetime
    expires_at: datetime = strawberry.field(description="The files are deleted then.")
    size: float = strawberry.field(description="Bytes of the JSON file.")
    download_url: str = strawberry.field(
        description="The JSON file (machine-readable): the DPO who exported it, until it "
        "expires; an attachment, like file downloads."
    )
    summary_url: str = strawberry.field(description="The readable summary, in French.")
    town_ids: strawberry.Private[list[str]]

    @classmethod
    def of(cls, row: ExportModel, base_url: str) -> PersonalDataExport:
        return cls(
            id=strawberry.ID(row.id),
            created_at=row.created_at,
            expires_at=row.expires_at,
            size=float(row.sizes.get("json", 0)),
            download_url=export_url(base_url, row.id, "data.json"),
            summary_url=export_url(base_url, row.id, "summary.txt"),
            town_ids=list(row.town_ids),
        )

    @strawberry.field(description="The towns whose data it holds.")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        return await _towns(info, self.town_ids)


@strawberry.type(description="A step of an erasure: calendars, directory, hub.")
class ErasureStep:
    name: str
    done: bool
    error: str | None = strawberry.field(description="Why the last attempt failed.")

    @classmethod
    def of(cls, row: StepModel) -> ErasureStep:
        return cls(name=row.name, done=row.done, error=row.error)


@strawberry.type(description="A person's erasure; erasePerson again resumes a failed one.")
class Erasure:
    id: strawberry.ID
    pseudonym: str = strawberry.field(
        description="What the towns' records (audit, past events) call the person from now on."
    )
    state: ErasureStateType  # type: ignore[valid-type]
    steps: list[ErasureStep]
    requested_at: datetime
    completed_at: datetime | None
    town_ids: strawberry.Private[list[str]]

    @classmethod
    def of(cls, row: ErasureModel, steps: Sequence[StepModel]) -> Erasure:
        return cls(
            id=strawberry.ID(row.id),
            pseudonym=row.pseudonym,
            state=state_of(row, steps),
            steps=[ErasureStep.of(step) for step in steps],
            requested_at=row.created_at,
            completed_at=row.completed_at,
            town_ids=list(row.town_ids),
        )

    @strawberry.field(description="The towns whose records held the person (those you see).")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        return await _towns(info, self.town_ids)


@strawberry.type(description="What the hub holds about a person, for the DPO of their towns.")
class PersonalData:
    person: Annotated[Person, strawberry.lazy("hub.people.types")]
    erasure_block: ErasureBlockType | None = strawberry.field(  # type: ignore[valid-type]
        description="Why erasePerson would be refused now; null when it would be accepted."
    )
    erasure: Erasure | None = strawberry.field(description="An erasure under way or failed.")
    exports: list[PersonalDataExport] = strawberry.field(
        description="Your exports of this person, still downloadable."
    )
    town_ids: strawberry.Private[list[str]]
    active_town_ids: strawberry.Private[list[str]]

    @strawberry.field(description="Their towns whose DPO you are (every one: hub admins).")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        return await _towns(info, self.town_ids)

    @strawberry.field(
        description="The towns they still belong to (those you see), while their account is active."
    )
    async def active_towns(
        self, info: Info
    ) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        return await _towns(info, self.active_town_ids)


@strawberry.type(description="How long a town's records are kept, in days.")
class RetentionPeriods:
    audit_days: int = strawberry.field(description="The town's audit trail.")
    session_days: int = strawberry.field(
        description="Sign-in records (portal sessions, sign-ins) of the town's people."
    )
    own: bool = strawberry.field(description="Set by the town; else the hub's defaults.")

    @classmethod
    def of(cls, value: Retention) -> RetentionPeriods:
        return cls(audit_days=value.audit_days, session_days=value.session_days, own=value.own)


@strawberry.type(description="A heading of the register and its lines.")
class RegisterSection:
    heading: str
    lines: list[str]


@strawberry.type(
    description="The town's record of processing activities for the hub (GDPR article 30), "
    "generated from the hub's configuration, in French."
)
class ProcessingRegister:
    title: str
    generated_at: datetime
    sections: list[RegisterSection]
    markdown_url: str
    html_url: str = strawberry.field(description="HTML ready to print (to PDF).")
    csv_url: str

    @classmethod
    def of(cls, register: Register, base_url: str) -> ProcessingRegister:
        stem = f"{base_url}/privacy/register/{register.town.slug}"
        return cls(
            title=register.title,
            generated_at=register.generated_at,
            sections=[
                RegisterSection(heading=s.heading, lines=list(s.lines)) for s in register.sections
            ],
            markdown_url=f"{stem}.md",
            html_url=f"{stem}.html",
            csv_url=f"{stem}.csv",
        )
