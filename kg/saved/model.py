"""A saved query as the rest of the project sees it (a bad file: ``QueryFileError``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kg.labels import pick
from kg.saved.parameters import Param


@dataclass(frozen=True)
class SavedQuery:
    name: str
    titles: dict[str, str]  # {"en": …, "fr": …, "nl": …}
    descriptions: dict[str, str]
    tags: tuple[str, ...]
    chart: str
    kpi: str | None
    params: tuple[Param, ...]
    text: str  # the whole file, header included (comments to SPARQL)
    form: str = "solutions"  # "solutions" (SELECT) or "boolean" (ASK)
    file: str = ""  # as shown in messages: queries/NAME.rq
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # param -> line
    kpi_line: int = field(default=0, compare=False)
    #: whether ``kg snapshot`` records this KPI's values (``# snapshot: no`` for a KPI that
    #: shows observations carrying their own period, like published figures)
    snapshot: bool = True
    #: variable -> {language: heading} (``# columns@fr: …``)
    columns: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    #: the field whose coverage the KPI states (``# coverage: sector``), or None
    coverage: str | None = None
    #: whether the KPI is computed at past dates from the dated facts (``# past: no``
    #: for one that measures the record, not the ecosystem; kg.saved.kpipast)
    past: bool = True
    #: the view a federated query is written over (``# federated: organisations``): it runs
    #: on this map and on every peer the registry allows (kg.federation.views)
    federated: str | None = None

    def column(self, variable: str, lang: str | None) -> str:
        """A results column's heading in ``lang`` (along the fallback chain), else the
        variable's name."""
        return pick(self.columns.get(variable, {}), lang) or variable

    def title(self, lang: str | None) -> str:
        return pick(self.titles, lang) or self.name

    def description(self, lang: str | None) -> str:
        return pick(self.descriptions, lang) or ""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "titles": dict(self.titles),
            "descriptions": dict(self.descriptions),
            "tags": list(self.tags),
            "chart": self.chart,
            "kpi": self.kpi,
            "snapshot": self.snapshot if self.kpi else False,
            "form": "select" if self.form == "solutions" else "ask",
            "params": [p.to_dict() for p in self.params],
            "federated": self.federated is not None,
        }
