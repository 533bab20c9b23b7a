"""Reading the audit trail: hub admins read it all, town admins and DPOs their towns' entries."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.audit.repository import AuditFilter, AuditRepository
from hub.errors import BadInput, Forbidden
from hub.identity.principal import Principal
from hub.paging import checked_search
from hub.towns.service import town_for

MAX_PAGE = 200
MAX_ACTIONS = 20
ACTION = re.compile(r"[a-z][a-z0-9-]{0,31}(\.[a-z0-9-]{1,32}){0,2}")


@dataclass(frozen=True)
class AuditSlice:
    entries: Sequence[AuditEntry]
    next_cursor: str | None


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "audit":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput("This cursor is not one the audit log gave.", field="after") from None


def audit_filter(
    person: str | None,
    actions: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    search: str | None = None,
) -> AuditFilter:
    """The filters of ``auditLog``, checked (BAD_INPUT otherwise)."""
    given = list(actions or ())
    names = tuple(dict.fromkeys(a.strip() for a in given))
    if len(given) > MAX_ACTIONS or any(not ACTION.fullmatch(name) for name in names):
        raise BadInput(
            f"'actions' lists at most {MAX_ACTIONS} action names or families, "
            'e.g. "event" or "membership.set".',
            field="actions",
        )
    for name, value in (("since", since), ("until", until)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise BadInput(f"Give '{name}' with its UTC offset (RFC 3339).", field=name)
    if since is not None and until is not None and until <= since:
        raise BadInput("'until' must come after 'since'.", field="until")
    if person is not None and len(person) > 64:
        raise BadInput("There is no such person.", field="person")
    return AuditFilter(person or None, names, since, until, checked_search(search))


async def audit_page(
    session: AsyncSession,
    actor: Principal,
    town: str | None,
    first: int,
    after: str | None,
    wanted: AuditFilter | None = None,
) -> AuditSlice:
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"'first' is between 1 and {MAX_PAGE}.", field="first")
    before = decode_cursor(after) if after else None
    if town is not None:
        found = await town_for(session, actor, town)
        if not actor.reads_audit(found.id):
            raise Forbidden(
                f"Only the administrators and the DPO of '{town}' may read its audit log."
            )
        scope: frozenset[str] | None = frozenset({found.id})
    else:
        scope = None if actor.hub_admin else actor.audit_towns
        if scope is not None and not scope:
            raise Forbidden("Only administrators and DPOs may read the audit log.")
    rows = await AuditRepository(session).page(scope, before, first + 1, wanted)
    entries = rows[:first]
    more = len(rows) > first
    return AuditSlice(entries, encode_cursor(entries[-1].id) if more and entries else None)
