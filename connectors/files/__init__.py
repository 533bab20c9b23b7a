"""File stores: the ``FileStore`` port and its backends (generic WebDAV, Nextcloud)."""
