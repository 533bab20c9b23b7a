"""Entente: the shared-service hub for small towns."""

__version__ = "0.1.0"
