"""Real peers for the federation tests, started by the tests on loopback ports chosen
beforehand (the registries of two maps name each other, so both URLs are needed before
either is built): ``oxigraph serve`` holding a small map in W3C ORG or schema.org terms,
this software under uvicorn, and two small HTTP servers that misbehave on purpose (one
answers after the time limit, one answers garbage).

Everything here is SYNTHETIC test data, and its files say so."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

from tests.conftest import BIN, ROOT, wait_http

PREFIXES = """@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix schema: <http://schema.org/> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix service: <https://data.creative.brussels/id/concept/service/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
@prefix peer: <https://data.creative.brussels/id/peer/> .
@prefix profile: <https://data.creative.brussels/id/profile/> .
"""

#: A small Flanders map in W3C ORG terms (synthetic; names from seed 002 and made up).
ORG_MAP = (
    PREFIXES
    + """
# SYNTHETIC test data (tests/federation.py): a Flanders map in W3C ORG terms.
<http://org-peer.test/id/vai> a org:FormalOrganization ;
    skos:prefLabel "Vlaams Architectuurinstituut"@nl ;
    org:classification <http://data.europa.eu/ux2/nace2/7111> ;
    org:hasSite [ org:siteAddress [ vcard:locality "Antwerpen" ] ] .
<http://org-peer.test/id/design-museum> a org:Organization ;
    rdfs:label "Design Museum Gent"@nl ;
    org:hasSite [ org:siteAddress [ vcard:locality "Gent" ] ] .
<http://org-peer.test/id/platform> a org:OrganizationalCollaboration ;
    skos:prefLabel "Platform voor design en mode"@nl .
<http://org-peer.test/id/not-an-org> a skos:Concept ; skos:prefLabel "Design as a concept"@en .
"""
)

#: A small Wallonia map in schema.org terms (synthetic; hub names from seed 003).
SCHEMA_MAP = (
    PREFIXES
    + """
