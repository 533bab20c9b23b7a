"""Handing a pooled post over: roles and shares in some towns move from one person to another,
their bookings from a date on follow, files and calendars stay where they are."""
