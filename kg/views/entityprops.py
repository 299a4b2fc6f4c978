"""Which of an entity's properties go where on its page: names, description, topics,
the nodes it owns, what is not a relation.
"""

from __future__ import annotations

from kg.namespaces import (
    ADMS,
    CV,
    DCT,
    FOAF,
    LEGAL,
    LOCN,
    ORG,
    OWL,
    RDF,
    RDF_TYPE,
    RDFS,
    REUSED_PREFIXES,
    SCHEMA,
    SKOS,
)
from kg.views.model import (
    cci,
)


def prop_sets(base: str) -> dict[str, set[str]]:
    sets = base_prop_sets(base)
    sets["shown_elsewhere"] = set().union(
        *(sets[k] for k in ("names", "description", "sector", "service", "audience", "owned")),
        # the project's file of a dataset: in the RDF and the downloads, not for visitors
        {cci(base) + "sourceFile"},
    )
    return sets


def base_prop_sets(base: str) -> dict[str, set[str]]:
    c = cci(base)
    return {
        "names": {
            SKOS + "prefLabel",
            SKOS + "altLabel",
            RDFS + "label",
            FOAF + "name",
            LEGAL + "legalName",
            DCT + "title",
        },
        "description": {DCT + "description", SKOS + "definition"},
        "sector": {c + "sector"},
        "service": {c + "offersService"},
        "audience": {c + "catersFor"},
        "owned": {
            LOCN + "address",
            LOCN + "geometry",
            LEGAL + "legalIdentifier",
            ADMS + "identifier",
        },
        # shown elsewhere on the page, or not a relation between entities
        "not_relations": {
            RDF_TYPE,
            c + "municipality",
            OWL + "sameAs",
            FOAF + "homepage",
            DCT + "source",
            c + "relSubject",
            c + "relObject",
            c + "subject",
            # the register import's nodes: the address is shown under Location
            CV + "registeredAddress",
            CV + "contactPoint",
            ORG + "hasSite",
        },
        # incoming statements that are not relations to show (reified, figures, kinds)
        "not_incoming": {
            c + "relSubject",
            c + "relObject",
            c + "subject",
            RDF_TYPE,
            # matches across maps under review: shown as "also on" once accepted
            RDF + "subject",
            # reified statements (the sector-NACE table's rows): their sources, not relations
            RDF + "object",
            # the change sets that touched it: its history page lists them
            REUSED_PREFIXES["cs"] + "subjectOfChange",
        },
        # what a person's page may show besides names and relations (public roles)
        "person_public": {SCHEMA + "jobTitle", ORG + "role", c + "role"},
    }


#: The names of an entity, in the order a page shows them.
NAME_ORDER = (
    SKOS + "prefLabel",
    RDFS + "label",
    FOAF + "name",
    DCT + "title",
    SKOS + "altLabel",
    LEGAL + "legalName",
)


#: Kinds whose pages list where an entity takes part ("working groups, projects, events").
def activity_kinds(base: str) -> set[str]:
    c = cci(base)
    return {
        c + "WorkingGroup",
        c + "SteeringCommittee",
        c + "Project",
        c + "Programme",
        c + "Event",
        c + "Mission",
    }
