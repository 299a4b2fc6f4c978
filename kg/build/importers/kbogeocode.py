"""Offline geocoding of the register's addresses with BOSA's BeST Address extract (the
OpenAddresses-format CSV that BOSA publishes per region, ``openaddress-bebru.csv`` for
Brussels; https://opendata.bosa.be/).

An address of the register is matched by postcode + street name (French or Dutch) + house
number; the box is ignored. Names and numbers are compared normalised (case, accents,
spaces, apostrophes, hyphens: only letters and digits count). A key that the file gives
two points more than ``SAME_PLACE_M`` apart (two streets of one postcode with the same
normalised name, say), or whose French and Dutch names lead to two such points, is
ambiguous: no geometry. Only rows whose status is ``current`` are used.

The file is streamed, and only the keys the kept enterprises ask for are held: memory
grows with the register's selection, not with the address file (~700k rows for Brussels).
A malformed row (wrong width, coordinates that are not numbers or not in Belgium) is
named with its file and line, like the register's own rows."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from kg.build.importers.kbofiles import Malformed, MalformedRow, csv_rows
from kg.build.importers.kboread import Enterprise

#: The columns read, by role -> name in the header (the openaddress-be*.csv layout written by
#: BOSA's converter, Fedict/best-tools BestWriterCSVOpenAddresses.java, and named by the
#: OpenAddresses sources be/bru/bosa-region-brussels-*.json). Change them here if BOSA does.
COLUMNS = {
    "lat": "EPSG:4326_lat",
    "lon": "EPSG:4326_lon",
    "postcode": "postcode",
    "street_fr": "streetname_fr",
    "street_nl": "streetname_nl",
    "number": "house_number",
    "status": "status",
}
#: the status values of an address that exists (others: proposed, reserved, retired)
CURRENT = {"current"}
#: Belgium's bounding box, loosely: coordinates outside it are malformed (swapped columns)
LAT_RANGE, LON_RANGE = (49.4, 51.6), (2.4, 6.5)
#: two points of one key closer than this are one place (the boxes of one building)
SAME_PLACE_M = 50.0
LANDING_PAGE = "https://opendata.bosa.be/"

Key = tuple[str, str, str]  # postcode, normalised street, normalised number
Point = tuple[float, float]  # lon, lat


def normalise(text: str) -> str:
    """Letters and digits only, without accents, case-folded: ``Rue de l'Église`` and
    ``rue de l’eglise`` and ``RUE DE L EGLISE`` give ``ruedeleglise``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def keys_of(postcode: str, streets: Iterable[str], number: str) -> set[Key]:
    """The lookup keys of an address (one per distinct street name)."""
    pc, nr = postcode.strip(), normalise(number)
    if not pc or not nr:
        return set()
    return {(pc, s, nr) for s in (normalise(x) for x in streets) if s}


def metres(a: Point, b: Point) -> float:
    """Distance on the ground, near enough at Belgium's latitude."""
    kx = 111_320.0 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * 111_320.0)


@dataclass
class AddressIndex:
    """Points of the wanted keys; None for an ambiguous key."""

    path: Path
    points: dict[Key, Point | None] = field(default_factory=dict)
    rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def file_date(self) -> date:
        """The day the copy of the file was made (its modification time): BeST's CSV
        states no date of its own."""
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC).date()

    def add(self, key: Key, point: Point) -> None:
        if key not in self.points:
            self.points[key] = point
            return
        known = self.points[key]
        if known is not None and metres(known, point) > SAME_PLACE_M:
            self.points[key] = None

    def locate(self, keys: set[Key]) -> tuple[str, Point | None]:
        """("geocoded", point), ("ambiguous", None) or ("not matched", None)."""
        found = [self.points[k] for k in keys if k in self.points]
        if not found:
            return "not matched", None
        if any(p is None for p in found):
            return "ambiguous", None
        first = found[0]
        assert first is not None
        if any(p is not None and metres(first, p) > SAME_PLACE_M for p in found):
            return "ambiguous", None
        return "geocoded", first


def _header(path: Path, header: list[str] | None) -> dict[str, int]:
    """Column role -> position; the header must name every column of ``COLUMNS``."""
    names = {name.strip().casefold(): i for i, name in enumerate(header or [])}
    missing = [c for c in COLUMNS.values() if c.casefold() not in names]
    if missing:
        raise MalformedRow(
            str(path),
            1,
            None,
            f"not a BeST Address (openaddress) CSV: no column {', '.join(missing)}",
        )
    return {role: names[c.casefold()] for role, c in COLUMNS.items()}


def _point(values: list[str], at: dict[str, int]) -> Point:
    """The row's (lon, lat); ValueError when they are not numbers in Belgium."""
    lat, lon = float(values[at["lat"]]), float(values[at["lon"]])
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise ValueError(f"coordinates {lat}, {lon} (lat, lon) are not in Belgium")
    return lon, lat


def read_index(path: Path, wanted: set[Key], malformed: Malformed) -> AddressIndex:
    """Stream the address file, keeping the points of the ``wanted`` keys."""
    index = AddressIndex(path)
    postcodes = {k[0] for k in wanted}
    with open(path, "rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        try:
            at = _header(path, next(reader, None))
        except (csv.Error, UnicodeDecodeError) as err:
            raise MalformedRow(str(path), 1, None, str(err)) from None
        width = max(at.values()) + 1

        def bad(line: int, message: str) -> None:
            malformed.add(MalformedRow(str(path), line, None, message))

        for values in csv_rows(reader, lambda: reader.line_num, bad):
            if not values:
                continue
            index.rows += 1
            if len(values) < width:
                message = f"{len(values)} values where the header names at least {width}"
                bad(reader.line_num, message)
                continue
            if values[at["status"]].strip().casefold() not in CURRENT:
                index.skipped["not current"] += 1
                continue
            postcode = values[at["postcode"]].strip()
            if postcode not in postcodes:
                continue
            streets = (values[at["street_fr"]], values[at["street_nl"]])
            keys = keys_of(postcode, streets, values[at["number"]]) & wanted
            if not keys:
                continue
            try:
                point = _point(values, at)
            except ValueError as err:
                bad(reader.line_num, str(err))
                continue
            for key in keys:
                index.add(key, point)
    return index


@dataclass
class Geocoding:
    """What geocoding did: addresses by outcome, the file's rows, the source's date."""

    source: Path
    day: date
    rows: int
    outcomes: Counter[str]


def geocode(kept: dict[str, Enterprise], path: Path, malformed: Malformed) -> Geocoding:
    """Give the addresses of the kept legal persons their point (``Address.point``). A
    natural person's addresses are never geocoded: the graph publishes no street for them,
    and a point would show a home."""
    wanted: set[Key] = set()
    for e in kept.values():
        if e.legal_person:
            for a in e.addresses:
                wanted |= keys_of(a.postcode, a.street.values(), a.number)
    index = read_index(path, wanted, malformed)
    outcomes: Counter[str] = Counter()
    for e in kept.values():
        for a in e.addresses:
            if not e.legal_person:
                outcomes["natural person (not geocoded)"] += 1
                continue
            outcome, a.point = index.locate(keys_of(a.postcode, a.street.values(), a.number))
            outcomes[outcome] += 1
    return Geocoding(path, index.file_date(), index.rows, outcomes)
