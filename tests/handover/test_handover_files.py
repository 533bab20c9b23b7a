"""A handover leaves the town's files where they are, on the real WsgiDAV: they belong to the
town, and the incoming person finds them there."""

from __future__ import annotations

from datetime import timedelta

from hub.people.mandates import today
from tests.drift.conftest import DriftHub
from tests.files.helpers import names, upload, workspace_ids
from tests.support.graphql import operation

HAND_OVER = operation("scripts/HandOver")


async def test_the_towns_files_stay_for_the_incoming_person(drift_hub: DriftHub) -> None:
    hub = drift_hub
    await hub.world.person("marie")
    camille, marie = hub.world.token("camille"), hub.world.token("marie")
    # given a file Camille put in Igny's workspace
    igny = (await workspace_ids(hub.gql, camille))["Igny"]
    assert (await upload(hub.gql, camille, igny, "/dossiers.txt", b"suivi")).ok()
    # when her Igny post is handed over to Marie
    variables = {
        "outgoing": hub.world.people["camille"].id,
        "incoming": hub.world.people["marie"].id,
        "towns": ["igny"],
        "effective": (today() + timedelta(days=1)).isoformat(),
        "offboard": False,
    }
    done = (await hub.gql(HAND_OVER, variables, token=hub.admin)).ok()["handOver"]
    assert done["complete"]
    # then the file is still in Igny's folder on the server, now Marie's to read; Camille no
    # longer has Igny's workspace
    assert (await workspace_ids(hub.gql, marie))["Igny"] == igny
    assert await names(hub.gql, marie, igny) == ["dossiers.txt"]
    assert (hub.on_disk / "igny" / "dossiers.txt").read_bytes() == b"suivi"
    assert "Igny" not in await workspace_ids(hub.gql, camille)
