"""The command line: thin Typer commands that call the core and map its errors to exit codes."""

from corridor.cli.app import app, main

__all__ = ["app", "main"]
