"""Saved queries: the .rq files under queries/, found by name."""

from __future__ import annotations

from pathlib import Path

from kg.errors import NotFound
from kg.settings import Settings


def queries_dir(settings: Settings) -> Path:
    return settings.root / "queries"


def names(settings: Settings) -> list[str]:
    return sorted(p.stem for p in queries_dir(settings).glob("*.rq"))


def load(settings: Settings, name: str) -> str:
    path = queries_dir(settings) / f"{name}.rq"
    if not path.is_file() or path.parent != queries_dir(settings):
        known = ", ".join(names(settings)) or "none"
        raise NotFound(f"no saved query named {name!r} in queries/ (known: {known})")
    return path.read_text(encoding="utf-8")
