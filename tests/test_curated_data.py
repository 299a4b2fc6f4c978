"""The project's own data says only what its sources say: every curated graph cites a
document, nobody is said to have presented what a document only says they wrote, people's
names carry no language, dated memberships stay dated; the culture points list a venue once
whatever the number of datasets that list it, and the comic-strip walls are murals."""

from __future__ import annotations

import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store

from kg.build.importers import culture
from kg.namespaces import all_prefixes
from kg.settings import DEFAULT_BASE
from tests.conftest import ROOT, SHARED

CURATED = ROOT / "data" / "curated"
PREFIXES = all_prefixes(DEFAULT_BASE)


def graph_of(path: Path) -> str:
    """The graph a curated file goes to (docs/architecture.md: the IRI mirrors the path)."""
    return DEFAULT_BASE + "graph/" + path.relative_to(ROOT / "data").with_suffix("").as_posix()


@cache
def curated() -> Store:
    store = Store()
    for path in sorted(CURATED.rglob("*.ttl")):
        graph = graph_of(path)
        store.load(
            path=str(path), format=RdfFormat.TURTLE, base_iri=graph, to_graph=NamedNode(graph)
        )
    return store


def select(store: Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def test_every_curated_graph_cites_a_source_document() -> None:
    files = sorted(CURATED.rglob("*.ttl"))
    assert len(files) >= 9
    cited = {
        r["g"]
        for r in select(
            curated(),
            "SELECT ?g WHERE { GRAPH ?g { ?g dct:source ?doc . ?doc a cci:SourceDocument ; "
            "dct:title ?title } }",
        )
    }
    uncited = [p.relative_to(ROOT).as_posix() for p in files if graph_of(p) not in cited]
    assert not uncited, f"curated files that cite no document: {uncited}"
    # and every statement of a curated file lives in such a graph
    stray = select(
        curated(),
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER NOT EXISTS { GRAPH ?g { ?g dct:source ?doc } } }",
    )
    assert not stray


def test_translations_say_whose_they_are() -> None:
    rows = select(
        curated(),
        """SELECT ?g ?original WHERE { GRAPH ?g {
             ?g dct:source ?doc . ?doc prov:wasDerivedFrom ?original .
             ?g prov:wasDerivedFrom ?english } }""",
    )
    assert {r["original"].rsplit("/", 1)[1] for r in rows} == {"seed-000", "seed-001", "seed-004"}
    # every French or Dutch description of an organisation comes from such a graph, and the
    # English it translates is there
    untranslated = select(
        curated(),
        """SELECT ?o ?g WHERE {
             GRAPH ?g { ?o dct:description ?d FILTER(LANG(?d) IN ("fr", "nl")) }
             FILTER NOT EXISTS { GRAPH ?g { ?g prov:wasDerivedFrom ?english } }
             ?o a org:Organization }""",
    )
    assert not untranslated
    missing_english = select(
        curated(),
        """SELECT ?o WHERE { ?o dct:description ?d FILTER(LANG(?d) = "fr")
             FILTER NOT EXISTS { ?o dct:description ?e FILTER(LANG(?e) = "en") } }""",
    )
    assert not missing_english
    hub = f"<{DEFAULT_BASE}id/organisation/hub-brussels>"
    langs = select(curated(), f"SELECT (LANG(?d) AS ?l) WHERE {{ {hub} dct:description ?d }}")
    assert sorted(r["l"] for r in langs) == ["en", "fr", "nl"]


def test_nobody_presented_what_a_document_only_says_they_wrote() -> None:
    rows = select(
        curated(),
        "SELECT ?g ?who ?event WHERE { GRAPH ?g { ?who cci:presentedAt ?event } }",
    )
    graphs = {r["g"].rsplit("/", 1)[1] for r in rows}
    assert graphs == {"seed-003-creative-hubs-webinar"}, graphs
    # the webinar's agenda says who presented what: each one is reified with that role
    unbacked = select(
        curated(),
        """SELECT ?who ?event WHERE { GRAPH ?g { ?who cci:presentedAt ?event }
             FILTER NOT EXISTS { GRAPH ?g { ?r cci:relSubject ?who ; cci:relObject ?event ;
                                            cci:relationType reltype:presented-at ;
                                            org:role role:presenter } } }""",
    )
    assert not unbacked
    # the authors of the Media Clusters Brussels papers are still their authors
    plazy = f"<{DEFAULT_BASE}id/person/sylvain-plazy>"
    authored = select(curated(), f"SELECT ?pub WHERE {{ {plazy} cci:authored ?pub }}")
    assert len(authored) == 11


