"""Endpoint benchmark: our /sparql against `oxigraph serve-read-only` on the same store.

The reference has the same guarantees as ours (`--union-default-graph --timeout-s 10`);
the engine's ceiling, the reference without a time limit, is printed beside it.
Throughput and p50/p99 latency at concurrency 8 (by default) for a cheap lookup, lookups of
another organisation at each request, and a KPI-style aggregate; then the cheap query's
p99 and maximum beside 4 clients running runaway queries. `--kg-bin` measures another
checkout's `kg` (e.g. the code before a change) on the same store. Uses `wrk` (Debian
package wrk) as the load generator.

    python -m bench.endpoint [--size M] [--duration 15] [--reuse-store DIR] [--kg-bin PATH]
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
#: the issue's targets against the reference with a time limit: (throughput, p99) ratios
TARGETS = {"lookup": (0.5, 1.5), "aggregate": (0.8, 1.5)}
#: the cheap query beside runaways: its slowest answer, in milliseconds
TARGET_MAX_BESIDE_RUNAWAYS_MS = 1000.0
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
    # one client for all of them: a new one per request (TLS context, pool) costs more
    # than the 20 ms the lookup is given, and the loop would wait for its deadline
    with httpx.Client(headers={"Accept": accept}, timeout=30) as client:
        while fast < 3 and time.monotonic() < deadline:
            started = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                client.get(base + quote(CHEAP))
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
    stats = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.MULTILINE)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": _ms(stats.group(3)) if stats else float("nan"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
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
    parser.add_argument("--concurrency", nargs="+", type=int, default=[8])
    parser.add_argument("--skip-runaway", action="store_true", help="no runaway-clients run")
    parser.add_argument(
        "--kg-bin", type=Path, default=BIN / "kg", help="the `kg` to serve (another checkout's)"
    )
    parser.add_argument(
        "--no-ceiling", action="store_true", help="skip the reference without a time limit"
    )
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
    """Our server, the reference with a time limit (``oxigraph``) and, unless skipped, the
    reference without one (``ceiling``), on the same store, started one at a time."""

    def __init__(
        self, settings: Settings, args: argparse.Namespace, results: dict[str, Any]
    ) -> None:
        self.settings = settings
        self.store_dir = settings.store_path.resolve()
        self.results = results
        self.kg_bin: Path = args.kg_bin
        self.names = ["kg", "oxigraph"] + ([] if args.no_ceiling else ["ceiling"])
        self.process: subprocess.Popen[bytes] | None = None
        self.running = ""
        self.port = 0

    def _command(self, name: str) -> tuple[list[str], dict[str, str]]:
        if name == "kg":
            # served as under load: a server process per core, and no line logged per
            # request (neither does the reference; a proxy in front would log them)
            env = {
                **os.environ,
                "KG_VAR": str(self.settings.var),
                "KG_PORT": str(self.port),
                "KG_QUERY_TIMEOUT": "10",
                "KG_WORKERS": str(os.cpu_count() or 1),
                "KG_ACCESS_LOG": "0",
                # wrk's connections all come from one address but stand for many clients
                # (the reference has no per-client limit either)
                "KG_CLIENT_QUERIES": "0",
            }
            return [str(self.kg_bin), "serve"], env
        command = [
            str(BIN / "oxigraph"),
            "serve-read-only",
            "--location",
            str(self.store_dir),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--union-default-graph",
        ]
        if name == "oxigraph":
            command += ["--timeout-s", "10"]
        return command, dict(os.environ)

    def url(self, name: str) -> str:
        """The server ``name`` running, started if it is not: its query URL prefix."""
        if self.running != name or self.process is None or self.process.poll() is not None:
            if self.process is not None and self.running == name:
                # below THREAD_LIMITS the reference exits under load: count it
                self.results["restarts"] = self.results.get("restarts", 0) + 1
            self.stop()
            self.port = free_port()
            command, env = self._command(name)
            self.process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self.running = name
            path = "/sparql" if name == "kg" else "/query"
            wait(f"http://127.0.0.1:{self.port}{path}")
        path = "/sparql" if name == "kg" else "/query"
        return f"http://127.0.0.1:{self.port}{path}?query="

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None


ACCEPT = "application/sparql-results+json"


def _measure(base: str, query: str, conc: int, duration: float, count: int) -> dict[str, float]:
    settle(base, ACCEPT)
    url = base + quote(query)
    script = varying_script(url, count) if "NNNNNN" in query else None
    warm(url.replace("NNNNNN", "000001"), ACCEPT)
    if script is not None:  # a run not counted, so that the store's pages are in memory
        wrk(url, conc, WARM_UP, ACCEPT, script)
    return wrk(url, conc, duration, ACCEPT, script)


def _run_workloads(servers: _Servers, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Each server in turn runs every workload (one server at a time: they share the two
    cores), then the rows are put side by side."""
    count = gen.SIZES[args.size]
    cells = [
        (name, query, conc)
        for name, query in WORKLOADS
        if name in args.queries
        for conc in args.concurrency
    ]
    for server in servers.names:
        for name, query, conc in cells:
            row = next(
                (r for r in results["runs"] if r["query"] == name and r["concurrency"] == conc),
                None,
            )
            if row is None:
                row = {"query": name, "concurrency": conc}
                results["runs"].append(row)
            try:
                row[server] = _measure(servers.url(server), query, conc, args.duration, count)
            except (RuntimeError, httpx.HTTPError) as err:
                row[server] = {"error": str(err)[:200]}
    print(
        f"\n{'query':<10} {'conc':>4} | "
        + " | ".join(f"{s + ' rps':>14} {'p50':>8} {'p99':>9}" for s in servers.names)
        + " | ratios to oxigraph (rps, p99)"
    )
    for row in results["runs"]:
        cells_text = []
        for server in servers.names:
            m = row.get(server, {})
            if "rps" not in m:
                cells_text.append(f"{'failed':>34}")
                continue
            cells_text.append(f"{m['rps']:>14.0f} {m['p50_ms']:>6.1f}ms {m['p99_ms']:>7.1f}ms")
        ratios = _ratios(row, servers.names)
        row["ratios"] = ratios
        print(
            f"{row['query']:<10} {row['concurrency']:>4} | "
            + " | ".join(cells_text)
            + " | "
            + ", ".join(f"{s} x{r[0]:.2f} x{r[1]:.2f}" for s, r in ratios.items())
        )
        for server in servers.names:
            m = row.get(server, {})
            if m.get("non_2xx") or m.get("timeouts"):  # errors answer fast: the ratio would lie
                print(
                    f"  ! {server}: {m.get('non_2xx', 0)} non-2xx answers, {m.get('timeouts', 0)} timeouts"
                )


