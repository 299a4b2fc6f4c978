"""Geocoding the register's addresses with a BeST Address CSV (`kg import kbo DIR
--addresses FILE`), on the synthetic KBO extract and the synthetic address file of
tests/fixtures/geocode/ (not real data): a match gives the address and its organisation a
point cited to the file, no match or an ambiguous one none, a natural person never one,
a malformed address row is named with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import pipeline as build
from kg.build.importers import kbo
from kg.build.importers.kbofiles import Malformed, MalformedRow
from kg.build.importers.kbogeocode import keys_of, normalise, read_index
from kg.cli import app as cli
from kg.publish.mapindex import build_map_index
from kg.settings import Settings
from kg.store import open_store
from tests.test_kbo import ATELIER, FABLAB, PREFIXES, STUDIO, dotted, extract_copy, quiet, select

ADDRESSES = Path(__file__).resolve().parent / "fixtures/geocode/openaddress-synthetic-test-data.csv"
BASE = "https://data.creative.brussels/"
PERSON, UNIT = "0999000525", "2.999.000.567"


def org(digits: str) -> str:
    return f"{BASE}id/organisation/kbo-{digits}"


def add_natural_person(folder: Path) -> None:
    """A natural person with a trade name, whose establishment's address is in the file."""
    with open(folder / "enterprise.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(PERSON)}","AC","000","1","","","01-02-2021"\n')
    with open(folder / "establishment.csv", "a", encoding="utf-8") as f:
        f.write(f'"{UNIT}","01-02-2021","{dotted(PERSON)}"\n')
    with open(folder / "address.csv", "a", encoding="utf-8") as f:
        f.write(
            f'"{UNIT}","BAET","","","1060","Sint-Gillis","Saint-Gilles",'
            '"Huisstraat","Rue de la Maison","7","","",""\n'
        )
    with open(folder / "denomination.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(PERSON)}","1","003","Studio Photo Exemple"\n')
    with open(folder / "activity.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(PERSON)}","001","2008","74201","MAIN"\n')


def test_normalised_keys_ignore_case_accents_spaces_apostrophes_and_box() -> None:
    assert normalise("Rue de l'Église") == normalise("RUE DE L’EGLISE") == "ruedeleglise"
    assert normalise("Saint-Josse") == normalise("saint josse")
    assert keys_of("1080", ["Rue de l'Exemple", "Voorbeeldstraat"], " 10 ") == {
        ("1080", "ruedelexemple", "10"),
        ("1080", "voorbeeldstraat", "10"),
    }
    assert keys_of("1080", ["Rue X"], "") == set()  # no house number: no key
    wanted = keys_of("1080", ["Rue de l'Exemple", "Voorbeeldstraat"], "10")
    index = read_index(ADDRESSES, wanted, Malformed())
    # two boxes of one building are one place; the retired row (far away) is not read
    assert index.locate(keys_of("1080", ["rue de l exemple"], "10")) == (
        "geocoded",
        (4.3302, 50.8551),
    )
    assert index.skipped["not current"] == 1


def test_geocoded_unmatched_ambiguous_and_natural_person(project_copy: Settings) -> None:
    folder = extract_copy(project_copy.root.parent)
    add_natural_person(folder)
    result = kbo.run(project_copy, folder, quiet, addresses=ADDRESSES)
    assert result.tally.kept == 4
    assert result.geocoding is not None and result.geocoding.rows == 7
    assert result.geocoding.outcomes == {
        "geocoded": 1,  # the atelier: French name written in capitals, another apostrophe
        "ambiguous": 1,  # the fablab: its Dutch name is two streets of 1050 far apart
        "not matched": 1,  # the studio: number 12 is not in the file
        "natural person (not geocoded)": 1,  # its address is in the file: still no point
    }
    build.run(project_copy)  # the project's shapes validate the geometries
    points = select(
        project_copy,
        PREFIXES
        + """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?s ?wkt ?page WHERE { ?s locn:geometry ?g . ?g geo:asWKT ?wkt ;
          dct:source ?ds . ?ds dcat:landingPage ?page } ORDER BY ?s""",
    )
    seat = f"{BASE}id/kbo/{ATELIER}/address/seat-1"
    assert [(r["s"], r["wkt"]) for r in points] == [
        (seat, "POINT(4.3302000 50.8551000)"),
        (org(ATELIER), "POINT(4.3302000 50.8551000)"),
    ]
    assert {r["page"] for r in points} == {"https://opendata.bosa.be/"}
    text = (project_copy.root / "data/imports/kbo/enterprises.nt").read_text(encoding="utf-8")
    assert "openaddress-synthetic-test-data.csv" in text  # the dataset names the file
    for digits in (FABLAB, STUDIO, PERSON):
        assert not [line for line in text.splitlines() if digits in line and "geometry" in line]
    places = build_map_index(open_store(project_copy), project_copy.base).places
    assert org(ATELIER) in places and seat not in places  # on the map: the organisation


def test_malformed_address_row_is_named_with_file_and_line(
    project_copy: Settings, tmp_path: Path
) -> None:
    folder = extract_copy(project_copy.root.parent)
    bad = tmp_path / "openaddress-bebru.csv"
    shutil.copy(ADDRESSES, bad)
    with open(bad, "a", encoding="utf-8") as f:
        f.write("0,0,north,4.37,8,,12,21015,,Schaerbeek,Schaarbeek,1030,,,4,,Place Témoin,")
        f.write("Getuigeplein,BE-BRU,current,synthetic\n")  # line 9: latitude not a number
        f.write("0,0,50.85\n")  # line 10: too few values
    with pytest.raises(MalformedRow) as caught:
        kbo.run(project_copy, folder, quiet, addresses=bad)
    assert str(caught.value).startswith(f"{bad}:9: could not convert string to float")
    assert not (project_copy.root / "data/imports/kbo/enterprises.nt").exists()
    runner = CliRunner()
    env = {
        "KG_ROOT": str(project_copy.root),
        "KG_VAR": str(project_copy.var),
        "KG_ADDRESSES": str(bad),  # the setting, instead of --addresses
    }
    done = runner.invoke(cli, ["import", "kbo", str(folder), "--skip-malformed"], env=env)
    assert done.exit_code == 0, done.output
    assert "malformed rows skipped: 2" in done.output
    assert f"{bad}:9:" in done.output and f"{bad}:10: 3 values" in done.output
    assert "addresses geocoded with openaddress-bebru.csv (9 rows" in done.output
    assert "1  geocoded" in done.output
    header = tmp_path / "not-best.csv"
    header.write_text("postcode,street\n1000,Rue\n", encoding="utf-8")
    out = runner.invoke(cli, ["import", "kbo", str(folder), "--addresses", str(header)], env=env)
    assert out.exit_code == 1
    assert (
        f"{header}:1: not a BeST Address (openaddress) CSV: no column EPSG:4326_lat" in out.output
    )
    missing = runner.invoke(
        cli, ["import", "kbo", str(folder), "--addresses", str(tmp_path / "none.csv")], env=env
    )
    assert missing.exit_code == 1 and "no such address file" in missing.output
