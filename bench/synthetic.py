"""One synthetic, CCI-shaped organisation as N-Triples: the vocabulary it draws from, its
place in a real municipality, its people and relations. Everything here is labelled
synthetic (see bench/generate.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from shapely.prepared import PreparedGeometry

from kg.build.importers import municipalities
from kg.build.importers.geometry import contains
from kg.namespaces import DEFAULT_BASE, all_prefixes

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
class MunicipalityArea:
    nis: str
    fr: str
    nl: str
    postcodes: tuple[str, ...]
    area: PreparedGeometry
    bbox: tuple[float, float, float, float]


def municipality_areas(root: Path) -> list[MunicipalityArea]:
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
        names = (m.names.get("fr", ""), m.names.get("nl", ""))
        out.append(MunicipalityArea(m.nis, *names, postcodes, m.area, bbox))
    return out


def place_in(rng: Random, muns: list[MunicipalityArea]) -> tuple[MunicipalityArea, float, float]:
    """A point inside one of the 19 municipalities (rejection sampling in the region's box)."""
    while True:
        lon, lat = round(rng.uniform(4.25, 4.48), 6), round(rng.uniform(50.77, 50.91), 6)
        for m in muns:
            x0, y0, x1, y1 = m.bbox
            if x0 <= lon <= x1 and y0 <= lat <= y1 and contains(m.area, lon, lat):
                return m, lon, lat


@dataclass
class Org:
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


def org_iri(i: int) -> str:
    return f"<{ORG}{i:06d}>"


def organisation(i: int, n: int, rng: Random, muns: list[MunicipalityArea]) -> Org:
    o = Org(i, org_iri(i))
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
    mun, lon, lat = place_in(rng, muns)
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
        target = org_iri(j)
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
