"""The town's group and organisation in the directory, and their members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from connectors.directory.port import Account, Directory
from hub.drift.attempts import Failures
from hub.drift.expected import Expected, Member
from hub.drift.findings import Backend, Drift, DriftKind, Thing
from hub.people.directory_sync import DirectorySync
from hub.people.models import Person

DIRECTORY = Backend.DIRECTORY


def _holds(accounts: Sequence[Account], member: Member) -> bool:
    """Whether ``member`` is among ``accounts``: by account id, or by username for someone
    whose account the hub never recorded."""
    if member.directory_id:
        return any(a.id == member.directory_id for a in accounts)
    return any(a.username.lower() == member.username.lower() for a in accounts)


def _belongs(account: Account, members: Sequence[Member]) -> bool:
    return any(_holds([account], member) for member in members)


def _members(
    thing: Thing, name: str, members: Sequence[Member], accounts: Sequence[Account]
) -> list[Drift]:
    missing = sorted(m.username for m in members if not _holds(accounts, m))
    extra = sorted(a.username or a.id for a in accounts if not _belongs(a, members))
    if not missing and not extra:
        return []
    what = "group" if thing is Thing.TOWN_GROUP else "organisation"
    parts = []
    if missing:
        parts.append(f"lacks {', '.join(missing)}")
    if extra:
        parts.append(f"holds {', '.join(extra)}, who are not members in the hub")
    return [
        Drift(
            DIRECTORY,
            DriftKind.WRONG_MEMBERS,
            thing,
            name,
            f"The town's {what} in the directory {' and '.join(parts)}.",
            missing=tuple(missing),
            extra=tuple(extra),
        )
    ]


async def check(directory: Directory, expected: Expected) -> list[Drift]:
    town = expected.town
    holding = await directory.inspect_town(town.slug)
    drifts: list[Drift] = []
    if not holding.group:
        drifts.append(
            Drift(
                DIRECTORY,
                DriftKind.MISSING,
                Thing.TOWN_GROUP,
                town.slug,
                f"The directory has no group for the town '{town.slug}'.",
            )
        )
    else:
        drifts += _members(Thing.TOWN_GROUP, town.slug, expected.members, holding.group_members)
    if not holding.organizations:
        return drifts
    if holding.organization_name is None:
        drifts.append(
            Drift(
                DIRECTORY,
                DriftKind.MISSING,
                Thing.ORGANIZATION,
                town.name,
                f"The directory has no organisation for the town '{town.slug}'.",
            )
        )
        return drifts
    if holding.organization_name != town.name:
        drifts.append(
            Drift(
                DIRECTORY,
                DriftKind.RENAMED,
                Thing.ORGANIZATION,
                town.name,
                f"The town's organisation is called '{holding.organization_name}' in the "
                f"directory, not '{town.name}'.",
                found=holding.organization_name,
            )
        )
    drifts += _members(
        Thing.ORGANIZATION, town.name, expected.members, holding.organization_members
    )
    return drifts


async def repair(
    directory: Directory,
    sync: DirectorySync,
    expected: Expected,
    people: Mapping[str, Person],
    failures: Failures,
) -> None:
    """The group and organisation as the hub has them: made again or named back, members
    added (their account made or adopted when needed), other accounts taken out."""
    town = expected.town
    if not await failures.attempt(
        f"restore the directory group of '{town.slug}'",
        lambda: directory.ensure_town_group(town.slug, town.name),
    ):
        return
    holding = await directory.inspect_town(town.slug)
    lists = [holding.group_members]
    if holding.organizations:
        lists.append(holding.organization_members)
    for member in expected.members:
        person = people.get(member.person_id)
        if person is not None and any(not _holds(accounts, member) for accounts in lists):
            await failures.attempt(
                f"add {member.username} to '{town.slug}' in the directory",
                partial(sync.join, person, town.slug),
            )
    strangers = {
        a.id: a for accounts in lists for a in accounts if not _belongs(a, expected.members)
    }
    for account in strangers.values():
        await failures.attempt(
            f"take {account.username or account.id} out of '{town.slug}' in the directory",
            partial(directory.remove_member, town.slug, account.id),
        )
