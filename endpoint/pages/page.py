"""``Page``: what templates use to show the graph: labels in the reader's language (with
their language for ``lang=``) along the one fallback chain of kg.labels, links, and
citations of sources."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from fastapi import Request
from markupsafe import Markup, escape

from endpoint.http.i18n import strings, translate
from endpoint.pages.pagerequest import settings_of, store_of
from endpoint.saved.kpiformat import number as figure
from kg.labels import languages, pick_with_language
from kg.namespaces import DCT, FOAF, ORG, OWL_CLASS, SCHEMA, XSD
from kg.views.concepts import ConceptView
from kg.views.model import Document, Ref, Source, Value, cci, curie, local_name
from kg.views.vocabcache import vocabulary

#: datatypes whose values are shown as figures, and as dates in words
NUMERIC = frozenset(
    XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")
)
DATES = frozenset(XSD + t for t in ("date", "dateTime", "gYearMonth"))
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


class Page:
    """What templates use to show the graph: labels in the reader's language (with their
    language for ``lang=``), links, and citations of sources."""

    NUMERIC = NUMERIC  # for the templates: p.NUMERIC, p.DATES
    DATES = DATES

    def __init__(
        self,
        request: Request,
        lang: str,
        sources: Mapping[str, Source] | None = None,
        first: Iterable[str] = (),
    ) -> None:
        self.request = request
        self.lang = lang
        self.base = settings_of(request).base
        self.vocab = vocabulary(store_of(request), self.base)
        self._cites: dict[tuple[str, ...], Markup] = {}
        known = strings()
        self._terms = {k[5:]: v for k, v in known.items() if k.startswith("term.")}
        self.sources: list[tuple[int, Source]] = []
        self._numbers: dict[str, int] = {}
        if sources:
            own = set(first)  # the entity's own statements' sources come first
            ordered = sorted(
                sources.values(), key=lambda s: (s.graph not in own, not s.documents, s.graph)
            )
            for n, source in enumerate(ordered, start=1):
                self.sources.append((n, source))
                self._numbers[source.graph] = n

    # kinds and values
    def is_kind(self, iri: str) -> bool:
        """Whether ``/kind/…`` lists the members of this class (an ontology class)."""
        return iri.startswith(cci(self.base)) and OWL_CLASS in self.vocab.types.get(iri, set())

    def kind(self, ref: Ref) -> str:
        """The most telling kind of a node, in the reader's language ("" when unknown)."""
        generic = {ORG + "Organization", FOAF + "Agent", SCHEMA + "Place", DCT + "Location"}
        types = [t for t in ref.types if t not in generic] or list(ref.types)
        own = [t for t in types if t.startswith(cci(self.base))]
        chosen = (own or types)[:1]
        if not chosen:
            return ""
        return self.label(self.vocab.ref(chosen[0]))[0]

    # HTML snippets used many times a page (cheaper than Jinja macros; escaped here)
    def link_html(self, ref: Ref) -> Markup:
        text, lang = self.label(ref)
        href = escape(self.href(ref.iri))
        return Markup(f'<a href="{href}" lang="{escape(lang)}">{escape(text)}</a>')

    def kind_html(self, ref: Ref) -> Markup:
        kind = self.kind(ref)
        return Markup(f' <span class="kind">{escape(kind)}</span>') if kind else Markup("")

    def cite_html(self, graphs: Iterable[str]) -> Markup:
        key = tuple(sorted(set(graphs)))
        found = self._cites.get(key)
        if found is None:
            found = self._cites[key] = Markup(
                "".join(
                    f'<sup class="cite"><a href="#source-{n}" title="{escape(text)}">{n}</a></sup>'
                    for n, text in self.cite(key)
                )
            )
        return found

    def pick_value(self, values: list[Value]) -> Value | None:
        """Of several language versions of a text, the one in the reader's language along
        the fallback chain."""
        if not values:
            return None
        by_lang = {v.lang: v for v in reversed(values)}
        picked = pick_with_language({lang: v.text for lang, v in by_lang.items()}, self.lang)
        return by_lang.get(picked[1], values[0]) if picked else values[0]

    def languages(self, concept: ConceptView) -> list[str]:
        seen = set(concept.pref) | set(concept.alt) | set(concept.definitions)
        return [*languages(), *sorted(seen - set(languages()))]

    # links
    def href(self, iri: str) -> str:
        """The page of an IRI on this server (any host), in the reader's language."""
        ns = cci(self.base)
        if iri.startswith(self.base + "id/"):
            return "/" + iri[len(self.base) :] + "?" + urlencode({"lang": self.lang})
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"/ontology?lang={self.lang}#{quote(iri[len(ns) :])}"
        if iri == self.base + "ontology":
            return f"/ontology?lang={self.lang}"
        return iri

    def kind_href(self, iri: str) -> str:
        return f"/kind/{quote(local_name(iri))}?lang={self.lang}"

    # labels
    def label(self, ref: Ref | None) -> tuple[str, str]:
        """(text, language) of a node: its label along the language chain; for a term
        of a reused vocabulary, the interface's translation; else its short name."""
        if ref is None:
            return "", ""
        found = ref.label(self.lang)
        if found:
            return found
        short = curie(ref.iri, self.base)
        texts = self._terms.get(short)
        if texts:
            picked = pick_with_language(texts, self.lang)
            if picked:
                return picked
        return (short if short != ref.iri else local_name(ref.iri) or ref.iri), ""

    def text(self, labels: Mapping[str, str] | None) -> tuple[str, str]:
        return pick_with_language(dict(labels or {}), self.lang) or ("", "")

    def curie(self, iri: str) -> str:
        return curie(iri, self.base)

    # sources
    def cite(self, graphs: Iterable[str]) -> list[tuple[int, str]]:
        """(number, "according to …") for each graph stating a statement."""
        out = []
        for g in sorted(set(graphs), key=lambda g: self._numbers.get(g, 0)):
            n = self._numbers.get(g)
            if n is not None:
                out.append((n, self.according_to(self.sources[n - 1][1])))
        return out

    def according_to(self, source: Source) -> str:
        if not source.documents:
            if source.graph.startswith(self.base + "graph/ontology/"):
                return translate("pages.entity.vocabulary_graph", self.lang)
            return translate("pages.entity.no_source", self.lang)
        parts = [self.document(d) for d in source.documents]
        return translate("pages.entity.according_to", self.lang) + " " + "; ".join(parts)

    def according_to_html(self, source: Source) -> Markup:
        """``according_to`` for a page's text: each title marked with its language."""
        if not source.documents:
            return Markup(escape(self.according_to(source)))
        parts = []
        for doc in source.documents:
            title, lang = self.text(doc.titles)
            shown = escape(title or local_name(doc.iri))
            date = f" ({escape(doc.date)})" if doc.date else ""
            parts.append(f'<span lang="{escape(lang)}">« {shown} »</span>{date}')
        lead = escape(translate("pages.entity.according_to", self.lang))
        return Markup(f"{lead} " + "; ".join(parts))

    def document(self, doc: Document) -> str:
        title = self.text(doc.titles)[0] or local_name(doc.iri)
        return f"« {title} »" + (f" ({doc.date})" if doc.date else "")

    def number(self, value: str | None) -> str:
        """A figure as the reader writes it (``format_number``)."""
        return self.format_number(value, self.lang)

    @staticmethod
    def format_number(value: str | None, lang: str) -> str:
        """A figure with thousands separators and the decimal mark as the reader writes
        them (132 799; 7,885 in French), its decimals as the data gives them."""
        if value is None:
            return ""
        try:
            number = float(value)
        except ValueError:
            return value
        written = value.strip()
        if number == int(number) and "e" not in written.lower():
            text = f"{int(number):,}"
        elif _PLAIN_DECIMAL.fullmatch(written) and len(written.partition(".")[2]) > 4:
            # a computed measure (0.017186673717609735): three significant digits
            return figure(number, lang)
        elif _PLAIN_DECIMAL.fullmatch(written):
            whole, _, fraction = written.partition(".")
            text = f"{int(whole):,}" + (f".{fraction}" if fraction.strip("0") else "")
        else:
            text = f"{number:,.2f}"
        sep = {"fr": "\u202f", "nl": ".", "en": ","}.get(lang, ",")
        dec = "," if lang in ("fr", "nl") else "."
        return text.replace(",", "\x00").replace(".", dec).replace("\x00", sep)

    def coordinates(self, lat: float, lon: float) -> str:
        ns = "N" if lat >= 0 else "S"
        ew = "E" if lon >= 0 else "W"
        return f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}"
