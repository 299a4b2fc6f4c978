"""The `kg` command as a user runs it: a real process, real store, exit codes and output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from kg.namespaces import all_prefixes
from kg.settings import Settings
from tests.conftest import BIN, free_port, wait_http


def kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_ROOT": str(settings.root), "KG_VAR": str(settings.var)}
    return subprocess.run(
        [str(BIN / "kg"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_validate_succeeds_on_the_project(project_copy: Settings) -> None:
    done = kg(project_copy, "validate", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["conforms"] is True and report["errors"] == 0


def test_validate_reports_violations_as_json_and_exits_1(
    project_copy: Settings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cci: <https://data.creative.brussels/ontology#> .\n"
        "@prefix adms: <http://www.w3.org/ns/adms#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://data.creative.brussels/id/organisation/x/kbo>\n"
        "    a cci:EnterpriseNumber , adms:Identifier ;\n"
        '    skos:notation "0403170702" .\n'
    )
    done = kg(project_copy, "validate", "--add", str(bad), "--format", "json")
    assert done.returncode == 1
    issues = json.loads(done.stdout)["issues"]
    assert [(i["file"], i["entity"], i["check"]) for i in issues] == [
        ("bad.ttl", "<https://data.creative.brussels/id/organisation/x/kbo>", "SPARQL")
    ]
    assert "check digits" in issues[0]["message"]
    text = kg(project_copy, "validate", "--add", str(bad))
    assert text.returncode == 1
    assert text.stdout.startswith(
        "bad.ttl: violation: <https://data.creative.brussels/id/organisation/x/kbo>: "
        "The KBO/BCE check digits do not match"
    )


def test_syntax_error_exits_1_with_file_and_line(project_copy: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    done = kg(project_copy, "validate", "--add", str(bad), "--format", "json")
    assert done.returncode == 1
    issue = json.loads(done.stdout)["issues"][0]
    assert (issue["file"], issue["line"], issue["check"]) == ("broken.ttl", 2, "syntax")
    assert "broken.ttl:2" in done.stderr


def test_build_query_and_stats(project_copy: Settings) -> None:
    done = kg(project_copy, "build")
    assert done.returncode == 0, done.stderr
    assert "built " in done.stdout and "parse" in done.stderr

    sparql = (
        "SELECT ?nis ?fr WHERE { ?m a cci:Municipality ; skos:notation ?nis ; "
        "skos:prefLabel ?fr FILTER(LANG(?fr) = 'fr') } ORDER BY ?nis"
    )
    table = kg(project_copy, "query", sparql)
    assert table.returncode == 0, table.stderr
    assert "Schaerbeek" in table.stdout and "(19 rows)" in table.stdout

    rows = list(csv.DictReader(io.StringIO(kg(project_copy, "query", sparql, "-f", "csv").stdout)))
    assert len(rows) == 19 and rows[0] == {"nis": "21001", "fr": "Anderlecht"}
    _results_as_spreadsheets_read_them(project_copy)

    results = json.loads(kg(project_copy, "query", sparql, "-f", "json").stdout)
    assert results["results"]["bindings"][14]["fr"] == {
        "type": "literal",
        "value": "Schaerbeek",
        "xml:lang": "fr",
    }

    saved = kg(project_copy, "query", "organisations-by-kind", "-f", "csv")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.splitlines()[0] == "kind,label,organisations"

    stats = kg(project_copy, "stats")
    assert stats.returncode == 0
    assert "cci:Municipality" in stats.stdout and "label languages" in stats.stdout


def _results_as_spreadsheets_read_them(settings: Settings) -> None:
    """CSV and TSV as the SPARQL 1.1 Query Results CSV and TSV Formats write them: CSV with
    full IRIs, plain lexical values (no language tag, no datatype), blank nodes as ``_:x``,
    a header of variable names and CRLF; TSV with terms in SPARQL syntax."""
    sparql = (
        "SELECT ?iri ?name ?count ?blank ?tricky WHERE { ?iri a cci:Municipality ; "
        "skos:notation '21004' ; skos:prefLabel ?name FILTER(LANG(?name) = 'fr') "
        "BIND(19 AS ?count) BIND(BNODE() AS ?blank) BIND('a \"b\", c' AS ?tricky) }"
    )
    env = {**os.environ, "KG_ROOT": str(settings.root), "KG_VAR": str(settings.var)}
    done = subprocess.run(
        [str(BIN / "kg"), "query", sparql, "-f", "csv"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    raw = done.stdout.decode()
    assert raw.endswith("\r\n") and raw.count("\r\n") == raw.count("\n") == 2
    header, row = list(csv.reader(io.StringIO(raw, newline="")))
    assert header == ["iri", "name", "count", "blank", "tricky"]
    iri, name, count, blank, tricky = row
    assert iri.startswith(settings.base + "id/municipality/") and name == "Bruxelles"
    assert count == "19" and blank.startswith("_:") and len(blank) > 2
    assert tricky == 'a "b", c'
    tsv = kg(settings, "query", sparql, "-f", "tsv").stdout.splitlines()
    assert tsv[0].split("\t") == ["?iri", "?name", "?count", "?blank", "?tricky"]
    cells = tsv[1].split("\t")
    assert cells[0] == f"<{iri}>" and cells[1] == '"Bruxelles"@fr' and cells[2] == "19"
    assert cells[4] == '"a \\"b\\", c"'
    # the table for people keeps prefixed names and language tags
    table = kg(settings, "query", sparql).stdout
    assert "mun:21004" in table and "Bruxelles@fr" in table


def test_query_errors_are_clear(project_copy: Settings, built: Settings) -> None:
    assert kg(project_copy, "query", "SELECT * WHERE { ?s ?p ?o }").returncode == 1  # no store
    assert "run `kg build` first" in kg(project_copy, "query", "ASK {}").stderr
    # with a store (the session's: these only read it)
    bad = kg(built, "query", "SELECT ?s WHERE { ?s ?p }")
    assert bad.returncode == 1 and "error:" in bad.stderr
    missing = kg(built, "query", "no-such-query")
    assert missing.returncode == 1 and "no saved query named 'no-such-query'" in missing.stderr


def test_bad_settings_exit_2(project_copy: Settings) -> None:
    env = {**os.environ, "KG_ROOT": str(project_copy.root), "KG_PORT": "eighty"}
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "stats"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "KG_PORT has an invalid value 'eighty'" in done.stderr


def test_the_access_log_can_be_turned_off(built: Settings, tmp_path: Path) -> None:
    """`kg serve` logs a line per request unless KG_ACCESS_LOG says not to; a value that is
    no yes or no stops it with the variable's name."""
    logged = {}
    for setting in ("1", "0"):
        port = free_port()
        env = {**os.environ, "KG_VAR": str(built.var), "KG_PORT": str(port)}
        env["KG_ACCESS_LOG"] = setting
        log_path = tmp_path / f"serve-{setting}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([str(BIN / "kg"), "serve"], env=env, stdout=log, stderr=log)
            try:
                wait_http(f"http://127.0.0.1:{port}/sparql")
                assert httpx.get(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D").is_success
            finally:
                proc.terminate()
                proc.wait(15)
        logged[setting] = "GET /sparql?query=ASK" in log_path.read_text()
    assert logged == {"1": True, "0": False}
    env = {**os.environ, "KG_VAR": str(built.var), "KG_ACCESS_LOG": "maybe"}
    done = subprocess.run([str(BIN / "kg"), "serve"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "KG_ACCESS_LOG has an invalid value 'maybe'" in done.stderr


def test_saved_query_parameters_from_the_command_line(built: Settings) -> None:
    # it only reads: the session's build will do
    name = "organisations-in-sector"
    design = kg(built, "query", name, "--sector", "sector:design", "-f", "csv")
    assert design.returncode == 0, design.stderr
    rows = list(csv.DictReader(io.StringIO(design.stdout)))
    everything = kg(built, "query", name, "-f", "csv")  # default: all sectors
    assert len(rows) < len(list(csv.DictReader(io.StringIO(everything.stdout))))
    design_iri = all_prefixes(built.base)["sector"] + "design"
    assert rows and {r["sector"] for r in rows} == {design_iri}  # CSV has full IRIs
    # --param name=value is the same; the language parameter picks the label
    nl = kg(built, "query", name, "-p", "sector=sector:design", "-p", "lang=nl", "-f", "csv")
    assert nl.returncode == 0 and {r["lang"] for r in csv.DictReader(io.StringIO(nl.stdout))} == {
        "nl"
    }
    wrong = kg(built, "query", name, "--sector", "design")
    assert wrong.returncode == 1 and "parameter `sector`" in wrong.stderr
    unknown = kg(built, "query", name, "--colour", "red")
    assert unknown.returncode == 1 and "parameter `colour`" in unknown.stderr
    # an injection attempt is a value of the parameter, not SPARQL
    hostile = kg(built, "query", name, "--lang", 'fr") } ; DROP ALL ; #')
    assert hostile.returncode == 1 and "parameter `lang`" in hostile.stderr
    raw = kg(built, "query", "ASK {}", "--sector", "sector:design")
    assert raw.returncode == 1 and "parameters are for saved queries" in raw.stderr


def test_snapshot_is_append_only_and_loaded_by_the_next_build(project_copy: Settings) -> None:
    assert kg(project_copy, "build").returncode == 0
    done = kg(project_copy, "snapshot", "--date", "2021-06-30")
    assert done.returncode == 0, done.stderr
    path = project_copy.root / "data" / "snapshots" / "2021-06-30.ttl"
    first = path.read_text()
    again = kg(project_copy, "snapshot", "--date", "2021-06-30")
    assert again.returncode == 1 and "append-only" in again.stderr
    assert path.read_text() == first
    assert kg(project_copy, "snapshot", "--date", "30/06/2021").returncode == 1
    assert kg(project_copy, "build").returncode == 0
    count = kg(
        project_copy,
        "query",
        'SELECT (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; cci:refPeriod "2021-06-30"^^xsd:date }',
        "-f",
        "csv",
    )
    assert count.returncode == 0, count.stderr
    observations = int(count.stdout.splitlines()[1])
    assert observations > 0 and f"wrote {observations} observations" in done.stdout
