"""``pijplijn check``: every published figure against the value the engine computes.

Each ``published_share`` and ``published_count`` in the store is looked up in the pack's
checks (by subject). Where one names an indicator, that indicator is evaluated for the
figure's own region and period (and its own breakdown values) and the two are compared:

- **match**: the difference is within the tolerance (the printed precision);
- **contradiction**: it is not; the size is reported, and the check's alternatives are tried
  to say what the figure does match;
- **not computable**: the indicator has no value there (no base data);
- **no counterpart**: the pack declares no computation for the figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.content.indicators import CheckDef
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValue, InputValue
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.store.models import Observation

Verdict = Literal["match", "contradiction", "not-computable", "no-counterpart"]
VERDICTS: tuple[Verdict, ...] = ("contradiction", "match", "not-computable", "no-counterpart")
ESTIMATED_TOLERANCE = 0.05
"""Relative tolerance for figures the document gives as approximate (flag ``estimated``)."""
_PRINTED = {"published_share": 0.005, "published_count": 0.5}
"""Half a unit of the printed precision: whole percentages, whole counts."""
_KEYS = ("institution", "stage", "level", "pathway", "sector", "gender")


class Alternative(BaseModel):
    """Another indicator the published figure does match."""

    indicator: str
    title: str
    value: float


class Finding(BaseModel):
    """One published figure and what the engine computes for it."""

    subject: str
    measure: str
    period: str
    region: str | None
    keys: dict[str, Any]
    """The figure's own dimensions (institution, stage, level, sector, ...)."""
    section: str | None
    published: float | None
    published_flag: str | None
    indicator: str | None
    computed: float | None = None
    computed_flag: str | None = None
    difference: float | None = None
    """published − computed, in the figure's unit."""
    relative: float | None = None
    """difference / computed."""
    tolerance: float | None = None
    verdict: Verdict
    explanation: str
    alternative: Alternative | None = None
    inputs: list[InputValue] = []
    note: str = ""


class CheckReport(BaseModel):
    """Every published figure's finding, contradictions first."""

    data_version: str
    findings: list[Finding]

    @property
    def counts(self) -> dict[str, int]:
        """Return the number of findings per verdict."""
        found = Counter(f.verdict for f in self.findings)
        return {v: found.get(v, 0) for v in VERDICTS}


def check_published(
    session: Session,
    catalog: Catalog,
    checks: Sequence[CheckDef],
    coverage: CoverageCheck | None = None,
) -> CheckReport:
    """Return the comparison of every active published figure with its computed counterpart.

    ``coverage`` computes the coverage of demand by graduates (engine/labour): the figures of
    its subject (the seeds' 28% and 42%) are compared with it, never used as its inputs."""
    by_subject: dict[str, CheckDef] = {}
    for check in checks:
        by_subject.setdefault(check.subject, check)
    inputs = _input_subjects(catalog)
    findings = []
    for row in session.scalars(
        select(Observation)
        .where(Observation.measure.in_(sorted(vocab.PUBLISHED_MEASURES)), Observation.active)
        .order_by(Observation.subject, Observation.period, Observation.id)
    ):
        found = by_subject.get(row.subject or "")
        if coverage is not None and row.subject == coverage.subject:
            findings.append(_coverage_finding(coverage, row))
        elif found is None:
            findings.append(_uncounted(row, inputs.get(row.subject or "")))
        else:
            findings.append(_compare(session, catalog, found, row))
    findings.sort(key=lambda f: (VERDICTS.index(f.verdict), f.subject, f.period))
    return CheckReport(data_version=data_version(session), findings=findings)


def _compare(session: Session, catalog: Catalog, check: CheckDef, row: Observation) -> Finding:
    finding = _finding(row, check.indicator, check.note)
    value = _computed(session, catalog, check, check.indicator, row)
    if isinstance(value, str):
        return finding.model_copy(update={"verdict": "not-computable", "explanation": value})
    published = row.value
    assert value.value is not None and published is not None
    tolerance = check.tolerance if check.tolerance is not None else _tolerance(row)
    difference = published - value.value
    update: dict[str, Any] = {
        "computed": value.value,
        "computed_flag": value.flag,
        "difference": difference,
        "relative": difference / value.value if value.value else None,
        "tolerance": tolerance,
        "inputs": value.inputs,
    }
    flagged = f" (berekend met vlag {value.flag})" if value.flag else ""
    if abs(difference) <= tolerance:
        update |= {
            "verdict": "match",
            "explanation": f"klopt binnen {_show(tolerance, row)}{flagged}",
        }
        return finding.model_copy(update=update)
    explanation = (
        f"tegenspraak: gepubliceerd {_show(published, row)}, berekend {_show(value.value, row)} "
        f"(verschil {_show(difference, row, signed=True)}){flagged}"
    )
    alternative = _alternative(session, catalog, check, row, tolerance)
    if alternative is not None:
        explanation += (
            f"; het gepubliceerde cijfer komt wel overeen met '{alternative.title}' "
            f"({_show(alternative.value, row)})"
        )
    update |= {"verdict": "contradiction", "explanation": explanation, "alternative": alternative}
    return finding.model_copy(update=update)


class CoverageCheck:
    """The computed coverage ratio per level group, for the published coverage's subject."""

    def __init__(self, subject: str, ratios: dict[str, tuple[dict[str, float], list[str], str]]):
        self.subject = subject
        self.ratios = ratios
        """level group → (coverage per period, missing inputs, method and sources)."""


