"""Synthetic, CCI-shaped organisations as N-Triples, for benchmarks and reference tests.

Everything generated is labelled synthetic: IRIs ``o:synthetic-NNNNNN`` (and ``p:``/``rel:``
``synthetic-NNNNNN-K``), and every organisation says so in ``dct:description``. The output is
deterministic for a given size, seed and error count, conforms to the project's shapes when
no errors are asked for, and with ``--errors N`` carries N violations of known kinds whose
expected SHACL results (focus node, path, component) are written beside it as JSON.

    python -m bench.generate S|M|L [--errors N] [--out PATH] [--seed SEED]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from random import Random

from shapely.prepared import PreparedGeometry

from kg.build.importers import municipalities
from kg.build.importers.geometry import contains
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.settings import Settings

SIZES = {"S": 2_000, "M": 22_000, "L": 100_000}
SEED = 20_251_122
DATA_DIR = Path(__file__).resolve().parent / "data"
DESCRIPTION = "Synthetic organisation generated for benchmarks"

NS = all_prefixes(DEFAULT_BASE)
ORG = NS["o"] + "synthetic-"
PERSON = NS["p"] + "synthetic-"
REL = NS["rel"] + "synthetic-"

# fmt: off
SECTORS = (
    "architecture", "audiovisual", "visual-arts", "communication-advertising", "design",
    "heritage", "games", "printed-digital-media", "fashion", "music", "new-media",
    "performing-arts", "maker-crafts", "creative-technology", "multidisciplinary",
)
SERVICES = (
    "coworking-space", "fablab", "studio", "equipment", "incubation", "acceleration",
    "coaching", "training", "networking", "matchmaking", "internationalisation-support",
    "grants", "vouchers", "loans", "investment",
)
AUDIENCES = ("artists", "freelancers", "start-ups", "smes", "students", "researchers", "citizens")
#: relation-type concept -> (direct property, role concept or None)
RELATIONS = {
    "member-of": ("memberOf", "member"),
    "partner-of": ("partnerOf", "partner"),
    "funded-by": ("fundedBy", None),
    "hosted-by": ("hostedBy", "host"),
    "participates-in": ("participatesIn", None),
}
RELATION_WEIGHTS = (0.34, 0.26, 0.14, 0.10, 0.16)
ROLES = ("member", "partner", "host")
KINDS = (
    "CreativeHub", "Cluster", "Network", "Fablab", "Coworking", "Incubator", "Funder",
    "PublicBody", "University", "School", "MediaOrganisation", "Company", "CulturalVenue",
    "CommunityOfPractice", "InformalCollective", "SectorFederation", "WorkingGroup",
    "SteeringCommittee",
)
# fmt: on
KIND_WEIGHTS = (6, 2, 5, 3, 4, 3, 2, 2, 2, 2, 5, 30, 8, 3, 6, 2, 2, 1)

#: (fr, nl, en) words for names
NOUNS = (
    ("Atelier", "Atelier", "Workshop"),
    ("Collectif", "Collectief", "Collective"),
    ("Maison", "Huis", "House"),
    ("Laboratoire", "Laboratorium", "Laboratory"),
    ("Réseau", "Netwerk", "Network"),
    ("Fonds", "Fonds", "Fund"),
    ("Plateforme", "Platform", "Platform"),
    ("Studio", "Studio", "Studio"),
    ("Espace", "Ruimte", "Space"),
    ("Centre", "Centrum", "Centre"),
    ("Agence", "Agentschap", "Agency"),
    ("Fabrique", "Fabriek", "Factory"),
)
THEMES = (
    ("du design", "voor design", "Design"),
    ("des arts visuels", "voor beeldende kunst", "Visual Arts"),
    ("de la musique", "voor muziek", "Music"),
    ("du jeu vidéo", "voor games", "Games"),
    ("de la mode", "voor mode", "Fashion"),
    ("des médias", "voor media", "Media"),
    ("numérique", "digitaal", "Digital"),
    ("de l'image", "voor beeld", "Image"),
    ("des métiers d'art", "voor ambachten", "Crafts"),
    ("de la scène", "voor podiumkunsten", "Stage"),
    ("créatif", "creatief", "Creative"),
    ("urbain", "stedelijk", "Urban"),
)
LEGAL_FORMS = ("ASBL", "SRL", "SA", "SC", "Fondation")
STREETS = (
    ("Rue Royale", "Koningsstraat"),
    ("Avenue Louise", "Louizalaan"),
    ("Rue de la Loi", "Wetstraat"),
    ("Chaussée de Wavre", "Waversesteenweg"),
    ("Boulevard Anspach", "Anspachlaan"),
    ("Rue Haute", "Hoogstraat"),
    ("Place Flagey", "Flageyplein"),
    ("Rue Neuve", "Nieuwstraat"),
    ("Avenue de la Couronne", "Kroonlaan"),
    ("Chaussée d'Ixelles", "Elsensesteenweg"),
    ("Quai du Commerce", "Handelskaai"),
    ("Rue Antoine Dansaert", "Antoine Dansaertstraat"),
    ("Chaussée de Gand", "Gentsesteenweg"),
    ("Rue du Midi", "Zuidstraat"),
    ("Avenue du Port", "Havenlaan"),
    ("Rue de Flandre", "Vlaamsesteenweg"),
    ("Chaussée de Haecht", "Haachtsesteenweg"),
    ("Rue Gallait", "Gallaitstraat"),
)
# fmt: off
FIRST_NAMES = (
    "Amina", "Lucas", "Sofia", "Noah", "Emma", "Adam", "Lina", "Louis", "Yasmine", "Arthur",
    "Marie", "Mohamed", "Julie", "Victor", "Sarah", "Hugo", "Nora", "Jules", "Elif",
    "Thomas", "Inès", "Milan", "Hanne", "Pieter", "Fatima", "Wout", "Chloé", "Mehdi",
    "Anouk",
)
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Dubois", "Lambert", "Dupont", "Martin",
    "El Amrani", "Claes", "Wouters", "Goossens", "De Smet", "Renard", "Leroy", "Simon",
    "Aydin", "Benali", "Vermeulen", "Mertens", "Laurent", "Moreau",
)
# fmt: on
JOB_TITLES = ("Director", "Coordinator", "Project manager", "Founder", "Programme lead")


def u(curie: str) -> str:
    """``cci:sector`` -> ``<https://…/ontology#sector>`` (N-Triples)."""
    prefix, local = curie.split(":", 1)
    return f"<{NS[prefix]}{local}>"


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lang(text: str, tag: str) -> str:
    return f'"{_esc(text)}"@{tag}'


