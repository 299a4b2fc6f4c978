"""A SYNTHETIC KBO/BCE Open Data extract in the official layout (Cookbook R018.00), for
the register import's benchmark: every name says "Synthetic", every web address and
e-mail is under example.org, and the enterprise numbers (valid check digits, from
1000.000.0xx on) are made up and may by chance be real ones.

    python -m bench.kboextract N [--out DIR]    # default bench/data/kbo-N/ (git-ignored)

The proportions follow the real full extract (domain-model notes: 1.9 million
enterprises, 1.6 GB activity.csv): about half natural persons (no seat address), 0.8
establishments per enterprise, one in ten addresses in Brussels, one main activity in
twenty-five a creative or cultural class, and about eight activity rows per enterprise and
four per establishment (VAT, ONSS and general groups; NACE-BEL 2003, 2008 and 2025)."""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from pathlib import Path

from kg.build.importers.kbofiles import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
CCI = ["90031", "90011", "59111", "59201", "74100", "74201", "71111", "58110", "73110", "85520"]
OTHER = ["68201", "82110", "47111", "56101", "41101", "62010", "86210", "49410", "46190"]
BRUSSELS = [
    ("1000", "Bruxelles", "Brussel"),
    ("1050", "Ixelles", "Elsene"),
    ("1060", "Saint-Gilles", "Sint-Gillis"),
    ("1030", "Schaerbeek", "Schaarbeek"),
    ("1080", "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
    ("1040", "Bruxelles", "Brussel"),
]
ELSEWHERE = [
    ("2000", "Antwerpen", "Antwerpen"),
    ("9000", "Gent", "Gent"),
    ("4000", "Liège", "Luik"),
]


def number(body: int) -> str:
    """An enterprise number with valid check digits, written 9999.999.999."""
    digits = f"{body:08d}{97 - body % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def unit_number(n: int) -> str:
    digits = f"2{n:09d}"
    return f"{digits[0]}.{digits[1:4]}.{digits[4:7]}.{digits[7:]}"


def date_of(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1960, 2024)}"


def address(rng: random.Random, entity: str, kind: str, n: int) -> list[str]:
    postcode, fr, nl = rng.choice(BRUSSELS if rng.random() < 0.1 else ELSEWHERE)
    return [entity, kind, "", "", postcode, nl, fr, f"Synthetische straat {n % 997}",
            f"Rue synthétique {n % 997}", str(n % 200 + 1), "", "", ""]  # fmt: skip


def activities(rng: random.Random, entity: str, rows: int) -> Iterator[list[str]]:
    main = rng.choice(CCI) if rng.random() < 0.04 else rng.choice(OTHER)
    yield [entity, "001", "2008", main, "MAIN"]
    yield [entity, "003", "2008", main, "MAIN"]
    for i in range(rows - 2):
        version = ("2003", "2008", "2025")[i % 3]
        code = rng.choice(OTHER + CCI[:2])
        yield [entity, ("001", "006", "003")[i % 3], version, code, "SECO"]


class Files:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.handles = {
            # closed by close(): the eight files are written side by side, row by row
            n: open(folder / f"{n}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
            for n in COLUMNS
        }
        self.writers = {
            n: csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for n, f in self.handles.items()
        }
        for name, columns in COLUMNS.items():
            self.writers[name].writerow(columns)

    def row(self, name: str, values: list[str]) -> None:
        self.writers[name].writerow(values)

