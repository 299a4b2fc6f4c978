"""Derived outputs made by every build from the validated store, before it is swapped in:
data dumps, the VoID description, the search index, network metrics written back as data.
Never edited by hand; a failing step fails the build and the serving store stays as it was.

Each step gets the settings, the new store and the build directory (``var/stores/<id>/``)
and writes its files there; what a step adds to the store goes into its own named graph
under ``{base}graph/derived/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.settings import Settings
from kg.store import EmbeddedStore

Step = Callable[[Settings, EmbeddedStore, Path], None]


def steps() -> list[tuple[str, Step]]:
    """The steps in the order they run (later ones may use what earlier ones wrote)."""
    from kg import void

    return [("dumps and VoID", void.derive)]


def run(
    settings: Settings, store: EmbeddedStore, build_dir: Path, progress: Callable[[str], None]
) -> None:
    for name, step in steps():
        progress(f"derived: {name}…")
        step(settings, store, build_dir)