def plain(text: str) -> str:
    return f'"{_esc(text)}"'


def typed(text: str, datatype: str) -> str:
    return f'"{_esc(text)}"^^{u(datatype)}'


def concept(prefix: str, slug: str) -> str:
    """``concept("sector", "design")`` -> ``<https://…/id/concept/sector/design>``."""
    return f"<{NS[prefix]}{slug}>"


A = u("rdf:type")
PREF, NOTATION, WKT = u("skos:prefLabel"), u("skos:notation"), u("geo:asWKT")


def kbo_number(body: int) -> str:
    """Ten digits: an eight-digit body (0 or 1 first) and its check digits."""
    return f"{body:08d}{97 - body % 97:02d}"


@dataclass(frozen=True)
class SeededError:
    """One violation put in on purpose, as the validators should report it."""

    kind: str
    focus: str  # IRI, without <>
    path: str | None  # predicate IRI, without <>; None for SPARQL constraints on a node
    component: str  # constraint component, local name without "ConstraintComponent"


@dataclass(frozen=True)
class _Municipality:
    nis: str
    fr: str
    nl: str
    postcodes: tuple[str, ...]
    area: PreparedGeometry
    bbox: tuple[float, float, float, float]


def _municipalities(root: Path) -> list[_Municipality]:
    with open(root / municipalities.CSV, encoding="utf-8", newline="") as f:
        rows = {r["nis_code"]: r for r in csv.DictReader(f)}
    out = []
    for m in municipalities.read(root):
        row = rows[m.nis]
        codes = [row["main_postcode"], *re.findall(r"\b1\d{3}\b", row["postcodes_note"])]
        points = [pt for poly in m.polygons for pt in poly[0]]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        bbox = (min(xs), min(ys), max(xs), max(ys))
        postcodes = tuple(dict.fromkeys(codes))
        out.append(_Municipality(m.nis, m.name_fr, m.name_nl, postcodes, m.area, bbox))
    return out


