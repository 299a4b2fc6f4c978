"""The sectors' NACE Rev. 2 classes and where each mapping comes from: every mapping of
ontology/schemes/sectors.ttl to a NACE class is described in
data/curated/sector-nace-mapping.ttl by the row and column of the compiled table
(data/imports/nace/cci_nace_rev2_codes.csv) it follows, and the table's suggestions are
all mapped; the classes carry their names from the NACE Rev. 2 list."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, parse

from kg.settings import Settings
from kg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
NACE = "http://data.europa.eu/ux2/nace2/"
BASE = "https://data.creative.brussels/"
TABLE = ROOT / "data/imports/nace/cci_nace_rev2_codes.csv"
SOURCE = BASE + "id/document/cci-nace-rev2-codes"
#: the column each scheme follows, and what its words name (the table's own spelling)
COLUMNS = {
    "sector": "flanders_dc_subsector_suggested",
    "essnet": "essnet_culture_domain",
}
NAMES = {
    "sector": {
        "printed & digital media": ["printed-digital-media"],
        "audiovisual industry": ["audiovisual"],
        "audiovisual": ["audiovisual"],
        "music": ["music"],
        "fashion": ["fashion"],
        "fashion design": ["fashion"],
        "performing arts": ["performing-arts"],
        "visual arts": ["visual-arts"],
        "heritage": ["heritage"],
        "games": ["games"],
        "communications, pr & advertising": ["communication-advertising"],
        "architecture": ["architecture"],
        "design": ["design"],
        "new media": ["new-media"],
    },
    "essnet": {
        "books & press": ["book-press"],
        "audiovisual & multimedia": ["audiovisual-multimedia"],
        # music is part of the ESSnet performing-arts domain
        "music": ["performing-arts"],
        "art crafts": ["art-crafts"],
        "performing arts": ["performing-arts"],
        "visual arts": ["visual-arts"],
        "heritage": ["heritage"],
        "architecture": ["architecture"],
        "advertising": ["advertising"],
        "libraries": ["libraries"],
        "archives": ["archives"],
    },
}
#: words of the table that name no concept: qualifiers, or no sector at all
NOT_CONCEPTS = {
    "-",
    "design",
    "photography",
    "all",
    "per discipline",
    "all domains",
    "education function",
}


def words(cell: str) -> list[str]:
    """``"Books & press (partial)"`` -> ``["books & press"]``; ``"design (+ fashion
    design)"`` -> ``["design", "fashion design"]``; ``a / b`` -> both."""
    cell = re.sub(r"\((suggested|partial|suggested, partial)\)", "", cell.lower())
    inner = [m.strip().lstrip("+").strip() for m in re.findall(r"\(([^)]*)\)", cell)]
    outer = [p.strip() for p in re.sub(r"\([^)]*\)", "", cell).split("/")]
    return [w for w in outer + inner if w]


def concepts_named(scheme: str, cell: str) -> set[str]:
    found = set()
    for w in words(cell):
        if w in NAMES[scheme]:
            found.update(NAMES[scheme][w])
        else:
            assert w in NOT_CONCEPTS, f"{cell!r}: the test does not know {w!r}"
    return found


def table() -> dict[str, dict[str, str]]:
    with open(TABLE, encoding="utf-8", newline="") as f:
        return {r["nace_rev2"].replace(".", ""): r for r in csv.DictReader(f)}


def stated_mappings() -> set[tuple[str, str, str]]:
    out = set()
    for t in parse(path=str(ROOT / "ontology/schemes/sectors.ttl"), format=RdfFormat.TURTLE):
        if isinstance(t.object, NamedNode) and t.object.value.startswith(NACE):
            out.add((t.subject.value, t.predicate.value, t.object.value))
    return out


def described() -> dict[tuple[str, str, str], dict[str, str]]:
    path = ROOT / "data/curated/sector-nace-mapping.ttl"
    nodes: dict[str, dict[str, str]] = {}
    for t in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=BASE):
        nodes.setdefault(str(t.subject), {})[t.predicate.value] = t.object.value
    out = {}
    for node in nodes.values():
        if node.get(RDF + "type") == RDF + "Statement":
            key = (node[RDF + "subject"], node[RDF + "predicate"], node[RDF + "object"])
            assert key not in out, f"{key} is described twice"
            out[key] = node
    return out


def test_every_mapping_cites_the_row_and_column_it_follows() -> None:
    rows, stated, said = table(), stated_mappings(), described()
    assert len(stated) > 80
    assert set(said) == stated
    for (concept, _, nace), node in said.items():
        scheme, name = concept.removeprefix(BASE + "id/concept/").split("/")
        row, column = rows[nace.removeprefix(NACE)], COLUMNS[scheme]
        assert node[DCT + "source"] == SOURCE
        assert f"Row {row['nace_rev2']} " in node[DCT + "description"]
        assert f'{column} = "{row[column]}"' in node[DCT + "description"]
        assert name in concepts_named(scheme, row[column]), (concept, nace, row[column])


def test_every_suggestion_of_the_table_is_mapped() -> None:
    stated = {(c, n) for c, _, n in stated_mappings()}
    for code, row in table().items():
        for scheme, column in COLUMNS.items():
            for name in concepts_named(scheme, row[column]):
                concept = f"{BASE}id/concept/{scheme}/{name}"
                assert (concept, NACE + code) in stated, (concept, code, row[column])


def test_the_classes_carry_their_names_from_the_nace_list() -> None:
    with open(ROOT / "data/imports/nace/nace_rev2_en.csv", encoding="utf-8", newline="") as f:
        names = {r["code"]: r["label_en"] for r in csv.DictReader(f) if r["level"] == "4"}
    path = ROOT / "data/curated/sector-nace-mapping.ttl"
    labels: dict[str, Literal] = {}
    notations: dict[str, Literal] = {}
    for t in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=BASE):
        if t.subject.value.startswith(NACE) and isinstance(t.object, Literal):
            target = labels if t.predicate.value == SKOS + "prefLabel" else notations
            target[t.subject.value] = t.object
    classes = {n for _, _, n in stated_mappings()}
    assert set(labels) == set(notations) == classes
    for iri in classes:
        code = notations[iri].value
        assert re.fullmatch(r"\d{2}\.\d{2}", code) and iri == NACE + code.replace(".", "")
        assert labels[iri] == Literal(names[code], language="en")


MAPPED_WITH_SOURCE = f"""
SELECT ?concept ?nace ?g WHERE {{
  ?concept ?match ?nace .
  FILTER(?match IN (skos:closeMatch, skos:relatedMatch, skos:narrowMatch, skos:broadMatch,
                    skos:exactMatch) && STRSTARTS(STR(?nace), "{NACE}"))
  OPTIONAL {{
    GRAPH ?g {{ ?st rdf:subject ?concept ; rdf:predicate ?match ; rdf:object ?nace ;
                   dct:source <{SOURCE}> }}
    GRAPH ?g {{ ?g dct:source <{SOURCE}> }}
  }}
}}"""


def test_the_built_graph_gives_each_mapping_its_source(built: Settings) -> None:
    from kg.namespaces import all_prefixes

    rows = open_store(built).query(MAPPED_WITH_SOURCE, prefixes=all_prefixes(built.base))
    assert isinstance(rows, QuerySolutions)
    graphs = [r["g"] for r in rows]
    assert len(graphs) > 80
    assert set(graphs) == {NamedNode(built.base + "graph/curated/sector-nace-mapping")}
