"""Ports to the backends a town already runs, one package per capability.

Nothing here imports ``hub``: connectors know HTTP, WebDAV, CalDAV and Keycloak, not towns.
"""