def _place(rng: Random, muns: list[_Municipality]) -> tuple[_Municipality, float, float]:
    """A point inside one of the 19 municipalities (rejection sampling in the region's box)."""
    while True:
        lon, lat = round(rng.uniform(4.25, 4.48), 6), round(rng.uniform(50.77, 50.91), 6)
        for m in muns:
            x0, y0, x1, y1 = m.bbox
            if x0 <= lon <= x1 and y0 <= lat <= y1 and contains(m.area, lon, lat):
                return m, lon, lat


@dataclass
class _Org:
    """One organisation's triples, with the IRIs the error kinds need."""

    i: int
    iri: str
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    links: set[tuple[str, str]] = field(default_factory=set)  # (property, object)
    rels: int = 0

    @property
    def kbo(self) -> str:
        return self.iri[:-1] + "/kbo>"

    @property
    def address(self) -> str:
        return self.iri[:-1] + "/address>"

    @property
    def geometry(self) -> str:
        return self.iri[:-1] + "/geometry>"

    def add(self, s: str, p: str, o: str) -> None:
        self.triples.append((s, p, o))

    def drop(self, s: str, p: str, keep: Callable[[str], bool] = lambda _: False) -> list[str]:
        """Remove (s, p, *) triples whose object ``keep`` rejects; return their objects."""
        gone = [o for (s2, p2, o) in self.triples if s2 == s and p2 == p and not keep(o)]
        self.triples = [t for t in self.triples if not (t[0] == s and t[1] == p and t[2] in gone)]
        return gone

    def person(self, rng: Random) -> str:
        k = len(self.people)
        iri = f"<{PERSON}{self.i:06d}-{k}>"
        self.people.append(iri)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        self.add(iri, A, u("foaf:Person"))
        self.add(iri, u("foaf:name"), plain(name))
        self.add(iri, u("cci:affiliatedWith"), self.iri)
        self.add(iri, u("schema:jobTitle"), lang(rng.choice(JOB_TITLES), "en"))
        return iri

    def relationship(self, rng: Random, reltype: str, target: str, *, direct: bool = True) -> str:
        prop, role = RELATIONS[reltype]
        iri = f"<{REL}{self.i:06d}-{self.rels}>"
        self.rels += 1
        if direct:
            self.add(self.iri, u(f"cci:{prop}"), target)
        start = rng.randint(2000, 2023)
        self.add(iri, A, u("cci:Relationship"))
        self.add(iri, u("cci:relSubject"), self.iri)
        self.add(iri, u("cci:relObject"), target)
        self.add(iri, u("cci:relationType"), concept("reltype", reltype))
        if role:
            self.add(iri, u("org:role"), concept("role", role))
        else:
            self.add(iri, u("cci:role"), lang(reltype.replace("-", " "), "en"))
        self.add(iri, u("schema:startDate"), typed(str(start), "xsd:gYear"))
        if rng.random() < 0.4:
            self.add(iri, u("schema:endDate"), typed(str(start + rng.randint(1, 6)), "xsd:gYear"))
        self.add(iri, u("dct:description"), lang("Synthetic relationship for benchmarks", "en"))
        return iri


def _org_iri(i: int) -> str:
    return f"<{ORG}{i:06d}>"


