"""`kg build`: sources -> validation -> a new store swapped in atomically."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    NamedNode,
    QuerySolutions,
    parse,
)

from kg.build import pipeline as build
from kg.build.sources import discover
from kg.errors import KgError, SourceSyntaxError, ValidationFailed
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.settings import Settings
from kg.store import EmbeddedStore, open_store

BAD_ORG = """
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
<> dct:source doc:test-document .
doc:test-document a cci:SourceDocument , foaf:Document ; dct:title "Test document"@en .
o:nameless-hub a org:Organization , foaf:Agent , cci:CreativeHub .
"""


def serving_target(settings: Settings) -> str:
    return os.readlink(settings.store_path)


def quad_count(settings: Settings) -> int:
    return EmbeddedStore.open(settings.store_path.resolve(), read_only=True).triple_count()


def test_each_source_goes_into_its_own_named_graph(built: Settings) -> None:
    store = EmbeddedStore.open(built.store_path.resolve(), read_only=True)
    graphs = set(store.named_graphs())
    sources = discover(built)
    assert {s.graph for s in sources} <= graphs
    assert f"{DEFAULT_BASE}graph/import/municipalities" in graphs
    assert f"{DEFAULT_BASE}graph/import/culture-places" in graphs
    for source in sources:
        # each graph holds exactly the triples of its file (same count as parsing it alone)
        expected = len(set(parse(path=source.path, base_iri=source.graph)))
        assert store.triple_count(source.graph) == expected, source.label
    manifest = json.loads((built.store_path.resolve().parent / "manifest.json").read_text())
    assert set(manifest["graphs"]) == graphs


def test_failed_validation_leaves_the_serving_store_untouched(project_copy: Settings) -> None:
    build.run(project_copy)
    target, count = serving_target(project_copy), quad_count(project_copy)
    bad = project_copy.root / "data" / "curated" / "zz-bad.ttl"
    bad.write_text(BAD_ORG)
    with pytest.raises(ValidationFailed) as failure:
        build.run(project_copy)
    issues = [i for i in failure.value.report.issues if i.is_error]
    assert any(
        i.file == "data/curated/zz-bad.ttl"
        and i.entity == f"<{DEFAULT_BASE}id/organisation/nameless-hub>"
        and i.property == "<http://www.w3.org/2004/02/skos/core#prefLabel>"
        and "name" in i.message
        for i in issues
    ), issues
    assert serving_target(project_copy) == target
    assert quad_count(project_copy) == count
    assert not list(project_copy.stores_dir.glob("*.partial"))


def test_syntax_error_names_file_and_line(project_copy: Settings) -> None:
    bad = project_copy.root / "data" / "curated" / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n')
    with pytest.raises(SourceSyntaxError) as err:
        build.run(project_copy)
    assert err.value.file == "data/curated/broken.ttl"
    assert err.value.line == 3
    assert str(err.value).startswith("data/curated/broken.ttl:3:")


def test_unknown_vocabulary_is_reported_with_its_file(project_copy: Settings) -> None:
    extra = project_copy.root / "data" / "curated" / "typo.ttl"
    extra.write_text(
        BAD_ORG.replace("cci:CreativeHub .", 'cci:CreativeHub ; skos:prefLabel "Hub"@fr ;')
        + " cci:sectr <http://example.org/x> ; <http://example.org/madeUp> 1 .\n"
    )
    with pytest.raises(ValidationFailed) as failure:
        build.run(project_copy)
    vocab = [i for i in failure.value.report.issues if i.check == "vocabulary"]
    assert {(i.file, i.property) for i in vocab} == {
        ("data/curated/typo.ttl", f"<{DEFAULT_BASE}ontology#sectr>"),
        ("data/curated/typo.ttl", "<http://example.org/madeUp>"),
    }
    assert all(i.entity == f"<{DEFAULT_BASE}id/organisation/nameless-hub>" for i in vocab)


def test_curated_file_without_its_source_is_reported(project_copy: Settings) -> None:
    extra = project_copy.root / "data" / "curated" / "uncited.ttl"
    extra.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://data.creative.brussels/id/x> skos:note "no source"@en .\n'
    )
    with pytest.raises(ValidationFailed) as failure:
        build.run(project_copy)
    cited = [i for i in failure.value.report.issues if i.check == "provenance"]
    assert [i.file for i in cited] == ["data/curated/uncited.ttl"]


def test_rebuild_of_unchanged_sources_gives_the_same_graph(project_copy: Settings) -> None:
    first = build.run(project_copy).store_dir
    second = build.run(project_copy).store_dir
    assert first != second and first is not None and second is not None

    def canonical(path: Path) -> Dataset:
        store = EmbeddedStore.open(path / "store", read_only=True).raw
        dataset = Dataset(store.quads_for_pattern(None, None, None, None))
        dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
        return dataset

    a, b = canonical(first), canonical(second)
    assert len(a) > 1000
    assert set(a) == set(b)


def processes_with(variable: str) -> list[int]:
    """Linux: the processes whose environment holds ``variable`` (NAME=value)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if variable.encode() in environ:
            found.append(int(entry.name))
    return found


