"""Right of access: a DPO exports what the hub holds about a person of their towns, as JSON
and a French summary, downloadable by them alone until it expires; audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from hub.audit.models import AuditEntry
from hub.audit.service import record
from hub.identity.principal import Principal
from hub.identity.sessions import open_session
from hub.privacy.models import ExportPart, PersonalExport
from hub.privacy.stored import CHUNK
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import PARIS, put_event
from tests.privacy.helpers import EXPORT, bearer, export, fetch_json, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World

NOVEMBER = datetime(2026, 11, 2, 9, tzinfo=PARIS)


async def test_the_dpo_exports_louis_with_his_events_hours_and_trail(
    calendar_hub: CalendarHub,
) -> None:
    # given Louis of Igny, booked in Igny's calendar, signed in once, with a subscription
    hub, world, gql = calendar_hub, calendar_hub.world, calendar_hub.gql
    await with_dpo(world)
    await put_event(
        hub, "igny", "permanence", "Permanence", NOVEMBER, NOVEMBER + timedelta(hours=3), ["louis"]
    )
    await put_event(
        hub,
        "igny",
        "voirie",
        "Commission voirie",
        NOVEMBER,
        NOVEMBER + timedelta(hours=1),
        ["camille"],
    )
    louis = world.people["louis"]
    async with hub.services.sessions() as session:
        await open_session(session, louis)
    await gql("mutation { createCalendarFeed { url } }", token=world.token("louis"))
    # when Sophie, DPO of Igny, exports his data
    sophie = world.token("sophie")
    made = await export(gql, sophie, louis.id)
    data = await fetch_json(gql.http, made["downloadUrl"], sophie)
    # then the JSON says who he is, his role, his booked events, hours and trail, in Igny
    assert data["format"] == "entente-personal-data/1"
    assert [t["slug"] for t in data["towns"]] == ["igny"] == [t["slug"] for t in made["towns"]]
    assert data["person"]["username"] == "louis" and data["person"]["email"] == louis.email
    assert data["memberships"] == [{"town": "igny", "role": "STAFF", "share": None}]
    assert [e["title"] for e in data["events"]] == ["Permanence"]
    assert data["allocationHours"] == [{"month": "2026-11", "town": "igny", "hours": 3.0}] or (
        datetime.now(UTC) > datetime(2028, 10, 1, tzinfo=UTC)  # out of the 24 months by then
    )
    assert len(data["sessions"]) == 1 and data["calendarFeed"] is not None
    assert {e["action"] for e in data["audit"]} >= {"feed.create"}
    assert "token_hash" not in json.dumps(data) and "password_hash" not in json.dumps(data)
    # and the summary says it in French
    summary = await gql.http.get(made["summaryUrl"], headers=bearer(sophie))
    text = summary.content.decode("utf-8")
    assert summary.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Personne\u00a0: Louis" in text and "« Permanence » (Igny)" in text.replace(
        "\u00a0", " "
    )


async def test_an_export_is_an_attachment_for_its_dpo_only_until_it_expires(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie's export of Louis
    await with_dpo(world)
    sophie = world.token("sophie")
    made = await export(gql, sophie, world.people["louis"].id)
    # when she downloads it, then it is a sandboxed attachment, never cached
    response = await gql.http.get(made["downloadUrl"], headers=bearer(sophie))
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="donnees-personnelles-louis-'
    )
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.content) == made["size"]
    # and nobody else may: not Camille, not the admin, not without signing in
    for token in (world.token("camille"), world.token("admin")):
        assert (await gql.http.get(made["downloadUrl"], headers=bearer(token))).status_code == 404
    assert (await gql.http.get(made["downloadUrl"])).status_code == 401
    # and once expired, not Sophie either
    async with world.services.sessions() as session:
        await session.execute(
            update(PersonalExport).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    assert (await gql.http.get(made["downloadUrl"], headers=bearer(sophie))).status_code == 404
    # and every download, refusals included, is in Igny's trail
    async with world.services.sessions() as session:
        outcomes = list(
            await session.scalars(
                select(AuditEntry.outcome)
                .where(AuditEntry.action == "privacy.export.download")
                .order_by(AuditEntry.id)
            )
        )
    assert outcomes == ["ok", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]


async def test_a_dpo_exports_only_their_towns_part_of_a_pooled_manager(
    gql: GraphQLClient, world: World
) -> None:
    # given Camille, in Igny, Bièvres and Vauhallan, with entries in each town's trail
    await with_dpo(world)
    camille = world.people["camille"]
    async with world.services.sessions() as session:
        actor = Principal(camille.id, "camille", False)
        for town in ("igny", "bievres", "vauhallan"):
            record(
                session, actor, "file.upload", f"{town}:/budget.pdf", town_id=world.towns[town].id
            )
        await session.commit()
    # when Sophie (DPO of Igny and Vauhallan) exports her data
    sophie = world.token("sophie")
    made = await export(gql, sophie, camille.id)
    data = await fetch_json(gql.http, made["downloadUrl"], sophie)
    # then nothing of Bièvres is in it
    assert [t["slug"] for t in data["towns"]] == ["igny", "vauhallan"]
    assert {m["town"] for m in data["memberships"]} == {"igny", "vauhallan"}
    assert sorted(e["target"] for e in data["audit"] if e["action"] == "file.upload") == [
        "igny:/budget.pdf",
        "vauhallan:/budget.pdf",
    ]
    assert "bievres" not in json.dumps(data)


async def test_unknown_and_other_towns_people_are_refused_and_audited(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie, DPO of Igny and Vauhallan, and Inès, of Bièvres only
    await with_dpo(world)
    sophie = world.token("sophie")
    ines = world.people["ines"]
    # when she asks for someone unknown, for Inès, or Louis (staff) asks for Camille
    unknown = await gql(EXPORT, {"person": "0" * 32}, token=sophie)
    other = await gql(EXPORT, {"person": ines.id}, token=sophie)
    staff = await gql(EXPORT, {"person": world.people["camille"].id}, token=world.token("louis"))
    # then NOT_FOUND, FORBIDDEN, FORBIDDEN, and no export was made
    assert unknown.codes == ["NOT_FOUND"]
    assert other.codes == ["FORBIDDEN"] and other.data is None
    assert staff.codes == ["FORBIDDEN"]
    async with world.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PersonalExport)) == 0
        refused = (
            await session.execute(
                select(AuditEntry.town_id, AuditEntry.outcome, AuditEntry.subject_id).where(
                    AuditEntry.action == "privacy.export", AuditEntry.actor == "sophie"
                )
            )
        ).all()
    # and the refusal about Inès is in Bièvres's trail, where her DPO reads it
    bievres = world.towns["bievres"].id
    assert (bievres, "FORBIDDEN", ines.id) in refused
    assert (None, "NOT_FOUND", "0" * 32) in refused


async def test_a_long_trail_is_written_and_sent_in_chunks(gql: GraphQLClient, world: World) -> None:
    # given Louis with 3 000 entries in Igny's trail (far more than one chunk of JSON)
    await with_dpo(world)
    louis = world.people["louis"]
    igny = world.towns["igny"].id
    async with world.services.sessions() as session:
        actor = Principal(louis.id, "louis", False)
        for n in range(3000):
            record(
                session, actor, "file.download", f"Igny:/Archives/acte-{n:05d}.pdf", town_id=igny
            )
        await session.commit()
    # when Sophie exports his data
    sophie = world.token("sophie")
    made = await export(gql, sophie, louis.id)
    # then it is stored in several chunks, none bigger than a chunk
    async with world.services.sessions() as session:
        sizes = list(
            await session.scalars(
                select(func.length(ExportPart.data)).where(
                    ExportPart.export_id == made["id"], ExportPart.name == "json"
                )
            )
        )
    assert len(sizes) > 1 and max(sizes) <= CHUNK and sum(sizes) == made["size"]
    # and downloads whole, every entry in it, in order
    data = await fetch_json(gql.http, made["downloadUrl"], sophie)
    downloads = [e["target"] for e in data["audit"] if e["action"] == "file.download"]
    assert downloads == [f"Igny:/Archives/acte-{n:05d}.pdf" for n in range(3000)]
