"""A kept enterprise as N-Triples lines, written as it comes (nothing held for the file).

What is published, and why (personal data): the register is public, but a natural
person's enterprise is a person. For a legal person (TypeOfEnterprise 2) the graph gives
its names, legal form, start date, addresses, activities, website and e-mail. For a
natural person it gives only the trade names it registered, the start date, the
postcode and municipality of its establishments (no street, no house number: that is
often a home), and its activities; no website and no e-mail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from pyoxigraph import Literal, NamedNode

from kg.build.importers.geometry import point_wkt
from kg.build.importers.kboread import (
    ABBREVIATION,
    COMMERCIAL,
    NAME,
    SEAT,
    Address,
    Enterprise,
    publishable_names,
)
from kg.build.importers.kboscope import NACE
from kg.namespaces import GEO_WKT_LITERAL_NODE, KBO_PUBLIC_SEARCH, XSD, all_prefixes

LABEL_LANGUAGES = ("fr", "nl", "en")  # the languages skos:prefLabel may take here
AGENCY = {
    "fr": "Banque-Carrefour des Entreprises",
    "nl": "Kruispuntbank van Ondernemingen",
    "en": "Crossroads Bank for Enterprises",
}
BOX = {"fr": "bte", "nl": "bus"}


def register_page(digits: str) -> str:
    """The register's public page for an enterprise number (KBO Public Search)."""
    return KBO_PUBLIC_SEARCH + digits


class Lines:
    """N-Triples lines from prefixed names and terms."""

    def __init__(self, base: str) -> None:
        self.ns = all_prefixes(base)
        self.base = base

    def iri(self, curie: str) -> NamedNode:
        prefix, local = curie.split(":", 1)
        return NamedNode(self.ns[prefix] + local)

    def line(self, s: NamedNode, p: str, o: NamedNode | Literal) -> str:
        return f"{s} {self.iri(p)} {o} .\n"

    def text(self, value: str, lang: str) -> Literal:
        return Literal(value, language=lang)

    def typed(self, value: str, datatype: str) -> Literal:
        return Literal(value, datatype=NamedNode(XSD + datatype))


def org_iri(base: str, digits: str) -> str:
    return f"{base}id/organisation/kbo-{digits}"


def node_prefix(base: str, digits: str) -> str:
    """Every node the import mints for an enterprise starts with this (identifier,
    addresses, sites, contact point), so that a re-import can find them by prefix."""
    return f"{base}id/kbo/{digits}"


@dataclass(frozen=True)
class Context:
    base: str
    codes: dict[tuple[str, str], dict[str, str]]  # code.csv
    curated: dict[str, str]  # enterprise number -> curated organisation IRI
    #: the address file's dataset IRI, which geometries cite (None: not geocoded)
    geometry_source: str | None = None


def _names(w: Lines, org: NamedNode, e: Enterprise, linked: bool) -> Iterator[str]:
    names = publishable_names(e)
    preferred: dict[str, str] = {}
    for wanted in (NAME, COMMERCIAL, ABBREVIATION):
        for lang, kind, text in names:
            if kind == wanted and lang in LABEL_LANGUAGES and lang not in preferred:
                preferred[lang] = text
    for lang, kind, text in names:
        tag = lang or "und"  # denomination language 0: unknown (BCP 47 "undetermined")
        if kind == NAME:
            yield w.line(org, "legal:legalName", w.text(text, tag))
        if linked or preferred.get(lang) != text:
            yield w.line(org, "skos:altLabel", w.text(text, tag))
    if not linked:
        for lang, text in preferred.items():
            yield w.line(org, "skos:prefLabel", w.text(text, lang))


def has_label(e: Enterprise) -> bool:
    """A name in French, Dutch or English (the languages a name on a page takes)."""
    return any(lang in LABEL_LANGUAGES for lang, _, _ in publishable_names(e))


def _identifier(w: Lines, org: NamedNode, digits: str) -> Iterator[str]:
    ident = NamedNode(node_prefix(w.base, digits))
    yield w.line(org, "legal:legalIdentifier", ident)
    yield w.line(ident, "rdf:type", w.iri("cci:EnterpriseNumber"))
    yield w.line(ident, "rdf:type", w.iri("adms:Identifier"))
    yield w.line(ident, "skos:notation", Literal(digits))
    for lang, name in AGENCY.items():
        yield w.line(ident, "adms:schemaAgency", w.text(name, lang))
    yield w.line(ident, "foaf:page", NamedNode(register_page(digits)))


def _address(w: Lines, node: NamedNode, a: Address, private: bool) -> Iterator[str]:
    yield w.line(node, "rdf:type", w.iri("locn:Address"))
    if a.postcode.isdigit() and len(a.postcode) == 4:
        yield w.line(node, "locn:postCode", Literal(a.postcode))
    for lang, name in a.post_name.items():
        yield w.line(node, "locn:postName", w.text(name, lang))
    if a.nis:
        yield w.line(node, "cci:municipality", w.iri(f"mun:{a.nis}"))
    if private:
        return
    if a.number:
        yield w.line(node, "locn:locatorDesignator", Literal(a.number))
    for lang, street in a.street.items():
        yield w.line(node, "locn:thoroughfare", w.text(street, lang))
        number = " ".join(x for x in (a.number, f"{BOX[lang]} {a.box}" if a.box else "") if x)
        place = a.post_name.get(lang) or next(iter(a.post_name.values()), "")
        full = f"{street} {number}".strip() + f", {a.postcode} {place}".rstrip()
        yield w.line(node, "locn:fullAddress", w.text(full, lang))


