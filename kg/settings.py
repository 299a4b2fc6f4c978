"""The one settings object. Read once at start-up (``Settings.from_env``) and passed down."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.labels import SUPPORTED, check_languages
from kg.namespaces import DEFAULT_BASE


def _default_root() -> Path:
    """The checkout the package runs from (editable install), else the working directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "ontology").is_dir() and (here / "shapes").is_dir():
        return here
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Environment variables in brackets."""

    #: project checkout holding ontology/, shapes/, data/, queries/ [KG_ROOT]
    root: Path = field(default_factory=_default_root)
    #: where stores, indexes and build output go [KG_VAR]
    var_dir: Path | None = None
    #: base of every minted IRI [KG_BASE]
    base: str = DEFAULT_BASE
    #: the languages of the pages and of the labels' fallback, in order: the first is the
    #: default; some of fr, nl, en, comma-separated (docs/region.md) [KG_LANGUAGES]
    languages: tuple[str, ...] = SUPPORTED
    #: "embedded" (pyoxigraph on disk) or "remote" (SPARQL 1.1 Protocol + Graph Store) [KG_STORE]
    store_backend: str = "embedded"
    #: remote backend endpoints [KG_REMOTE_QUERY, KG_REMOTE_UPDATE, KG_REMOTE_GSP]
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_gsp_url: str | None = None
    #: what the remote server is, for its departures from the standard: "oxigraph" (any
    #: server that follows the protocols) or "virtuoso" (kg.store.dialects) [KG_REMOTE_DIALECT]
    remote_dialect: str = "oxigraph"
    #: account for the remote server's writes (HTTP digest, Virtuoso's /sparql-auth)
    #: [KG_REMOTE_USER, KG_REMOTE_PASSWORD]
    remote_user: str | None = None
    remote_password: str | None = field(default=None, repr=False)
    #: server [KG_HOST, KG_PORT, KG_WORKERS]
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: a line per request on the server's output; off where a proxy in front logs them
    #: (it costs about a tenth of a cheap query's time) [KG_ACCESS_LOG]
    access_log: bool = True
    #: stores kept after a build besides the serving one, for rollback [KG_KEEP_STORES]
    keep_stores: int = 1
    #: seconds a query may run before it is stopped [KG_QUERY_TIMEOUT]
    query_timeout: float = 10.0
    #: seconds an answer may take to send once its first bytes are out; the answer is
    #: then cut (closed with a note where the format allows one) [KG_TRANSFER_TIMEOUT]
    transfer_timeout: float = 300.0
    #: rows (or triples) a query answer holds at most; more is truncated [KG_MAX_ROWS]
    max_rows: int = 10_000
    #: bytes a query answer holds at most; more is truncated [KG_MAX_RESPONSE_BYTES]
    max_response_bytes: int = 100 * 1024 * 1024
    #: bytes a request body (query, update, upload) may have; more is refused [KG_MAX_REQUEST_BYTES]
    max_request_bytes: int = 1024 * 1024
    #: answers' bytes read from the store but not yet by their clients, held on disk at
    #: most, for every answer of a server process together (kg.store.spool) [KG_SPOOL_BYTES]
    spool_bytes: int = 1024 * 1024 * 1024
    #: query worker processes kept warm (up to four times as many are started under
    #: load) [KG_QUERY_WORKERS]
    query_workers: int = 2
    #: queries each worker process evaluates at once, one per thread, sharing its store
    #: and caches [KG_QUERY_THREADS]
    query_threads: int = 8
    #: query slots one client (by address) may hold at once; beyond, a new query is a 429
    #: with Retry-After, so that one client cannot starve the others; 0: no limit
    #: [KG_CLIENT_QUERIES]
    client_queries: int = 8
    #: processes computing the KPIs (dashboard, snapshot) on an embedded store; 0: one per
    #: core, 1: in the calling process [KG_KPI_WORKERS]
    kpi_workers: int = 0
    #: token that administrators send as `Authorization: Bearer …` to write [KG_ADMIN_TOKEN]
    admin_token: str | None = None
    #: endpoints SPARQL SERVICE may call, comma-separated; none by default [KG_SERVICE_ALLOW]
    service_allow: tuple[str, ...] = ()
    #: which peers of the registry (data/peers.ttl) may be asked: "all" (those with an
    #: endpoint), "none", or peer IRIs or slugs, comma-separated [KG_PEERS]
    peers: tuple[str, ...] = ("all",)
    #: seconds each peer has to answer before it is reported as slow [KG_PEER_TIMEOUT]
    peer_timeout: float = 3.0
    #: seconds a peer's answer is reused, and kept to be served (marked stale) while the
    #: peer is down [KG_PEER_CACHE, KG_PEER_STALE]
    peer_cache: float = 60.0
    peer_stale: float = 3600.0
    #: bytes a peer's answer may have; a longer one is refused as garbage [KG_PEER_MAX_BYTES]
    peer_max_bytes: int = 4 * 1024 * 1024
    #: map tiles; markers and boundaries show even when tiles cannot load [KG_TILE_URL]
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    #: the address /contact gives; none: the page says no address has been given yet
    #: [KG_CONTACT_EMAIL]
    contact_email: str | None = None
    #: the Wikidata SPARQL endpoint `kg link wikidata` asks; only that command calls it
    #: [KG_WIKIDATA_ENDPOINT]
    wikidata_endpoint: str = "https://query.wikidata.org/sparql"
    #: BOSA's BeST Address CSV (openaddress-bebru.csv) that `kg import kbo` geocodes the
    #: register's addresses with; none: not geocoded [KG_ADDRESSES]
    addresses_file: Path | None = None
    #: accounts, sessions, claims and the moderation queue (an SQLite database): outside
    #: var/, which builds and `make clean` replace; default: state/ beside var/ [KG_STATE]
    state_dir: Path | None = None
    #: the mail server sign-in links and moderators' answers go through; none: the link
    #: is written to the server's log (development) [KG_SMTP_HOST, KG_SMTP_PORT,
    #: KG_SMTP_USER, KG_SMTP_PASSWORD, KG_SMTP_FROM]
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "noreply@localhost"
    #: minutes a sign-in link stays valid; days a session lasts [KG_SIGNIN_MINUTES,
    #: KG_SESSION_DAYS]
    signin_minutes: int = 30
    session_days: int = 30
    #: paths made from the targets ``var/store`` had (``serving_store``), this object's own
    _links: dict[tuple[Path, str], Path] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"KG_BASE must end with '/' or '#', got {self.base!r}")
        try:
            check_languages(self.languages)
        except ValueError as err:
            raise ValueError(f"KG_LANGUAGES: {err}") from None
        if self.store_backend not in ("embedded", "remote"):
            raise ValueError(f"KG_STORE must be 'embedded' or 'remote', got {self.store_backend!r}")
        if self.store_backend == "remote" and not self.remote_query_url:
            raise ValueError("KG_STORE=remote needs KG_REMOTE_QUERY (the SPARQL query URL)")
        if self.remote_dialect not in ("oxigraph", "virtuoso"):
            raise ValueError(
                f"KG_REMOTE_DIALECT must be 'oxigraph' or 'virtuoso', got {self.remote_dialect!r}"
            )

    @property
    def var(self) -> Path:
        return self.var_dir if self.var_dir is not None else self.root / "var"

    @property
    def state(self) -> Path:
        return self.state_dir if self.state_dir is not None else self.var.parent / "state"

    @functools.cached_property
    def store_path(self) -> Path:
        """The serving store: a symlink swapped atomically by each build."""
        return self.var / "store"

    def serving_store(self) -> Path:
        """The store ``var/store`` points at now. One ``readlink`` (a full ``resolve``
        looks at every folder of the path): the server asks on every query, so that the
        next query after a build swaps the link reads the new store."""
        return link_target(self.store_path, self._links)

    @property
    def stores_dir(self) -> Path:
        return self.var / "stores"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        for key, (name, parse) in _ENV.items():
            if key in env:
                try:
                    kwargs[name] = parse(env[key])
                except ValueError:
                    raise ValueError(f"{key} has an invalid value {env[key]!r}") from None
        return cls(**kwargs)  # type: ignore[arg-type]


def link_target(link: Path, memo: dict[tuple[Path, str], Path] | None = None) -> Path:
    """What the symlink ``link`` points at, read with one system call; ``link`` resolved
    when it is no link (a store made by hand) or missing. ``memo`` keeps the paths made
    from targets already seen: building a path costs more than reading the link, and a
    link points at a handful of stores in a server's life."""
    try:
        target = os.readlink(link)
    except OSError:
        return link.resolve()
    if memo is None:
        return link.parent / target
    joined = memo.get((link, target))
    if joined is None:
        if len(memo) >= 64:
            memo.clear()
        joined = memo[(link, target)] = link.parent / target
    return joined


