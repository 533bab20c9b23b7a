"""The people directory port and its backends."""

from connectors.directory.port import CreatedPerson, Directory, DirectoryPerson, TownGroup

__all__ = ["CreatedPerson", "Directory", "DirectoryPerson", "TownGroup"]
