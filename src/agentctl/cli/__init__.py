"""Typer commands: parse flags, call the core, print through views."""
