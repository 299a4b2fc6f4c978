"""Seeded errors: each mutates one synthetic organisation and says what the validators
must report (focus node, path, constraint component).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from random import Random

from bench.synthetic import (
    NOTATION,
    NS,
    PREF,
    SERVICES,
    WKT,
    A,
    Org,
    concept,
    lang,
    org_iri,
    plain,
    typed,
    u,
)

# --- seeded errors: each mutates one organisation and says what the validators must report


def _free_target(o: Org, rng: Random, n: int, prop: str) -> str:
    while True:
        target = org_iri(rng.randrange(n))
        if target != o.iri and (prop, target) not in o.links:
            o.links.add((prop, target))
            return target


def _any_person(o: Org, rng: Random) -> str:
    return o.people[0] if o.people else o.person(rng)


def _replace(o: Org, s: str, p: str, new: str, keep: Callable[[str], bool] = lambda _: False):
    o.drop(s, p, keep)
    o.add(s, p, new)


Mutation = Callable[[Org, Random, int], tuple[str, str | None, str]]


def _kbo_check(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    good = o.drop(o.kbo, NOTATION)[0].strip('"')
    o.add(o.kbo, NOTATION, plain(good[:8] + f"{int(good[8:]) % 97 + 1:02d}"))
    return o.kbo, None, "SPARQL"


def _kbo_dots(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    v = o.drop(o.kbo, NOTATION)[0].strip('"')
    o.add(o.kbo, NOTATION, plain(f"{v[:4]}.{v[4:7]}.{v[7:]}"))
    return o.kbo, NOTATION, "Pattern"


def _swapped_point(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    point = re.findall(r"[0-9.]+", o.drop(o.geometry, WKT)[0].split("^^")[0])
    o.add(o.geometry, WKT, typed(f"POINT({point[1]} {point[0]})", "geo:wktLiteral"))
    return o.geometry, None, "SPARQL"


def _two_points(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.geometry, WKT, typed("POINT(4.3517 50.8466)", "geo:wktLiteral"))
    return o.geometry, WKT, "MaxCount"


def _label_de(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    en = o.drop(o.iri, PREF, keep=lambda v: not v.endswith("@en"))[0]
    o.add(o.iri, PREF, en[: -len("@en")] + "@de")
    return o.iri, PREF, "LanguageIn"


def _no_label(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.drop(o.iri, PREF)
    return o.iri, PREF, "MinCount"


def _label_twice(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, PREF, lang(f"Deuxième nom {o.i}", "fr"))
    return o.iri, PREF, "UniqueLang"


def _altlabel_plain(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("skos:altLabel"), plain(f"SYN-{o.i}"))
    return o.iri, u("skos:altLabel"), "Datatype"


def _homepage_string(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("foaf:homepage"), plain(f"https://synthetic-{o.i:06d}.example.org/"))
    return o.iri, u("foaf:homepage"), "NodeKind"


def _founding_string(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("schema:foundingDate"), plain("around 1990"))
    return o.iri, u("schema:foundingDate"), "Or"


def _no_kind(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.drop(o.iri, A, keep=lambda c: c in (u("org:Organization"), u("foaf:Agent")))
    return o.iri, A, "QualifiedMinCount"


def _sector_is_service(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("cci:sector"), concept("service", rng.choice(SERVICES)))
    return o.iri, u("cci:sector"), "Node"


def _unknown_municipality(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.iri, u("cci:municipality"), f"<{NS['mun']}21020>")
    return o.iri, u("cci:municipality"), "Class"


def _member_of_person(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("cci:memberOf"), _any_person(o, rng))
    return o.iri, u("cci:memberOf"), "Class"


def _wikidata_page(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    o.add(o.iri, u("owl:sameAs"), f"<https://www.wikidata.org/wiki/Q{900_000_000 + o.i}>")
    return o.iri, None, "SPARQL"


def _postcode(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    _replace(o, o.address, u("locn:postCode"), plain("10000"))
    return o.address, u("locn:postCode"), "Pattern"


def _street_untagged(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    nl = o.drop(o.address, u("locn:thoroughfare"), keep=lambda v: not v.endswith("@nl"))[0]
    o.add(o.address, u("locn:thoroughfare"), nl[: -len("@nl")])
    return o.address, u("locn:thoroughfare"), "Datatype"


def _no_direct_triple(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    target = _free_target(o, rng, n, u("cci:memberOf"))
    return o.relationship(rng, "member-of", target, direct=False), None, "SPARQL"


def _ends_before_start(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    rel = o.relationship(rng, "partner-of", _free_target(o, rng, n, u("cci:partnerOf")))
    start = int(o.drop(rel, u("schema:startDate"))[0][1:5])
    o.drop(rel, u("schema:endDate"))
    o.add(rel, u("schema:startDate"), typed(str(start), "xsd:gYear"))
    o.add(rel, u("schema:endDate"), typed(str(start - 3), "xsd:gYear"))
    return rel, None, "SPARQL"


def _person_mbox(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
    person = _any_person(o, rng)
    o.add(person, u("foaf:mbox"), f"<mailto:person-{o.i}@synthetic.example.org>")
    return person, u("foaf:mbox"), "MaxCount"


def _person_nameless(o: Org, rng: Random, n: int) -> tuple[str, str | None, str]:
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
