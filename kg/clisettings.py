"""What every ``kg`` command starts with: the settings from the environment, or a clear
exit (status 2) when they cannot be read. The deployment's languages hold for the rest of
the command (kg.labels)."""

from __future__ import annotations

import typer

from kg.labels import use_languages
from kg.settings import Settings


def settings_or_exit() -> Settings:
    try:
        settings = Settings.from_env()
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    use_languages(settings.languages)
    return settings
