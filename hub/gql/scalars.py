"""Scalars bounded at the edge: a DateTime the hub cannot compute with is bad input.

``agenda(start: "9999-12-30T00:00:00Z")`` overflowed (OverflowError) where the agenda adds
its margins and the event's span to it; every DateTime argument now falls between 1900 and
2199, which leaves room for those margins and for any meeting of a town's life.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_parse = DateTimeDefinition.parse_value


def bounded_datetime(value: object) -> object:
    parsed = _parse(value) if _parse is not None else value  # strawberry's own parse
    if isinstance(parsed, datetime):
        instant = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
        if not EARLIEST <= instant < LATEST:
            raise StrawberryInputCoercionError(
                f'Value cannot represent a DateTime: "{value}". Give a date between 1900 and 2199.'
            )
    return parsed


DateTime: ScalarDefinition = dataclasses.replace(DateTimeDefinition, parse_value=bounded_datetime)
"""strawberry's DateTime (same name, description and output), bounded on input."""
