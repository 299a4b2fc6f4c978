"""Importers: turn open datasets under data/imports/ into RDF sources at build time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.build.sources import Source
from kg.settings import Settings

Importer = Callable[[Path, str, str, Path], Path]


def _registry() -> dict[str, tuple[Importer, str]]:
    from kg.build.importers import culture, municipalities

    return {
        "municipalities": (municipalities.write, "data/imports/geo"),
        "culture-places": (culture.write, "data/imports/brussels-culture-2014"),
    }


def run_importers(settings: Settings, out_dir: Path) -> list[Source]:
    """Run every importer whose inputs the deployment has (another region may have no
    culture points of its own); each output becomes a source in graph
    ``{base}graph/import/NAME``."""
    sources = []
    for name, (write, inputs) in _registry().items():
        if not (settings.root / inputs).is_dir():
            continue
        graph = f"{settings.base}graph/import/{name}"
        path = write(settings.root, settings.base, graph, out_dir / f"{name}.nt")
        sources.append(Source(path, graph, f"{inputs} (importer {name})", "import"))
    # the register import runs on its own (`kg import kbo`): its output is loaded as it is
    from kg.build.importers import kbo

    for path in kbo.output_files(settings):
        label = path.relative_to(settings.root).as_posix()
        sources.append(Source(path, kbo.graph_of(settings, path), label, "import"))
    return sources
