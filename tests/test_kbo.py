"""The KBO/BCE register import (`kg import kbo`) on the synthetic extract of the shared
reference material (not real data), changed here row by row where a case needs it: what
is kept and why, the build's validation of the output, a curated organisation linked and
not overwritten, re-imports without duplicates, retired enterprises, personal data of
natural persons, malformed rows named with file and line, the entity page."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions
from typer.testing import CliRunner

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.build.importers import kbo
from kg.build.importers.kbofiles import MalformedRow, Progress, check_digits_ok
from kg.build.importers.kboscope import Municipalities, read_cci_classes
from kg.cli import app as cli
from kg.saved import queries as saved
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import app_client

#: the synthetic extract of shared/reference/data/kbo-sample (CC0, fictitious; its README)
FIXTURE = Path(__file__).resolve().parent / "kbo_sample"

ATELIER, FABLAB, STUDIO, COWORK = "0999000129", "0999000228", "0999000327", "0999000426"


def quiet(name: str, why: str) -> Progress:
    return Progress()


def extract_copy(tmp: Path, name: str = "extract") -> Path:
    folder = tmp / name
    shutil.copytree(FIXTURE, folder)
    return folder


def rows(folder: Path, name: str) -> list[list[str]]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, name: str, table: list[list[str]]) -> None:
    with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(table)


def set_date(folder: Path, day: str) -> None:
    table = rows(folder, "meta")
    for row in table:
        if row[0] == "SnapshotDate":
            row[1] = day
    write_rows(folder, "meta", table)


def drop_enterprise(folder: Path, dotted: str) -> None:
    table = rows(folder, "enterprise")
    write_rows(folder, "enterprise", [r for r in table if r[0] != dotted])


def dotted(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def select(settings: Settings, sparql: str) -> list[dict[str, str]]:
    result = open_store(settings).query(sparql)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


PREFIXES = """
PREFIX legal: <http://www.w3.org/ns/legal#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cci: <https://data.creative.brussels/ontology#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX locn: <http://www.w3.org/ns/locn#>
PREFIX cv: <http://data.europa.eu/m8g/>
"""
NUMBERS = (
    PREFIXES
    + """SELECT ?org ?n WHERE { GRAPH <https://data.creative.brussels/graph/import/kbo> {
      ?org legal:legalIdentifier ?id . ?id skos:notation ?n } } ORDER BY ?n"""
)


def test_scope_rules(project_copy: Settings) -> None:
    assert check_digits_ok(ATELIER) and not check_digits_ok("0999000128")
    cci = read_cci_classes(project_copy.root)
    assert {"9003", "5911", "7410", "9102"} <= cci
    assert not {"6201", "6312", "7021", "1413", "9104"} & cci  # the list's "not cultural"
    places = Municipalities(project_copy.root)
    # a postcode the City of Brussels shares: the name on the address decides
    assert places.locate("1050", "Bruxelles", "Brussel").nis == "21004"
    assert places.locate("1050", "Ixelles", "Elsene").nis == "21009"
    shared = places.locate("1040", "", "")
    assert shared.in_region and shared.nis is None  # never the postcode's main one
    assert places.locate("1020", "Bruxelles", "Brussel").nis == "21004"
    assert places.locate("1049", "Bruxelles", "Brussel").nis == "21004"
    institutional = places.locate("1049", "", "")
    assert institutional.in_region and institutional.nis is None
    assert not places.locate("2000", "Antwerpen", "Antwerpen").in_region
    assert not places.locate("1300", "Bruxelles", "Brussel").in_region


def test_fixture_counts_and_validation(project_copy: Settings) -> None:
    result = kbo.run(project_copy, extract_copy(project_copy.root.parent), quiet)
    assert result.tally.enterprises == 4
    assert result.tally.kept == 3
    assert result.tally.dropped == {"no main activity in a creative or cultural class": 1}
    build.run(project_copy)  # validates the output with the project's shapes: raises if not
    found = select(project_copy, NUMBERS)
    assert [r["n"] for r in found] == [ATELIER, FABLAB, STUDIO]
    assert all(r["org"].endswith("/id/organisation/kbo-" + r["n"]) for r in found)
    counts = select(
        project_copy,
        PREFIXES
        + """SELECT ?subject ?area ?value ?period WHERE {
          ?o a qb:Observation ; qb:dataSet <https://data.creative.brussels/id/dataset/kbo-enterprise-counts> ;
             cci:subject ?subject ; cci:refArea ?area ; cci:obsValue ?value ; cci:refPeriod ?period }""",
    )
    by = {(r["subject"].rsplit("/", 1)[1], r["area"].rsplit("/", 1)[1]): r for r in counts}
    assert by[("all-cci", "BE100")]["value"] == "3"
    assert by[("all-cci", "BE100")]["period"] == "2025-01-01"  # the extract's SnapshotDate
    assert by[("all-cci", "21012")]["value"] == "1"  # the atelier, Molenbeek
    assert by[("all-cci", "21004")]["value"] == "0"  # the coworking (not kept) is there
    assert by[("audiovisual", "21015")]["value"] == "1"  # the film studio, 59.11, Schaerbeek
    assert by[("design", "21009")]["value"] == "1"  # the fablab, 74.10, Ixelles


def test_saved_queries_read_the_latest_counts(project_copy: Settings) -> None:
    kbo.run(project_copy, extract_copy(project_copy.root.parent, "january"), quiet)
    february = extract_copy(project_copy.root.parent, "february")
    set_date(february, "01-02-2025")
    drop_enterprise(february, dotted(STUDIO))
    kbo.run(project_copy, february, quiet)
    build.run(project_copy)
    store = open_store(project_copy)
    by_sector = saved.run(
        project_copy,
        store,
        saved.get(project_copy, "registered-enterprises-by-sector"),
        {"lang": "en"},
    )
    assert isinstance(by_sector, QuerySolutions)
    rows = {
        r["sector"].value.rsplit("/", 1)[1]: (r["numberOfCompanies"].value, r["period"].value)
        for r in by_sector
    }
    assert rows["all-cci"] == ("2", "2025-02-01")  # the latest extract only
    assert rows["audiovisual"] == ("0", "2025-02-01")  # the studio stopped
    by_place = saved.run(
        project_copy, store, saved.get(project_copy, "registered-enterprises-by-municipality"), {}
    )
    assert isinstance(by_place, QuerySolutions)
    counts = {r["municipality"].value[-5:]: int(r["numberOfCompanies"].value) for r in by_place}
    assert len(counts) == 19 and counts["21012"] == 1 and counts["21015"] == 0


def test_page_shows_number_and_register_link(project_copy: Settings) -> None:
    kbo.run(project_copy, extract_copy(project_copy.root.parent), quiet)
    build.run(project_copy)
    with app_client(create_app(project_copy)) as http:
        page = http.get(f"/id/organisation/kbo-{ATELIER}", params={"lang": "en"}).text
    assert "Atelier Synthétique ASBL" in page
    assert (
        f'href="https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer={ATELIER}"'
        in page
    )
    assert "Rue de l&#39;Exemple 10, 1080 Molenbeek-Saint-Jean" in page
    assert "legal:" not in page.split("</script>")[-1]  # terms shown in words


CURATED = """@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix legal: <http://www.w3.org/ns/legal#> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
<> dct:source doc:test-kbo .
doc:test-kbo a cci:SourceDocument , foaf:Document ; dct:title "A test document (synthetic)"@en .
o:atelier a org:Organization , foaf:Agent , cci:CreativeHub ;
    skos:prefLabel "L'Atelier (nom du document)"@fr ;
    foaf:homepage <https://curated.example.org> ;
    legal:legalIdentifier [ a cci:EnterpriseNumber ; skos:notation "0999000129" ] .
