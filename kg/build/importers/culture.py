"""Culture points of the Brussels region (UrbIS, 2014, FR/NL names) and of the City of
Brussels open-data portal (2014): places with coordinates, municipality and source."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from kg.build.importers import municipalities
from kg.build.importers.geometry import point_wkt
from kg.build.importers.rdf import TripleWriter

FOLDER = Path("data/imports/brussels-culture-2014")


@dataclass(frozen=True)
class Dataset:
    slug: str
    file: str
    publisher: str
    title_en: str
    name_field: str | None  # None: UrbIS (TXT_FRE / TXT_DUT)
    lang: str


DATASETS = (
    Dataset(
        "urbis-culture-2014",
        "urbis_2d_map_zipoint_zones_of_interest_cu_culture.geojson",
        "CIRB/CIBG (UrbIS), Brussels-Capital Region",
        "UrbIS zones of interest: culture (2014)",
        None,
        "fr",
    ),
    Dataset(
        "city-of-brussels-cultural-places-2014",
        "cultural-places.geojson",
        "City of Brussels",
        "City of Brussels: cultural places (2014)",
        "cultural_place",
        "en",
    ),
    Dataset(
        "city-of-brussels-theatres-2014",
        "theatres.geojson",
        "City of Brussels",
        "City of Brussels: theatres (2014)",
        "description",
        "fr",
    ),
    Dataset(
        "city-of-brussels-museums-2014",
        "museums0.geojson",
        "City of Brussels",
        "City of Brussels: museums (2014)",
        "museum",
        "en",
    ),
    Dataset(
        "city-of-brussels-comic-book-route-2014",
        "comic-book-route.geojson",
        "City of Brussels",
        "City of Brussels: comic book route (2014)",
        "character_author",
        "en",
    ),
)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "place"


@dataclass(frozen=True)
class Place:
    slug: str
    names: dict[str, str]  # language -> name
    lon: float
    lat: float
    feature_id: str


def read(root: Path, dataset: Dataset) -> Iterator[Place]:
    with open(root / FOLDER / dataset.file, encoding="utf-8") as f:
        features = json.load(f)["features"]
    seen: set[str] = set()
    for index, feat in enumerate(features):
        props, geometry = feat["properties"], feat.get("geometry")
        if not geometry or geometry.get("type") != "Point":
            continue
        lon, lat = geometry["coordinates"][:2]
        if dataset.name_field is None:
            names = {
                "fr": (props.get("TXT_FRE") or "").strip(),
                "nl": (props.get("TXT_DUT") or "").strip(),
            }
            feature_id = str(int(props["ID"]))
        else:
            names = {dataset.lang: (props.get(dataset.name_field) or "").strip()}
            feature_id = str(index + 1)
        names = {k: v for k, v in names.items() if v}
        if not names:
            continue
        # identifiers stay stable: the source's own id where it has one, else its position
        slug = (
            f"{dataset.slug}-{feature_id}"
            if dataset.name_field is None
            else (f"{dataset.slug}-{slugify(next(iter(names.values())))}")
        )
        while slug in seen:
            slug += "-2"
        seen.add(slug)
        yield Place(slug, names, float(lon), float(lat), feature_id)


def write(root: Path, base: str, graph: str, out: Path) -> Path:
    w = TripleWriter(base)
    g = NamedNode(graph)
    communes = municipalities.read(root)
    for ds in DATASETS:
        dataset = w.iri(f"ds:{ds.slug}")
        w.add(g, "dct:source", dataset)
        w.type(dataset, "cci:SourceDataset")
        w.text(dataset, "dct:title", ds.title_en, "en")
        w.text(dataset, "dct:publisher", ds.publisher, "en")
        w.typed(dataset, "dct:issued", "2014", "gYear")
        w.typed(dataset, "cci:sourceFile", f"{FOLDER.as_posix()}/{ds.file}", "string")
        for place in read(root, ds):
            s = w.iri(f"place:{place.slug}")
            w.type(s, "cci:CulturalPlace", "schema:Place", "dct:Location")
            for lang, name in place.names.items():
                w.text(s, "skos:prefLabel", name, lang)
            w.typed(s, "dct:identifier", place.feature_id, "string")
            w.add(s, "dct:source", dataset)
            geometry = NamedNode(s.value + "/geometry")
            w.add(s, "locn:geometry", geometry)
            w.type(geometry, "locn:Geometry", "geo:Geometry")
            w.wkt(geometry, point_wkt(place.lon, place.lat))
            commune = municipalities.locate(communes, place.lon, place.lat)
            if commune is not None:
                w.add(s, "cci:municipality", w.iri(f"mun:{commune.nis}"))
    return w.write(out)
