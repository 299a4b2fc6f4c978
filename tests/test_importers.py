"""Importers of open data: municipalities and culture points."""

from __future__ import annotations

import re

from pyoxigraph import QuerySolutions

from kg.build.importers import culture, municipalities
from kg.build.importers.geometry import Polygon, area_km2, contains
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.store import EmbeddedStore
from tests.conftest import ROOT


def test_municipalities_cover_the_region() -> None:
    communes = municipalities.read(ROOT)
    assert len(communes) == 19
    assert {m.nis for m in communes} == {f"210{i:02d}" for i in range(1, 20)}
    assert sum(m.population for m in communes) == 1_218_255
    total = sum(area_km2(m.polygons) for m in communes)
    assert 160 < total < 163  # official 161.4 km²; the boundary is simplified


def test_points_fall_in_the_right_municipality() -> None:
    communes = municipalities.read(ROOT)
    # Grand-Place (Ville de Bruxelles) and the Schaerbeek town hall
    grand_place = municipalities.locate(communes, 4.3524, 50.8467)
    assert grand_place is not None and grand_place.nis == "21004"
    town_hall = municipalities.locate(communes, 4.3775, 50.8670)
    assert town_hall is not None and town_hall.nis == "21015"
    assert municipalities.locate(communes, 4.70, 50.88) is None  # Leuven
    square: Polygon = [
        [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]],
        [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 0.5]],
    ]
    assert contains([square], 1.5, 1.5) and not contains([square], 0.8, 0.6)


def test_urbis_points_keep_both_names_and_their_source(built: Settings) -> None:
    places = list(culture.read(ROOT, culture.DATASETS[0]))
    assert len(places) == 262
    assert all(set(p.names) == {"fr", "nl"} for p in places)
    store = EmbeddedStore.open(built.store_path.resolve(), read_only=True)
    rows = store.query(
        """SELECT ?place ?nl ?mun ?source ?wkt WHERE {
             ?place a cci:CulturalPlace ; dct:identifier "946289" ; skos:prefLabel ?nl ;
                    cci:municipality ?mun ; dct:source ?source ; locn:geometry/geo:asWKT ?wkt .
             FILTER(LANG(?nl) = "nl") }""",
        prefixes=all_prefixes(built.base),
    )
    assert isinstance(rows, QuerySolutions)
    (row,) = list(rows)
    assert row["nl"].value == "XL-THEATRE - THEATRE DU GRAND MIDI"
    assert row["source"].value.endswith("id/dataset/urbis-culture-2014")
    assert row["wkt"].value.startswith("POINT(4.3697")
    # every imported place lies in one of the 19 municipalities or says nothing
    unplaced = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a cci:CulturalPlace "
        "FILTER NOT EXISTS { ?p cci:municipality ?m } }",
        prefixes=all_prefixes(built.base),
    )
    assert isinstance(unplaced, QuerySolutions)
    assert int(next(iter(unplaced))["n"].value) < 5


def test_every_imported_dataset_states_its_own_licence(built: Settings) -> None:
    """Licences true to their sources (data/imports/SOURCES.md): each imported dataset
    names the licences from the EU licence table that cover it, and says in words which
    covers what; no blanket licence stands in for theirs."""
    store = EmbeddedStore.open(built.store_path.resolve(), read_only=True)
    rows = store.query(
        """SELECT ?dataset (GROUP_CONCAT(DISTINCT STR(?licence); separator=" ") AS ?licences)
                  (SAMPLE(?rights) AS ?words) WHERE {
             ?place dct:source ?dataset .
             FILTER(STRSTARTS(STR(?dataset), STR(dataset:)))
             OPTIONAL { ?dataset dct:license ?licence }
             OPTIONAL { ?dataset dct:rights ?rights }
           } GROUP BY ?dataset""",
        prefixes={**all_prefixes(built.base), "dataset": built.base + "id/dataset/"},
    )
    assert isinstance(rows, QuerySolutions)
    found = {r["dataset"].value.rsplit("/", 1)[-1]: r for r in rows}
    imported = [d.slug for d in culture.DATASETS] + ["brussels-municipalities"]
    assert set(imported) <= set(found)
    found = {name: found[name] for name in imported}  # the build's own figures: VoID's
    table = "http://publications.europa.eu/resource/authority/licence/"
    for name, row in found.items():
        licences = row["licences"].value.split()
        assert licences and all(lic.startswith(table) for lic in licences), name
        assert row["words"] is not None and re.search(
            r"CC0|MIT|Apache|licence", row["words"].value
        ), name
    assert found["urbis-culture-2014"]["licences"].value == table + "APACHE_2_0"
    assert "UrbIS" in found["urbis-culture-2014"]["words"].value
