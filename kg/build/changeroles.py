"""In which role a web change was made, from its author line in the change log (``# change
7, …, by account 3 (edit)``), and what pages call it: "stated by the organisation
(verified owner) on 7 December 2026", "confirmed by a moderator on …". The change set says
the role in PROV-O (``prov:qualifiedAssociation`` with ``prov:hadRole``, a role of the
ontology), so that queries find the entries that their owners or a moderator last
verified (kg.views.verification) and rebuilds reproduce it.

The author lines the web writes (endpoint/accounts, endpoint/sparql/writes.py):

- ``account N (edit)``, ``account N (revert)``: a verified owner (editing needs a verified
  claim or the moderator role);
- ``moderator, account N (edit|revert)``: a moderator's own change;
- ``moderator, account N (proposal M)``: a proposal a moderator accepted;
- ``account N (proposal M)``: an organisation added from an address on its own web
  domain, public at once;
- ``account N (relation M)``, ``moderator, account N (relation M)``: a relation between
  two organisations that one proposed and the other's owner (or a moderator) confirmed;
- ``administrator``: the administrator token."""

from __future__ import annotations

import re
from datetime import date, datetime

from pyoxigraph import Literal, NamedNode, Quad

from kg.namespaces import PROV, RDF_TYPE_NODE

OWNER, WEB_DOMAIN, AGREED, CONFIRMED, MODERATOR, ADMINISTRATOR, UNKNOWN = (
    "owner",
    "web-domain",
    "agreed",
    "confirmed",
    "moderator",
    "administrator",
    "unknown",
)
#: the ontology's role of each (a confirmation is a moderator's)
ROLE_TERMS = {
    OWNER: "VerifiedOwnerRole",
    WEB_DOMAIN: "WebDomainRole",
    AGREED: "VerifiedOwnerRole",
    CONFIRMED: "ModeratorRole",
    MODERATOR: "ModeratorRole",
    ADMINISTRATOR: "AdministratorRole",
}
#: the roles whose changes verify an entry: the organisation itself, or a moderator
VERIFYING = ("VerifiedOwnerRole", "WebDomainRole", "ModeratorRole")

_AUTHOR = re.compile(
    r"^(moderator, )?account \d+ \((edit|revert|verify|proposal \d+|relation \d+)\)$"
)

#: what pages call a change made in each role; {d} is its date as people write it
_LABELS = {
    OWNER: {
        "fr": "déclaré par l'organisation (propriétaire vérifié) le {d}",
        "nl": "verklaard door de organisatie (geverifieerde eigenaar) op {d}",
        "en": "stated by the organisation (verified owner) on {d}",
    },
    WEB_DOMAIN: {
        "fr": "déclaré par l'organisation (adresse sur son domaine web) le {d}",
        "nl": "verklaard door de organisatie (adres op haar webdomein) op {d}",
        "en": "stated by the organisation (an address on its web domain) on {d}",
    },
    AGREED: {
        "fr": "déclaré par une organisation et confirmé par l'autre le {d}",
        "nl": "verklaard door de ene organisatie en bevestigd door de andere op {d}",
        "en": "stated by one organisation and confirmed by the other on {d}",
    },
    CONFIRMED: {
        "fr": "confirmé par un modérateur le {d}",
        "nl": "bevestigd door een moderator op {d}",
        "en": "confirmed by a moderator on {d}",
    },
    MODERATOR: {
        "fr": "modifié par un modérateur le {d}",
        "nl": "gewijzigd door een moderator op {d}",
        "en": "changed by a moderator on {d}",
    },
    ADMINISTRATOR: {
        "fr": "modifié par un administrateur le {d}",
        "nl": "gewijzigd door een beheerder op {d}",
        "en": "changed by an administrator on {d}",
    },
    UNKNOWN: {
        "fr": "modification en ligne nº {n} du {d}",
        "nl": "online wijziging nr. {n} van {d}",
        "en": "web edit no. {n} of {d}",
    },
}
_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}


def role_of(author: str) -> str:
    """The role of an author line (UNKNOWN for a file written by hand)."""
    if author == "administrator":
        return ADMINISTRATOR
    found = _AUTHOR.match(author)
    if found is None:
        return UNKNOWN
    moderator, kind = found.group(1) is not None, found.group(2)
    if kind.startswith("proposal"):
        return CONFIRMED if moderator else WEB_DOMAIN
    if kind.startswith("relation"):  # a relation the other organisation confirmed
        return CONFIRMED if moderator else AGREED
    return MODERATOR if moderator else OWNER


def spoken_date(day: date, lang: str) -> str:
    """A day as people write it: "7 décembre 2026", "7 december 2026", "7 December 2026"."""
    return f"{day.day} {_MONTHS[lang].split()[day.month - 1]} {day.year}"


def labels(role: str, number: int, when: str) -> list[Literal]:
    """What a change is called in each language, with its date as people write it."""
    day = datetime.fromisoformat(when).date()
    return [
        Literal(text.format(n=number, d=spoken_date(day, lang)), language=lang)
        for lang, text in _LABELS[role].items()
    ]


def association(change_iri: str, graph: str, role: str, base: str) -> list[Quad]:
    """``<change> prov:qualifiedAssociation <change#by>``, ``<change#by> prov:hadRole`` the
    role's term; nothing for a change of unknown role."""
    term = ROLE_TERMS.get(role)
    if term is None:
        return []
    g, by = NamedNode(graph), NamedNode(change_iri + "#by")
    return [
        Quad(NamedNode(change_iri), NamedNode(PROV + "qualifiedAssociation"), by, g),
        Quad(by, RDF_TYPE_NODE, NamedNode(PROV + "Association"), g),
        Quad(by, NamedNode(PROV + "hadRole"), NamedNode(base + "ontology#" + term), g),
    ]