def _geometry(w: Lines, node: NamedNode, a: Address, source: str | None) -> Iterator[str]:
    """The address's point, as the rest of the graph writes points, citing the file."""
    if a.point is None:
        return
    geometry = NamedNode(node.value + "/geometry")
    yield w.line(node, "locn:geometry", geometry)
    yield w.line(geometry, "rdf:type", w.iri("locn:Geometry"))
    yield w.line(geometry, "rdf:type", w.iri("geo:Geometry"))
    wkt = Literal(point_wkt(*a.point), datatype=GEO_WKT_LITERAL_NODE)
    yield w.line(geometry, "geo:asWKT", wkt)
    if source:
        yield w.line(geometry, "dct:source", NamedNode(source))


def _places(w: Lines, org: NamedNode, e: Enterprise, source: str | None) -> Iterator[str]:
    prefix = node_prefix(w.base, e.digits)
    private = not e.legal_person
    located: list[tuple[bool, NamedNode]] = []  # (not the seat, address) with a point
    for n, a in enumerate(e.addresses, start=1):
        if a.kind == SEAT:
            node = NamedNode(f"{prefix}/address/seat-{n}")
            yield w.line(org, "cv:registeredAddress", node)
        else:
            site = NamedNode(f"{prefix}/site/{a.unit}")
            node = NamedNode(f"{prefix}/site/{a.unit}/address-{n}")
            yield w.line(org, "org:hasSite", site)
            yield w.line(site, "rdf:type", w.iri("org:Site"))
            yield w.line(site, "org:siteAddress", node)
            yield w.line(site, "dct:identifier", Literal(str(a.unit)))
            started = e.units.get(a.unit or "")
            if started:
                yield w.line(site, "schema:startDate", w.typed(started.isoformat(), "date"))
        yield w.line(org, "locn:address", node)
        yield from _address(w, node, a, private)
        if not private and a.point is not None:
            yield from _geometry(w, node, a, source)
            located.append((a.kind != SEAT, node))
    if located:  # the organisation's point on the map: its seat's, else a site's
        _, node = min(located, key=lambda pair: pair[0])
        yield w.line(org, "locn:geometry", NamedNode(node.value + "/geometry"))
    for nis in sorted({a.nis for a in e.addresses if a.nis}):
        yield w.line(org, "cci:municipality", w.iri(f"mun:{nis}"))


def website(value: str) -> str | None:
    """A register web address as an IRI (``www.x.be`` -> ``http://www.x.be``)."""
    value = value.strip()
    if not value or " " in value or "." not in value or '"' in value or "<" in value:
        return None
    if not value.lower().startswith(("http://", "https://")):
        value = "http://" + value
    return value


def _contacts(w: Lines, org: NamedNode, e: Enterprise, linked: bool) -> Iterator[str]:
    if not e.legal_person:
        return  # a natural person's e-mail and website are personal data
    if not linked:
        for value in e.websites[:1]:
            iri = website(value)
            if iri:
                yield w.line(org, "foaf:homepage", NamedNode(iri))
    emails = [m for m in e.emails if "@" in m and " " not in m]
    if emails:
        point = NamedNode(node_prefix(w.base, e.digits) + "/contact")
        yield w.line(org, "cv:contactPoint", point)
        yield w.line(point, "rdf:type", w.iri("cv:ContactPoint"))
        for mail in emails:
            yield w.line(point, "cv:email", Literal(mail))


def _form(w: Lines, org: NamedNode, e: Enterprise, ctx: Context) -> Iterator[str]:
    labels = ctx.codes.get(("JuridicalForm", e.form))
    if not e.form or not labels:
        return
    form = NamedNode(f"{ctx.base}id/kbo-legal-form/{e.form}")
    yield w.line(org, "legal:companyType", form)


def enterprise_lines(ctx: Context, e: Enterprise) -> Iterator[str]:
    """Every triple the graph states of one kept enterprise."""
    w = Lines(ctx.base)
    curated = ctx.curated.get(e.digits)
    linked = curated is not None
    org = NamedNode(curated or org_iri(ctx.base, e.digits))
    if not linked:
        for kind in ("org:Organization", "foaf:Agent", "cci:OrganisationOfUnstatedKind"):
            yield w.line(org, "rdf:type", w.iri(kind))
        if e.legal_person:
            yield w.line(org, "rdf:type", w.iri("legal:LegalEntity"))
        if e.start:
            yield w.line(org, "schema:foundingDate", w.typed(e.start.isoformat(), "date"))
    yield from _names(w, org, e, linked)
    yield from _identifier(w, org, e.digits)
    yield from _form(w, org, e, ctx)
    yield from _places(w, org, e, ctx.geometry_source)
    for cls in sorted(e.main):
        yield w.line(org, "cci:mainActivity", NamedNode(NACE + cls))
    for cls in sorted(e.classes | e.main):
        yield w.line(org, "legal:companyActivity", NamedNode(NACE + cls))
    yield from _contacts(w, org, e, linked)


def retired_lines(base: str, org: str, day: date, reason: dict[str, str]) -> Iterator[str]:
    """What marks an enterprise a previous import kept and this one does not."""
    w = Lines(base)
    node = NamedNode(org)
    yield w.line(node, "cci:retiredFromRegister", w.typed(day.isoformat(), "date"))
    for lang, text in reason.items():
        yield w.line(node, "skos:changeNote", w.text(text, lang))
