"""The Arbeidsmarkt view: jobs and their trend, technical demand against graduates, vacancy
rates per sector and the technical occupations with the largest replacement demand.

Every figure here comes from one engine function (the catalogue's indicators, ``demand``,
``coverage``); the page, the API, the CLI and the report chapter all call ``labour_view``
or one of its parts.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.check import Finding, coverage_findings
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValues
from pijplijn.engine.labour.coverage import coverage_check, coverage_ratios
from pijplijn.engine.labour.demand import OCCUPATIONS, _params, _source_titles, technical_demand
from pijplijn.engine.labour.results import Coverage, DemandFigure
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.errors import QueryError

TOP_OCCUPATIONS = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Occupation(_Frozen):
    """A technical beroepsgroep (BRC 2014) with ROA's national figures 2025-2030."""

    code: str
    name: str | None = None
    """The beroepsgroep's BRC 2014 name from the pack (labour.yaml), None when unknown."""
    replacement: float | None
    expansion: float | None
    replacement_rate: float | None
    bottleneck: float | None
    bottleneck_label: str | None
    tightness: float | None
    tightness_label: str | None


class Occupations(_Frozen):
    region: str
    period: str
    title: str
    rows: list[Occupation]
    sources: list[str]
    note: str


class JobsSummary(_Frozen):
    """Jobs of employees for the region: the series, growth since the first year, the share
    of industry, and the region the figures describe."""

    series: IndicatorValues | None
    described: str | None
    first: tuple[str, float] | None = None
    last: tuple[str, float] | None = None
    growth: float | None = None
    industry: IndicatorValues | None = None
    missing: str | None = None


class VacancyRates(_Frozen):
    """Vacancies per 1,000 jobs per sector for the province (the containing region) and NL."""

    regions: list[str]
    period: str | None
    rows: list[dict[str, object]]
    labels: dict[str, str]
    series: list[IndicatorValues]
    missing: str | None = None


class LabourView(_Frozen):
    region: str
    region_name: str
    jobs: JobsSummary
    coverage: list[Coverage]
    findings: list[Finding]
    vacancies: VacancyRates
    occupations: Occupations
    occupations_demand: DemandFigure | None
    """The estimated demand for technical occupations (all levels) in the region."""
    tightness_note: str
    headline: str


def labour_view(session: Session, pack: ContentPack, catalog: Catalog, region: str) -> LabourView:
    """Return the Arbeidsmarkt view for ``region``; raises QueryError for an unknown region."""
    canonical = canonical_region(session, region)
    names = region_names(session)
    jobs = jobs_summary(session, catalog, canonical)
    coverage = coverage_ratios(session, pack, canonical)
    check = coverage_check(session, pack)
    findings = coverage_findings(session, check) if check is not None else []
    vacancies = vacancy_rates(session, catalog, canonical)
    occupations = technical_occupations(session, pack)
    return LabourView(
        region=canonical,
        region_name=names.get(canonical, canonical),
        jobs=jobs,
        coverage=coverage,
        findings=findings,
        vacancies=vacancies,
        occupations=occupations,
        occupations_demand=next(
            (d for d in technical_demand(session, pack, canonical) if d.group == OCCUPATIONS),
            None,
        ),
        tightness_note=(
            "De spanningsindicator (UWV: vacatures per kortdurige WW-uitkering) blijft "
            "gedeclareerd tot een UWV-bron is ingelezen; tot dan zijn de vacaturegraad en ROA's "
            "typering van de huidige spanning per beroep de spanningsindicatoren met cijfers."
        ),
        headline=_headline(names.get(canonical, canonical), jobs, coverage, names),
    )


def jobs_summary(session: Session, catalog: Catalog, region: str) -> JobsSummary:
    """Jobs per year for ``region`` (indicator ``banen``) with growth and industry's share."""
    try:
        series = indicator_values(session, catalog, "banen", region)
        industry = indicator_values(session, catalog, "banen-aandeel-industrie", region)
    except QueryError as exc:
        return JobsSummary(series=None, described=None, missing=str(exc))
    known = [(v.period, v.value) for v in series.values if v.value is not None]
    if not known:
        return JobsSummary(
            series=series,
            described=None,
            industry=industry,
            missing="banen van werknemers per COROP-gebied (CBS 83582NED): nog niet ingelezen",
        )
    described = {v.described_region() or region for v in series.values}
    first, last = known[0], known[-1]
    return JobsSummary(
        series=series,
        described=described.pop() if len(described) == 1 else None,
        first=(first[0], first[1] * 1000),
        last=(last[0], last[1] * 1000),
        growth=last[1] / first[1] - 1 if first[1] else None,
        industry=industry,
    )


