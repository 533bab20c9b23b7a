from tests.agenda.fixtures import calendar_hub, closed_url
from tests.drift.conftest import drift_hub, on_disk, top_folder

__all__ = ["calendar_hub", "closed_url", "drift_hub", "on_disk", "top_folder"]
