"""Agendas: events read from and written to each town's calendars."""
