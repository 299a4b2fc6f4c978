"""Stand-in concepts for the ones the generator uses that ``ontology/schemes/`` does not
define yet, so that generated data can conform while the schemes are being written.

Only concepts absent from the checked-in schemes are written (and the schemes themselves if
absent), each in its scheme, with fr/nl/en labels and definitions marked as synthetic; relation
types name their direct property. Once the schemes define everything, nothing is written."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, parse

from bench.synthetic import AUDIENCES, NS, RELATIONS, ROLES, SECTORS, SERVICES, A, lang, u

SKOS = NS["skos"]
#: scheme slug -> (concept prefix, concept slugs)
SCHEMES = {
    "sectors": ("sector", SECTORS),
    "services": ("service", SERVICES),
    "audiences": ("audience", AUDIENCES),
    "relation-types": ("reltype", tuple(RELATIONS)),
    "roles": ("role", ROLES),
}
DEFINITION = {
    "fr": "Concept de remplacement synthétique pour les benchmarks.",
    "nl": "Synthetisch vervangconcept voor benchmarks.",
    "en": "Synthetic stand-in concept for benchmarks.",
}


def defined(root: Path) -> set[str]:
    """IRIs the checked-in schemes already describe (concepts in a scheme, and schemes)."""
    found: set[str] = set()
    for path in sorted((root / "ontology" / "schemes").glob("*.ttl")):
        for q in parse(path=path, base_iri="https://data.creative.brussels/"):
            if q.predicate == NamedNode(SKOS + "inScheme") or (
                q.predicate.value.endswith("#type")
                and q.object == NamedNode(SKOS + "ConceptScheme")
            ):
                found.add(q.subject.value)
    return found


def _describe(lines: list[str], iri: str, label: str) -> None:
    for tag in ("fr", "nl", "en"):
        lines.append(f"<{iri}> {u('skos:prefLabel')} {lang(label, tag)} .")
        lines.append(f"<{iri}> {u('skos:definition')} {lang(DEFINITION[tag], tag)} .")


def fallback_ntriples(root: Path) -> str:
    """N-Triples for what is missing; empty when the schemes define it all."""
    have = defined(root)
    lines: list[str] = []
    for scheme_slug, (prefix, slugs) in SCHEMES.items():
        scheme = NS["scheme"] + scheme_slug
        if scheme not in have:
            lines.append(f"<{scheme}> {A} {u('skos:ConceptScheme')} .")
            _describe(lines, scheme, f"{scheme_slug} (synthetic stand-in)")
        for slug in slugs:
            iri = NS[prefix] + slug
            if iri in have:
                continue
            lines.append(f"<{iri}> {A} {u('skos:Concept')} .")
            lines.append(f"<{iri}> {u('skos:inScheme')} <{scheme}> .")
            _describe(lines, iri, slug.replace("-", " "))
            if prefix == "reltype":
                lines.append(
                    f"<{iri}> {u('cci:directProperty')} {u('cci:' + RELATIONS[slug][0])} ."
                )
    return "".join(line + "\n" for line in lines)


def write_fallback(root: Path, out: Path) -> Path | None:
    """Write the stand-ins to ``out`` and return it, or None when none are needed."""
    text = fallback_ntriples(root)
    if not text:
        out.unlink(missing_ok=True)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
