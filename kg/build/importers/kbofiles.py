"""The KBO/BCE Open Data extract read row by row: its files, their official columns,
numbers and dates checked, every bad row named with its file and line.

The layout is the one of the Cookbook KBO Open data (R018.00): comma-separated, values in
double quotes, a header row, dates ``dd-mm-yyyy``, UTF-8. Files are read as streams (one
row in memory at a time), so memory does not grow with the extract."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.errors import SourceSyntaxError

#: The official columns of each file, in order (Cookbook R018.00).
COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("Variable", "Value"),
    "code": ("Category", "Code", "Language", "Description"),
    "enterprise": (
        "EnterpriseNumber",
        "Status",
        "JuridicalSituation",
        "TypeOfEnterprise",
        "JuridicalForm",
        "JuridicalFormCAC",
        "StartDate",
    ),
    "establishment": ("EstablishmentNumber", "StartDate", "EnterpriseNumber"),
    "denomination": ("EntityNumber", "Language", "TypeOfDenomination", "Denomination"),
    "address": (
        "EntityNumber",
        "TypeOfAddress",
        "CountryNL",
        "CountryFR",
        "Zipcode",
        "MunicipalityNL",
        "MunicipalityFR",
        "StreetNL",
        "StreetFR",
        "HouseNumber",
        "Box",
        "ExtraAddressInfo",
        "DateStrikingOff",
    ),
    "contact": ("EntityNumber", "EntityContact", "ContactType", "Value"),
    "activity": ("EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"),
}

_ENTERPRISE = re.compile(r"^([01])(\d{3})\.(\d{3})\.(\d{3})$")
_ESTABLISHMENT = re.compile(r"^([2-8])\.(\d{3})\.(\d{3})\.(\d{3})$")
_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


class MalformedRow(SourceSyntaxError):
    """A row of the extract that does not follow the official layout: file, line, what."""


def check_digits_ok(digits: str) -> bool:
    """KBO/BCE: the last two digits are 97 minus the first eight modulo 97."""
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


def enterprise_digits(text: str) -> str | None:
    """``0403.170.701`` -> ``0403170701``; None when it is not an enterprise number."""
    m = _ENTERPRISE.match(text)
    return "".join(m.groups()) if m else None


def establishment_digits(text: str) -> str | None:
    """``2.000.000.339`` -> ``2000000339``; None when it is not an establishment number."""
    m = _ESTABLISHMENT.match(text)
    return "".join(m.groups()) if m else None


def parse_date(text: str) -> date:
    """``dd-mm-yyyy`` -> a date; ValueError when it is not one."""
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a date written dd-mm-yyyy")
    day, month, year = (int(g) for g in m.groups())
    return date(year, month, day)


def csv_rows(
    reader: Iterator[list[str]], line: Callable[[], int], bad: Callable[[int, str], None]
) -> Iterator[list[str]]:
    """The rows ``reader`` still has; one that cannot be read (a broken quote, bytes that
    are not UTF-8) goes to ``bad`` with its line (``line()``) and the reading goes on."""
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as err:
            bad(line(), str(err))
            continue
        yield values


@dataclass
class Progress:
    """Bytes read so far of one file, for a progress bar; ``tick`` is called with the
    bytes read since the last call."""

    tick: Callable[[int], None] = lambda n: None


@dataclass
class Malformed:
    """Bad rows met so far: raised at once (strict), or counted and the first listed."""

    strict: bool = True
    count: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, err: MalformedRow) -> None:
        if self.strict:
            raise err
        self.count += 1
        if len(self.first) < 20:
            self.first.append(str(err))


class Extract:
    """One extract folder. ``rows(name)`` streams a file's rows as (line, values)."""

    def __init__(self, folder: Path, malformed: Malformed | None = None) -> None:
        self.folder = folder
        self.malformed = malformed or Malformed()
        missing = [n for n in COLUMNS if not (folder / f"{n}.csv").is_file()]
        if missing:
            names = ", ".join(f"{n}.csv" for n in missing)
            raise SourceSyntaxError(
                str(folder), None, None, f"not a KBO Open Data extract: {names} missing"
            )

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.csv"

    def label(self, name: str) -> str:
        return str(self.path(name))

    def size(self, name: str) -> int:
        return self.path(name).stat().st_size

    def bad(self, name: str, line: int, message: str) -> None:
        self.malformed.add(MalformedRow(self.label(name), line, None, message))

    def rows(self, name: str, progress: Progress | None = None) -> Iterator[tuple[int, list[str]]]:
        """Rows of ``name``.csv after its header, with their line numbers. A header that is
        not the official one stops the import; a row of the wrong width is malformed."""
        expected = COLUMNS[name]
        width = len(expected)
        tick = (progress or Progress()).tick
        with open(self.path(name), "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            try:
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as err:
                raise MalformedRow(self.label(name), 1, None, str(err)) from None
            if header is None or tuple(header) != expected:
                raise MalformedRow(
                    self.label(name),
                    1,
                    None,
                    f"the header is not the official one: expected {','.join(expected)}",
                )
            done = 0
            bad = functools.partial(self.bad, name)
            for values in csv_rows(reader, lambda: reader.line_num, bad):
                if len(values) != width:
                    if values:
                        self.bad(
                            name,
                            reader.line_num,
                            f"{len(values)} values where the layout has {width} "
                            f"({','.join(expected)})",
                        )
                    continue
                if reader.line_num & 0xFFFF == 0:  # the bytes read so far, now and then
                    now = raw.tell()
                    tick(now - done)
                    done = now
                yield reader.line_num, values
            tick(raw.tell() - done)

    def meta(self) -> dict[str, str]:
        return {values[0]: values[1] for _, values in self.rows("meta")}

    def snapshot_date(self) -> date:
        meta = self.meta()
        if "SnapshotDate" not in meta:
            raise MalformedRow(self.label("meta"), None, None, "no SnapshotDate variable")
        try:
            return parse_date(meta["SnapshotDate"])
        except ValueError as err:
            raise MalformedRow(self.label("meta"), None, None, f"SnapshotDate: {err}") from None

    def codes(self, categories: set[str]) -> dict[tuple[str, str], dict[str, str]]:
        """(category, code) -> language (fr, nl, de, en) -> description."""
        out: dict[tuple[str, str], dict[str, str]] = {}
        for _, (category, code, language, description) in self.rows("code"):
            if category in categories and description.strip():
                out.setdefault((category, code), {})[language.lower()] = description.strip()
        return out