def _ratios(row: dict[str, Any], names: list[str]) -> dict[str, tuple[float, float]]:
    reference = row.get("oxigraph", {})
    if "rps" not in reference:
        return {}
    return {
        server: (
            row[server]["rps"] / reference["rps"],
            row[server]["p99_ms"] / max(reference["p99_ms"], 1e-3),
        )
        for server in names
        if server != "oxigraph" and "rps" in row.get(server, {})
    }


def _run_runaways(servers: _Servers, duration: float, results: dict[str, Any]) -> None:
    print("\ncheap lookup at concurrency 8, alone and beside 4 clients sending runaway queries")
    for server in servers.names:
        base = servers.url(server)
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            settle(base, ACCEPT)
            alone = wrk(base + quote(CHEAP), 8, duration, ACCEPT)
            threads = runaway_clients(base.split("?")[0], stop, ACCEPT)
            time.sleep(1.0)
            loaded = wrk(base + quote(CHEAP), 8, duration, ACCEPT)
        except (RuntimeError, httpx.HTTPError) as err:
            print(f"  {server:<9} failed: {str(err)[:200]}")
            results[f"runaway_{server}"] = {"error": str(err)[:200]}
            continue
        finally:
            stop.set()
        for t in threads:
            t.join(70)
        results[f"runaway_{server}"] = {"alone": alone, "with_runaways": loaded}
        print(
            f"  {server:<9} alone p99 {alone['p99_ms']:7.1f} ms max {alone['max_ms']:7.1f} ms ({alone['rps']:.0f} rps) | "
            f"with runaways p99 {loaded['p99_ms']:7.1f} ms max {loaded['max_ms']:7.1f} ms ({loaded['rps']:.0f} rps, "
            f"{loaded['non_2xx']} errors, {loaded['timeouts']} timeouts)"
        )


def _run_floor(servers: _Servers, duration: float, results: dict[str, Any]) -> None:
    """The app's cheapest route, /robots.txt (no store, no template), under the same load:
    what the web stack alone (uvicorn, FastAPI's middleware and routing) answers at most, so
    no query through the routes can go faster."""
    base = servers.url("kg").split("/sparql")[0]
    floor = wrk(base + "/robots.txt", 8, duration, "text/plain")
    results["route_floor"] = floor
    reference: dict[str, float] = next(
        (r.get("oxigraph", {}) for r in results["runs"] if r["query"] == "lookup"), {}
    )
    against = (
        f", x{floor['rps'] / reference['rps']:.2f} the reference's lookup"
        if "rps" in reference
        else ""
    )
    print(
        f"\nthe app's cheapest route (/robots.txt, no store) at concurrency 8: "
        f"{floor['rps']:.0f} rps, p99 {floor['p99_ms']:.1f} ms{against}"
    )


def _report_targets(results: dict[str, Any]) -> None:
    print("\ntargets at concurrency 8, against the reference with the same guarantees:")
    for row in results["runs"]:
        target = TARGETS.get(row["query"])
        ratio = row.get("ratios", {}).get("kg")
        if row["concurrency"] != 8 or target is None or ratio is None:
            continue
        ok = ratio[0] >= target[0] and ratio[1] <= target[1]
        print(
            f"  {row['query']:<10} rps x{ratio[0]:.2f} (>= {target[0]})  p99 x{ratio[1]:.2f} (<= {target[1]})  {'met' if ok else 'MISSED'}"
        )
    loaded = results.get("runaway_kg", {}).get("with_runaways")
    if loaded:
        ok = loaded["max_ms"] < TARGET_MAX_BESIDE_RUNAWAYS_MS and not loaded["timeouts"]
        print(
            f"  cheap query beside 4 runaways: max {loaded['max_ms']:.0f} ms (< {TARGET_MAX_BESIDE_RUNAWAYS_MS:.0f})  {'met' if ok else 'MISSED'}"
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
        "kg_bin": str(args.kg_bin),
        "runs": [],
    }
    servers = _Servers(settings, args, results)
    try:
        _run_workloads(servers, args, results)
        _run_floor(servers, args.duration, results)
        if not args.skip_runaway:
            _run_runaways(servers, args.duration, results)
        _report_targets(results)
    finally:
        servers.stop()
    if results.get("restarts"):
        print(f"\na reference server exited under load {results['restarts']} time(s)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
