"""Soak: `kg serve` on loopback for ten minutes under a mix of ordinary and hostile clients.

Each client speaks from its own loopback address (127.0.0.0/8 is all this machine), as
separate visitors would: entity pages, search, /sparql and saved queries (``mix``); a
cheap lookup every 50 ms whose latency is the figure (``cheap``); Graph Store writes with
the token (``writer``); four clients sending runaway queries (``runaway``, their 503 at the
time limit is intended); 80 slow readers that ask for a large answer, read nothing and
hang up after 25 s, in waves (``slow``); and a client sending hostile input (``hostile``,
none may be a 5xx: a 4xx that says
what is wrong, or an ordinary answer). The server serves its own copy of the project's sources, so
the writes go to that copy's change log.

The memory baseline is the server's steady state: a minute of the same clients first (not
counted, ``--warm-up``), then the cool-down; the cold figure, before it, is kept too. At
the end, after a cool-down: the memory of each of the server's processes against that
baseline, and whether every query slot is free again (a burst of as many concurrent
queries as the pool holds, all answered). ``python -m bench.soak [--duration 600]``
(``make soak``); the figures go to bench/results/soak.json, the server's log beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil

from bench.endpoint import RUNAWAY, free_port, wait
from kg.build import pipeline as build
from kg.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = HERE / "results" / "soak.json"
TOKEN = "soak-token"  # the server's admin token in this run only
CHEAP = "SELECT ?label WHERE { ?o a <http://www.w3.org/ns/org#Organization> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 3"
LARGE = "SELECT * WHERE { ?s ?p ?o }"
#: (method, path, body) of hostile or careless requests: none may get a 5xx
HOSTILE: list[tuple[str, str, bytes | None]] = [
    ("GET", "/sparql?query=" + quote("ASK { FILTER(" + "!" * 10_000 + "true) }"), None),
    ("GET", "/sparql?query=" + quote("ASK " + "{" * 3000 + "}" * 3000), None),
    (
        "GET",
        "/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
        None,
    ),
    ("GET", "/sparql?query=SELEKT", None),
    ("GET", "/api/queries/organisations-by-kind?page=%C2%B2", None),
    ("GET", "/api/queries/organisations-by-kind?per_page=" + "9" * 5000, None),
    ("GET", "/queries/organisations-by-kind?page=-1", None),
    ("GET", "/store?graph=not%20an%20iri", None),
    ("GET", "/search?q=" + "%FF" * 50, None),
    ("GET", "/id/organisation/" + "x" * 3000, None),
    ("POST", "/sparql", b"update=" + quote("LOAD <file:///etc/passwd>").encode()),
    ("POST", "/sparql", b"\xff\xfe not utf-8"),
    ("GET", "/nothing-here", None),
]


class Recorder:
    """Answers by client kind: status counts, and (time, latency) of each answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.latencies: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.errors: dict[str, Counter[str]] = defaultdict(Counter)
        self.bad: list[str] = []  # unexpected answers, with what was asked

    def answer(self, kind: str, status: int, seconds: float, what: str = "") -> None:
        with self.lock:
            self.statuses[kind][status] += 1
            self.latencies[kind].append((time.monotonic(), seconds))
            if status >= 500 and not (kind == "runaway" and status == 503):
                self.bad.append(f"{kind} {status} {what[:120]}")

    def failure(self, kind: str, err: Exception) -> None:
        with self.lock:
            self.errors[kind][type(err).__name__] += 1