# SYNTHETIC test data (tests/federation.py): a Wallonia map in schema.org terms.
<http://wallonia.test/id/trakk> a schema:Organization ;
    schema:name "Trakk"@fr ;
    schema:additionalType <http://wallonia.test/kind/creative-hub> ;
    schema:address [ schema:addressLocality "Namur" ] ;
    schema:makesOffer [ schema:itemOffered <http://wallonia.test/service/coworking> ] ;
    schema:url "https://trakk.example/" .
<http://wallonia.test/id/waps> a schema:Organization ;
    schema:name "Wap's"@fr ;
    schema:additionalType <http://wallonia.test/kind/creative-hub> ;
    schema:address [ schema:addressLocality "Tournai" ] ;
    schema:makesOffer [ schema:itemOffered <http://wallonia.test/service/coworking> ] .
<http://wallonia.test/id/design-atelier> a schema:LocalBusiness ;
    schema:name "Atelier de design de Liège"@fr ;
    schema:address [ schema:addressLocality "Liège" ] .
"""
)

#: SKOS alignments of the Wallonia map's own concepts with ours (synthetic).
WALLONIA_ALIGNMENTS = (
    PREFIXES
    + """
# SYNTHETIC test data (tests/federation.py): the Wallonia test map's concepts matched to ours.
<> dct:source doc:federation-test .
<http://wallonia.test/kind/creative-hub> skos:exactMatch cci:CreativeHub .
<http://wallonia.test/service/coworking> skos:exactMatch service:coworking-space .
"""
)


def registry(peers: dict[str, tuple[str, str, str | None]], region: str = "Test") -> str:
    """A peers.ttl for a test map: slug -> (endpoint, profile slug, vocabulary or None)."""
    out = [
        PREFIXES,
        "# SYNTHETIC test registry (tests/federation.py).",
        "<> dct:source doc:federation-test .",
        "doc:federation-test a cci:SourceDocument , foaf:Document ;",
        '    dct:title "Synthetic peer registry of the federation tests"@en .',
    ]
    for slug, (endpoint, profile, vocabulary) in peers.items():
        out.append(
            f'peer:{slug} a cci:PeerMap ; dct:title "{slug} test map"@en ;'
            f' cci:placeName "{region} {slug}"@en ; dct:source doc:federation-test ;'
            f" dcat:service [ a dcat:DataService ; dcat:endpointURL <{endpoint}> ] ;"
            f" cci:vocabularyProfile profile:{profile}"
            + (f" ; void:vocabulary <{vocabulary}> ." if vocabulary else " .")
        )
    return "\n".join(out) + "\n"


@contextmanager
def oxigraph_peer(folder: Path, data: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``oxigraph serve`` on ``port`` holding ``data`` (Turtle) in its default graph."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.ttl").write_text(data, encoding="utf-8")
    store = folder / "store"
    shutil.rmtree(store, ignore_errors=True)
    oxigraph = str(BIN / "oxigraph")
    subprocess.run([oxigraph, "load", "--location", str(store), "--file", str(folder / "data.ttl")],
                   check=True, capture_output=True)  # fmt: skip
    proc = subprocess.Popen(
        [oxigraph, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/query")
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def serve_on(app: FastAPI, port: int, probe: str = "/robots.txt") -> Iterator[str]:
    """``app`` under uvicorn on ``port`` (chosen beforehand) until the block ends."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + probe)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


SLOW_ANSWER = (
    b"<http://slow.test/id/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    b"<http://www.w3.org/ns/org#Organization> .\n"
    b'<http://slow.test/id/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "Design lent"@fr .\n'
)


def slow_peer(delay: float) -> FastAPI:
    """A SPARQL peer that answers a valid N-Triples document, ``delay`` seconds late."""
    app = FastAPI()

    @app.post("/sparql")
    async def sparql() -> Response:
        await asyncio.sleep(delay)
        return Response(SLOW_ANSWER, media_type="application/n-triples")

    @app.get("/robots.txt")
    def robots() -> Response:
        return Response("", media_type="text/plain")

    return app


def garbage_peer() -> FastAPI:
    """A peer that answers 200 with something that is not RDF at all."""
    app = FastAPI()

    @app.post("/sparql")
    def sparql() -> Response:
        return Response(b"<html><body>Design <b>unclosed", media_type="application/n-triples")

    @app.get("/robots.txt")
    def robots() -> Response:
        return Response("", media_type="text/plain")

    return app


def map_copy(root: Path, peers_ttl: str, curated: list[str] | None = None) -> Path:
    """A copy of this project's sources under ``root`` with ``peers_ttl`` as its registry
    and, when ``curated`` is given, only those curated files (another region's map)."""
    from tests.conftest import copy_sources

    copy_sources(root)
    (root / "data" / "peers.ttl").write_text(peers_ttl, encoding="utf-8")
    if curated is not None:
        folder = root / "data" / "curated"
        shutil.rmtree(folder)
        folder.mkdir()
        for name in curated:
            shutil.copy(ROOT / "data" / "curated" / name, folder / name)
    return root


#: Another region's own data for the second instance (SYNTHETIC test data): its
#: catalogue (the Flemish Region, BE2), its wording, and two municipalities with square
#: boundaries and Dutch names only. Nothing of it comes from a source document.
FLANDERS_CATALOG = """# SYNTHETIC test data (tests/federation.py): another region's catalogue.
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix lang: <http://publications.europa.eu/resource/authority/language/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix freq: <http://publications.europa.eu/resource/authority/frequency/> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .

<catalog> a dcat:Catalog ;
    dct:title "Catalogus van de testkaart van Vlaanderen"@nl , "Catalogue of the Flanders test map"@en ;
    dct:description "Synthetische testgegevens."@nl , "Synthetic test data."@en ;
    dct:publisher <catalog#publisher> ;
    foaf:homepage <> ;
    dct:language lang:NLD , lang:ENG , lang:FRA ;
    dct:spatial nuts:BE2 ;
    dcat:themeTaxonomy <http://publications.europa.eu/resource/authority/data-theme> .
<id/dataset/kg> dct:title "Kennisgraaf van de Vlaamse testkaart"@nl , "Flanders test-map knowledge graph"@en ;
    dct:description "Synthetische testgegevens van een tweede regio."@nl .
<catalog#publisher> a foaf:Agent , foaf:Organization ;
    foaf:name "Vlaamse testkaart"@nl ; foaf:homepage <> .
<catalog#contact> a vcard:Kind , vcard:Organization ;
    vcard:fn "Vlaamse testkaart"@nl ; vcard:hasURL <contact> .
nuts:BE2 a dct:Location ; dct:title "Vlaams Gewest"@nl , "Flemish Region"@en .
<catalog#shared> dcat:theme theme:ECON ; dcat:keyword "Vlaanderen"@nl ;
    dct:spatial nuts:BE2 ; dct:language lang:NLD ; dct:accrualPeriodicity freq:UPDATE_CONT .
"""

FLANDERS_STRINGS = {
    "site.title": {"nl": "Creatief Vlaanderen (testkaart)", "en": "Creative Flanders (test map)"},
    "site.subtitle": {"nl": "Synthetische testkaart van een tweede regio"},
    "pages.home.lead": {"nl": "De organisaties van de Vlaamse testkaart."},
}

#: what is particular to that region's entries: Dutch names, NUTS areas of the Flemish
#: Region (its deployment's shapes/region.ttl)
FLANDERS_SHAPES = """# SYNTHETIC test data (tests/federation.py): another region's own rules.
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix shx: <https://data.creative.brussels/shapes#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
shx:FlemishMunicipalityShape a sh:NodeShape ;
    sh:targetClass cci:Municipality ;
    rdfs:label "Municipality of the Flemish Region"@en ;
    sh:property [ sh:path skos:prefLabel ; sh:qualifiedValueShape [ sh:languageIn ( "nl" ) ] ;
        sh:qualifiedMinCount 1 ; sh:message "A municipality needs its Dutch name."@en ] ,
    [ sh:path dct:isPartOf ; sh:pattern "^http://data.europa.eu/nuts/code/BE2" ;
        sh:message "A Flemish municipality lies in a NUTS area of BE2."@en ] .
"""

FLANDERS_MUNICIPALITIES = """nis_code,name_nl,nuts3,population_2023
11002,Antwerpen,BE211,500000
44021,Gent,BE234,260000
"""

FLANDERS_MUNICIPALITIES_DATASET = """# SYNTHETIC test data (tests/federation.py): two municipalities with made-up squares.
@prefix cci: <ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<id/dataset/flanders-test-municipalities> a cci:SourceDataset ;
    dct:title "Twee gemeenten (synthetische testgegevens)"@nl ;
    dct:issued "2023"^^xsd:gYear .
"""


def _square(lon: float, lat: float) -> dict[str, object]:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def flanders_region(root: Path) -> Path:
    """Turn the copy of this project's sources under ``root`` into another region's: its
    own catalogue, wording, municipalities and rules for them; no culture points."""
    import json

    data = root / "data"
    (data / "catalog.ttl").write_text(FLANDERS_CATALOG, encoding="utf-8")
    (root / "shapes" / "region.ttl").write_text(FLANDERS_SHAPES, encoding="utf-8")
    shutil.rmtree(data / "strings")
    (data / "strings").mkdir()
    text = json.dumps(FLANDERS_STRINGS, ensure_ascii=False)
    (data / "strings" / "flanders.json").write_text(text, encoding="utf-8")
    shutil.rmtree(data / "imports" / "brussels-culture-2014")
    geo = data / "imports" / "geo"
    (geo / "municipalities.csv").write_text(FLANDERS_MUNICIPALITIES, encoding="utf-8")
    (geo / "municipalities.ttl").write_text(FLANDERS_MUNICIPALITIES_DATASET, encoding="utf-8")
    features = [
        {"type": "Feature", "properties": {"nis_code": nis}, "geometry": _square(lon, lat)}
        for nis, lon, lat in (("11002", 4.35, 51.2), ("44021", 3.7, 51.0))
    ]
    boundaries = json.dumps({"type": "FeatureCollection", "features": features})
    (geo / "municipalities.wgs84.geojson").write_text(boundaries, encoding="utf-8")
    return root
