"""An erased person in the audit trail: the same stable pseudonym wherever they appeared.

Each town keeps its trail (what was done, when, to what), but nothing in it names the person
any more: their id (as actor, subject, or inside a target or the details), username (as a
whole word), e-mail address, name, directory id and provider subject all become the erasure's
pseudonym, one per person, so that the entries of one person still read as one person's.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.people.models import Person
from hub.privacy.repository import AUDIT_COLUMNS

BATCH = 500
MIN_NEEDLE = 3  # shorter names would match inside other words


def new_pseudonym() -> str:
    """ "anonyme-" and 48 random bits: one per erased person, never derived from them."""
    return f"anonyme-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Identifiers:
    """Everything that names the person in the hub's records."""

    person_id: str
    username: str
    texts: tuple[str, ...]
    """Name, e-mail address, directory id, provider subject: replaced wherever they occur."""

    @classmethod
    def of(cls, person: Person) -> Identifiers:
        texts = [person.display_name, person.email, person.directory_id, person.oidc_subject]
        return cls(
            person.id,
            person.username,
            tuple(t for t in texts if t and len(t.strip()) >= MIN_NEEDLE),
        )

    def needles(self) -> list[str]:
        return [self.person_id, self.username, *self.texts]


class Scrubber:
    def __init__(self, ids: Identifiers, pseudonym: str) -> None:
        self.pseudonym = pseudonym
        words = "|".join(re.escape(t) for t in sorted(ids.texts, key=len, reverse=True))
        # whole words: the name "Louis" is replaced, the "Louis" of "Louisiane" is not
        self._texts = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE) if words else None
        self._id = ids.person_id
        # a username is replaced as a whole word ("louis", not the "louis" of "Louisiane")
        self._username = re.compile(
            rf"(?<![\w.@-]){re.escape(ids.username)}(?![\w@-]|\.\w)", re.IGNORECASE
        )

    def text(self, value: str) -> str:
        value = value.replace(self._id, self.pseudonym)
        if self._texts is not None:
            value = self._texts.sub(self.pseudonym, value)
        return self._username.sub(self.pseudonym, value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value


async def pseudonymise_audit(session: AsyncSession, ids: Identifiers, pseudonym: str) -> int:
    """Rewrite every entry that names the person, in batches; how many changed."""
    scrub = Scrubber(ids, pseudonym)
    target, details = func.lower(AuditEntry.target), func.lower(cast(AuditEntry.details, Text))
    conditions = [AuditEntry.actor_id == ids.person_id, AuditEntry.subject_id == ids.person_id]
    for needle in ids.needles():
        wanted = needle.lower()
        escaped = json.dumps(wanted)[1:-1]
        conditions += [target.contains(wanted, autoescape=True)]
        conditions += [details.contains(form, autoescape=True) for form in {wanted, escaped}]
    changed, after = 0, 0
    while True:
        query = (
            select(*AUDIT_COLUMNS, AuditEntry.actor)
            .where(or_(*conditions), AuditEntry.id > after)
            .order_by(AuditEntry.id)
            .limit(BATCH)
        )
        rows = (await session.execute(query)).all()
        rewritten = (_rewritten(row, ids.person_id, scrub) for row in rows)
        updates = [u for u in rewritten if u is not None]
        if updates:
            await session.execute(update(AuditEntry), updates)
            changed += len(updates)
        if len(rows) < BATCH:
            return changed
        after = rows[-1].id


def _rewritten(row: Any, person_id: str, scrub: Scrubber) -> dict[str, Any] | None:
    new = {
        "id": row.id,
        "actor": scrub.pseudonym if row.actor_id == person_id else scrub.text(row.actor),
        "actor_id": scrub.pseudonym if row.actor_id == person_id else row.actor_id,
        "subject_id": scrub.pseudonym if row.subject_id == person_id else row.subject_id,
        "target": scrub.text(row.target),
        "details": scrub.value(row.details),
    }
    old = {
        "id": row.id,
        "actor": row.actor,
        "actor_id": row.actor_id,
        "subject_id": row.subject_id,
        "target": row.target,
        "details": row.details,
    }
    if new == old:
        return None
    if row.subject_id == person_id:
        # what the portal says for a person it cannot name any more
        new["details"] = {**(new["details"] or {}), "name": scrub.pseudonym}
    return new
