"""Accounts on Keycloak: creation with its invitation, lookup, changes, enable/disable."""

from __future__ import annotations

import pytest

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import Conflict, NotFound
from tests.doubles.keycloak import KeycloakDouble

ANNE = DirectoryPerson("anne.martin", "Anne Martin-Duval", "anne@mairie-a.fr")


async def test_create_person_makes_the_account_and_sends_the_invitation(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given an empty realm
    # when the hub creates a person
    created = await directory.create_person(ANNE)
    # then the account exists, enabled, with the invitation's two actions sent once
    user = kc.user_by_username("anne.martin")
    assert user is not None and user.id == created.id
    assert created.invitation_sent and created.invitation_error is None
    assert (user.first_name, user.last_name, user.email) == (
        "Anne",
        "Martin-Duval",
        "anne@mairie-a.fr",
    )
    assert user.enabled
    assert [mail["actions"] for mail in user.action_emails] == [["UPDATE_PASSWORD", "VERIFY_EMAIL"]]


async def test_a_failed_invitation_keeps_the_account_and_says_why(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given a realm that cannot send mail
    kc.smtp_configured = False
    # when the hub creates a person
    created = await directory.create_person(ANNE)
    # then the account is there, and the result reports the failed e-mail
    assert kc.user_by_username("anne.martin") is not None
    assert not created.invitation_sent
    assert created.invitation_error is not None
    assert "Failed to send execute actions email" in created.invitation_error
    # and once mail works the invitation can be sent again
    kc.smtp_configured = True
    await directory.send_invitation(created.id)
    user = kc.user_by_username("anne.martin")
    assert user is not None and len(user.action_emails) == 1


@pytest.mark.parametrize(
    "other",
    [
        DirectoryPerson("Anne.Martin", "Another Anne", "other@mairie-b.fr"),
        DirectoryPerson("a.martin", "Another Anne", "ANNE@mairie-a.fr"),
    ],
    ids=["same-username-other-case", "same-email-other-case"],
)
async def test_a_duplicate_username_or_email_is_a_conflict(
    kc: KeycloakDouble, directory: KeycloakDirectory, other: DirectoryPerson
) -> None:
    # given Anne exists
    await directory.create_person(ANNE)
    # when someone with her username or e-mail is created, then Keycloak's 409 is a Conflict
    with pytest.raises(Conflict):
        await directory.create_person(other)
    assert len(kc.users) == 1


async def test_find_person_matches_the_whole_username_only(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given anne.martin and anne.martinez
    anne = await directory.create_person(ANNE)
    await directory.create_person(DirectoryPerson("anne.martinez", "Anne Z", "az@b.fr"))
    # when looking people up, then only the exact username matches, whatever its case
    assert await directory.find_person("anne.martin") == anne.id
    assert await directory.find_person("ANNE.MARTIN") == anne.id
    assert await directory.find_person("anne.mart") is None


async def test_update_person_changes_name_and_email(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given Anne and Bruno
    anne = await directory.create_person(ANNE)
    await directory.create_person(DirectoryPerson("bruno", "Bruno", "bruno@b.fr"))
    # when Anne's name and e-mail change
    await directory.update_person(anne.id, "Anne Duval", "anne.duval@mairie-a.fr")
    # then Keycloak has them
    user = kc.users[anne.id]
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


async def test_disable_then_enable(kc: KeycloakDouble, directory: KeycloakDirectory) -> None:
    # given Anne
    anne = await directory.create_person(ANNE)
    # when disabled, then she cannot sign in; when enabled again, she can
    await directory.disable_person(anne.id)
    assert not kc.users[anne.id].enabled
    await directory.enable_person(anne.id)
    assert kc.users[anne.id].enabled
