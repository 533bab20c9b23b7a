"""The demo territory: three neighbouring communes of Essonne sharing a secretary-general."""