def test_people_names_carry_no_language() -> None:
    rows = select(
        curated(),
        """SELECT ?p ?name WHERE { ?p a foaf:Person ; foaf:name|skos:prefLabel ?name
             FILTER(LANG(?name) != "") }""",
    )
    assert not rows


def test_kinds_are_not_guessed() -> None:
    """The documents do not say that hub.brussels, Innoviris or ADT-ATO are public bodies,
    nor that Medialab and Storycode are communities of practice (they are places for them)."""
    base = DEFAULT_BASE + "id/organisation/"
    kinds = {
        slug: {r["k"] for r in select(curated(), f"SELECT ?k WHERE {{ <{base}{slug}> a ?k }}")}
        for slug in ("hub-brussels", "innoviris", "adt-ato", "medialab", "storycode", "brotaru")
    }
    public_body = DEFAULT_BASE + "ontology#PublicBody"
    community = DEFAULT_BASE + "ontology#CommunityOfPractice"
    assert all(public_body not in k for k in kinds.values())
    assert community not in kinds["medialab"] | kinds["storycode"]
    assert community in kinds["brotaru"]  # "an example of a media community of practice"
    creative_district = f"<{base}creative-district>"
    for query in (
        f"ASK {{ {creative_district} cci:coordinates ?x }}",
        f"ASK {{ {creative_district} cci:offersService service:internationalisation-support }}",
    ):
        assert not bool(curated().query(query, prefixes=PREFIXES, use_default_graph_as_union=True))


def test_flanders_memberships_are_dated_to_their_document() -> None:
    platform = f"<{DEFAULT_BASE}id/organisation/flanders-creative-industries-platform>"
    members = select(curated(), f"SELECT ?m WHERE {{ ?m cci:memberOf {platform} }}")
    dated = select(
        curated(),
        f"""SELECT ?m WHERE {{ ?r cci:relSubject ?m ; cci:relObject {platform} ;
               cci:relationType reltype:member-of ;
               schema:startDate "2010-01-01"^^xsd:date ; schema:endDate "2011-05-31"^^xsd:date }}""",
    )
    assert len(members) == 26
    assert {r["m"] for r in members} == {r["m"] for r in dated}


# --- culture points ---------------------------------------------------------------------------


@cache
def imported() -> Store:
    with tempfile.TemporaryDirectory() as tmp:
        path = culture.write(
            ROOT, DEFAULT_BASE, DEFAULT_BASE + "graph/import/culture", Path(tmp) / "c.nt"
        )
        store = Store()
        store.load(path=str(path), format=RdfFormat.N_TRIPLES)
    return store


def test_a_venue_in_several_datasets_is_one_place_citing_each() -> None:
    rows = select(
        imported(),
        """SELECT ?place (COUNT(DISTINCT ?ds) AS ?n) (GROUP_CONCAT(DISTINCT ?name; separator="|") AS ?names)
           WHERE { ?place a cci:CulturalPlace ; dct:source ?ds ; skos:prefLabel|skos:altLabel ?name }
           GROUP BY ?place""",
    )
    by_name = {name.casefold(): int(r["n"]) for r in rows for name in r["names"].split("|")}
    for venue in (
        "théâtre de poche",
        "théâtre royal du parc",
        "théâtre les tanneurs",
        "la montagne magique",
    ):
        assert by_name[venue] == 3, venue
    places = select(imported(), "SELECT ?p WHERE { ?p a cci:CulturalPlace }")
    assert len(places) == 325  # 361 points, 36 of them a second or third listing
    # each place has one geometry and at most one name per language (the shapes' rules)
    geometries = Counter(
        r["p"] for r in select(imported(), "SELECT ?p WHERE { ?p locn:geometry ?g }")
    )
    assert set(geometries.values()) == {1}
    # the merge is the same at every build: the same points give the same places
    again = culture.group([(ds, p) for ds in culture.DATASETS for p in culture.read(ROOT, ds)])
    assert len(again) == 325


