"""The municipalities of the deployment's region (for Brussels the 19 of the
Brussels-Capital Region): NIS code, names, NUTS, population, boundary and area, from the
three files of data/imports/geo/ (docs/region.md)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse
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
from kg.namespaces import NUTS_CODE, RDF_TYPE_NODE

FOLDER = Path("data/imports/geo")
#: a row per municipality: nis_code, name_<language>…, nuts3, population_<year>
CSV = FOLDER / "municipalities.csv"
#: the boundaries, a feature per municipality with its nis_code
GEOJSON = FOLDER / "municipalities.wgs84.geojson"
#: the dataset the importer makes, as it is published (its title, publisher, licences)
DESCRIPTION = FOLDER / "municipalities.ttl"
POPULATION_COLUMN = re.compile(r"population_(\d{4})(?:_.*)?")


@dataclass(frozen=True)
class Municipality:
    nis: str
    names: dict[str, str]  # language -> name
    population: int
    population_year: str
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
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        languages = [c.removeprefix("name_") for c in columns if c.startswith("name_")]
        population = next((m for c in columns if (m := POPULATION_COLUMN.fullmatch(c))), None)
        if not languages or population is None:
            raise ValueError(
                f"{CSV}: the columns name_<language> and population_<year> are needed"
                f" (found {', '.join(columns)})"
            )
        for line, row in enumerate(reader, start=2):
            if row["nis_code"] not in shapes:
                raise ValueError(f"{CSV}:{line}: {row['nis_code']} has no boundary in {GEOJSON}")
            out.append(
                Municipality(
                    nis=row["nis_code"],
                    names={lang: row[f"name_{lang}"] for lang in languages if row[f"name_{lang}"]},
                    population=int(row[population.group(0)]),
                    population_year=population.group(1),
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


def description(root: Path, base: str) -> tuple[NamedNode, list[Triple]]:
    """The dataset ``municipalities.ttl`` describes (one ``cci:SourceDataset``) and what
    it says."""
    try:
        triples = [
            q.triple for q in parse(path=root / DESCRIPTION, format=RdfFormat.TURTLE, base_iri=base)
        ]
    except (OSError, SyntaxError) as err:
        raise ValueError(f"{DESCRIPTION}: {err}") from None
    kind = NamedNode(base + "ontology#SourceDataset")
    datasets = [t.subject for t in triples if t.predicate == RDF_TYPE_NODE and t.object == kind]
    if len(datasets) != 1 or not isinstance(datasets[0], NamedNode):
        raise ValueError(f"{DESCRIPTION}: one cci:SourceDataset (an IRI) is expected")
    return datasets[0], triples


def write(root: Path, base: str, graph: str, out: Path) -> Path:
    w = TripleWriter(base)
    dataset, described = description(root, base)
    w.add(NamedNode(graph), "dct:source", dataset)
    w.triples.extend(described)
    for m in read(root):
        s = w.iri(f"mun:{m.nis}")
        w.type(s, "cci:Municipality", "cv:AdminUnit", "dct:Location")
        for lang, name in m.names.items():
            w.text(s, "skos:prefLabel", name, lang)
        w.typed(s, "skos:notation", m.nis, "string")
        w.typed(s, "cci:population", str(m.population), "integer")
        w.typed(s, "cci:populationYear", m.population_year, "gYear")
        w.typed(s, "cci:areaKm2", f"{area_km2(m.polygons):.3f}", "decimal")
        w.add(s, "dct:isPartOf", NamedNode(NUTS_CODE + m.nuts3))
        geometry = NamedNode(s.value + "/geometry")
        w.add(s, "locn:geometry", geometry)
        w.type(geometry, "locn:Geometry", "geo:Geometry")
        w.wkt(geometry, wkt(m.polygons))
    return w.write(out)
