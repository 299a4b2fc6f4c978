"""The ``kg`` command: build, validate, query, snapshot, stats, serve, changes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from kg import accountscli
from kg.build import pipeline as build_mod
from kg.build.sources import shown_path
from kg.changescli import app as changes_app
from kg.clisettings import settings_or_exit
from kg.errors import KgError, QueryError, SourceSyntaxError, ValidationFailed
from kg.federation.cli import app as peers_app
from kg.importcli import app as import_app
from kg.linkcli import app as link_app
from kg.namespaces import all_prefixes
from kg.saved import queries as saved
from kg.settings import Settings
from kg.sparql.terminal import FORMATS, render
from kg.store import open_store
from kg.store.stats import collect

app = typer.Typer(help="The Brussels creative-ecosystem knowledge graph.", no_args_is_help=True)
app.add_typer(changes_app, name="changes")
app.add_typer(link_app, name="link")
app.add_typer(import_app, name="import")
app.add_typer(peers_app, name="peers")
app.add_typer(accountscli.users, name="users")
app.command()(accountscli.backup)
app.command()(accountscli.restore)
app.command()(accountscli.remind)
app.command()(accountscli.erase)


def _progress(message: str) -> None:
    typer.echo(f"[{time.strftime('%H:%M:%S')}] {message}", err=True)


def _fail(
    err: KgError, settings: Settings, fmt: str = "text", to_stdout: bool = False
) -> typer.Exit:
    """Say what went wrong; a validation report goes to stdout for ``kg validate``."""
    if isinstance(err, ValidationFailed):
        if fmt == "json":
            typer.echo(err.report.to_json())
        else:
            typer.echo(err.report.to_text(all_prefixes(settings.base)), err=not to_stdout)
        return typer.Exit(1)
    if isinstance(err, SourceSyntaxError) and fmt == "json":
        issue = {"file": err.file, "line": err.line, "message": err.message, "check": "syntax"}
        typer.echo(json.dumps({"conforms": False, "errors": 1, "issues": [issue]}))
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(1)


Extra = Annotated[
    list[Path] | None,
    typer.Option("--add", help="Extra RDF file to load into its own graph (repeatable)."),
]


@app.command()
def build(add: Extra = None) -> None:
    """Read every source, validate it, load it into a new store and swap it in."""
    settings = settings_or_exit()
    try:
        result = build_mod.run(settings, extra=add or [], progress=_progress)
    except KgError as err:
        raise _fail(err, settings) from None
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    typer.echo(
        f"built {result.build_id}: {result.triples} triples in {len(result.graphs)} graphs "
        f"({timings}); serving store: {settings.store_path}"
    )
    if result.report.warning_count:
        typer.echo(result.report.to_text(all_prefixes(settings.base)), err=True)


@app.command()
def validate(
    add: Extra = None,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Validate every source without touching the store. Exit 1 on violations."""
    settings = settings_or_exit()
    if format not in ("text", "json"):
        typer.echo("error: --format must be text or json", err=True)
        raise typer.Exit(2)
    progress = _progress if format == "text" else (lambda _: None)
    try:
        result = build_mod.run(settings, extra=add or [], progress=progress, keep=False)
    except KgError as err:
        raise _fail(err, settings, format, to_stdout=True) from None
    if format == "json":
        typer.echo(result.report.to_json())
    else:
        typer.echo(result.report.to_text(all_prefixes(settings.base)))