def _path(value: str) -> Path:
    return Path(value).resolve()


def _bool(value: str) -> bool:
    words = {"1": True, "true": True, "yes": True, "on": True}
    words |= {"0": False, "false": False, "no": False, "off": False}
    if value.strip().lower() not in words:
        raise ValueError(value)
    return words[value.strip().lower()]


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


_ENV: dict[str, tuple[str, Callable[[str], object]]] = {
    "KG_ROOT": ("root", _path),
    "KG_VAR": ("var_dir", _path),
    "KG_BASE": ("base", str),
    "KG_LANGUAGES": ("languages", _list),
    "KG_STORE": ("store_backend", str),
    "KG_REMOTE_QUERY": ("remote_query_url", str),
    "KG_REMOTE_UPDATE": ("remote_update_url", str),
    "KG_REMOTE_GSP": ("remote_gsp_url", str),
    "KG_REMOTE_DIALECT": ("remote_dialect", str),
    "KG_REMOTE_USER": ("remote_user", str),
    "KG_REMOTE_PASSWORD": ("remote_password", str),
    "KG_HOST": ("host", str),
    "KG_PORT": ("port", int),
    "KG_WORKERS": ("workers", int),
    "KG_ACCESS_LOG": ("access_log", _bool),
    "KG_KEEP_STORES": ("keep_stores", int),
    "KG_QUERY_TIMEOUT": ("query_timeout", float),
    "KG_TRANSFER_TIMEOUT": ("transfer_timeout", float),
    "KG_MAX_ROWS": ("max_rows", int),
    "KG_MAX_RESPONSE_BYTES": ("max_response_bytes", int),
    "KG_MAX_REQUEST_BYTES": ("max_request_bytes", int),
    "KG_SPOOL_BYTES": ("spool_bytes", int),
    "KG_QUERY_WORKERS": ("query_workers", int),
    "KG_QUERY_THREADS": ("query_threads", int),
    "KG_CLIENT_QUERIES": ("client_queries", int),
    "KG_KPI_WORKERS": ("kpi_workers", int),
    "KG_ADMIN_TOKEN": ("admin_token", str),
    "KG_SERVICE_ALLOW": ("service_allow", _list),
    "KG_PEERS": ("peers", _list),
    "KG_PEER_TIMEOUT": ("peer_timeout", float),
    "KG_PEER_CACHE": ("peer_cache", float),
    "KG_PEER_STALE": ("peer_stale", float),
    "KG_PEER_MAX_BYTES": ("peer_max_bytes", int),
    "KG_TILE_URL": ("tile_url", str),
    "KG_CONTACT_EMAIL": ("contact_email", str),
    "KG_WIKIDATA_ENDPOINT": ("wikidata_endpoint", str),
    "KG_ADDRESSES": ("addresses_file", _path),
    "KG_STATE": ("state_dir", _path),
    "KG_SMTP_HOST": ("smtp_host", str),
    "KG_SMTP_PORT": ("smtp_port", int),
    "KG_SMTP_USER": ("smtp_user", str),
    "KG_SMTP_PASSWORD": ("smtp_password", str),
    "KG_SMTP_FROM": ("smtp_from", str),
    "KG_SIGNIN_MINUTES": ("signin_minutes", int),
    "KG_SESSION_DAYS": ("session_days", int),
}
