"""Erasure on request (``kg erase IRI``): a person's statements leave the store, the
indexes and the dumps of every build from the next one on, and the change log keeps a
tombstone that does not name them.

The erasure is a change of the change log, replayed by every build after the sources
(which may still name the person: the build removes it each time). Its text names the
entry only by the SHA-256 of its IRI, so the published log does not repeat what it
erases:

    # erasure: every statement about one entry, named by the SHA-256 of its IRI
    DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { … FILTER (SHA256(STR(?t)) = "…") … } ; …

It removes every statement whose subject or object is the entry, and the relationships
(``cci:Relationship``) that start from it or go to it, whose descriptions name it. Its
change set records no statements (kg.build.changes: an erasure's removals would be the
erased data again), only that it happened, when and why.

The build also leaves those statements out of the sources before it loads them
(``leave_out``): a statement deleted from the store would leave its words in the store's
files (Oxigraph keeps the strings it has seen), and the validator would read them. The
update then finds nothing, unless an earlier change put the entry back. Both cost one
pass over the data per build with an erasure in its log (a few tenths of a second on the
curated data)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse, serialize

from kg.settings import Settings

#: the first line of an erasure's update text, which the build recognises
MARK = "# erasure: every statement about one entry, named by the SHA-256 of its IRI"

_DELETE = """DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{
  {where}
  FILTER (isIRI(?t) && SHA256(STR(?t)) = "{digest}")
}}"""
_RELATIONSHIPS = "GRAPH ?h { ?s cci:relSubject|cci:relObject ?t } GRAPH ?g { ?s ?p ?o }"
_AS_SUBJECT = "GRAPH ?g { ?s ?p ?o } BIND (?s AS ?t)"
_AS_OBJECT = "GRAPH ?g { ?s ?p ?o } BIND (?o AS ?t)"


def digest(iri: str) -> str:
    return hashlib.sha256(iri.encode("utf-8")).hexdigest()


def update_text(iri: str) -> str:
    """The erasure's update: the relationships first (while they still point to the entry),
    then its statements as subject and as object."""
    found = digest(iri)
    parts = [
        _DELETE.format(where=w, digest=found) for w in (_RELATIONSHIPS, _AS_SUBJECT, _AS_OBJECT)
    ]
    return MARK + "\n" + " ;\n".join(parts) + "\n"


def is_erasure(update: str) -> bool:
    return update.lstrip().startswith(MARK)


def files_naming(settings: Settings, iri: str, names: list[str]) -> list[str]:
    """The source files and earlier changes that still name the entry (its IRI, a prefixed
    form of it, or one of its names): the build removes what they say each time, but the
    files themselves are for a person to edit."""
    local = iri.rsplit("/", 1)[-1]
    patterns = [re.escape(iri), rf":{re.escape(local)}\b"]
    patterns += [re.escape(n) for n in names if n.strip()]
    found = re.compile("|".join(patterns))
    out = []
    folders = [settings.root / "data" / "curated", settings.root / "data" / "changes"]
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.suffix in (".ttl", ".ru") and found.search(_read(path)):
                out.append(path.relative_to(settings.root).as_posix())
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


_DIGEST = re.compile(r'SHA256\(STR\(\?t\)\) = "([0-9a-f]{64})"')


def erased(updates: Iterable[str]) -> set[str]:
    """The digests of the entries the erasures among ``updates`` (change texts) erase."""
    return {d for text in updates if is_erasure(text) for d in _DIGEST.findall(text)}


def _named(node: object, digests: set[str]) -> bool:
    return isinstance(node, NamedNode) and digest(node.value) in digests


def leave_out(files: Sequence[Path], digests: set[str], base: str) -> int:
    """Rewrite the N-Triples ``files`` without the erased entries' statements and their
    relationships'; the number of statements left out."""
    if not digests:
        return 0
    ends = {NamedNode(base + "ontology#relSubject"), NamedNode(base + "ontology#relObject")}
    parsed = {
        path: [q.triple for q in parse(path=path, format=RdfFormat.N_TRIPLES)] for path in files
    }
    gone = set(digests)
    for triples in parsed.values():  # the relationships that start from or go to them
        for t in triples:
            if (
                t.predicate in ends
                and _named(t.object, digests)
                and isinstance(t.subject, NamedNode)
            ):
                gone.add(digest(t.subject.value))
    left = 0
    for path, triples in parsed.items():
        kept: list[Triple] = [
            t for t in triples if not (_named(t.subject, gone) or _named(t.object, gone))
        ]
        if len(kept) != len(triples):
            left += len(triples) - len(kept)
            serialize(kept, path, RdfFormat.N_TRIPLES)
    return left
