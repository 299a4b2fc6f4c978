"""``kg remind`` (for cron): mail the verified owners of the organisations that nobody
has verified for a year (kg.views.verification), asking them to check their entry and
confirm or correct it. An owner is mailed about an entry at most once in
``REPEAT_DAYS``; each mail is recorded in the state database. The mail is written in the
deployment's languages, one after the other (kg.labels)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from kg.accounts import claims, mail
from kg.accounts.db import transaction
from kg.build.changeroles import spoken_date
from kg.labels import languages, pick
from kg.namespaces import SKOS
from kg.settings import Settings
from kg.store import GraphStore
from kg.views.model import check_iri, select_rows
from kg.views.verification import is_stale, last_verified

#: days before the same owner is reminded of the same entry again
REPEAT_DAYS = 30


_SUBJECT = {
    "fr": "Votre fiche est-elle toujours correcte ?",
    "nl": "Klopt uw fiche nog?",
    "en": "Is your entry still correct?",
}
_BODY = {
    "fr": "Bonjour,\n\n« {name} » n'a pas été vérifiée depuis {since}. Vérifiez-la, corrigez-la "
    "ou confirmez qu'elle est correcte ici :\n\n{url}",
    "nl": "Hallo,\n\n‘{name}’ is niet meer gecontroleerd sinds {since}. Controleer, verbeter of "
    "bevestig de fiche hier:\n\n{url}",
    "en": "Hello,\n\n“{name}” has not been verified since {since}. Check it, correct it or "
    "confirm that it is correct here:\n\n{url}",
}
_NEVER = {"fr": "son ajout", "nl": "ze werd toegevoegd", "en": "it was added"}


@dataclass(frozen=True)
class Reminder:
    entity: str
    name: str
    account: int
    email: str
    last: date | None


def due(
    settings: Settings, store: GraphStore, conn: sqlite3.Connection, today: date
) -> list[Reminder]:
    """The reminders to send on ``today``: every verified owner of an entry not verified
    for a year (kg.views.verification.STALE_DAYS), unless mailed about it in the last
    ``REPEAT_DAYS``."""
    owners = claims.verified(conn)
    entities = sorted({c.entity for c in owners})
    last = last_verified(store, settings.base, entities)
    since = (today - timedelta(days=REPEAT_DAYS)).isoformat()
    recent = {
        (entity, account)
        for entity, account in conn.execute(
            "SELECT entity, account FROM reminders WHERE sent > ?", (since,)
        )
    }
    due = [
        c
        for c in owners
        if is_stale(last.get(c.entity), today) and (c.entity, c.account) not in recent
    ]
    names = {e: _name(store, settings.base, e) for e in {c.entity for c in due}}
    return [
        Reminder(c.entity, names[c.entity], c.account, c.email, last.get(c.entity)) for c in due
    ]


def _name(store: GraphStore, base: str, entity: str) -> str:
    # the IRI written by pyoxigraph, escaped (a substitution needs it in the projection)
    names = f"SELECT ?name WHERE {{ {check_iri(entity)} <{SKOS}prefLabel> ?name }}"
    rows = select_rows(store, names, None, base)
    found = {r["name"].language or "": r["name"].value for r in rows}
    return pick(found, languages()[0]) or entity


def text(settings: Settings, reminder: Reminder) -> tuple[str, str]:
    """(subject, body) in the deployment's languages."""
    url = f"{settings.base}edit?entity={quote(reminder.entity, safe='')}"
    subject = " / ".join(_SUBJECT[lang] for lang in languages())
    parts = []
    for lang in languages():
        since = spoken_date(reminder.last, lang) if reminder.last else _NEVER[lang]
        parts.append(_BODY[lang].format(name=reminder.name, since=since, url=url))
    return subject, "\n\n—\n\n".join(parts)


def send(settings: Settings, conn: sqlite3.Connection, found: list[Reminder], today: date) -> int:
    """Mail each reminder and record it; the number sent."""
    for reminder in found:
        subject, body = text(settings, reminder)
        mail.send(settings, reminder.email, subject, body)
        with transaction(conn):
            conn.execute(
                "INSERT INTO reminders (entity, account, sent) VALUES (?, ?, ?)",
                (reminder.entity, reminder.account, today.isoformat()),
            )
    return len(found)
