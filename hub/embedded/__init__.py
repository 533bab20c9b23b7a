"""Backends the hub starts itself in embedded mode (demo, tests): real servers, on loopback."""