def vacancy_rates(session: Session, catalog: Catalog, region: str) -> VacancyRates:
    """The vacancy rate per sector in the latest year, for the smallest province or country
    around ``region`` and for the Netherlands."""
    series: list[IndicatorValues] = []
    try:
        own = indicator_values(session, catalog, "vacaturegraad", region)
    except QueryError as exc:
        return VacancyRates(
            regions=[], period=None, rows=[], labels={}, series=[], missing=str(exc)
        )
    described = {v.described_region() or region for v in own.values}
    province = described.pop() if len(described) == 1 else region
    regions: list[str] = list(dict.fromkeys([province, "NL01"]))
    for code in regions:
        series.append(indicator_values(session, catalog, "vacaturegraad", code))
    periods = sorted({v.period for s in series for v in s.values if v.value is not None})
    if not periods:
        return VacancyRates(
            regions=regions,
            period=None,
            rows=[],
            labels={},
            series=series,
            missing="openstaande vacatures per provincie (CBS) en banen per COROP-gebied "
            "(CBS 83582NED)",
        )
    latest = periods[-1]
    rows: list[dict[str, object]] = []
    labels: dict[str, str] = {}
    for code in regions:
        by_sector = indicator_values(
            session, catalog, "vacaturegraad", code, periods=[latest], by=["sector"]
        )
        labels |= by_sector.labels.get("sector", {})
        rows += [
            {"region": code, "sector": v.keys["sector"], "value": v.value, "flag": v.flag}
            for v in by_sector.values
            if v.value is not None
        ]
    return VacancyRates(regions=regions, period=latest, rows=rows, labels=labels, series=series)


def technical_occupations(session: Session, pack: ContentPack) -> Occupations:
    """ROA's technical beroepsgroepen (BRC 07xx) by national replacement demand 2025-2030,
    largest first, with the bottleneck indicator and current tightness and their labels."""
    params = _params(pack)
    prefix = params.technical_occupations.brc_prefix
    period = f"{params.forecast.first}-{params.forecast.last}"
    measures = (
        "replacement_demand",
        "expansion_demand",
        "replacement_rate",
        "bottleneck_indicator",
        "tightness_indicator",
    )
    found: dict[str, dict[str, tuple[float | None, str | None]]] = {}
    used = []
    for measure in measures:
        rows = query(
            session, CubeQuery(measure=measure, region="NL01", by=("region", "sector", "dataset"))
        )
        for row in rows:
            code = str(row.keys["sector"] or "")
            if row.keys["region"] != "NL01" or not code.startswith(prefix) or len(code) != 4:
                continue
            found.setdefault(code, {})[measure] = (row.value, None)
            used.append(row)
    labels = _labels(session, prefix)
    occupations = [
        Occupation(
            code=code,
            name=params.technical_occupations.names.get(code),
            replacement=figures.get("replacement_demand", (None, None))[0],
            expansion=figures.get("expansion_demand", (None, None))[0],
            replacement_rate=figures.get("replacement_rate", (None, None))[0],
            bottleneck=figures.get("bottleneck_indicator", (None, None))[0],
            bottleneck_label=labels.get((code, "bottleneck_indicator")),
            tightness=figures.get("tightness_indicator", (None, None))[0],
            tightness_label=labels.get((code, "tightness_indicator")),
        )
        for code, figures in found.items()
    ]
    occupations.sort(key=lambda o: -(o.replacement or 0))
    return Occupations(
        region="NL01",
        period=period,
        title=params.technical_occupations.title,
        rows=occupations[:TOP_OCCUPATIONS],
        sources=_source_titles(session, used),
        note="ROA's tabel per beroepsgroep geeft codes, geen namen (roa/SOURCE.md); de namen "
        f"komen uit {params.technical_occupations.names_source or 'de BRC 2014'}; "
        "landelijke cijfers: ROA geeft per beroep geen regionale aantallen in deze tabel.",
    )


def _labels(session: Session, prefix: str) -> dict[tuple[str, str], str]:
    """Return the typering labels (kept as labels, in the note) per (BRC code, measure)."""
    from sqlalchemy import select

    from pijplijn.store.models import Observation

    statement = select(Observation.sector, Observation.measure, Observation.note).where(
        Observation.measure.in_(["bottleneck_indicator", "tightness_indicator"]),
        Observation.region_code == "NL01",
        Observation.active.is_(True),
        Observation.sector.like(f"{prefix}%"),
    )
    found: dict[tuple[str, str], str] = {}
    for sector, measure, note in session.execute(statement):
        for part in (note or "").split("; "):
            if part.startswith("typering: "):
                found[(str(sector), str(measure))] = part.removeprefix("typering: ")
    return found


def _headline(name: str, jobs: JobsSummary, coverage: list[Coverage], names: dict[str, str]) -> str:
    parts = []
    if jobs.last is not None and jobs.first is not None and jobs.growth is not None:
        from pijplijn.numbers import format_number

        count = format_number(jobs.last[1], "count")
        growth = format_number(jobs.growth, "growth")
        described = names.get(jobs.described or "", jobs.described)
        where = f" (cijfers van {described})" if jobs.described else ""
        parts.append(
            f"{name} telde in {jobs.last[0]} {count} banen van werknemers, "
            f"{growth} sinds {jobs.first[0]}{where}"
        )
    computed = [c for c in coverage if c.points]
    if computed:
        pieces = [
            f"{c.title} {c.points[-1].coverage:.0%} ({c.points[-1].period})" for c in computed
        ]
        parts.append(
            "technische gediplomeerden die gaan werken dekken van de vraag: " + ", ".join(pieces)
        )
    else:
        parts.append(
            "de dekking van de vraag door gediplomeerden is nog niet te berekenen; er ontbreken: "
            + "; ".join(dict.fromkeys(m for c in coverage for m in c.missing))
        )
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
