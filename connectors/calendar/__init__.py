"""Calendars: the ``CalendarStore`` port and its CalDAV backend."""

from connectors.calendar.port import CalendarObject, CalendarStore, SyncResult, SyncState

__all__ = ["CalendarObject", "CalendarStore", "SyncResult", "SyncState"]
