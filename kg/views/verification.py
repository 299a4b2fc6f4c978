"""When an entry was last verified: the newest change set about it made by the
organisation itself (a verified owner, or an address on its web domain) or by a
moderator, whether it changed statements or only confirmed them (``cci:verifiedOn``).
Entries not verified for ``STALE_DAYS`` are marked on their page, and ``kg remind`` mails
their owners (kg.accounts.reminders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kg.build.changeroles import VERIFYING
from kg.store import GraphStore
from kg.views.model import check_iri, chunks, iri_values, select_rows

#: an entry not verified for this long is marked as possibly out of date
STALE_DAYS = 365

LAST = """
SELECT ?e (MAX(?when) AS ?last) WHERE {{
  VALUES ?e {{ {entities} }}
  VALUES ?role {{ {roles} }}
  ?c cs:subjectOfChange ?e ; cs:createdDate ?when ;
     prov:qualifiedAssociation/prov:hadRole ?role .
}}
GROUP BY ?e
"""


@dataclass(frozen=True)
class Verification:
    """The day an entry was last verified (None: never), and whether that is too long ago."""

    last: date | None
    stale: bool


def _query(base: str, entities: Sequence[str]) -> str:
    roles = " ".join(f"<{base}ontology#{term}>" for term in VERIFYING)
    return LAST.format(entities=iri_values(entities), roles=roles)


def last_verified(store: GraphStore, base: str, entities: list[str]) -> dict[str, date]:
    """The day each of ``entities`` was last verified; those never verified are left out."""
    found: dict[str, date] = {}
    for chunk in chunks([check_iri(iri).value for iri in entities], 200):
        for row in select_rows(store, _query(base, chunk), None, base):
            if row["last"] is not None:
                found[row["e"].value] = date.fromisoformat(row["last"].value[:10])
    return found


def verification(store: GraphStore, base: str, entity: str, today: date) -> Verification:
    last = last_verified(store, base, [entity]).get(entity)
    return Verification(last, is_stale(last, today))


def is_stale(last: date | None, today: date) -> bool:
    return last is None or today - last > timedelta(days=STALE_DAYS)


def confirmation_update(entity: str, today: date) -> str:
    """The change that confirms an entry as it is: its ``cci:verifiedOn`` replaced by today
    (terms written by pyoxigraph, never pasted from a request)."""
    e = check_iri(entity)
    return (
        f"DELETE WHERE {{ {e} cci:verifiedOn ?day }} ;\n"
        f'INSERT DATA {{ {e} cci:verifiedOn "{today.isoformat()}"^^xsd:date }}\n'
    )