def client(address: str, base: str, timeout: float = 60) -> httpx.Client:
    """A client whose connections leave from ``address`` (one visitor)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, timeout=timeout)


def timed(rec: Recorder, kind: str, http: httpx.Client, method: str, url: str, **kw: Any) -> None:
    started = time.monotonic()
    try:
        response = http.request(method, url, **kw)
        rec.answer(kind, response.status_code, time.monotonic() - started, f"{method} {url}")
    except httpx.HTTPError as err:
        rec.failure(kind, err)


def mix_loop(base: str, stop: threading.Event, rec: Recorder, pages: list[str]) -> None:
    saved = ["organisations-by-kind", "kpi-organisations-by-sector", "organisations-by-in-degree"]
    with client("127.0.0.2", base) as http:
        i = 0
        while not stop.is_set():
            i += 1
            timed(rec, "mix", http, "GET", pages[i % len(pages)], headers={"Accept": "text/html"})
            timed(
                rec, "mix", http, "GET", "/search", params={"q": ["hub", "design", "musée"][i % 3]}
            )
            timed(rec, "mix", http, "GET", "/sparql", params={"query": CHEAP, "format": "json"})
            timed(rec, "mix", http, "GET", f"/api/queries/{saved[i % len(saved)]}")


def cheap_loop(base: str, stop: threading.Event, rec: Recorder) -> None:
    with client("127.0.0.3", base) as http:
        while not stop.wait(0.05):
            timed(rec, "cheap", http, "GET", "/sparql", params={"query": CHEAP, "format": "json"})


def writer_loop(base: str, stop: threading.Event, rec: Recorder, every: float) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    with client("127.0.0.4", base, timeout=300) as http:
        n = 0
        while not stop.wait(every):
            n += 1
            body = f'<urn:x-soak:thing-{n}> <http://www.w3.org/2000/01/rdf-schema#comment> "soak write {n} (synthetic)" .'
            timed(
                rec,
                "writer",
                http,
                "PUT",
                f"/store?graph=urn:x-soak:graph-{n % 3}",
                headers=headers,
                content=body,
            )


def runaway_loop(base: str, stop: threading.Event, rec: Recorder, address: str) -> None:
    with client(address, base) as http:
        while not stop.is_set():
            timed(rec, "runaway", http, "GET", "/sparql", params={"query": RUNAWAY})


def slow_reader(port: int, stop: threading.Event, rec: Recorder, address: str, hold: float) -> None:
    """Ask for a large answer, read nothing, hang up after ``hold`` seconds; again."""
    request = (
        f"GET /sparql?query={quote(LARGE)}&format=json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: application/sparql-results+json\r\n\r\n"
    ).encode()
    while not stop.is_set():
        try:
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.bind((address, 0))
                sock.connect(("127.0.0.1", port))
                sock.sendall(request)
                stop.wait(hold)
            with rec.lock:
                rec.statuses["slow"][0] += 1  # one connection held and dropped
        except OSError as err:
            rec.failure("slow", err)
            stop.wait(1)


def hostile_loop(base: str, stop: threading.Event, rec: Recorder) -> None:
    with client("127.0.0.9", base) as http:
        i = 0
        while not stop.wait(0.2):
            method, path, body = HOSTILE[i % len(HOSTILE)]
            i += 1
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            started = time.monotonic()
            try:
                r = http.request(method, path, content=body, headers=headers)
            except httpx.HTTPError as err:
                rec.failure("hostile", err)
                continue
            rec.answer("hostile", r.status_code, time.monotonic() - started, f"{method} {path}")


def tree_memory(pid: int) -> dict[str, float]:
    """Memory in MB of the server process and of its query workers (all its descendants):
    RSS, and the private part (USS: pages no other process shares). Summed RSS counts the
    store's files, mapped by every worker and cached by the system, once per worker; the
    private part is what each process holds of its own."""
    proc = psutil.Process(pid)
    web = proc.memory_full_info()
    children = [p for p in proc.children(recursive=True) if p.is_running()]
    workers = workers_private = 0.0
    for child in children:
        with contextlib.suppress(psutil.Error):  # a worker that ended meanwhile
            info = child.memory_full_info()
            workers += info.rss / 2**20
            workers_private += info.uss / 2**20
    return {
        "web_mb": round(web.rss / 2**20, 1),
        "web_private_mb": round(web.uss / 2**20, 1),
        "workers_mb": round(workers, 1),
        "workers_private_mb": round(workers_private, 1),
        "processes": len(children),
    }


def burst(base: str, count: int) -> list[int]:
    """``count`` cheap queries at once from as many addresses: the statuses."""

    def one(i: int) -> int:
        with client(f"127.0.2.{i + 1}", base) as http:
            return http.get("/sparql", params={"query": CHEAP, "format": "json"}).status_code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def windows(
    samples: list[tuple[float, float]], start: float, width: float = 60.0
) -> list[dict[str, float]]:
    """p50, p99 and maximum latency (ms) of each ``width``-second window."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for at, seconds in samples:
        buckets[int((at - start) // width)].append(seconds * 1000)
    out = []
    for key in sorted(buckets):
        values = sorted(buckets[key])
        out.append(
            {
                "minute": key + 1,
                "n": len(values),
                "p50_ms": round(values[len(values) // 2], 1),
                "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))], 1),
                "max_ms": round(values[-1], 1),
            }
        )
    return out


def project_copy(folder: Path) -> Settings:
    root = folder / "project"
    for name in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / name, root / name)
    if (ROOT / "node_modules").exists():
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    return Settings(root=root, var_dir=folder / "var", admin_token=TOKEN)


def start_server(settings: Settings, port: int, transfer: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KG_ROOT": str(settings.root),
        "KG_VAR": str(settings.var),
        "KG_PORT": str(port),
        "KG_ADMIN_TOKEN": TOKEN,
        "KG_ACCESS_LOG": "0",
        "KG_TRANSFER_TIMEOUT": str(transfer),
    }
    log = open(settings.var / "soak-server.log", "wb")  # noqa: SIM115
    return subprocess.Popen([str(BIN / "kg"), "serve"], env=env, stdout=log, stderr=log)


def entity_pages(base: str) -> list[str]:
    query = "SELECT ?o WHERE { ?o a <http://www.w3.org/ns/org#Organization> } LIMIT 200"
    rows = httpx.get(base + "/sparql", params={"query": query, "format": "json"}, timeout=60)
    iris = [b["o"]["value"] for b in rows.json()["results"]["bindings"]]
    return ["/id/" + iri.split("/id/", 1)[1] for iri in iris if "/id/" in iri]


def start_clients(
    base: str,
    port: int,
    stop: threading.Event,
    rec: Recorder,
    args: argparse.Namespace,
    pages: list[str],
) -> list[threading.Thread]:
    jobs: list[tuple[Any, tuple[Any, ...]]] = [
        (mix_loop, (base, stop, rec, pages)),
        (cheap_loop, (base, stop, rec)),
        (writer_loop, (base, stop, rec, args.write_every)),
        (hostile_loop, (base, stop, rec)),
    ]
    jobs += [(runaway_loop, (base, stop, rec, f"127.0.0.{10 + i}")) for i in range(4)]
    jobs += [
        (slow_reader, (port, stop, rec, f"127.0.1.{1 + i}", args.hold)) for i in range(args.slow)
    ]
    threads = [threading.Thread(target=fn, args=a, daemon=True) for fn, a in jobs]
    for t in threads:
        t.start()
    return threads


def verdict(results: dict[str, Any]) -> list[str]:
    lines = []
    bad = results["unexpected"]
    lines.append(
        f"unexpected answers (5xx other than a runaway's 503): {len(bad)} {'met' if not bad else 'MISSED'}"
    )
    worst = max((w["p99_ms"] for w in results["cheap_windows"]), default=float("inf"))
    lines.append(
        f"cheap query p99, worst minute: {worst:.0f} ms (target < 1000) {'met' if worst < 1000 else 'MISSED'}"
    )
    base, end = results["memory"]["baseline"], results["memory"]["end"]
    grew = end["web_mb"] / base["web_mb"] - 1
    lines.append(
        f"web process memory: {base['web_mb']} -> {end['web_mb']} MB ({grew:+.0%}; target within 10%) {'met' if grew <= 0.10 else 'MISSED'}"
    )
    wgrew = end["workers_mb"] / max(base["workers_mb"], 1) - 1
    lines.append(
        f"query workers: {base['workers_mb']} MB in {base['processes']} processes -> {end['workers_mb']} MB in {end['processes']} ({wgrew:+.0%}) {'met' if wgrew <= 0.10 else 'MISSED'}"
    )
    for key, what in (("web_private_mb", "web process"), ("workers_private_mb", "query workers")):
        if key in base and key in end:
            grew = end[key] / max(base[key], 1) - 1
            lines.append(
                f"{what}, private memory (USS): {base[key]} -> {end[key]} MB ({grew:+.0%}) {'met' if grew <= 0.10 else 'MISSED'}"
            )
    ok = all(s == 200 for s in results["burst"])
    lines.append(
        f"slots free at the end: {results['burst'].count(200)}/{len(results['burst'])} concurrent queries answered {'met' if ok else 'MISSED'}"
    )
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="kg-soak-"))
    settings = project_copy(folder)
    print("building the store…", flush=True)
    build.run(settings)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(settings, port, args.transfer)
    rec, stop = Recorder(), threading.Event()
    try:
        wait(base + "/sparql")
        pages = entity_pages(base)
        for path in pages[:20]:
            httpx.get(base + path, timeout=60)
        cold = tree_memory(server.pid)
        if args.warm_up:
            # the baseline is the server's steady state: the same clients for a while (not
            # counted), then the cool-down; what grows after it grows with the load
            print(f"cold {cold}; warming up {args.warm_up:.0f} s (not counted)…", flush=True)
            warm_stop = threading.Event()
            warm = start_clients(base, port, warm_stop, Recorder(), args, pages)
            time.sleep(args.warm_up)
            warm_stop.set()
            for t in warm:
                t.join(args.hold + 60)
            time.sleep(args.cool_down)
        baseline = tree_memory(server.pid)
        print(f"baseline {baseline}; soaking for {args.duration:.0f} s…", flush=True)
        started = time.monotonic()
        threads = start_clients(base, port, stop, rec, args, pages)
        while time.monotonic() - started < args.duration:
            time.sleep(30)
            print(
                f"  {time.monotonic() - started:4.0f} s {dict((k, dict(v)) for k, v in rec.statuses.items())} {tree_memory(server.pid)}",
                flush=True,
            )
        stop.set()
        for t in threads:
            t.join(args.hold + 60)
        print(f"cooling down {args.cool_down:.0f} s…", flush=True)
        time.sleep(args.cool_down)
        end = tree_memory(server.pid)
        statuses = burst(base, args.burst)
        return {
            "duration_s": args.duration,
            "warm_up_s": args.warm_up,
            "cold_memory": cold,
            "statuses": {k: dict(v) for k, v in rec.statuses.items()},
            "client_errors": {k: dict(v) for k, v in rec.errors.items()},
            "unexpected": rec.bad[:50],
            "cheap_windows": windows(rec.latencies["cheap"], started),
            "memory": {"baseline": baseline, "end": end},
            "burst": statuses,
            "server_alive": server.poll() is None,
        }
    finally:
        stop.set()
        server.terminate()
        server.wait(30)
        RESULTS.parent.mkdir(exist_ok=True)  # the server's log, for the 5xx it explains
        shutil.copy(settings.var / "soak-server.log", RESULTS.with_name("soak-server.log"))
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--slow", type=int, default=80, help="slow readers")
    parser.add_argument("--hold", type=float, default=25.0, help="seconds a slow reader holds on")
    parser.add_argument("--write-every", type=float, default=60.0)
    parser.add_argument("--transfer", type=float, default=30.0, help="KG_TRANSFER_TIMEOUT")
    parser.add_argument("--cool-down", type=float, default=60.0)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=60.0,
        help="seconds of the same clients before the memory baseline (0: a cold baseline)",
    )
    parser.add_argument("--burst", type=int, default=16, help="concurrent queries at the end")
    results = run(parser.parse_args())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(
        json.dumps(
            {k: results[k] for k in ("statuses", "client_errors", "unexpected", "memory")}, indent=2
        )
    )
    print("cheap query by minute:", json.dumps(results["cheap_windows"]))
    for line in verdict(results):
        print(line)


if __name__ == "__main__":
    main()
