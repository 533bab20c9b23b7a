from tests.agenda.fixtures import calendar_hub, closed_url

__all__ = ["calendar_hub", "closed_url"]