def _organisation(i: int, n: int, rng: Random, muns: list[_Municipality]) -> _Org:
    o = _Org(i, _org_iri(i))
    s, add = o.iri, o.add
    add(s, A, u("org:Organization"))
    add(s, A, u("foaf:Agent"))
    for kind in set(rng.choices(KINDS, KIND_WEIGHTS, k=rng.choice((1, 1, 2)))):
        add(s, A, u(f"cci:{kind}"))
    noun, theme = rng.choice(NOUNS), rng.choice(THEMES)
    add(s, PREF, lang(f"{noun[0]} {theme[0]} {i}", "fr"))
    add(s, PREF, lang(f"{noun[1]} {theme[1]} {i}", "nl"))
    add(s, PREF, lang(f"{theme[2]} {noun[2]} {i}", "en"))
    acronym = "".join(w[0] for w in f"{noun[0]} {theme[2]}".split()).upper()
    add(s, u("skos:altLabel"), lang(f"{acronym}-{i}", "fr"))
    if rng.random() < 0.5:
        add(s, u("skos:altLabel"), lang(f"{theme[2]} {noun[2]} Brussels", "en"))
    add(s, u("legal:legalName"), plain(f"{noun[0]} {theme[0]} {i} {rng.choice(LEGAL_FORMS)}"))
    add(s, u("dct:description"), lang(DESCRIPTION, "en"))
    add(s, u("dct:description"), lang("Organisation synthétique générée pour les tests", "fr"))
    add(s, u("dct:description"), lang("Synthetische organisatie voor benchmarks", "nl"))
    for prop, folder, pool, most in (
        ("cci:sector", "sector", SECTORS, 3),
        ("cci:offersService", "service", SERVICES, 4),
        ("cci:catersFor", "audience", AUDIENCES, 3),
    ):
        for slug in rng.sample(pool, rng.randint(1, most)):
            add(s, u(prop), concept(folder, slug))
    add(s, u("foaf:homepage"), f"<https://synthetic-{i:06d}.example.org/>")
    add(s, u("schema:email"), plain(f"info@synthetic-{i:06d}.example.org"))
    add(s, u("schema:telephone"), plain(f"+32 2 {rng.randint(200, 799)} {i % 10_000:04d}"))
    add(s, u("schema:foundingDate"), typed(str(rng.randint(1950, 2024)), "xsd:gYear"))
    # KBO/BCE number
    add(s, u("legal:legalIdentifier"), o.kbo)
    add(o.kbo, A, u("cci:EnterpriseNumber"))
    add(o.kbo, A, u("adms:Identifier"))
    body = rng.choice((0, 1)) * 10_000_000 + rng.randint(2_000_000, 9_999_999)
    add(o.kbo, NOTATION, plain(kbo_number(body)))
    add(o.kbo, u("adms:schemeAgency"), plain("KBO/BCE"))
    # address, municipality, geometry
    mun, lon, lat = _place(rng, muns)
    street, number, postcode = rng.choice(STREETS), str(rng.randint(1, 250)), mun.postcodes[0]
    if len(mun.postcodes) > 1:
        postcode = rng.choice(mun.postcodes)
    add(s, u("locn:address"), o.address)
    add(o.address, A, u("locn:Address"))
    add(o.address, u("locn:thoroughfare"), lang(street[0], "fr"))
    add(o.address, u("locn:thoroughfare"), lang(street[1], "nl"))
    add(o.address, u("locn:locatorDesignator"), plain(number))
    add(o.address, u("locn:postCode"), plain(postcode))
    add(o.address, u("locn:postName"), lang(mun.fr, "fr"))
    add(o.address, u("locn:postName"), lang(mun.nl, "nl"))
    full_fr = f"{street[0]} {number}, {postcode} {mun.fr}"
    add(o.address, u("locn:fullAddress"), lang(full_fr, "fr"))
    add(o.address, u("locn:fullAddress"), lang(f"{street[1]} {number}, {postcode} {mun.nl}", "nl"))
    add(s, u("cci:municipality"), f"<{NS['mun']}{mun.nis}>")
    add(s, u("locn:geometry"), o.geometry)
    add(o.geometry, A, u("locn:Geometry"))
    add(o.geometry, A, u("geo:Geometry"))
    add(o.geometry, WKT, typed(f"POINT({lon} {lat})", "geo:wktLiteral"))
    # relations to other organisations, some reified with a role and a period
    for _ in range(rng.randint(2, 9)):
        reltype = rng.choices(list(RELATIONS), RELATION_WEIGHTS)[0]
        prop = u(f"cci:{RELATIONS[reltype][0]}")
        hub = reltype in ("member-of", "funded-by", "hosted-by")
        j = int(n * rng.random() ** 3) if hub else rng.randrange(n)
        target = _org_iri(j)
        if j == i or (prop, target) in o.links:
            continue
        o.links.add((prop, target))
        if rng.random() < 0.45:
            o.relationship(rng, reltype, target)
        else:
            add(s, prop, target)
    for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 4))):
        o.person(rng)
    return o


