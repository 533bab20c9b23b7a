"""The pooled manager's monthly split of hours between towns."""
