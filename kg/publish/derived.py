"""Derived outputs made by every build from the validated store, before it is swapped in:
network metrics written back as data, data dumps, the VoID description, the DCAT-AP
catalogue, the search index, the map's and the network's indexes. Never edited by hand; a
failing step fails the build and the serving store stays as it was.

Each step gets the settings, the new store and the build directory (``var/stores/<id>/``)
and writes its files there; what a step adds to the store goes into its own named graph
under ``{base}graph/derived/``. Data steps run first, so that the dumps, the VoID counts
and the indexes include what they add. The file steps only read the store; they run in two
lanes (threads: pyoxigraph does its dumping and query evaluation without the GIL), the
dumps in one and the indexes in the other, which takes about a third off on two cores."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.settings import Settings
from kg.store import EmbeddedStore

Step = Callable[[Settings, EmbeddedStore, Path], None]


def data_steps() -> list[tuple[str, Step]]:
    """Steps that add data to the store (published with it, also to a remote server)."""
    from kg.saved import network

    return [("network metrics", network.network_metrics)]


def file_lanes() -> list[list[tuple[str, Step]]]:
    """Steps that write files beside the store, read by the server, in lanes that may run
    side by side (each lane in order)."""
    from kg.publish import catalog, searchindex, void
    from kg.publish import mapindex as geo
    from kg.publish import networkview as graphview

    return [
        # the catalogue reads the dumps' sizes and checksums: after them, in their lane
        [("dumps and VoID", void.derive), ("DCAT-AP catalogue", catalog.derive)],
        [
            ("search index", searchindex.build_index),
            ("map index", geo.derive),
            ("network index", graphview.derive),
        ],
    ]


def steps() -> list[tuple[str, Step]]:
    """Every step (data steps first, then each lane's)."""
    return data_steps() + [step for lane in file_lanes() for step in lane]


def run(
    settings: Settings,
    store: EmbeddedStore,
    build_dir: Path,
    progress: Callable[[str], None],
    *,
    only_data: bool = False,
) -> None:
    for name, step in data_steps():
        progress(f"derived: {name}…")
        step(settings, store, build_dir)
        progress(f"derived: {name} done")
    if only_data:
        return

    def lane(items: list[tuple[str, Step]]) -> None:
        for name, step in items:
            progress(f"derived: {name}…")
            step(settings, store, build_dir)
            progress(f"derived: {name} done")

    lanes = file_lanes()
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="derived") as pool:
        for future in [pool.submit(lane, items) for items in lanes]:
            future.result()  # the first failure fails the build
