"""Endpoint benchmark: our /sparql against `oxigraph serve-read-only` on the same store.

Throughput and p50/p99 latency at concurrency 1, 8 and 32 for a cheap lookup and a
KPI-style aggregate, then the p99 of the cheap query with and without 4 clients running
runaway queries. Uses `wrk` (Debian package wrk) as the load generator.

    python -m bench.endpoint [--size M] [--duration 15] [--reuse-store DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench import generate as gen
from bench.__main__ import dataset
from kg.build import pipeline as build
from kg.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results" / "endpoint.json"

CHEAP = (
    "SELECT ?label WHERE { <https://data.creative.brussels/id/organisation/synthetic-000042> "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
)
#: the same lookup, of another organisation at each request (``NNNNNN``: its number), so
#: that nothing the servers keep from one request to the next answers the following one
LOOKUPS = CHEAP.replace("000042", "NNNNNN")
AGGREGATE = (
    "SELECT ?sector (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a <http://www.w3.org/ns/org#Organization> ; "
    "<https://data.creative.brussels/ontology#sector> ?sector } GROUP BY ?sector ORDER BY DESC(?n)"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
TARGET_THROUGHPUT, TARGET_P99 = 0.8, 1.5
#: seconds of the varied workload run before it is measured, on each server
WARM_UP = 3.0
WORKLOADS = (("lookup", CHEAP), ("lookups", LOOKUPS), ("aggregate", AGGREGATE))


#: `oxigraph serve-read-only --timeout-s T` starts a thread per query that sleeps for the
#: whole T: at thousands of lookups a second tens of thousands of threads are alive. Below
#: these kernel limits it cannot start more (EAGAIN, then ENOMEM for the stack's guard
#: page) and exits, which says nothing about its speed.
THREAD_LIMITS = {"vm.max_map_count": 262_144, "kernel.pid_max": 4_194_304}


def thread_limits() -> dict[str, int]:
    """The kernel limits that bound how many threads the reference can hold."""
    found: dict[str, int] = {}
    for name in THREAD_LIMITS:
        path = Path("/proc/sys") / name.replace(".", "/")
        with contextlib.suppress(OSError, ValueError):
            found[name] = int(path.read_text())
    return found


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def warm(url: str, accept: str, times: int = 3) -> None:
    """A few requests one after the other, so that the first measured one does not open
    caches (the aggregate's first run on a cold store takes seconds)."""
    for _ in range(times):
        httpx.get(url, headers={"Accept": accept}, timeout=60)


def settle(base: str, accept: str, timeout: float = 90.0) -> None:
    """Wait until the server has finished what an earlier run left running: wrk stops
    sending at its deadline, but queries in flight are still evaluated (up to 32 aggregates
    here, seconds of CPU). Three cheap lookups in a row answering within 20 ms say it is
    idle."""
    deadline = time.monotonic() + timeout
    fast = 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(base + quote(CHEAP), headers={"Accept": accept}, timeout=30)
        fast = fast + 1 if time.monotonic() - started < 0.02 else 0
        time.sleep(0.05)


#: wrk script: each request asks for the organisation of a random number below ``count``
#: in place of ``NNNNNN`` in the URL (the query's text, URL-encoded)
VARYING = """
local template, count, threads = "{template}", {count}, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() + 7919 * id)
end
function request()
  local path = template:gsub("NNNNNN", string.format("%06d", math.random(0, count - 1)))
  return wrk.format("GET", path)
end
"""


def varying_script(url: str, count: int) -> Path:
    """A wrk script asking ``url`` (with ``NNNNNN`` in it) for ``count`` organisations."""
    path = HERE / "results" / "varying.lua"
    path.parent.mkdir(exist_ok=True)
    target = url.split("://", 1)[1].split("/", 1)[1]
    path.write_text(VARYING.format(template="/" + target, count=count))
    return path


def wrk(
    url: str, connections: int, duration: float, accept: str, script: Path | None = None
) -> dict[str, float]:
    done = subprocess.run(
        [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            f"Accept: {accept}",
            *(["-s", str(script)] if script is not None else []),
            url.split("?")[0] if script is not None else url,
        ],
        capture_output=True,
        text=True,
    )
    out = done.stdout
    if done.returncode or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    p50, p99 = _ms(latency["50"]), _ms(latency["99"])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


#: what a store is built from besides the synthetic file: a change to any of these builds
#: the benchmark's store again (a store made by older code measures older code)
BUILD_INPUTS = ("kg", "ontology", "shapes", "data")


def build_key(data: Path) -> str:
    """A digest of the synthetic file's stamp and of every file the build reads or runs."""
    digest = hashlib.sha256(data.with_suffix(".stamp").read_bytes())
    for folder in BUILD_INPUTS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def m_store(size: str, reuse: Path | None) -> Settings:
    """The synthetic store of ``size``, built under bench/data/ and reused until the data or
    the code and sources that build it change (``reuse``: that var directory, as it is)."""
    var = reuse or gen.DATA_DIR / f"store-{size}"
    settings = Settings(var_dir=var)
    if reuse is not None and settings.store_path.exists():
        return settings
    data, _ = dataset(size, 0)
    key = build_key(data)
    stamp = var / "bench.stamp"
    if settings.store_path.exists() and stamp.exists() and stamp.read_text() == key:
        return settings
    print(f"building the {size} store in {var}…", flush=True)
    build.run(settings, extra=[data])
    stamp.write_text(key)
    return settings


def runaway_clients(url: str, stop: threading.Event, accept: str) -> list[threading.Thread]:
    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(url, params={"query": RUNAWAY}, headers={"Accept": accept}, timeout=60)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    return threads


def read_through(folder: Path) -> None:
    """Read every file of the store once, so that both servers start with it in the page
    cache: on a cold cache (after a reboot) whichever server runs first reads the store
    from disk for both, and the varied lookups measured 0.08x instead of 0.5x."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                while handle.read(1 << 24):
                    pass


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M", choices=sorted(gen.SIZES))
    # an aggregate takes about a second at concurrency 8: shorter runs count too few
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per wrk run")
    parser.add_argument("--reuse-store", type=Path, help="a KG_VAR whose store is already built")
    parser.add_argument(
        "--queries",
        nargs="+",
        choices=[name for name, _ in WORKLOADS],
        default=[name for name, _ in WORKLOADS],
        help="workloads to run (lookups: another organisation at each request)",
    )
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 8, 32])
    parser.add_argument("--skip-runaway", action="store_true", help="no runaway-clients run")
    return parser.parse_args()


def _warn_thread_limits(limits: dict[str, int]) -> None:
    low = {k: v for k, v in limits.items() if v < THREAD_LIMITS[k]}
    if low:
        print(
            "! the reference will run out of threads under the lookup load ("
            + ", ".join(f"{k} = {v}" for k, v in low.items())
            + "); as root: sysctl -w "
            + " ".join(f"{k}={THREAD_LIMITS[k]}" for k in low),
            file=sys.stderr,
        )


class _Servers:
    """Our server and the reference, on the same store."""

    def __init__(self, settings: Settings, results: dict[str, Any]) -> None:
        self.store_dir = settings.store_path.resolve()
        self.results = results
        self.ours_port, self.ox_port = free_port(), free_port()
        # served as under load: a server process per core (the reference runs a thread per
        # request on every core), and no line logged per request (neither does the
        # reference; a proxy in front would log them)
        env = {
            **os.environ,
            "KG_VAR": str(settings.var),
            "KG_PORT": str(self.ours_port),
            "KG_QUERY_TIMEOUT": "10",
            "KG_WORKERS": str(os.cpu_count() or 1),
            "KG_ACCESS_LOG": "0",
        }
        self.ours = subprocess.Popen(
            [str(BIN / "kg"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ox = self._start_oxigraph()
        self.urls = {
            "kg": f"http://127.0.0.1:{self.ours_port}/sparql?query=",
            "oxigraph": f"http://127.0.0.1:{self.ox_port}/query?query=",
        }

    def _start_oxigraph(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(self.store_dir),
                "--bind",
                f"127.0.0.1:{self.ox_port}",
                "--union-default-graph",
                "--timeout-s",
                "10",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        wait(f"http://127.0.0.1:{self.ours_port}/sparql")
        wait(f"http://127.0.0.1:{self.ox_port}/query")

    def oxigraph_running(self) -> None:
        """Below THREAD_LIMITS the reference exits under load (it cannot start threads).
        Start it again, and count it."""
        if self.ox.poll() is not None:
            self.ox = self._start_oxigraph()
            wait(f"http://127.0.0.1:{self.ox_port}/query")
            self.results["oxigraph_restarts"] = self.results.get("oxigraph_restarts", 0) + 1

    def stop(self) -> None:
        self.ours.terminate()
        self.ox.terminate()
        self.ours.wait(20)
        self.ox.wait(20)


ACCEPT = "application/sparql-results+json"


def _workload_row(
    servers: _Servers, name: str, query: str, conc: int, duration: float, count: int
) -> dict[str, Any]:
    """One workload at one concurrency on both servers, with the ratios."""
    row: dict[str, Any] = {"query": name, "concurrency": conc}
    for server, base in servers.urls.items():
        if server == "oxigraph":
            servers.oxigraph_running()
        try:
            settle(base, ACCEPT)
            url = base + quote(query)
            script = varying_script(url, count) if "NNNNNN" in query else None
            warm(url.replace("NNNNNN", "000001"), ACCEPT)
            if script is not None:  # the same run, not counted: whichever server goes
                # first would otherwise read the store from disk for both (they share
                # the page cache)
                wrk(url, conc, WARM_UP, ACCEPT, script)
            row[server] = wrk(url, conc, duration, ACCEPT, script)
        except (RuntimeError, httpx.HTTPError) as err:
            row["error"] = f"{server} failed: {str(err)[:200]}"
            return row
    row["rps_ratio"] = row["kg"]["rps"] / row["oxigraph"]["rps"]
    row["p99_ratio"] = row["kg"]["p99_ms"] / max(row["oxigraph"]["p99_ms"], 1e-3)
    return row


def _run_workloads(servers: _Servers, args: argparse.Namespace, results: dict[str, Any]) -> None:
    print(
        f"\n{'query':<10} {'conc':>4} | {'kg rps':>8} {'p50':>7} {'p99':>8} | {'oxigraph rps':>12} {'p50':>7} {'p99':>8} | {'rps ratio':>9} {'p99 ratio':>9}"
    )
    count = gen.SIZES[args.size]
    for name, query in WORKLOADS:
        if name not in args.queries:
            continue
        for conc in args.concurrency:
            row = _workload_row(servers, name, query, conc, args.duration, count)
            results["runs"].append(row)
            if "error" in row:
                print(f"{name:<10} {conc:>4} | {row['error']}")
                continue
            k, o = row["kg"], row["oxigraph"]
            print(
                f"{name:<10} {conc:>4} | {k['rps']:>8.0f} {k['p50_ms']:>6.1f}ms {k['p99_ms']:>7.1f}ms | "
                f"{o['rps']:>12.0f} {o['p50_ms']:>6.1f}ms {o['p99_ms']:>7.1f}ms | "
                f"{row['rps_ratio']:>9.2f} {row['p99_ratio']:>9.2f}"
            )
            if k["non_2xx"] or o["non_2xx"]:  # errors answer fast: the ratio would lie
                print(f"  ! non-2xx answers: kg {k['non_2xx']}, oxigraph {o['non_2xx']}")


def _run_runaways(servers: _Servers, duration: float, results: dict[str, Any]) -> None:
    print("\ncheap lookup p99 at concurrency 4, alone and beside 4 clients sending runaway queries")
    for server, base in servers.urls.items():
        if server == "oxigraph":
            servers.oxigraph_running()
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            settle(base, ACCEPT)
            alone = wrk(base + quote(CHEAP), 4, duration, ACCEPT)
            threads = runaway_clients(base.split("?")[0], stop, ACCEPT)
            time.sleep(1.0)
            loaded = wrk(base + quote(CHEAP), 4, duration, ACCEPT)
        except (RuntimeError, httpx.HTTPError) as err:
            print(f"  {server:<9} failed: {str(err)[:200]}")
            continue
        finally:
            stop.set()
        for t in threads:
            t.join(70)
        results[f"runaway_{server}"] = {"alone": alone, "with_runaways": loaded}
        print(
            f"  {server:<9} alone p99 {alone['p99_ms']:7.1f} ms ({alone['rps']:.0f} rps) | "
            f"with runaways p99 {loaded['p99_ms']:7.1f} ms ({loaded['rps']:.0f} rps, "
            f"{loaded['non_2xx']} errors)"
        )


def _report_targets(results: dict[str, Any]) -> None:
    # a row where the reference answered errors (fast) or failed compares nothing
    at8 = [
        r
        for r in results["runs"]
        if r["concurrency"] == 8 and "error" not in r and not r["oxigraph"]["non_2xx"]
    ]
    print("\ntargets at concurrency 8: throughput >= 0.8x oxigraph, p99 <= 1.5x oxigraph")
    for r in at8:
        ok = r["rps_ratio"] >= TARGET_THROUGHPUT and r["p99_ratio"] <= TARGET_P99
        print(
            f"  {r['query']:<10} rps x{r['rps_ratio']:.2f}  p99 x{r['p99_ratio']:.2f}  {'met' if ok else 'MISSED'}"
        )


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed as the load generator: apt-get install wrk")
    limits = thread_limits()
    _warn_thread_limits(limits)
    settings = m_store(args.size, args.reuse_store)
    read_through(settings.store_path.resolve())
    results: dict[str, Any] = {
        "size": args.size,
        "duration_s": args.duration,
        "thread_limits": limits,
        "runs": [],
    }
    servers = _Servers(settings, results)
    try:
        servers.wait_ready()
        _run_workloads(servers, args, results)
        if not args.skip_runaway:
            _run_runaways(servers, args.duration, results)
        _report_targets(results)
    finally:
        servers.stop()
    if results.get("oxigraph_restarts"):
        print(
            f"\noxigraph serve-read-only exited under load {results['oxigraph_restarts']} time(s)"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
