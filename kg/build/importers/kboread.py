"""The creative and cultural enterprises of Brussels, found in a KBO/BCE extract in a
few streaming passes, with the tally of what was kept and why the rest was not.

Memory holds only the candidates (enterprises whose main activity is a CCI class) and
then the kept ones, never the whole register: activity.csv is read twice (first for the
main activities that make a candidate, at the end for every activity of the kept ones)
because the files need not be sorted, and the other files once each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from kg.build.importers.kbofiles import (
    Extract,
    Progress,
    check_digits_ok,
    enterprise_digits,
    establishment_digits,
    parse_date,
)
from kg.build.importers.kboscope import NACE_BEL_2008, Municipalities, nace_class

#: denomination.csv Language -> language tag (0: unknown)
LANGUAGES = {"1": "fr", "2": "nl", "3": "de", "4": "en"}
#: TypeOfDenomination: 001 name, 002 abbreviation, 003 commercial name, 004 branch name
NAME, ABBREVIATION, COMMERCIAL = "001", "002", "003"
SEAT, ESTABLISHMENT = "REGO", "BAET"
LEGAL_PERSON = "2"


@dataclass(slots=True)
class Address:
    kind: str  # REGO (seat) or BAET (establishment unit)
    unit: str | None  # the establishment's number, for BAET
    postcode: str
    post_name: dict[str, str]  # fr / nl
    street: dict[str, str]
    number: str
    box: str
    nis: str | None  # municipality, when known
    point: tuple[float, float] | None = None  # (lon, lat) from the address file, if matched


@dataclass(slots=True)
class Enterprise:
    digits: str
    main: set[str]  # CCI classes of its main activities
    legal_person: bool = False
    form: str = ""
    start: date | None = None
    addresses: list[Address] = field(default_factory=list)
    units: dict[str, date | None] = field(default_factory=dict)  # establishments, start
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (lang, type, text)
    websites: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)  # every NACE 2008 class


@dataclass
class Tally:
    """What the import saw, kept and dropped, and why."""

    enterprises: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] += n

    def note(self, what: str, n: int = 1) -> None:
        self.notes[what] += n


#: the passes, for the progress bar: (file, what it is read for)
PASSES = (
    ("activity", "main activities"),
    ("enterprise", "enterprises"),
    ("establishment", "establishments"),
    ("address", "addresses"),
    ("denomination", "names"),
    ("contact", "websites and e-mails"),
    ("activity", "all activities of those kept"),
)

Ticker = Callable[[str, str], Progress]


@dataclass
class Found:
    kept: dict[str, Enterprise]
    present: set[str]  # numbers of ``watch`` found active in the extract
    tally: Tally


class Reader:
    def __init__(
        self, extract: Extract, cci: set[str], places: Municipalities, ticker: Ticker
    ) -> None:
        self.x, self.cci, self.places, self.ticker = extract, cci, places, ticker
        self.tally = Tally()

    def _rows(self, name: str, why: str) -> Iterator[tuple[int, list[str]]]:
        return self.x.rows(name, self.ticker(name, why))

    def _number(self, name: str, line: int, text: str) -> str | None:
        """An enterprise number checked (format, check digits); None and a bad row if not."""
        digits = enterprise_digits(text)
        if digits is None or not check_digits_ok(digits):
            what = "check digits do not match" if digits else "not written 9999.999.999"
            self.x.bad(name, line, f"enterprise number {text!r}: {what}")
            return None
        return digits

    def main_activities(self) -> dict[str, Enterprise]:
        found: dict[str, Enterprise] = {}
        versions: Counter[str] = Counter()
        for _, (entity, _group, version, code, classification) in self._rows(*PASSES[0]):
            if classification != "MAIN" or entity[:1] not in "01":
                continue
            if version != NACE_BEL_2008:
                versions[version] += 1
                continue
            cls = code[:4]  # a NACE-BEL 2008 code's NACE Rev. 2 class (kboscope)
            if cls in self.cci and code.isdigit():
                digits = enterprise_digits(entity)
                if digits is not None:
                    found.setdefault(digits, Enterprise(digits, set())).main.add(cls)
        for version, n in versions.items():
            self.tally.note(f"main-activity rows in NACE-BEL {version} (not mapped by prefix)", n)
        return found

    def enterprises(self, candidates: dict[str, Enterprise], watch: set[str]) -> set[str]:
        present: set[str] = set()
        seen: set[str] = set()
        for line, row in self._rows(*PASSES[1]):
            number, status, _situation, kind, form, _cac, start = row
            digits = self._number("enterprise", line, number)
            if digits is None:
                continue
            self.tally.enterprises += 1
            if digits in watch and status == "AC":
                present.add(digits)
            e = candidates.get(digits)
            if e is None:
                self.tally.drop("no main activity in a creative or cultural class")
                continue
            if status != "AC":
                self.tally.drop("not active in the register")
                continue
            try:
                e.start = parse_date(start) if start else None
            except ValueError as err:
                self.x.bad("enterprise", line, f"StartDate: {err}")
                continue
            e.legal_person, e.form = kind == LEGAL_PERSON, form
            seen.add(digits)
        for digits in set(candidates) - seen:
            del candidates[digits]
        return present

    def establishments(self, candidates: dict[str, Enterprise]) -> dict[str, str]:
        """Establishment number as written -> its enterprise's digits."""
        units: dict[str, str] = {}
        written = as_written(candidates)
        for line, (number, start, owner) in self._rows(*PASSES[2]):
            e = written.get(owner)
            if e is None:
                continue
            digits = establishment_digits(number)
            if digits is None:
                self.x.bad("establishment", line, f"establishment number {number!r}")
                continue
            try:
                e.units[digits] = parse_date(start) if start else None
            except ValueError as err:
                self.x.bad("establishment", line, f"StartDate: {err}")
                continue
            units[number] = e.digits
        return units

    def addresses(self, candidates: dict[str, Enterprise], units: dict[str, str]) -> None:
        written = as_written(candidates)
        for _, row in self._rows(*PASSES[3]):
            entity, kind = row[0], row[1]
            owner = units.get(entity)
            e = candidates.get(owner) if owner else written.get(entity)
            if e is None or kind not in (SEAT, ESTABLISHMENT) or row[12]:
                continue  # not a candidate's, or struck off (DateStrikingOff)
            postcode, mun_nl, mun_fr, street_nl, street_fr, number, box = row[4:11]
            unit = establishment_digits(entity) if owner else None
            where = self.places.locate(postcode, mun_fr, mun_nl)
            if not where.in_region:
                continue
            e.addresses.append(
                Address(
                    kind,
                    unit,
                    postcode,
                    {k: v for k, v in (("fr", mun_fr), ("nl", mun_nl)) if v},
                    {k: v for k, v in (("fr", street_fr), ("nl", street_nl)) if v},
                    number,
                    box,
                    where.nis,
                )
            )
            if where.nis is None:
                self.tally.note("addresses in the region whose municipality is not known")
        gone = [d for d, e in candidates.items() if not e.addresses]
        for digits in gone:
            del candidates[digits]
        self.tally.drop("no seat or establishment in the 19 municipalities", len(gone))

    def names(self, kept: dict[str, Enterprise]) -> None:
        written = as_written(kept)
        for _, (entity, language, kind, text) in self._rows(*PASSES[4]):
            e = written.get(entity)
            if e is not None and text.strip():
                e.names.append((LANGUAGES.get(language, ""), kind, " ".join(text.split())))

    def contacts(self, kept: dict[str, Enterprise]) -> None:
        written = as_written(kept)
        for _, (entity, where, kind, value) in self._rows(*PASSES[5]):
            e = written.get(entity)
            if e is None or where != "ENT":
                continue
            if kind == "WEB":
                e.websites.append(value.strip())
            elif kind == "EMAIL":
                e.emails.append(value.strip())

    def all_activities(self, kept: dict[str, Enterprise]) -> None:
        written = as_written(kept)
        for _, (entity, _group, version, code, _c) in self._rows(*PASSES[6]):
            e = written.get(entity)
            if e is not None and version == NACE_BEL_2008:
                cls = nace_class(code)
                if cls:
                    e.classes.add(cls)

    def read(self, watch: set[str]) -> Found:
        """The kept enterprises; ``watch``: numbers whose presence in the register is
        asked (the ones a previous import kept)."""
        candidates = self.main_activities()
        present = self.enterprises(candidates, watch)
        units = self.establishments(candidates)
        self.addresses(candidates, units)
        self.names(candidates)
        nameless = [d for d, e in candidates.items() if not publishable_names(e)]
        for digits in nameless:
            del candidates[digits]
        self.tally.drop("natural person without a trade name (not published)", len(nameless))
        self.contacts(candidates)
        self.all_activities(candidates)
        self.tally.kept = len(candidates)
        return Found(candidates, present, self.tally)


def as_written(enterprises: dict[str, Enterprise]) -> dict[str, Enterprise]:
    """The enterprises by their number as the files write it (``0999.000.129``): rows of
    other entities are then passed over without parsing their numbers."""
    return {f"{d[:4]}.{d[4:7]}.{d[7:]}": e for d, e in enterprises.items()}


def publishable_names(e: Enterprise) -> list[tuple[str, str, str]]:
    """The names the graph may publish. A legal person's names are the register's public
    record. A natural person's own name (type 001) is personal data: only the trade names
    it registered (003) are published."""
    if e.legal_person:
        return e.names
    return [n for n in e.names if n[1] == COMMERCIAL]
