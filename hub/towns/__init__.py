"""Towns, their workspaces and their provisioning."""
