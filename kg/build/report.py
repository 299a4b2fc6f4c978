"""Validation reports: what is wrong, in which file, on which entity and property."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in the sources. Ordered by file, then entity, then property."""

    file: str
    entity: str
    property: str | None
    message: str
    severity: str = "Violation"  # Violation | Warning | Info
    check: str = "shacl"  # shacl component name, "vocabulary" or "syntax"
    value: str | None = None
    shape: str | None = None
    line: int | None = None

    @builtins.property  # the field above is named ``property``
    def is_error(self) -> bool:
        return self.severity == "Violation"


def shorten(term: str | None, prefixes: Mapping[str, str]) -> str | None:
    """``<https://…/ontology#sector>`` -> ``cci:sector`` where a prefix fits."""
    if term is None:
        return None
    iri = term[1:-1] if term.startswith("<") and term.endswith(">") else term
    best = ""
    name = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(best):
            local = iri[len(ns) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best, name = ns, f"{prefix}:{local}"
    return name or term


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)
        self.issues.sort()

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.is_error)

    @property
    def warning_count(self) -> int:
        return sum(1 for i in self.issues if not i.is_error)

    @property
    def conforms(self) -> bool:
        return self.error_count == 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "errors": self.error_count,
                "warnings": self.warning_count,
                "issues": [asdict(i) for i in self.issues],
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_text(self, prefixes: Mapping[str, str]) -> str:
        lines = []
        for i in self.issues:
            where = i.file if i.line is None else f"{i.file}:{i.line}"
            prop = shorten(i.property, prefixes)
            value = f" (value: {i.value})" if i.value is not None else ""
            head = f"{where}: {i.severity.lower()}: {shorten(i.entity, prefixes)}"
            lines.append(f"{head}{' ' + prop if prop else ''}: {i.message}{value}")
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {self.error_count} error(s), {self.warning_count} warning(s)")
        return "\n".join(lines)
