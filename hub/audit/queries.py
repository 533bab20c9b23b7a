"""Reading the audit trail: hub admins read it all, town admins their towns' entries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.audit.repository import AuditRepository
from hub.errors import BadInput, Forbidden
from hub.identity.principal import Principal
from hub.towns.service import town_for

MAX_PAGE = 200


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


async def audit_page(
    session: AsyncSession, actor: Principal, town: str | None, first: int, after: str | None
) -> AuditSlice:
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"'first' is between 1 and {MAX_PAGE}.", field="first")
    before = decode_cursor(after) if after else None
    if town is not None:
        found = await town_for(session, actor, town)
        if not actor.administers(found.id):
            raise Forbidden(f"Only the administrators of '{town}' may read its audit log.")
        scope: frozenset[str] | None = frozenset({found.id})
    else:
        scope = None if actor.hub_admin else actor.administered_towns
        if scope is not None and not scope:
            raise Forbidden("Only administrators may read the audit log.")
    rows = await AuditRepository(session).page(scope, before, first + 1)
    entries = rows[:first]
    more = len(rows) > first
    return AuditSlice(entries, encode_cursor(entries[-1].id) if more and entries else None)