def test_two_different_places_at_one_address_stay_two() -> None:
    """Théâtre du Rideau de Bruxelles and BOZAR share their coordinates in the theatres file;
    a name must match too."""
    rows = select(
        imported(),
        """SELECT ?p WHERE { ?p skos:prefLabel|skos:altLabel ?n
             FILTER(?n IN ("Théâtre du Rideau de Bruxelles"@fr, "Palais des Beaux-Arts (BOZAR)"@fr)) }""",
    )
    assert len({r["p"] for r in rows}) == 2


def test_comic_strip_walls_are_murals_not_venues() -> None:
    rows = select(
        imported(),
        """SELECT ?m (COUNT(DISTINCT ?ds) AS ?n) (SAMPLE(?ds) AS ?source) WHERE {
             ?m a cci:Mural , cci:CulturalPlace ; dct:source ?ds } GROUP BY ?m""",
    )
    assert len(rows) == 47
    assert all(r["n"] == "1" and r["source"].endswith("comic-book-route-2014") for r in rows)
    venues = select(
        imported(),
        """SELECT ?p WHERE { ?p a cci:CulturalPlace ; dct:source ds:city-of-brussels-comic-book-route-2014
             FILTER NOT EXISTS { ?p a cci:Mural } }""",
    )
    assert not venues


def test_names_carry_their_own_language() -> None:
    def lang_of(name: str) -> str:
        (row,) = select(
            imported(),
            f"SELECT (LANG(?n) AS ?l) WHERE {{ ?p skos:prefLabel ?n FILTER(STR(?n) = {Literal(name)}) }}",
        )
        return row["l"]

    assert lang_of("Kaaitheater") == "nl"
    assert lang_of("Théâtre de Poche") == "fr"
    assert lang_of("Boule et Bill - Roba") == "fr"
    assert lang_of("Costume and Lace Museum") == "en"


def test_a_point_matching_two_places_joins_them() -> None:
    rows = select(
        imported(),
        """SELECT ?p (COUNT(DISTINCT ?ds) AS ?n) WHERE { ?p skos:prefLabel|skos:altLabel "KVS"@fr ;
             dct:source ?ds } GROUP BY ?p""",
    )
    assert [r["n"] for r in rows] == ["3"]


#: the seed documents, when this machine has them (as tests/test_catalog.py finds the
#: reference material)
SEEDS = SHARED / "seeds"


def test_a_french_or_dutch_name_is_written_in_the_document_its_graph_cites() -> None:
    """Official names are not typed from memory (docs/data-model.md, the names' review
    table): every French or Dutch name or acronym of an organisation, in a seed's graph, is
    written in the seed document that graph cites (apostrophes as the document types them)."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not at {SEEDS}")
    rows = select(
        curated(),
        """SELECT ?o ?name ?file WHERE {
             GRAPH ?g { ?o a org:Organization ; skos:prefLabel|skos:altLabel ?name
                        FILTER(LANG(?name) IN ("fr", "nl")) }
             ?g dct:source ?doc . ?doc cci:sourceFile ?file }""",
    )
    assert len(rows) >= 10  # ADT-ATO, SAU-MSI, USL-B, IRIB, RAB BKO and the others
    missing = []
    for row in rows:
        text = (SEEDS / row["file"]).read_text(encoding="utf-8").replace("\u2019", "'")
        if row["name"].replace("\u2019", "'") not in text:
            missing.append((row["o"], row["name"], row["file"]))
    assert not missing, missing


def test_the_area_of_the_figures_has_french_and_dutch_names_from_a_cited_note() -> None:
    rows = select(
        curated(),
        """SELECT ?name ?file WHERE {
             GRAPH ?g { <http://data.europa.eu/nuts/code/BE100> skos:prefLabel ?name
                        FILTER(LANG(?name) IN ("fr", "nl")) }
             ?g dct:source ?doc . ?doc cci:sourceFile ?file }""",
    )
    assert sorted(r["name"] for r in rows) == [
        "Arr. de Bruxelles-Capitale",
        "Arr. van Brussel-Hoofdstad",
    ]
    note = SHARED / rows[0]["file"]
    if note.is_file():
        text = note.read_text(encoding="utf-8")
        assert all(r["name"] in text for r in rows)
