"""Every mapped model, imported once so metadata and migrations see the whole schema."""

from hub.audit.models import AuditEntry
from hub.db.base import Base
from hub.drift.models import TownDrift
from hub.feeds.models import CalendarFeed
from hub.handover.models import Handover, HandoverTown
from hub.identity.models import Invitation, PortalSession
from hub.people.models import Membership, Person
from hub.privacy.models import Erasure, ErasureStep, ExportPart, PersonalExport, RetentionSetting
from hub.towns.models import ProvisioningStep, Town, Workspace, WorkspaceTown

__all__ = [
    "AuditEntry",
    "Base",
    "CalendarFeed",
    "Erasure",
    "ErasureStep",
    "ExportPart",
    "Handover",
    "HandoverTown",
    "Invitation",
    "Membership",
    "Person",
    "PersonalExport",
    "PortalSession",
    "ProvisioningStep",
    "RetentionSetting",
    "Town",
    "TownDrift",
    "Workspace",
    "WorkspaceTown",
]