"""


def test_curated_organisation_is_linked_not_overwritten(project_copy: Settings) -> None:
    folder = extract_copy(project_copy.root.parent)
    kbo.run(project_copy, folder, quiet)  # before the curated file gives the number
    curated = project_copy.root / "data/curated/test-kbo.ttl"
    curated.write_text(CURATED, encoding="utf-8")
    before = curated.read_bytes()
    result = kbo.run(project_copy, folder, quiet)
    assert result.linked == 1
    build.run(project_copy)
    assert curated.read_bytes() == before
    hub = "https://data.creative.brussels/id/organisation/atelier"
    found = {r["n"]: r["org"] for r in select(project_copy, NUMBERS)}
    assert found[ATELIER] == hub  # no second organisation for the same number
    names = select(
        project_copy,
        PREFIXES + f"SELECT ?g ?name WHERE {{ GRAPH ?g {{ <{hub}> skos:prefLabel ?name }} }}",
    )
    assert [r["name"] for r in names] == ["L'Atelier (nom du document)"]
    assert names[0]["g"].endswith("graph/curated/test-kbo")
    legal = select(
        project_copy,
        PREFIXES + f"SELECT ?name WHERE {{ GRAPH ?g {{ <{hub}> legal:legalName ?name }} }}",
    )
    assert {r["name"] for r in legal} == {"Atelier Synthétique ASBL", "Synthetisch Atelier VZW"}
    homepages = select(
        project_copy, f"SELECT ?h WHERE {{ <{hub}> <http://xmlns.com/foaf/0.1/homepage> ?h }}"
    )
    assert [r["h"] for r in homepages] == ["https://curated.example.org"]
    # the IRI the first import minted is not dropped: it points to the curated one
    minted = f"https://data.creative.brussels/id/organisation/kbo-{ATELIER}"
    said = select(project_copy, f"SELECT ?p ?o WHERE {{ <{minted}> ?p ?o }}")
    assert said == [{"p": "http://purl.org/dc/terms/isReplacedBy", "o": hub}]


def test_reimport_updates_without_duplicates_and_retires(project_copy: Settings) -> None:
    first = extract_copy(project_copy.root.parent, "january")
    kbo.run(project_copy, first, quiet)
    out = project_copy.root / "data/imports/kbo/enterprises.nt"
    january = out.read_bytes()
    kbo.run(project_copy, first, quiet)  # the same extract again: the same file
    assert out.read_bytes() == january
    # February: the studio stopped (gone from the register); the fablab's main activity is
    # no longer creative (still registered); the atelier changed its French name
    february = extract_copy(project_copy.root.parent, "february")
    set_date(february, "01-02-2025")
    drop_enterprise(february, dotted(STUDIO))
    activity = rows(february, "activity")
    for row in activity:
        if row[0] == dotted(FABLAB) and row[4] == "MAIN":
            row[3] = "68201"
    write_rows(february, "activity", activity)
    names = rows(february, "denomination")
    for row in names:
        if row[0] == dotted(ATELIER) and row[1] == "1" and row[2] == "001":
            row[3] = "Atelier Renommé ASBL"
    write_rows(february, "denomination", names)
    result = kbo.run(project_copy, february, quiet)
    assert result.tally.kept == 1 and result.retired == 2
    build.run(project_copy)
    assert [r["n"] for r in select(project_copy, NUMBERS)] == [ATELIER, FABLAB, STUDIO]
    atelier = f"https://data.creative.brussels/id/organisation/kbo-{ATELIER}"
    labels = select(project_copy, PREFIXES + f"SELECT ?l WHERE {{ <{atelier}> skos:prefLabel ?l }}")
    assert {r["l"] for r in labels} == {"Atelier Renommé ASBL", "Synthetisch Atelier VZW"}
    retired_query = (
        PREFIXES
        + """SELECT ?org ?since ?why WHERE { ?org cci:retiredFromRegister ?since ;
           skos:changeNote ?why FILTER(LANG(?why) = "en") } ORDER BY ?org"""
    )
    retired = select(project_copy, retired_query)
    assert [(r["org"][-10:], r["since"]) for r in retired] == [
        (FABLAB, "2025-02-01"),
        (STUDIO, "2025-02-01"),
    ]
    assert "No longer in the enterprise register" in retired[1]["why"]
    assert "Still registered" in retired[0]["why"]
    # a retired enterprise keeps what the last extract said of it
    studio = f"https://data.creative.brussels/id/organisation/kbo-{STUDIO}"
    assert select(project_copy, PREFIXES + f"SELECT ?l WHERE {{ <{studio}> skos:prefLabel ?l }}")
    # March: still gone, first retirement date kept; the fablab is creative again
    march = extract_copy(project_copy.root.parent, "march")
    set_date(march, "01-03-2025")
    drop_enterprise(march, dotted(STUDIO))
    kbo.run(project_copy, march, quiet)
    build.run(project_copy)
    retired = select(project_copy, retired_query)
    assert [(r["org"][-10:], r["since"]) for r in retired] == [(STUDIO, "2025-02-01")]
    # both extracts' counts are kept, each dated
    periods = select(
        project_copy,
        PREFIXES + "SELECT DISTINCT ?p WHERE { ?o a qb:Observation ; cci:refPeriod ?p ; "
        "cci:subject <https://data.creative.brussels/id/concept/sector/all-cci> ; "
        "cci:refArea <http://data.europa.eu/nuts/code/BE100> ; "
        "qb:dataSet <https://data.creative.brussels/id/dataset/kbo-enterprise-counts> } ORDER BY ?p",
    )
    assert [r["p"] for r in periods] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    # an older extract is refused, and the import stays as it was
    kept = out.read_bytes()
    with pytest.raises(kbo.ImportRefused, match="older than the one imported last"):
        kbo.run(project_copy, first, quiet)
    assert out.read_bytes() == kept


def test_natural_person_publishes_no_personal_data(project_copy: Settings) -> None:
    folder = extract_copy(project_copy.root.parent)
    person, unit = "0999000525", "2.999.000.567"
    assert check_digits_ok(person)
    with open(folder / "enterprise.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(person)}","AC","000","1","","","01-02-2021"\n')
    with open(folder / "establishment.csv", "a", encoding="utf-8") as f:
        f.write(f'"{unit}","01-02-2021","{dotted(person)}"\n')
    with open(folder / "address.csv", "a", encoding="utf-8") as f:
        f.write(
            f'"{unit}","BAET","","","1060","Sint-Gillis","Saint-Gilles",'
            '"Huisstraat","Rue de la Maison","7","","",""\n'
        )
    with open(folder / "denomination.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(person)}","1","001","Jean Exemple"\n')
        f.write(f'"{dotted(person)}","1","003","Studio Photo Exemple"\n')
    with open(folder / "contact.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(person)}","ENT","EMAIL","jean@example.org"\n')
        f.write(f'"{dotted(person)}","ENT","WEB","https://jean.example.org"\n')
    with open(folder / "activity.csv", "a", encoding="utf-8") as f:
        f.write(f'"{dotted(person)}","001","2008","74201","MAIN"\n')
    result = kbo.run(project_copy, folder, quiet)
    assert result.tally.kept == 4
    text = (project_copy.root / "data/imports/kbo/enterprises.nt").read_text(encoding="utf-8")
    assert "Studio Photo Exemple" in text
    for personal in (
        "Jean Exemple",
        "jean@example.org",
        "jean.example.org",
        "Huisstraat",
        "Rue de la Maison",
    ):
        assert personal not in text
    build.run(project_copy)
    org = f"https://data.creative.brussels/id/organisation/kbo-{person}"
    where = select(project_copy, PREFIXES + f"SELECT ?m WHERE {{ <{org}> cci:municipality ?m }}")
    assert [r["m"] for r in where] == ["https://data.creative.brussels/id/municipality/21013"]


def test_malformed_rows_are_named_with_file_and_line(project_copy: Settings) -> None:
    folder = extract_copy(project_copy.root.parent)
    with open(folder / "denomination.csv", "a", encoding="utf-8") as f:
        f.write('"0999.000.129","1","001"\n')  # line 14: a value missing
    with pytest.raises(MalformedRow) as caught:
        kbo.run(project_copy, folder, quiet)
    assert str(caught.value).startswith(f"{folder / 'denomination.csv'}:14: 3 values")
    assert not (project_copy.root / "data/imports/kbo/enterprises.nt").exists()  # nothing written
    # a wrong check digit, through the command, which can skip and list bad rows
    table = rows(folder, "enterprise")
    table[2][0] = "0999.000.227"
    write_rows(folder, "enterprise", table)
    runner = CliRunner()
    env = {"KG_ROOT": str(project_copy.root), "KG_VAR": str(project_copy.var)}
    failed = runner.invoke(cli, ["import", "kbo", str(folder)], env=env)
    assert failed.exit_code == 1
    assert f"{folder / 'enterprise.csv'}:3: enterprise number '0999.000.227'" in failed.output
    done = runner.invoke(cli, ["import", "kbo", str(folder), "--skip-malformed"], env=env)
    assert done.exit_code == 0, done.output
    assert "malformed rows skipped: 2" in done.output
    assert "enterprise.csv:3" in done.output and "denomination.csv:14" in done.output
    assert "kept 2 creative and cultural enterprises" in done.output


def test_not_an_extract(project_copy: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"KG_ROOT": str(project_copy.root), "KG_VAR": str(project_copy.var)}
    out = runner.invoke(cli, ["import", "kbo", str(tmp_path)], env=env)
    assert out.exit_code == 1 and "not a KBO Open Data extract" in out.output
    folder = extract_copy(tmp_path)
    (folder / "address.csv").write_text('"EntityNumber","Zipcode"\n', encoding="utf-8")
    out = runner.invoke(cli, ["import", "kbo", str(folder)], env=env)
    assert "address.csv:1: the header is not the official one" in out.output
    update = extract_copy(tmp_path, "update")
    table = rows(update, "meta")
    write_rows(update, "meta", [[k, "update" if k == "ExtractType" else v] for k, v in table])
    out = runner.invoke(cli, ["import", "kbo", str(update)], env=env)
    assert out.exit_code == 1 and "import a full extract" in out.output
