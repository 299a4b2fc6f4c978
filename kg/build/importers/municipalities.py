"""The 19 municipalities of the Brussels-Capital Region: NIS code, FR/NL names, NUTS,
population, boundary and area."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode
from shapely.prepared import PreparedGeometry

from kg.build.importers.geometry import (
    Polygon,
    area_km2,
    contains,
    polygons_of,
    prepared,
    wkt,
)
from kg.build.importers.rdf import TripleWriter
from kg.namespaces import EU_AUTHORITY, NUTS_CODE

CSV = Path("data/imports/geo/brussels-municipalities.csv")
GEOJSON = Path("data/imports/geo/brussels-municipalities.wgs84.geojson")


@dataclass(frozen=True)
class Municipality:
    nis: str
    name_fr: str
    name_nl: str
    population: int
    nuts3: str
    polygons: list[Polygon]
    #: the polygons ready for point-in-polygon tests
    area: PreparedGeometry = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "area", prepared(self.polygons))


def read(root: Path) -> list[Municipality]:
    with open(root / GEOJSON, encoding="utf-8") as f:
        shapes = {
            feat["properties"]["nis_code"]: polygons_of(feat["geometry"])
            for feat in json.load(f)["features"]
        }
    out = []
    with open(root / CSV, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append(
                Municipality(
                    nis=row["nis_code"],
                    name_fr=row["name_fr"],
                    name_nl=row["name_nl"],
                    population=int(row["population_2020_source_repo"]),
                    nuts3=row["nuts3"],
                    polygons=shapes[row["nis_code"]],
                )
            )
    return out


def locate(municipalities: list[Municipality], lon: float, lat: float) -> Municipality | None:
    """The municipality whose boundary contains the point, if any."""
    for m in municipalities:
        if contains(m.area, lon, lat):
            return m
    return None


def write(root: Path, base: str, graph: str, out: Path) -> Path:
    w = TripleWriter(base)
    g = NamedNode(graph)
    dataset = w.iri("ds:brussels-municipalities")
    w.add(g, "dct:source", dataset)
    w.type(dataset, "cci:SourceDataset")
    w.text(dataset, "dct:title", "Communes de la Région de Bruxelles-Capitale", "fr")
    w.text(dataset, "dct:title", "Gemeenten van het Brussels Hoofdstedelijk Gewest", "nl")
    w.text(dataset, "dct:title", "Municipalities of the Brussels-Capital Region", "en")
    w.text(
        dataset,
        "dct:description",
        "NIS codes, names and population on 1 January 2020 (Statbel); boundaries derived "
        "from Statbel statistical sectors, simplified.",
        "en",
    )
    w.typed(dataset, "dct:issued", "2020", "gYear")
    # the licences data/imports/SOURCES.md gives: the table (facts) CC0, the boundaries MIT
    w.text(dataset, "dct:publisher", "Statbel", "en")
    for code in ("CC0", "MIT"):
        w.add(dataset, "dct:license", NamedNode(EU_AUTHORITY + "licence/" + code))
    w.text(
        dataset,
        "dct:rights",
        "NIS codes, names and population: Statbel facts in a compilation under CC0 "
        "(vandenbroucke/belgian_municipalities); boundaries: MIT "
        "(mathiasleroy/Belgium-Geographic-Data), derived from Statbel open data.",
        "en",
    )
    for m in read(root):
        s = w.iri(f"mun:{m.nis}")
        w.type(s, "cci:Municipality", "cv:AdminUnit", "dct:Location")
        w.text(s, "skos:prefLabel", m.name_fr, "fr")
        w.text(s, "skos:prefLabel", m.name_nl, "nl")
        w.typed(s, "skos:notation", m.nis, "string")
        w.typed(s, "cci:population", str(m.population), "integer")
        w.typed(s, "cci:populationYear", "2020", "gYear")
        w.typed(s, "cci:areaKm2", f"{area_km2(m.polygons):.3f}", "decimal")
        w.add(s, "dct:isPartOf", NamedNode(NUTS_CODE + m.nuts3))
        geometry = NamedNode(s.value + "/geometry")
        w.add(s, "locn:geometry", geometry)
        w.type(geometry, "locn:Geometry", "geo:Geometry")
        w.wkt(geometry, wkt(m.polygons))
    return w.write(out)
