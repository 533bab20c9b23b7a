"""The files domain: workspaces' folders and files on each town's file store."""
