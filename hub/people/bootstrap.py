"""A fresh deployment's first hub administrator."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.errors import Conflict
from hub.people import validation
from hub.people.models import Person
from hub.people.repository import PersonRepository


async def create_first_admin(
    session: AsyncSession, username: str, email: str, password_hash: str | None = None
) -> Person:
    people = PersonRepository(session)
    name = validation.username(username)
    address = validation.email(email)
    if await people.by_username(name) is not None:
        raise Conflict(f"The username '{name}' is taken.")
    if await people.by_email(address) is not None:
        raise Conflict(f"Someone already uses the address {address}.")
    person = Person(
        username=name,
        display_name=name,
        email=address,
        hub_admin=True,
        password_hash=password_hash,
    )
    session.add(person)
    await session.flush()
    record(session, None, "person.create-admin", name)
    await session.commit()
    return person