def coverage_findings(session: Session, coverage: CoverageCheck) -> list[Finding]:
    """Return the findings of the published coverage figures alone (the Arbeidsmarkt page)."""
    rows = session.scalars(
        select(Observation)
        .where(Observation.subject == coverage.subject, Observation.active)
        .order_by(Observation.period, Observation.level)
    )
    return [_coverage_finding(coverage, row) for row in rows]


def _coverage_finding(coverage: CoverageCheck, row: Observation) -> Finding:
    finding = _finding(row, None, "berekend uit vraag (ROA) en gediplomeerden: engine/labour")
    group = row.level or ""
    found = coverage.ratios.get(group)
    if found is None:
        explanation = f"niet berekenbaar: geen niveaugroep '{group}' in labour.yaml"
        return finding.model_copy(update={"verdict": "not-computable", "explanation": explanation})
    points, missing, method = found
    if missing:
        explanation = "niet berekenbaar: ontbreekt " + "; ".join(missing)
        return finding.model_copy(update={"verdict": "not-computable", "explanation": explanation})
    if row.period not in points or row.value is None:
        years = ", ".join(sorted(points)) or "geen"
        explanation = (
            f"niet berekenbaar voor {row.period}: ontbreken technische gediplomeerden van "
            f"{row.period} (berekend voor {years})"
        )
        return finding.model_copy(update={"verdict": "not-computable", "explanation": explanation})
    computed = points[row.period]
    tolerance = _tolerance(row)
    difference = row.value - computed
    update: dict[str, Any] = {
        "computed": computed,
        "difference": difference,
        "relative": difference / computed if computed else None,
        "tolerance": tolerance,
        "note": method,
    }
    if abs(difference) <= tolerance:
        update |= {"verdict": "match", "explanation": f"klopt binnen {_show(tolerance, row)}"}
    else:
        update |= {
            "verdict": "contradiction",
            "explanation": f"tegenspraak: gepubliceerd {_show(row.value, row)}, berekend "
            f"{_show(computed, row)} (verschil {_show(difference, row, signed=True)})",
        }
    return finding.model_copy(update=update)


def _computed(
    session: Session, catalog: Catalog, check: CheckDef, indicator: str, row: Observation
) -> IndicatorValue | str:
    """Return the indicator's value for the figure, or why there is none."""
    if row.value is None:
        return "het gepubliceerde cijfer zelf ontbreekt"
    try:
        values = indicator_values(
            session,
            catalog,
            indicator,
            row.region_code or "NL01",
            periods=[row.period],
            by=check.by,
            classification=check.classification,
            filters=check.filters,
        )
    except QueryError as exc:
        return f"niet te berekenen: {exc}"
    wanted = {d: getattr(row, d) for d in check.by}
    for value in values.values:
        if all(value.keys.get(d) == v for d, v in wanted.items()):
            if value.value is not None:
                return value
            reasons = "; ".join(value.notes) or "een invoer ontbreekt"
            return f"geen basisdata voor {row.period}: {reasons}"
    return f"geen basisdata voor {row.period} (indicator {indicator} heeft daar geen waarde)"


def _alternative(
    session: Session, catalog: Catalog, check: CheckDef, row: Observation, tolerance: float
) -> Alternative | None:
    assert row.value is not None
    for name in check.alternatives:
        value = _computed(session, catalog, check, name, row)
        if isinstance(value, str) or value.value is None:
            continue
        if abs(row.value - value.value) <= tolerance:
            return Alternative(indicator=name, title=catalog.get(name).title.nl, value=value.value)
    return None


def _tolerance(row: Observation) -> float:
    if row.flag == "estimated" and row.value is not None:
        return ESTIMATED_TOLERANCE * abs(row.value)
    return _PRINTED.get(row.measure, 0.0)


def _finding(row: Observation, indicator: str | None, note: str) -> Finding:
    return Finding(
        subject=row.subject or "",
        measure=row.measure,
        period=row.period,
        region=row.region_code,
        keys={k: getattr(row, k) for k in _KEYS if getattr(row, k) is not None},
        section=row.source_ref,
        published=row.value,
        published_flag=row.flag,
        indicator=indicator,
        verdict="no-counterpart",
        explanation="",
        note=note,
    )


def _uncounted(row: Observation, used_by: list[str] | None) -> Finding:
    explanation = "geen berekening uit basisdata vastgelegd"
    if used_by:
        explanation = f"invoer van {', '.join(used_by)}; zelf niet uit basisdata te berekenen"
    return _finding(row, None, "").model_copy(update={"explanation": explanation})


def _input_subjects(catalog: Catalog) -> dict[str, list[str]]:
    """Return per published subject the indicators that use it as an input."""
    found: dict[str, list[str]] = {}
    for indicator in catalog.indicators:
        for definition in indicator.definitions:
            for expr in (definition.numerator, definition.denominator):
                for term in expr.terms() if expr is not None else []:
                    subject = getattr(term, "subject", None)
                    if subject and indicator.id not in found.setdefault(subject, []):
                        found[subject].append(indicator.id)
    return found


def _show(value: float, row: Observation, *, signed: bool = False) -> str:
    """Return ``value`` as the figure's kind: a percentage for shares, a count otherwise."""
    from pijplijn.numbers import format_number, points

    if row.measure == "published_share":
        return points(value) if signed else format_number(value, "share")
    # Counts with one decimal: a tolerance or a difference of estimates may be fractional.
    return format_number(value, "count", signed=signed, digits=1)
