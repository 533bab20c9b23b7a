"""Right to erasure: someone offboarded is deleted from the directory and the hub, leaves the
events to come, and stays in past events and the audit trail as one stable pseudonym."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.agenda.ical_write import build_event
from hub.agenda.recurrence import parse_rule
from hub.audit.models import AuditEntry
from hub.audit.service import record
from hub.feeds.models import CalendarFeed
from hub.identity.models import PortalSession
from hub.identity.principal import Principal
from hub.identity.sessions import open_session
from hub.people.models import Membership, Person
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import PARIS, put_event, put_raw
from tests.privacy.helpers import ERASE, PERSONAL_DATA, offboard, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def test_someone_still_active_is_not_erased_and_the_towns_are_named(
    gql: GraphQLClient, world: World
) -> None:
    # given Louis, still working for Igny
    await with_dpo(world)
    louis = world.people["louis"]
    sophie = world.token("sophie")
    # when Sophie (DPO of Igny) asks what erasing him would do, then erases him
    seen = (await gql(PERSONAL_DATA, {"person": louis.id}, token=sophie)).ok()["personalData"]
    reply = await gql(ERASE, {"person": louis.id}, token=sophie)
    # then it is refused with CONFLICT naming Igny, and nothing changed
    assert seen["erasureBlock"] == "ACTIVE" and seen["activeTowns"] == [{"slug": "igny"}]
    assert reply.codes == ["CONFLICT"]
    assert "Igny (igny)" in reply.errors[0]["message"]
    async with world.services.sessions() as session:
        assert await session.get(Person, louis.id) is not None


async def test_erasing_louis_forgets_him_in_the_hub_the_calendars_and_the_trail(
    calendar_hub: CalendarHub,
) -> None:
    hub, world, gql = calendar_hub, calendar_hub.world, calendar_hub.gql
    await with_dpo(world)
    louis, camille = world.people["louis"], world.people["camille"]
    now = datetime.now(UTC)
    # given Louis booked with Camille in a past and a future meeting, and in a weekly series
    # that began a month ago and goes on
    past = _hour(now - timedelta(days=10)).astimezone(PARIS)
    future = _hour(now + timedelta(days=10)).astimezone(PARIS)
    await put_event(
        hub, "igny", "passe", "Conseil passé", past, past + timedelta(hours=1), ["louis", "camille"]
    )
    await put_event(
        hub,
        "igny",
        "futur",
        "Conseil à venir",
        future,
        future + timedelta(hours=1),
        ["louis", "camille"],
    )
    first = _hour(now - timedelta(days=30)).astimezone(PARIS)
    weekly = build_event(
        "serie", "Permanence", first, first + timedelta(hours=2), False, "", "",
        [louis.id], "igny", rule=parse_rule("FREQ=WEEKLY", first),
    )  # fmt: skip
    await put_raw(hub, "igny", "serie", weekly)
    # and his trail: his own actions, actions about him, a file in a folder named after him
    async with hub.services.sessions() as session:
        await open_session(session, louis)
        actor = Principal(louis.id, "louis", False)
        record(
            session,
            actor,
            "file.upload",
            "Igny:/Louis/CV de Louis.pdf",
            town_id=world.towns["igny"].id,
        )
        record(session, actor, "file.upload", "Igny:/Louisiane.pdf", town_id=world.towns["igny"].id)
        await session.commit()
    await gql("mutation { createCalendarFeed { url } }", token=world.token("louis"))
    await offboard(gql, world, "louis")
    # when Sophie, DPO of Igny, erases him
    reply = await gql(ERASE, {"person": louis.id}, token=world.token("sophie"))
    erased = reply.ok()["erasePerson"]
    pseudonym = erased["pseudonym"]
    # then every step is done
    assert erased["state"] == "COMPLETE"
    assert [(s["name"], s["done"], s["error"]) for s in erased["steps"]] == [
        ("calendars", True, None),
        ("directory", True, None),
        ("hub", True, None),
    ]
    assert re.fullmatch(r"anonyme-[0-9a-f]{12}", pseudonym)
    # and the hub holds nothing of him: no account, role, session, subscription
    async with hub.services.sessions() as session:
        assert await session.get(Person, louis.id) is None
        for model in (Membership, PortalSession, CalendarFeed):
            assert (
                await session.scalars(select(model).where(model.person_id == louis.id))
            ).all() == []
        entries = (await session.scalars(select(AuditEntry))).all()
    # and the trail names him nowhere, but keeps what he did, under the one pseudonym
    trail = json.dumps(
        [[e.actor, e.actor_id, e.subject_id, e.target, e.details] for e in entries],
        ensure_ascii=False,
    )
    for name in (louis.id, louis.email, '"louis"', "/Louis/", "de Louis"):
        assert name not in trail, name
    assert "Igny:/Louisiane.pdf" in trail  # another word that begins the same is left alone
    uploads = [e for e in entries if e.action == "file.upload"]
    assert {(e.actor, e.actor_id) for e in uploads} == {(pseudonym, pseudonym)}
    assert f"Igny:/{pseudonym}/CV de {pseudonym}.pdf" in {e.target for e in uploads}
    offboarded = [e for e in entries if e.action == "person.offboard"]
    assert offboarded and all(e.subject_id == pseudonym for e in offboarded)
    # and the calendars: the past keeps the pseudonym, what is to come goes on without him
    stored = [
        o.ical.replace("\r\n", "\n").replace("\n ", "")
        for o in (await hub.store().fetch("igny", None)).objects
    ]
    unfolded = {re.findall(r"^UID:(.*)$", text, re.M)[0]: text for text in stored}
    assert pseudonym in unfolded["passe"] and camille.id in unfolded["passe"]
    assert pseudonym not in unfolded["futur"] and camille.id in unfolded["futur"]
    assert "UNTIL=" in unfolded["serie"] and pseudonym in unfolded["serie"]
    tail = [uid for uid in unfolded if uid not in ("passe", "futur", "serie")]
    assert len(tail) == 1 and "RRULE:FREQ=WEEKLY" in unfolded[tail[0]]
    assert pseudonym not in unfolded[tail[0]]
    for text in unfolded.values():
        assert louis.id not in text and louis.email not in text
    # and Camille's agenda still reads every one of them
    agenda = await gql(
        "query($s: DateTime!, $e: DateTime!) { agenda(start: $s, end: $e) { events { title } } }",
        {"s": (now - timedelta(days=40)).isoformat(), "e": (now + timedelta(days=40)).isoformat()},
        token=world.token("camille"),
    )
    titles = [e["title"] for e in agenda.ok()["agenda"]["events"]]
    assert "Conseil passé" in titles and "Conseil à venir" in titles
    assert titles.count("Permanence") >= 10


async def test_erasing_again_answers_with_the_same_record(gql: GraphQLClient, world: World) -> None:
    # given Louis, offboarded and erased by Sophie
    await with_dpo(world)
    louis = world.people["louis"]
    await offboard(gql, world, "louis")
    sophie = world.token("sophie")
    first = (await gql(ERASE, {"person": louis.id}, token=sophie)).ok()["erasePerson"]
    # when she erases him again, and Inès (no DPO of his towns) tries too
    again = (await gql(ERASE, {"person": louis.id}, token=sophie)).ok()["erasePerson"]
    stranger = await gql(ERASE, {"person": louis.id}, token=world.token("ines"))
    # then the same erasure answers, complete; to Inès he does not exist
    assert again["id"] == first["id"] and again["pseudonym"] == first["pseudonym"]
    assert again["state"] == "COMPLETE" and again["towns"] == [{"slug": "igny"}]
    assert stranger.codes == ["NOT_FOUND"]
    # and both asks are in Igny's trail under the pseudonym: his id never comes back to it
    async with world.services.sessions() as session:
        asks = (
            await session.execute(
                select(AuditEntry.target, AuditEntry.subject_id, AuditEntry.outcome).where(
                    AuditEntry.action == "person.erase"
                )
            )
        ).all()
        everything = (await session.scalars(select(AuditEntry))).all()
    pseudonym = first["pseudonym"]
    assert (pseudonym, pseudonym, "ok") in asks and (pseudonym, pseudonym, "NOT_FOUND") in asks
    for entry in everything:
        assert louis.id not in f"{entry.target}{entry.subject_id}{entry.actor_id}{entry.details}"


async def test_who_may_erase_whom(gql: GraphQLClient, world: World) -> None:
    # given Camille (Igny, Bièvres, Vauhallan) and Sophie (DPO of Igny and Vauhallan),
    # both offboarded in turn
    await with_dpo(world)
    camille, sophie = world.people["camille"], world.people["sophie"]
    await offboard(gql, world, "camille")
    # when Sophie looks at Camille, and erases her
    seen = (await gql(PERSONAL_DATA, {"person": camille.id}, token=world.token("sophie"))).ok()
    refused = await gql(ERASE, {"person": camille.id}, token=world.token("sophie"))
    # then it is refused: Camille also worked for Bièvres, whose DPO Sophie is not
    assert seen["personalData"]["erasureBlock"] == "OTHER_TOWNS"
    assert refused.codes == ["FORBIDDEN"]
    # and nobody erases themselves, while the shared service's admin erases Camille
    itself = await gql(ERASE, {"person": sophie.id}, token=world.token("sophie"))
    assert itself.codes == ["FORBIDDEN"]
    done = (await gql(ERASE, {"person": camille.id}, token=world.token("admin"))).ok()
    assert done["erasePerson"]["state"] == "COMPLETE"
    assert {t["slug"] for t in done["erasePerson"]["towns"]} == {"igny", "bievres", "vauhallan"}
