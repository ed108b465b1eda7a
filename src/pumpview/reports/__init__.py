"""The read side: queries that return typed rows, shared by the CLI and the web app."""
