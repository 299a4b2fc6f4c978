"""``kg import kbo DIR``: the creative and cultural enterprises of Brussels from a KBO/BCE
Open Data extract, into ``data/imports/kbo/`` (the build loads it):

- ``enterprises.nt``, graph ``{base}graph/import/kbo``: the kept enterprises, and the ones
  earlier imports kept that this extract no longer does (retired, see below);
- ``counts-DATE.nt``, graph ``{base}graph/import/kbo-counts-DATE``: counts by sector and
  municipality at the extract's date, one file per extract (the history survives);
- ``state.tsv``: every enterprise number any import kept, its IRI, and whether retired.

A re-import replaces ``enterprises.nt`` as a whole (no duplicates: one IRI per number,
stable across imports). An enterprise an earlier import kept and this one does not is
retired, never deleted: its last statements are kept, with ``cci:retiredFromRegister``
(the date of the first extract without it) and a ``skos:changeNote`` saying why (no longer
in the register, or no longer a creative enterprise in Brussels). A curated organisation
that states the same enterprise number is linked, never overwritten: the register's facts
about it go into the register's graph under the curated IRI, without a second name,
kind, founding date or website. Files are written aside and moved in at the end: a
failed import leaves the previous one in place."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.build.importers import kbocounts, kbogeocode
from kg.build.importers.kbofiles import Extract, Malformed, parse_date
from kg.build.importers.kbordf import (
    AGENCY,
    Context,
    Lines,
    enterprise_lines,
    has_label,
    node_prefix,
    org_iri,
    retired_lines,
)
from kg.build.importers.kboread import Enterprise, Reader, Tally, Ticker
from kg.build.importers.kboscope import (
    NACE,
    Municipalities,
    read_cci_classes,
    read_sectors,
)
from kg.errors import BadRequest
from kg.namespaces import LEGAL, SKOS
from kg.settings import Settings

OUTPUT = Path("data/imports/kbo")
ENTERPRISES = "enterprises.nt"
STATE = "state.tsv"
NACE_LABELS = Path("data/imports/nace/nace_rev2_en.csv")
LANDING_PAGE = "https://kbopub.economie.fgov.be/kbo-open-data"
LICENCE_NAME = {
    "fr": "Licence des données ouvertes de la BCE (SPF Economie)",
    "nl": "Licentie van de open data van de KBO (FOD Economie)",
    "en": "Licence of the KBO/BCE open data (FPS Economy)",
}
GONE = {
    "fr": "Ne figure plus dans le registre des entreprises (extrait des données ouvertes).",
    "nl": "Staat niet meer in het ondernemingsregister (uittreksel van de open data).",
    "en": "No longer in the enterprise register (open-data extract).",
}
OUT_OF_SCOPE = {
    "fr": "Toujours inscrite, mais plus comme entreprise culturelle ou créative à Bruxelles.",
    "nl": "Nog ingeschreven, maar niet meer als culturele of creatieve onderneming in Brussel.",
    "en": "Still registered, but no longer as a cultural or creative enterprise in Brussels.",
}


class ImportRefused(BadRequest):
    """The extract cannot be imported as asked (older than the last import, …)."""


@dataclass
class Previous:
    """What earlier imports kept: number -> (IRI, retired since or None)."""

    orgs: dict[str, tuple[str, date | None]]
    last: date | None


@dataclass
class Result:
    day: date
    tally: Tally
    retired: int
    linked: int
    malformed: Malformed
    files: list[Path]
    geocoding: kbogeocode.Geocoding | None = None


def output_dir(settings: Settings) -> Path:
    return settings.root / OUTPUT


def graph_of(settings: Settings, path: Path) -> str:
    """The named graph of an output file."""
    if path.name == ENTERPRISES:
        return f"{settings.base}graph/import/kbo"
    return f"{settings.base}graph/import/kbo-{path.stem}"


def read_previous(folder: Path) -> Previous:
    orgs: dict[str, tuple[str, date | None]] = {}
    last = None
    path = folder / STATE
    if path.is_file():
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.reader(f, delimiter="\t"):
                if row[0] == "#extract":
                    last = date.fromisoformat(row[1])
                elif len(row) == 3:
                    orgs[row[0]] = (row[1], date.fromisoformat(row[2]) if row[2] else None)
    return Previous(orgs, last)


def curated_numbers(root: Path) -> dict[str, str]:
    """Enterprise number -> IRI of the curated organisation that states it
    (``legal:legalIdentifier [ skos:notation "…" ]``)."""
    found: dict[str, str] = {}
    for path in sorted((root / "data" / "curated").glob("**/*.ttl")):
        owner: dict[str, str] = {}
        notation: dict[str, str] = {}
        with open(path, "rb") as f:
            for t in parse(f, RdfFormat.TURTLE, base_iri=path.as_uri()):
                if t.predicate.value == LEGAL + "legalIdentifier":
                    owner[str(t.object)] = t.subject.value
                elif t.predicate.value == SKOS + "notation":
                    notation[str(t.subject)] = t.object.value
        for node, org in owner.items():
            digits = "".join(c for c in notation.get(node, "") if c.isdigit())
            if len(digits) == 10:
                found[digits] = org
    return found


def _provenance(w: Lines, graph: str, day: date, meta: dict[str, str]) -> Iterator[str]:
    g = NamedNode(graph)
    ds = w.iri(f"ds:kbo-open-data-{day.isoformat()}")
    yield w.line(g, "dct:source", ds)
    yield w.line(ds, "rdf:type", w.iri("cci:SourceDataset"))
    titles = {
        "fr": f"{AGENCY['fr']} : données ouvertes, extrait du {day.isoformat()}",
        "nl": f"{AGENCY['nl']}: open data, uittreksel van {day.isoformat()}",
        "en": f"{AGENCY['en']}: open data, extract of {day.isoformat()}",
    }
    for lang, title in titles.items():
        yield w.line(ds, "dct:title", w.text(title, lang))
    yield w.line(ds, "dct:issued", w.typed(day.isoformat(), "date"))
    yield w.line(ds, "dcat:landingPage", NamedNode(LANDING_PAGE))
    for lang, name in AGENCY.items():
        yield w.line(ds, "dct:publisher", w.text(name, lang))
    rights = "Re-used under the licence of the KBO/BCE open data (FPS Economy)."
    yield w.line(ds, "dct:rights", w.text(rights, "en"))
    # the register's own licence, which the EU licence table does not list: named here so
    # that the catalogue does not put the register's data under the project's licence
    licence = w.iri("ds:kbo-open-data-licence")
    yield w.line(ds, "dct:license", licence)
    yield w.line(licence, "rdf:type", w.iri("dct:LicenseDocument"))
    for lang, text in LICENCE_NAME.items():
        yield w.line(licence, "rdfs:label", w.text(text, lang))
    yield w.line(licence, "rdfs:seeAlso", NamedNode(LANDING_PAGE))
    for key in ("ExtractType", "ExtractNumber", "Version"):
        if meta.get(key):
            yield w.line(ds, "dct:identifier", Literal(f"{key} {meta[key]}"))
    stamp = meta.get("ExtractTimestamp", "")
    if len(stamp) == 19:
        when = f"{parse_date(stamp[:10]).isoformat()}T{stamp[11:]}"
        yield w.line(ds, "prov:generatedAtTime", w.typed(when, "dateTime"))


BOSA = {
    "fr": "SPF Stratégie et Appui (BOSA)",
    "nl": "FOD Beleid en Ondersteuning (BOSA)",
    "en": "FPS Policy and Support (BOSA)",
}


def address_dataset(base: str, geocoding: kbogeocode.Geocoding) -> str:
    return f"{base}id/dataset/best-address-{geocoding.day.isoformat()}"


def _address_provenance(w: Lines, graph: str, geocoding: kbogeocode.Geocoding) -> Iterator[str]:
    """The address file as a source: its name, the day of the copy, BOSA's landing page.
    Its licence is the one the landing page states (not restated here: not verified)."""
    ds = NamedNode(address_dataset(w.base, geocoding))
    name, day = geocoding.source.name, geocoding.day.isoformat()
    yield w.line(NamedNode(graph), "dct:source", ds)
    yield w.line(ds, "rdf:type", w.iri("cci:SourceDataset"))
    titles = {
        "fr": f"BeST Address : adresses et leurs coordonnées ({name}, copie du {day})",
        "nl": f"BeST Address: adressen en hun coördinaten ({name}, kopie van {day})",
        "en": f"BeST Address: addresses and their coordinates ({name}, copy of {day})",
    }
    for lang, title in titles.items():
        yield w.line(ds, "dct:title", w.text(title, lang))
    yield w.line(ds, "dct:identifier", Literal(name))
    # the CSV states no date: the day of the copy (the file's modification time) stands
    yield w.line(ds, "dct:issued", w.typed(day, "date"))
    yield w.line(ds, "dcat:landingPage", NamedNode(kbogeocode.LANDING_PAGE))
    for lang, text in BOSA.items():
        yield w.line(ds, "dct:publisher", w.text(text, lang))
    rights = (
        "Re-used under the licence stated on the landing page "
        f"({kbogeocode.LANDING_PAGE}); used for the points of the register's addresses."
    )
    yield w.line(ds, "dct:rights", w.text(rights, "en"))


def _labels(
    w: Lines, root: Path, classes: set[str], forms: Iterable[tuple[str, dict[str, str]]]
) -> Iterator[str]:
    """Names of the NACE classes used (EU list, English) and of the legal forms (code.csv)."""
    with open(root / NACE_LABELS, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["code"].replace(".", "")
            if row["level"] == "4" and code in classes:
                node = NamedNode(NACE + code)
                yield w.line(node, "skos:prefLabel", w.text(row["label_en"], "en"))
                yield w.line(node, "skos:notation", Literal(row["code"]))
    for code, labels in forms:
        node = NamedNode(f"{w.base}id/kbo-legal-form/{code}")
        for lang, text in labels.items():
            yield w.line(node, "skos:prefLabel", w.text(text, lang))
        yield w.line(node, "skos:notation", Literal(code))


REPLACED = " <http://purl.org/dc/terms/isReplacedBy> "


def _carry_over(previous: Path, orgs: dict[str, str], base: str) -> Iterator[str]:
    """The previous file's lines about the enterprises retired now (by subject), and the
    IRIs earlier imports gave up for a curated organisation's (``dct:isReplacedBy``)."""
    if not previous.is_file():
        return
    subjects = {f"<{iri}>" for iri in orgs.values()}
    prefixes = tuple(f"<{node_prefix(base, d)}" for d in orgs) or ("\0",)
    with open(previous, encoding="utf-8") as f:
        for line in f:
            if REPLACED in line:
                yield line
                continue
            subject = line.split(" ", 1)[0]
            if subject in subjects or subject.startswith(prefixes):
                if "ontology#retiredFromRegister>" in line or "core#changeNote>" in line:
                    continue  # restated below, with the first date kept
                yield line


