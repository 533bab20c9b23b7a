"""Accounts on Keycloak: creation with its invitation, lookup, changes, enable/disable."""

from __future__ import annotations

import pytest

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import Conflict, NotFound
from tests.contract.directory.inspectors import Inspector

ANNE = DirectoryPerson("anne.martin", "Anne Martin-Duval", "anne@mairie-a.fr")


async def test_create_person_makes_the_account_and_sends_the_invitation(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given an empty realm
    # when the hub creates a person
    created = await directory.create_person(ANNE)
    # then the account exists, enabled, with the invitation's two actions sent once
    user = inspector.account("anne.martin")
    assert user is not None and user.id == created.id
    assert created.invitation_sent and created.invitation_error is None
    assert (user.first_name, user.last_name, user.email) == (
        "Anne",
        "Martin-Duval",
        "anne@mairie-a.fr",
    )
    assert user.enabled
    assert inspector.invitations("anne.martin") == [["UPDATE_PASSWORD", "VERIFY_EMAIL"]]


async def test_a_failed_invitation_keeps_the_account_and_says_why(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given a realm that cannot send mail
    inspector.set_mail_working(False)
    # when the hub creates a person
    created = await directory.create_person(ANNE)
    # then the account is there, and the result reports the failed e-mail
    assert inspector.account("anne.martin") is not None
    assert not created.invitation_sent
    assert created.invitation_error is not None
    assert "Failed to send execute actions email" in created.invitation_error
    # and once mail works the invitation can be sent again
    inspector.set_mail_working(True)
    await directory.send_invitation(created.id)
    assert len(inspector.invitations("anne.martin")) == 1


@pytest.mark.parametrize(
    "other",
    [
        DirectoryPerson("Anne.Martin", "Another Anne", "other@mairie-b.fr"),
        DirectoryPerson("a.martin", "Another Anne", "ANNE@mairie-a.fr"),
    ],
    ids=["same-username-other-case", "same-email-other-case"],
)
async def test_a_duplicate_username_or_email_is_a_conflict(
    inspector: Inspector, directory: KeycloakDirectory, other: DirectoryPerson
) -> None:
    # given Anne exists
    await directory.create_person(ANNE)
    # when someone with her username or e-mail is created, then Keycloak's 409 is a Conflict
    with pytest.raises(Conflict):
        await directory.create_person(other)
    assert inspector.account_count() == 1


async def test_find_person_matches_the_whole_username_only(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given anne.martin and anne.martinez
    anne = await directory.create_person(ANNE)
    await directory.create_person(DirectoryPerson("anne.martinez", "Anne Z", "az@b.fr"))
    # when looking people up, then only the exact username matches, whatever its case
    assert await directory.find_person("anne.martin") == anne.id
    assert await directory.find_person("ANNE.MARTIN") == anne.id
    assert await directory.find_person("anne.mart") is None


async def test_update_person_changes_name_and_email(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given Anne and Bruno
    anne = await directory.create_person(ANNE)
    await directory.create_person(DirectoryPerson("bruno", "Bruno", "bruno@b.fr"))
    # when Anne's name and e-mail change
    await directory.update_person(anne.id, "Anne Duval", "anne.duval@mairie-a.fr")
    # then Keycloak has them
    user = inspector.account("anne.martin")
    assert user is not None
    assert (user.first_name, user.last_name, user.email) == (
        "Anne",
        "Duval",
        "anne.duval@mairie-a.fr",
    )
    # and taking Bruno's e-mail is a Conflict, an unknown id NotFound
    with pytest.raises(Conflict):
        await directory.update_person(anne.id, "Anne Duval", "bruno@b.fr")
    with pytest.raises(NotFound):
        await directory.update_person("no-such-id", "X", "x@b.fr")


async def test_disable_then_enable(inspector: Inspector, directory: KeycloakDirectory) -> None:
    # given Anne
    anne = await directory.create_person(ANNE)
    # when disabled, then she cannot sign in; when enabled again, she can
    await directory.disable_person(anne.id)
    assert not inspector.account("anne.martin").enabled  # type: ignore[union-attr]
    await directory.enable_person(anne.id)
    assert inspector.account("anne.martin").enabled  # type: ignore[union-attr]


async def test_delete_person_removes_the_account_with_its_towns(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given Anne and Bruno, both in the town of Vic (its group and its organisation)
    anne = await directory.create_person(ANNE, invite=False)
    bruno = await directory.create_person(
        DirectoryPerson("bruno", "Bruno", "bruno@b.fr"), invite=False
    )
    await directory.ensure_town_group("vic", "Vic")
    await directory.add_member("vic", anne.id)
    await directory.add_member("vic", bruno.id)
    # when Anne's account is deleted (her right to erasure)
    await directory.delete_person(anne.id)
    # then it is gone, and so are her memberships; Bruno keeps his
    assert inspector.account("anne.martin") is None
    assert await directory.find_person("anne.martin") is None
    assert inspector.group_members("vic") == {bruno.id}
    assert inspector.organization_members("vic") == {bruno.id}
    assert await directory.list_members("vic") == [bruno.id]
    # and deleting it again, or an account that never existed, is fine (an erasure resumes)
    await directory.delete_person(anne.id)
    await directory.delete_person("no-such-id")
    assert inspector.account_count() == 1
