"""The people directory port and its backends."""

from connectors.directory.port import (
    Account,
    CreatedPerson,
    Directory,
    DirectoryPerson,
    TownGroup,
    TownHolding,
)

__all__ = [
    "Account",
    "CreatedPerson",
    "Directory",
    "DirectoryPerson",
    "TownGroup",
    "TownHolding",
]
