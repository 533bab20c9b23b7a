"""Drift: what the backends hold for each town compared with what the hub expects, and its
repair from the hub's side."""