def _write_enterprises(
    tmp: Path,
    settings: Settings,
    extract: Extract,
    day: date,
    found: dict[str, Enterprise],
    ctx: Context,
    retire: dict[str, tuple[str, date, dict[str, str]]],
    previous_file: Path,
    replaced: dict[str, str],
    geocoding: kbogeocode.Geocoding | None,
) -> None:
    w = Lines(settings.base)
    graph = f"{settings.base}graph/import/kbo"
    classes: set[str] = set()
    forms: dict[str, dict[str, str]] = {}
    with open(tmp, "w", encoding="utf-8") as out:
        out.writelines(_provenance(w, graph, day, extract.meta()))
        if geocoding is not None:
            out.writelines(_address_provenance(w, graph, geocoding))
        for digits in sorted(found):
            e = found[digits]
            out.writelines(enterprise_lines(ctx, e))
            classes |= e.classes | e.main
            if ("JuridicalForm", e.form) in ctx.codes:
                forms[e.form] = ctx.codes[("JuridicalForm", e.form)]
        out.writelines(_carry_over(previous_file, {d: r[0] for d, r in retire.items()}, w.base))
        for old, new in sorted(replaced.items()):
            # an IRI is never dropped: the one an earlier import minted points to the curated
            out.write(w.line(NamedNode(old), "dct:isReplacedBy", NamedNode(new)))
        for _digits, (iri, since, reason) in sorted(retire.items()):
            out.writelines(retired_lines(settings.base, iri, since, reason))
        out.writelines(_labels(w, settings.root, classes, sorted(forms.items())))


