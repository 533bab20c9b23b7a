"""GraphQL types of calendar subscriptions."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(
    description="The caller's calendar subscription: an iCalendar address of their merged "
    "agenda (30 days back, a year ahead) for phones and calendar applications, read-only."
)
class CalendarFeed:
    created_at: datetime
    url: str | None = strawberry.field(
        description="The secret address. Only createCalendarFeed gives it: the hub keeps its "
        "hash alone, so it is null afterwards (create a new one to see one)."
    )