    def close(self) -> None:
        for f in self.handles.values():
            f.close()


def one_enterprise(rng: random.Random, files: Files, i: int, units: int) -> int:
    entity = number(10_000_000 + i)
    legal = rng.random() < 0.55
    files.row("enterprise", [entity, "AC", "000", "2" if legal else "1", "610" if legal else "",
                             "", date_of(rng)])  # fmt: skip
    if legal:
        files.row("denomination", [entity, "1", "001", f"Synthetic Enterprise {i} SRL"])
        files.row("denomination", [entity, "2", "001", f"Synthetische Onderneming {i} BV"])
        files.row("address", address(rng, entity, "REGO", i))
    else:
        files.row("denomination", [entity, "1", "001", f"Synthetic Person {i}"])
    if rng.random() < 0.3:
        files.row("denomination", [entity, "0", "003", f"Synthetic Trade Name {i}"])
    if rng.random() < 0.3:
        files.row("contact", [entity, "ENT", "WEB", f"www.synthetic-{i}.example.org"])
        files.row("contact", [entity, "ENT", "EMAIL", f"info@synthetic-{i}.example.org"])
    for row in activities(rng, entity, 8):
        files.row("activity", row)
    count = (0, 1, 1, 1, 2)[i % 5] if legal else 1
    for _ in range(count):
        units += 1
        unit = unit_number(units)
        files.row("establishment", [unit, date_of(rng), entity])
        files.row("address", address(rng, unit, "BAET", units))
        for row in activities(rng, unit, 4):
            files.row("activity", row)
    return units


def write(size: int, folder: Path, seed: int = 17) -> Path:
    rng = random.Random(seed)
    files = Files(folder)
    try:
        for variable, value in (("SnapshotDate", "01-01-2025"), ("ExtractTimestamp",
                                "02-01-2025 06:00:00"), ("ExtractType", "full"),
                                ("ExtractNumber", "1"), ("Version", "synthetic")):  # fmt: skip
            files.row("meta", [variable, value])
        for category, code, lang, text in (
            ("JuridicalForm", "610", "FR", "Société à responsabilité limitée (synthetic label)"),
            ("JuridicalForm", "610", "NL", "Besloten vennootschap (synthetic label)"),
        ):
            files.row("code", [category, code, lang, text])
        units = 0
        for i in range(size):
            units = one_enterprise(rng, files, i, units)
    finally:
        files.close()
    (folder / "README.md").write_text(
        "SYNTHETIC KBO/BCE extract written by bench/kboextract.py: not real data.\n",
        encoding="utf-8",
    )
    return folder


#: the BeST Address columns, in the order of BOSA's openaddress-be*.csv
BEST_HEADER = [
    "EPSG:31370_x",
    "EPSG:31370_y",
    "EPSG:4326_lat",
    "EPSG:4326_lon",
    "address_id",
    "box_number",
    "house_number",
    "municipality_id",
    "municipality_name_de",
    "municipality_name_fr",
    "municipality_name_nl",
    "postcode",
    "postname_fr",
    "postname_nl",
    "street_id",
    "streetname_de",
    "streetname_fr",
    "streetname_nl",
    "region_code",
    "status",
]


def write_addresses(path: Path, numbers: int = 117, seed: int = 17) -> Path:
    """A SYNTHETIC address file in BeST Address's openaddress layout with the streets of the
    synthetic extract's Brussels addresses: each street of each postcode, house numbers 1 to
    ``numbers`` (117: about 700,000 rows, the size of the real Brussels file), so that a
    little over half of the extract's numbers (1 to 200) are found."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(BEST_HEADER)
        n = 0
        for postcode, fr, nl in BRUSSELS:
            for street in range(997):
                for house in range(1, numbers + 1):
                    n += 1
                    lat, lon = 50.80 + rng.random() * 0.1, 4.30 + rng.random() * 0.15
                    out.writerow(["0", "0", f"{lat:.5f}", f"{lon:.5f}", n, "", house, "",
                                  "", fr, nl, postcode, "", "", street, "",
                                  f"Rue synthétique {street}", f"Synthetische straat {street}",
                                  "BE-BRU", "current"])  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="number of enterprises (full size: 2000000)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    folder = args.out or ROOT / "bench" / "data" / f"kbo-{args.size}"
    print(write(args.size, folder))


if __name__ == "__main__":
    main()