def _write_state(tmp: Path, day: date, state: dict[str, tuple[str, date | None]]) -> None:
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["#extract", day.isoformat()])
        for digits, (iri, since) in sorted(state.items()):
            writer.writerow([digits, iri, since.isoformat() if since else ""])


def run(
    settings: Settings,
    folder: Path,
    ticker: Ticker,
    strict: bool = True,
    addresses: Path | None = None,
) -> Result:
    """Import the extract in ``folder``. ``strict``: a malformed row stops the import
    (nothing is written); otherwise it is skipped and listed in the result. ``addresses``:
    BOSA's BeST Address CSV, to give the addresses their points (kbogeocode)."""
    if addresses is not None and not addresses.is_file():
        raise ImportRefused(f"{addresses}: no such address file (BeST Address CSV)")
    malformed = Malformed(strict)
    extract = Extract(folder, malformed)
    day = extract.snapshot_date()
    kind = extract.meta().get("ExtractType", "full")
    if kind != "full":
        # an update holds only the changes: every enterprise it lacks would be retired
        raise ImportRefused(f"the extract is of type {kind!r}: import a full extract")
    out_dir = output_dir(settings)
    previous = read_previous(out_dir)
    if previous.last and day < previous.last:
        raise ImportRefused(
            f"the extract of {day.isoformat()} is older than the one imported last "
            f"({previous.last.isoformat()}): import a newer one"
        )
    cci = read_cci_classes(settings.root)
    places = Municipalities(settings.root)
    reader = Reader(extract, cci, places, ticker)
    found = reader.read(watch=set(previous.orgs))
    unlabelled = [d for d, e in found.kept.items() if not has_label(e)]
    for digits in unlabelled:
        del found.kept[digits]
    found.tally.drop("no name in French, Dutch or English", len(unlabelled))
    found.tally.kept = len(found.kept)
    geocoding = None
    if addresses is not None:
        ticker(addresses.stem, "points of the addresses")
        geocoding = kbogeocode.geocode(found.kept, addresses, malformed)
    curated = curated_numbers(settings.root)
    ctx = Context(
        settings.base,
        extract.codes({"JuridicalForm"}),
        curated,
        address_dataset(settings.base, geocoding) if geocoding else None,
    )
    state: dict[str, tuple[str, date | None]] = {}
    retire: dict[str, tuple[str, date, dict[str, str]]] = {}
    replaced: dict[str, str] = {}
    for digits in found.kept:
        state[digits] = (curated.get(digits) or org_iri(settings.base, digits), None)
        before = previous.orgs.get(digits, (state[digits][0], None))[0]
        if before != state[digits][0] and digits in curated:
            replaced[before] = state[digits][0]
    for digits, (iri, since) in previous.orgs.items():
        if digits in found.kept:
            continue
        reason = OUT_OF_SCOPE if digits in found.present else GONE
        retire[digits] = (iri, since or day, reason)
        state[digits] = (iri, since or day)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts_path = out_dir / f"counts-{day.isoformat()}.nt"
    targets = [out_dir / ENTERPRISES, counts_path, out_dir / STATE]
    tmps = [p.with_name(p.name + ".part") for p in targets]
    try:
        _write_enterprises(
            tmps[0],
            settings,
            extract,
            day,
            found.kept,
            ctx,
            retire,
            out_dir / ENTERPRISES,
            replaced,
            geocoding,
        )
        _write_counts(tmps[1], settings, extract, day, found.kept.values())
        _write_state(tmps[2], day, state)
        for tmp, target in zip(tmps, targets, strict=True):
            os.replace(tmp, target)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)
    linked = sum(1 for d in found.kept if d in curated)
    return Result(day, found.tally, len(retire), linked, malformed, targets[:2], geocoding)


def _write_counts(
    tmp: Path,
    settings: Settings,
    extract: Extract,
    day: date,
    kept: Iterable[Enterprise],
) -> None:
    base = settings.base
    sectors = read_sectors(settings.root, base)
    all_cci = f"{base}id/concept/sector/all-cci"
    counts = kbocounts.tally(kept, sectors, all_cci)
    used = {all_cci} | {s for c in read_cci_classes(settings.root) for s in sectors.get(c, ())}
    places = Municipalities(settings.root)
    source = f"{base}id/dataset/kbo-open-data-{day.isoformat()}"
    w = Lines(base)
    graph = NamedNode(graph_of(settings, tmp.with_name(f"counts-{day.isoformat()}.nt")))
    with open(tmp, "w", encoding="utf-8") as out:
        out.writelines(_provenance(w, graph.value, day, extract.meta()))
        out.writelines(kbocounts.count_lines(base, day, counts, used, places.names, source))


def output_files(settings: Settings) -> list[Path]:
    """The import's files the build loads (none before the first import)."""
    folder = output_dir(settings)
    files = [folder / ENTERPRISES] if (folder / ENTERPRISES).is_file() else []
    return files + sorted(folder.glob("counts-*.nt"))
