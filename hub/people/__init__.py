"""People of the shared service and their memberships in towns."""