def test_a_killed_build_leaves_the_previous_store_serving(project_copy: Settings) -> None:
    build.run(project_copy)
    target, count = serving_target(project_copy), quad_count(project_copy)
    big = project_copy.root / "big.nt"
    with open(big, "w") as f:
        for i in range(400_000):
            f.write(
                f'<http://example.org/s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "x{i}" .\n'
            )
    env = {**os.environ, "KG_ROOT": str(project_copy.root), "KG_VAR": str(project_copy.var)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build", "--add", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(project_copy.stores_dir.glob("*.partial/store")):
        assert proc.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert serving_target(project_copy) == target
    # nor does it leave its background validator (or anything it started) running
    deadline = time.monotonic() + 20
    while left_behind := processes_with(f"KG_VAR={project_copy.var}"):
        assert time.monotonic() < deadline, (
            f"still running after the build was killed: {left_behind}"
        )
        time.sleep(0.2)
    assert quad_count(project_copy) == count
    # the next build cleans up what the killed one left
    build.run(project_copy)
    assert not list(project_copy.stores_dir.glob("*.partial"))


def test_a_second_concurrent_build_is_refused(project_copy: Settings) -> None:
    project_copy.var.mkdir(parents=True)
    with open(project_copy.var / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(KgError, match="another build is running"):
            build.run(project_copy)


def test_a_deployment_base_rewrites_every_minted_iri(project_copy: Settings) -> None:
    settings = project_copy.with_(base="http://127.0.0.1:8000/")
    build.run(settings)
    store = EmbeddedStore.open(settings.store_path.resolve(), read_only=True)
    old = [r for r in store.raw.quads_for_pattern(None, None, None, None) if DEFAULT_BASE in str(r)]
    assert old == []
    hub = NamedNode("http://127.0.0.1:8000/id/municipality/21015")
    assert list(store.raw.quads_for_pattern(hub, None, None, None))


def test_validate_only_writes_no_store(project_copy: Settings) -> None:
    result = build.run(project_copy, keep=False)
    assert result.report.conforms
    assert not project_copy.store_path.exists()
    assert not [p for p in project_copy.stores_dir.iterdir()]


def test_extra_file_with_unknown_extension_is_refused(
    project_copy: Settings, tmp_path: Path
) -> None:
    odd = tmp_path / "data.xyz"
    odd.write_text("")
    with pytest.raises(ValueError, match="unknown RDF file extension"):
        build.run(project_copy, extra=[odd])


def test_parse_format_detection_covers_rdfxml(project_copy: Settings, tmp_path: Path) -> None:
    xml = tmp_path / "extra.rdf"
    xml.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        '<rdf:Description rdf:about="http://example.org/x"><rdfs:label>x</rdfs:label>'
        "</rdf:Description></rdf:RDF>"
    )
    result = build.run(project_copy, extra=[xml])
    assert result.graphs["extra.rdf"] == 1


def test_build_publishes_to_a_remote_store(project_copy: Settings, oxigraph_server: str) -> None:
    settings = project_copy.with_(
        store_backend="remote",
        remote_query_url=oxigraph_server + "/query",
        remote_update_url=oxigraph_server + "/update",
        remote_gsp_url=oxigraph_server + "/store",
    )
    remote = open_store(settings)
    stale = f"{DEFAULT_BASE}graph/curated/removed-source"
    remote.update(
        f"INSERT DATA {{ GRAPH <{stale}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}"
    )
    result = build.run(settings)
    assert not settings.store_path.exists()  # nothing embedded was written
    graphs = set(remote.named_graphs())
    assert {s.graph for s in discover(settings)} <= graphs and stale not in graphs
    for source in discover(settings):
        assert remote.triple_count(source.graph) == result.graphs[source.label], source.label
    rows = remote.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?m a cci:Municipality }",
        prefixes=all_prefixes(settings.base),
    )
    assert isinstance(rows, QuerySolutions)
    assert int(next(iter(rows))["n"].value) == 19


def test_a_failing_derived_step_fails_the_build_and_leaves_the_store_serving(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The derived outputs run in two lanes side by side: a failure in either fails the
    build, after the other lane finished, and nothing is swapped in."""
    from kg.publish import derived
    from kg.publish import mapindex as geo

    build.run(project_copy)
    target = serving_target(project_copy)
    ran: list[str] = []

    def broken(settings: Settings, store: object, build_dir: Path) -> None:
        ran.append("map")
        raise RuntimeError("the map index could not be written")

    lanes = derived.file_lanes()
    assert any(step is geo.derive for lane in lanes for _, step in lane)

    def spy(step: derived.Step, name: str) -> derived.Step:
        def run(settings: Settings, store: object, build_dir: Path) -> None:
            step(settings, store, build_dir)  # type: ignore[arg-type]
            ran.append(name)

        return run

    patched = [[(n, broken if s is geo.derive else spy(s, n)) for n, s in lane] for lane in lanes]
    monkeypatch.setattr(derived, "file_lanes", lambda: patched)
    with pytest.raises(RuntimeError, match="map index could not be written"):
        build.run(project_copy)
    assert "map" in ran and "dumps and VoID" in ran  # the other lane ran to its end
    assert serving_target(project_copy) == target
    assert not list(project_copy.stores_dir.glob("*.partial"))
