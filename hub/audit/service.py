"""Recording changes, and refusals, in the audit trail."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.errors import ErrorCode, HubError
from hub.identity.principal import Principal

T = TypeVar("T")
log = logging.getLogger(__name__)
TARGET_MAX = 1024


def printable(text: str) -> str:
    """Refused input is audited as it came, but control characters (NUL, which PostgreSQL
    cannot store, newlines that would forge log lines) are written as escapes."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode() for ch in text
    )


@dataclass
class About:
    """What a change is about, filled in by the change as it learns it (a refusal is audited
    with what was known by then).

    ``town_ids``: every town whose trail the entry belongs to — one entry is written per town,
    since each town is a data controller (a person working for three towns is offboarded in
    three trails). ``person_id``: the person the change is about. ``details``: what a reader
    needs to say it in words (a role, a share, an event's title…), never a secret.
    """

    person_id: str | None = None
    town_ids: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    target: str,
    *,
    town_id: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    subject_id: str | None = None,
) -> AuditEntry:
    """Add an entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor.username if actor else "system",
        actor_id=actor.person_id if actor else None,
        town_id=town_id,
        subject_id=subject_id,
        action=action,
        target=printable(target)[:TARGET_MAX],
        outcome=outcome,
        details=details,
    )
    session.add(entry)
    return entry


def _record_each(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    target: str,
    town_id: str | None,
    about: About | None,
    outcome: str = "ok",
    message: str | None = None,
) -> None:
    details = dict(about.details) if about else {}
    if message:
        details["message"] = message
    towns = list(dict.fromkeys(about.town_ids)) if about and about.town_ids else [town_id]
    for town in towns:
        record(
            session,
            actor,
            action,
            target,
            town_id=town,
            outcome=outcome,
            details=details or None,
            subject_id=about.person_id if about else None,
        )


async def audited(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    target: str,
    change: Callable[[], Awaitable[T]],
    *,
    town_id: str | None = None,
    described: Callable[[T], tuple[str, str | None]] | None = None,
    about: About | None = None,
) -> T:
    """Run ``change`` and commit it with its audit entry, or roll it back and audit the refusal.
    ``actor`` None is the hub itself (a scheduled task, a command run by the operator).

    ``described`` names the target and town better once the change is done (a new town's id);
    ``about`` (filled in by ``change``) adds the person concerned, the towns and details.
    A refused change leaves nothing of itself behind but the entry saying it was refused.
    """
    try:
        result = await change()
        if described is not None:
            target, town_id = described(result)
        _record_each(session, actor, action, target, town_id, about)
        await session.commit()
        return result
    except HubError as exc:
        await _record_refusal(session, actor, action, target, town_id, about, exc.code, exc.message)
        raise
    except Exception:
        await _record_refusal(
            session, actor, action, target, town_id, about, ErrorCode.INTERNAL, None
        )
        raise


async def _record_refusal(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    target: str,
    town_id: str | None,
    about: About | None,
    code: str,
    message: str | None,
) -> None:
    await session.rollback()
    try:
        _record_each(session, actor, action, target, town_id, about, code, message)
        await session.commit()
    except Exception:  # the original error matters more than a failed trail write
        log.exception("could not audit the refused action %s on %s", action, target)
        await session.rollback()
