"""The caller's calendar subscription: read, create (or replace), revoke."""

from __future__ import annotations

import strawberry

from hub.feeds import service
from hub.feeds.types import CalendarFeed
from hub.gql.context import Info


@strawberry.type
class FeedQuery:
    @strawberry.field(description="The caller's calendar subscription, if they have one.")
    async def calendar_feed(self, info: Info) -> CalendarFeed | None:
        async with info.context.db() as session:
            found = await service.feed_of(session, info.context.principal.person_id)
        return CalendarFeed(created_at=found.created_at, url=None) if found else None


@strawberry.type
class FeedMutation:
    @strawberry.mutation(
        description="A new secret subscription address for the caller; the previous one, if "
        "any, stops working at once."
    )
    async def create_calendar_feed(self, info: Info) -> CalendarFeed:
        async with info.context.db() as session:
            token, feed = await service.create_feed(session, info.context.principal)
        base = info.context.services.settings.base_url
        return CalendarFeed(created_at=feed.created_at, url=f"{base}/feeds/{token}.ics")

    @strawberry.mutation(description="The caller's subscription address stops working.")
    async def revoke_calendar_feed(self, info: Info) -> bool:
        async with info.context.db() as session:
            return await service.revoke_feed(session, info.context.principal)