def _named_params(args: list[str], pairs: list[str]) -> dict[str, str]:
    """``--name value`` / ``--name=value`` (extra arguments) and ``--param name=value``."""
    raw: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r}: expected name=value", param_hint="--param")
        raw[name] = value
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if not word.startswith("--") or len(word) < 3:
            raise typer.BadParameter(f"unexpected argument {word!r}")
        name, sep, value = word[2:].partition("=")
        if not sep:
            if not rest:
                raise typer.BadParameter(f"--{name} needs a value")
            value = rest.pop(0)
        raw[name] = value
    return raw


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def query(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or a saved query name")],
    format: Annotated[str, typer.Option("--format", "-f", help=", ".join(FORMATS))] = "table",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="name=value for a saved query (repeatable)"),
    ] = None,
) -> None:
    """Run a SPARQL query against the store. Prefixes of the project are predeclared.

    A saved query takes its parameters as ``--name value`` (or ``--param name=value``),
    checked and bound as RDF terms exactly as the HTTP API does:
    ``kg query organisations-in-sector --sector sector:design``."""
    settings = settings_or_exit()
    if format not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    raw = _named_params(ctx.args, param or [])
    try:
        path = Path(text)
        name = None
        if text.endswith(".rq") and path.is_file():
            if path.resolve().parent == saved.queries_dir(settings).resolve():
                name = path.stem
            sparql = path.read_text(encoding="utf-8")
        elif text.replace("-", "").replace("_", "").isalnum():
            name = text
            sparql = ""
        else:
            sparql = text
        if raw and name is None:
            raise QueryError("parameters are for saved queries (a name from queries/)")
        store = open_store(settings)
        prefixes = all_prefixes(settings.base)
        if name is not None:
            result = saved.run(settings, store, saved.get(settings, name), raw)
        else:
            result = store.query(sparql, prefixes=prefixes)
        out = render(result, format, prefixes)
        # CSV ends its rows with CRLF: no bare line end after the last one
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    except KgError as err:
        raise _fail(err, settings) from None


@app.command()
def snapshot(
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: today, UTC)")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="compute an existing date's snapshot again")
    ] = False,
    past: Annotated[
        bool,
        typer.Option(
            "--past",
            help="compute the KPIs of every past year from the dates the sources give, "
            "into var/kpi/past.ttl (made again as a whole; the next build loads it)",
        ),
    ] = False,
) -> None:
    """Record the value of every KPI at a date in data/snapshots/DATE.ttl (Data Cube),
    append-only; the next `kg build` loads it. With --past: the KPIs of past years,
    computed from the dated facts (docs/kpi.md)."""
    settings = settings_or_exit()
    from kg.saved import kpi, kpipast, kpisnapshot

    if past:
        try:
            _progress("computing the KPIs of past years from the dated facts…")
            path = kpipast.write_past(settings, open_store(settings))
        except KgError as err:
            raise _fail(err, settings) from None
        shown = shown_path(path, settings.root)
        typer.echo(f"wrote {shown}; run `kg build` to load it")
        return
    try:
        when = kpisnapshot.parse_date(day)
        store = open_store(settings)
        _progress("computing every KPI…")
        values = kpi.compute_all(settings, store)
        path = kpisnapshot.snapshot(settings, store, when, replace=replace, values=values)
    except KgError as err:
        raise _fail(err, settings) from None
    typer.echo(
        f"wrote {len(values)} observations to {path.relative_to(settings.root)}; "
        "run `kg build` to load them"
    )


@app.command()
def stats() -> None:
    """Counts by class, by named graph, and label coverage by language."""
    settings = settings_or_exit()
    try:
        s = collect(open_store(settings))
    except KgError as err:
        raise _fail(err, settings) from None
    prefixes = all_prefixes(settings.base)
    from kg.build.report import shorten

    typer.echo(f"triples: {s.triples}")
    typer.echo("\nby class:")
    for cls, n in s.by_class.items():
        typer.echo(f"  {n:>8}  {shorten(cls, prefixes)}")
    typer.echo("\nby named graph:")
    for g, n in s.by_graph.items():
        typer.echo(f"  {n:>8}  {g.removeprefix(settings.base)}")
    typer.echo(f"\nlabel languages ({s.labelled} labelled entities):")
    for lang, n in s.by_language.items():
        typer.echo(f"  {n:>8}  {lang or '(none)':<6} {100 * s.coverage(lang):5.1f} %")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: KG_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: KG_PORT or 8000")] = None,
) -> None:
    """Serve the graph over HTTP (SPARQL endpoint and pages)."""
    settings = settings_or_exit()
    settings = settings.with_(host=host or settings.host, port=port or settings.port)
    import uvicorn

    if not settings.store_path.exists() and settings.store_backend == "embedded":
        typer.echo(f"error: no store at {settings.store_path}: run `kg build` first", err=True)
        raise typer.Exit(1)
    # the app by its import path: kg never imports endpoint (the web layer builds on kg,
    # not the reverse); each server process reads the same environment into its settings
    uvicorn.run(
        "endpoint.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers if settings.workers > 1 else None,
        access_log=settings.access_log,
    )


if __name__ == "__main__":
    app()
