"""Drift on the real file and calendar servers: folders deleted or renamed on WsgiDAV, a
calendar deleted or renamed on Radicale, each changed behind the hub's back; then repaired."""

from __future__ import annotations

import shutil

from tests.agenda.fixtures import delete_calendars
from tests.drift.conftest import DriftHub
from tests.drift.helpers import brief, drifts, reconcile, repair, repairs_audited
from tests.files.helpers import names, upload, workspace_ids


async def test_towns_as_provisioned_have_no_drift(drift_hub: DriftHub) -> None:
    hub = drift_hub
    # every town, checked at once
    assert await drifts(hub.gql, hub.admin, None) == []
    # and the folder's hidden marker is never shown in the workspace
    louis = hub.world.token("louis")
    igny = (await workspace_ids(hub.gql, louis))["Igny"]
    assert await names(hub.gql, louis, igny) == []


async def test_a_deleted_folder_is_made_again_empty(drift_hub: DriftHub) -> None:
    hub = drift_hub
    # given Igny's folder deleted on the file server
    shutil.rmtree(hub.on_disk / "igny")
    # when Igny is checked, then its folder is missing (and nothing else)
    found = await drifts(hub.gql, hub.admin)
    assert brief(found) == [("FILES", "MISSING", "WORKSPACE_FOLDER", "/igny")]
    assert found[0]["repairable"] and found[0]["town"] == {"slug": "igny"}
    # when it is repaired, then it is there again and nothing remains
    done = await repair(hub.gql, hub.admin)
    assert brief(done["repaired"]) == [("FILES", "MISSING", "WORKSPACE_FOLDER", "/igny")]
    assert done["remaining"] == [] and done["failures"] == []
    assert (hub.on_disk / "igny").is_dir()
    louis = hub.world.token("louis")
    igny = (await workspace_ids(hub.gql, louis))["Igny"]
    assert (await upload(hub.gql, louis, igny, "/note.txt", b"ok")).ok()
    # and repairing again changes nothing (idempotent)
    again = await repair(hub.gql, hub.admin)
    assert again["repaired"] == [] and again["remaining"] == []
    # each repair is in Igny's trail, by the admin, with what it repaired
    igny_id = hub.world.towns["igny"].id
    trail = await repairs_audited(hub.services)
    assert [(actor, outcome, town) for actor, outcome, town, _ in trail] == [
        ("admin", "ok", igny_id),
        ("admin", "ok", igny_id),
    ]
    first, second = (details for *_, details in trail)
    assert len(first["repaired"]) == 1 and "/igny" in first["repaired"][0]
    assert first["remaining"] == [] and first["failures"] == []
    assert second == {"repaired": [], "remaining": [], "failures": []}


async def test_a_renamed_folder_is_moved_back_with_its_files(drift_hub: DriftHub) -> None:
    hub = drift_hub
    louis = hub.world.token("louis")
    igny = (await workspace_ids(hub.gql, louis))["Igny"]
    assert (await upload(hub.gql, louis, igny, "/budget.txt", b"2027")).ok()
    # given Igny's folder renamed on the server, beside a folder the hub does not know
    (hub.on_disk / "archives").mkdir()
    (hub.on_disk / "igny").rename(hub.on_disk / "igny-ancien")
    # when it is checked, then the folder is found under its new name
    found = await drifts(hub.gql, hub.admin)
    assert brief(found) == [("FILES", "RENAMED", "WORKSPACE_FOLDER", "/igny")]
    assert found[0]["found"] == "/igny-ancien"
    # when it is repaired, then it is moved back, its files with it
    done = await repair(hub.gql, hub.admin)
    assert brief(done["repaired"]) == [("FILES", "RENAMED", "WORKSPACE_FOLDER", "/igny")]
    assert not (hub.on_disk / "igny-ancien").exists()
    assert await names(hub.gql, louis, igny) == ["budget.txt"]
    assert (hub.on_disk / "archives").is_dir()  # what the hub does not know stays


async def test_a_deleted_calendar_is_made_again(drift_hub: DriftHub) -> None:
    hub = drift_hub
    # given Bièvres's calendar deleted on Radicale
    await delete_calendars(hub.radicale, ["bievres"])
    found = await drifts(hub.gql, hub.admin, "bievres")
    assert brief(found) == [("CALENDAR", "MISSING", "CALENDAR", "Bièvres")]
    # when it is repaired, then the calendar exists again, with the town's name
    done = await repair(hub.gql, hub.admin, "bievres")
    assert brief(done["repaired"]) == [("CALENDAR", "MISSING", "CALENDAR", "Bièvres")]
    store = hub.services.backends.calendars.store_for("bievres")
    assert await store.calendar_name("bievres") == "Bièvres"
    assert await drifts(hub.gql, hub.admin, "bievres") == []


async def test_a_renamed_calendar_is_named_back(drift_hub: DriftHub) -> None:
    hub = drift_hub
    store = hub.services.backends.calendars.store_for("vauhallan")
    await store.rename_calendar("vauhallan", "Agenda de la mairie")
    found = await drifts(hub.gql, hub.admin, "vauhallan")
    assert brief(found) == [("CALENDAR", "RENAMED", "CALENDAR", "Vauhallan")]
    assert found[0]["found"] == "Agenda de la mairie"
    await repair(hub.gql, hub.admin, "vauhallan")
    assert await store.calendar_name("vauhallan") == "Vauhallan"


async def test_town_admins_check_their_towns_only(drift_hub: DriftHub) -> None:
    hub = drift_hub
    shutil.rmtree(hub.on_disk / "igny")
    ines = hub.world.token("ines")  # TOWN_ADMIN of Bièvres
    # Inès checks her town, and every town she administers: Igny is not among them
    assert await drifts(hub.gql, ines, "bievres") == []
    assert await drifts(hub.gql, ines, None) == []
    # she may neither check nor repair Igny; Louis (staff) may check nothing
    assert (await reconcile(hub.gql, ines, "igny")).codes == ["FORBIDDEN"]
    refused = await hub.gql('mutation { repairDrift(town: "igny") { failures } }', token=ines)
    assert refused.codes == ["FORBIDDEN"]
    assert (await reconcile(hub.gql, hub.world.token("louis"), None)).codes == ["FORBIDDEN"]
    assert (await reconcile(hub.gql, hub.admin, "nowhere")).codes == ["NOT_FOUND"]
    assert not (hub.on_disk / "igny").exists()  # nothing was repaired
    assert [(a, o) for a, o, _, _ in await repairs_audited(hub.services)] == [("ines", "FORBIDDEN")]
