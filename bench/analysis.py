"""Query analysis benchmark: the project's lexer (``kg.sparql.analysis.analyse``) against
rdflib's maintained SPARQL parser (``rdflib.plugins.sparql.parser.parseQuery``), on the
texts ``/sparql`` reads on every request it has not seen before.

Texts: an entity lookup, two KPI aggregates from queries/, a 7 KB query (5 KB of
``OPTIONAL`` blocks under the project's prefixes), and worst cases at the request cap (a
1 MiB ``VALUES`` list, deeply nested groups, a long string, many comments). As a
yardstick, pyoxigraph parsing and evaluating each text on an empty in-memory store.

    python -m bench.analysis [--repeat 200] [--cap SECONDS]

Prints the medians in milliseconds; bench/results/analysis.json has medians and maxima.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import Store

from kg.namespaces import all_prefixes
from kg.saved.header import read_header

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "analysis.json"
QUERIES = HERE.parent / "queries"
PREFIXES = all_prefixes("https://data.creative.brussels/")
REQUEST_CAP = 1024 * 1024

LOOKUP = "SELECT ?p ?o WHERE { <https://data.creative.brussels/id/organisation/a> ?p ?o }"


def _body(name: str) -> str:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    header = read_header(text)
    body = "".join(text.splitlines(keepends=True)[len(header) :])
    # rdflib needs the prefixes declared: those the body uses, as a client would send them
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if f"{p}:" in body)
    return declared + body


def _seven_kb() -> str:
    block = (
        "  OPTIONAL { ?o skos:prefLabel ?l@@ FILTER(LANG(?l@@) = 'fr') "
        '# a comment with SERVICE in it\n    ?o dct:description "text @@"@en }\n'
    )
    parts = ["SELECT * WHERE {\n  ?o a org:Organization .\n"]
    i = 0
    while sum(map(len, parts)) < 5 * 1024:
        parts.append(block.replace("@@", str(i)))
        i += 1
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    return declared + "".join(parts) + "}\n"


def texts() -> dict[str, str]:
    row = "(<https://data.creative.brussels/id/organisation/x{0}> 'n{0}')\n"
    values, i = ["SELECT * WHERE { VALUES (?o ?n) {\n"], 0
    size = len(values[0])
    while size < REQUEST_CAP - 200:
        values.append(row.format(i))
        size += len(values[-1])
        i += 1
    values.append("} }")
    return {
        "lookup": LOOKUP,
        "kpi-sector-service-matrix": _body("kpi-sector-service-matrix"),
        "kpi-data-quality": _body("kpi-data-quality"),
        "7 KB": _seven_kb(),
        "1 MiB VALUES": "".join(values),
        "nested groups x400": "SELECT * WHERE " + "{ " * 400 + "?s ?p ?o" + " }" * 400,
        "1 MiB string": "SELECT * WHERE { ?s ?p '" + "x" * (REQUEST_CAP - 40) + "' }",
        "1 MiB comments": "SELECT * WHERE {\n"
        + "# SERVICE <http://x/> { }\n" * (REQUEST_CAP // 27)
        + "?s ?p ?o }",
    }


def _time(run: Callable[[], object], repeat: int, cap: float) -> dict[str, float | int | str]:
    samples: list[float] = []
    spent = 0.0
    error = ""
    while len(samples) < repeat and spent < cap:
        start = time.perf_counter()
        try:
            run()
        except Exception as err:  # shown in the table: a parser's refusal is a result
            error = f"{type(err).__name__}: {str(err)[:80]}"
        took = time.perf_counter() - start
        samples.append(took * 1000)
        spent += took
    return {
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 4),
        "max_ms": round(max(samples), 4),
        "error": error,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--cap", type=float, default=20.0, help="seconds per text and parser")
    args = parser.parse_args()

    from rdflib.plugins.sparql.parser import parseQuery

    from kg.sparql.analysis import analyse

    store = Store()
    rows: dict[str, dict[str, object]] = {}
    print(f"{'text':26} {'bytes':>8} {'lexer ms':>9} {'rdflib ms':>10} {'oxigraph ms':>12}")
    for name, text in texts().items():
        runs = {
            "lexer": lambda t=text: analyse(t, PREFIXES),
            "rdflib": lambda t=text: parseQuery(t),
            # the yardstick: pyoxigraph parsing and evaluating it on an empty store
            "oxigraph": lambda t=text: list(store.query(t)),  # type: ignore[arg-type]
        }
        timed = {k: _time(run, args.repeat, args.cap) for k, run in runs.items()}
        rows[name] = {"bytes": len(text.encode()), **timed}
        notes = "; ".join(f"{k}: {v['error']}" for k, v in timed.items() if v["error"])
        medians = [timed[k]["median_ms"] for k in runs]
        print(
            f"{name:26} {len(text.encode()):>8} {medians[0]:>9} {medians[1]:>10} "
            f"{medians[2]:>12}  {notes}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
