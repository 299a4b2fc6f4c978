"""Which enterprises of the register the graph keeps: a creative or cultural main activity
(the CCI list of NACE Rev. 2 classes) and an address in one of the 19 municipalities.

NACE-BEL 2008 codes (five digits, sometimes seven) refine NACE Rev. 2: their first four
digits are the NACE Rev. 2 class (NACE-BEL ``90031`` is class 90.03). The CCI list is
matched on that prefix. NACE-BEL 2003 (NACE Rev. 1.1) and NACE-BEL 2025 (NACE Rev. 2.1)
codes are not mapped by prefix: the classes differ, so they are counted, not guessed."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from kg.namespaces import SKOS, own_prefixes

CCI_CODES = Path("data/imports/nace/cci_nace_rev2_codes.csv")
COMMUNES = Path("data/imports/geo/brussels_communes.csv")
SPECIAL_POSTCODES = Path("data/imports/geo/brussels_special_postal_codes.csv")
SECTORS = Path("ontology/schemes/sectors.ttl")
NACE = "http://data.europa.eu/ux2/nace2/"
#: the NACE-BEL version whose codes refine NACE Rev. 2
NACE_BEL_2008 = "2008"


def nace_class(code: str) -> str | None:
    """NACE-BEL 2008 ``90031`` -> NACE Rev. 2 class ``9003``; None when not a code."""
    return code[:4] if re.fullmatch(r"\d{4,7}", code) else None


def read_cci_classes(root: Path) -> set[str]:
    """The CCI classes (four digits): the rows of the list that have an ESSnet-Culture
    domain. The rows without one are the list's own "not cultural" ones (62.01, 63.12,
    70.21, 14.13: suggested by Flanders DC only, partly or not creative; 91.04: excluded),
    kept out so that, say, every programming company is not counted as creative."""
    kept = set()
    with open(root / CCI_CODES, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["essnet_culture_domain"].strip() not in ("", "-"):
                kept.add(row["nace_rev2"].replace(".", ""))
    return kept


def read_sectors(root: Path, base: str) -> dict[str, set[str]]:
    """NACE class (four digits) -> the concepts of scheme:sectors mapped to it
    (``skos:closeMatch`` or ``skos:relatedMatch``, ontology/schemes/sectors.ttl)."""
    scheme = own_prefixes(base)["scheme"] + "sectors"
    in_scheme: set[str] = set()
    matches: list[tuple[str, str]] = []
    with open(root / SECTORS, "rb") as f:
        for t in parse(f, RdfFormat.TURTLE, base_iri=base):
            p, o = t.predicate.value, t.object
            if p == SKOS + "inScheme" and o == NamedNode(scheme):
                in_scheme.add(t.subject.value)
            elif (
                p in (SKOS + "closeMatch", SKOS + "relatedMatch")
                and isinstance(o, NamedNode)
                and o.value.startswith(NACE)
            ):
                matches.append((o.value[len(NACE) :], t.subject.value))
    out: dict[str, set[str]] = {}
    for code, concept in matches:
        if concept in in_scheme:
            out.setdefault(code, set()).add(concept)
    return out


def fold(name: str) -> str:
    """A place name compared without case, accents, spaces or hyphens."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


@dataclass(frozen=True)
class Located:
    """Where an address lies: in the region or not, and its municipality when known."""

    in_region: bool
    nis: str | None


class Municipalities:
    """The 19 municipalities by name (fr, nl) and postcode. A postcode shared by two
    (1040, 1050: parts belong to the City of Brussels) or an institutional one (1049 …)
    gives the region, not the municipality: the name on the address decides, else the
    municipality stays unknown (never guessed from the postcode's main municipality)."""

    def __init__(self, root: Path) -> None:
        self.by_name: dict[str, str] = {}
        self.by_postcode: dict[str, set[str]] = {}
        self.names: dict[str, tuple[str, str]] = {}
        with open(root / COMMUNES, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                nis = row["nis_code"]
                self.names[nis] = (row["name_fr"], row["name_nl"])
                self.by_name[fold(row["name_fr"])] = nis
                self.by_name[fold(row["name_nl"])] = nis
                for code in row["postal_codes"].split(";"):
                    self.by_postcode.setdefault(code.rstrip("*"), set()).add(nis)
        with open(root / SPECIAL_POSTCODES, encoding="utf-8", newline="") as f:
            self.special = {row["postal_code"] for row in csv.DictReader(f)}

    def locate(self, postcode: str, name_fr: str, name_nl: str) -> Located:
        postcode = postcode.strip()
        owners = self.by_postcode.get(postcode)
        if owners is None and postcode not in self.special:
            return Located(False, None)
        for name in (name_fr, name_nl):
            nis = self.by_name.get(fold(name))
            if nis is not None and (owners is None or nis in owners):
                return Located(True, nis)
        if owners is not None and len(owners) == 1:
            return Located(True, next(iter(owners)))
        return Located(True, None)