# --- seeded errors: each mutates one organisation and says what the validators must report


def _free_target(o: _Org, rng: Random, n: int, prop: str) -> str:
    while True:
        target = _org_iri(rng.randrange(n))
        if target != o.iri and (prop, target) not in o.links:
            o.links.add((prop, target))
            return target


def _any_person(o: _Org, rng: Random) -> str:
    return o.people[0] if o.people else o.person(rng)


def _replace(o: _Org, s: str, p: str, new: str, keep: Callable[[str], bool] = lambda _: False):
    o.drop(s, p, keep)
    o.add(s, p, new)


Mutation = Callable[[_Org, Random, int], tuple[str, str | None, str]]


def _kbo_check(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    good = o.drop(o.kbo, NOTATION)[0].strip('"')
    o.add(o.kbo, NOTATION, plain(good[:8] + f"{int(good[8:]) % 97 + 1:02d}"))
    return o.kbo, None, "SPARQL"


def _kbo_dots(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    v = o.drop(o.kbo, NOTATION)[0].strip('"')
    o.add(o.kbo, NOTATION, plain(f"{v[:4]}.{v[4:7]}.{v[7:]}"))
    return o.kbo, NOTATION, "Pattern"


def _swapped_point(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    point = re.findall(r"[0-9.]+", o.drop(o.geometry, WKT)[0].split("^^")[0])
    o.add(o.geometry, WKT, typed(f"POINT({point[1]} {point[0]})", "geo:wktLiteral"))
    return o.geometry, None, "SPARQL"


def _two_points(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.geometry, WKT, typed("POINT(4.3517 50.8466)", "geo:wktLiteral"))
    return o.geometry, WKT, "MaxCount"


def _label_de(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    en = o.drop(o.iri, PREF, keep=lambda v: not v.endswith("@en"))[0]
    o.add(o.iri, PREF, en[: -len("@en")] + "@de")
    return o.iri, PREF, "LanguageIn"


def _no_label(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.drop(o.iri, PREF)
    return o.iri, PREF, "MinCount"


def _label_twice(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, PREF, lang(f"Deuxième nom {o.i}", "fr"))
    return o.iri, PREF, "UniqueLang"


def _altlabel_plain(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("skos:altLabel"), plain(f"SYN-{o.i}"))
    return o.iri, u("skos:altLabel"), "Datatype"


def _homepage_string(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("foaf:homepage"), plain(f"https://synthetic-{o.i:06d}.example.org/"))
    return o.iri, u("foaf:homepage"), "NodeKind"


def _founding_string(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("schema:foundingDate"), plain("around 1990"))
    return o.iri, u("schema:foundingDate"), "Or"


def _no_kind(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.drop(o.iri, A, keep=lambda c: c in (u("org:Organization"), u("foaf:Agent")))
    return o.iri, A, "QualifiedMinCount"


def _sector_is_service(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("cci:sector"), concept("service", rng.choice(SERVICES)))
    return o.iri, u("cci:sector"), "Node"


def _unknown_municipality(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("cci:municipality"), f"<{NS['mun']}21020>")
    return o.iri, u("cci:municipality"), "Class"


def _member_of_person(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("cci:memberOf"), _any_person(o, rng))
    return o.iri, u("cci:memberOf"), "Class"


def _wikidata_page(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("owl:sameAs"), f"<https://www.wikidata.org/wiki/Q{900_000_000 + o.i}>")
    return o.iri, None, "SPARQL"


def _postcode(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.address, u("locn:postCode"), plain("10000"))
    return o.address, u("locn:postCode"), "Pattern"


def _street_untagged(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    nl = o.drop(o.address, u("locn:thoroughfare"), keep=lambda v: not v.endswith("@nl"))[0]
    o.add(o.address, u("locn:thoroughfare"), nl[: -len("@nl")])
    return o.address, u("locn:thoroughfare"), "Datatype"


def _no_direct_triple(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    target = _free_target(o, rng, n, u("cci:memberOf"))
    return o.relationship(rng, "member-of", target, direct=False), None, "SPARQL"


def _ends_before_start(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    rel = o.relationship(rng, "partner-of", _free_target(o, rng, n, u("cci:partnerOf")))
    start = int(o.drop(rel, u("schema:startDate"))[0][1:5])
    o.drop(rel, u("schema:endDate"))
    o.add(rel, u("schema:startDate"), typed(str(start), "xsd:gYear"))
    o.add(rel, u("schema:endDate"), typed(str(start - 3), "xsd:gYear"))
    return rel, None, "SPARQL"


def _person_mbox(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    person = _any_person(o, rng)
    o.add(person, u("foaf:mbox"), f"<mailto:person-{o.i}@synthetic.example.org>")
    return person, u("foaf:mbox"), "MaxCount"


def _person_nameless(o: _Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    person = _any_person(o, rng)
    o.drop(person, u("foaf:name"))
    return person, u("foaf:name"), "MinCount"


#: Error kinds, in the order ``--errors N`` cycles through them.
ERROR_KINDS: dict[str, Mutation] = {
    "kbo-check-digits": _kbo_check,
    "point-lat-lon-swapped": _swapped_point,
    "preflabel-tagged-de": _label_de,
    "preflabel-missing": _no_label,
    "homepage-as-string": _homepage_string,
    "relationship-without-direct-triple": _no_direct_triple,
    "person-with-mbox": _person_mbox,
    "founding-date-untyped": _founding_string,
    "sector-is-a-service": _sector_is_service,
    "postcode-five-digits": _postcode,
    "thoroughfare-untagged": _street_untagged,
    "kbo-with-dots": _kbo_dots,
    "preflabel-two-fr": _label_twice,
    "no-organisation-kind": _no_kind,
    "member-of-a-person": _member_of_person,
    "altlabel-untagged": _altlabel_plain,
    "geometry-two-points": _two_points,
    "relationship-ends-before-start": _ends_before_start,
    "sameas-wikidata-page": _wikidata_page,
    "municipality-unknown": _unknown_municipality,
    "person-without-name": _person_nameless,
}


def _bare(term: str | None) -> str | None:
    return term[1:-1] if term and term.startswith("<") else term


def generate(
    n: int,
    out: Path,
    *,
    errors: int = 0,
    seed: int = SEED,
    root: Path | None = None,
) -> list[SeededError]:
    """Write ``n`` organisations to ``out`` (N-Triples); return the seeded errors.

    The errors come from a random stream of their own, so the file with errors is the
    clean file with only the mutated organisations changed."""
    if not 0 <= errors <= n:
        raise ValueError(f"--errors must be between 0 and the number of organisations ({n})")
    rng, err_rng = Random(seed), Random(seed + 1)
    muns = _municipalities(root or Settings().root)
    kinds = list(ERROR_KINDS)
    planned = {
        i: kinds[k % len(kinds)] for k, i in enumerate(sorted(err_rng.sample(range(n), errors)))
    }
    seeded: list[SeededError] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            o = _organisation(i, n, rng, muns)
            if i in planned:
                focus, path, component = ERROR_KINDS[planned[i]](o, err_rng, n)
                seeded.append(SeededError(planned[i], _bare(focus) or "", _bare(path), component))
            f.write("".join(f"{s} {p} {obj} .\n" for s, p, obj in o.triples))
    return seeded


def default_out(size: str, errors: int) -> Path:
    return DATA_DIR / (f"{size}-errors{errors}.nt" if errors else f"{size}.nt")


def write_expected(seeded: list[SeededError], path: Path) -> Path:
    path.write_text(json.dumps([asdict(e) for e in seeded], indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("size", choices=SIZES, help="S = 2,000, M = 22,000, L = 100,000 orgs")
    parser.add_argument("--errors", type=int, default=0, help="violations to seed")
    parser.add_argument("--out", type=Path, help="default bench/data/{size}[-errorsN].nt")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = args.out or default_out(args.size, args.errors)
    seeded = generate(SIZES[args.size], out, errors=args.errors, seed=args.seed)
    print(f"wrote {out} ({SIZES[args.size]:,} synthetic organisations)")
    if seeded:
        expected = write_expected(seeded, out.with_suffix(".errors.json"))
        for e in seeded:
            print(f"  {e.kind}: {e.focus} {e.path or '-'} {e.component}")
        print(f"expected results: {expected}")


if __name__ == "__main__":
    main()
