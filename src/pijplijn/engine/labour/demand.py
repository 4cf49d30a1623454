"""Technical labour-market demand per level group, per year of ROA's forecast period.

**Method** (docs/labour.md). For a region and a level group (mbo 2, mbo 3-4, hbo, wo):

1. ROA's regional figures, when loaded: vervangingsvraag + uitbreidingsvraag of technical
   education at that level in the region's arbeidsmarktregio (the region set declares it),
   as published; flag none.
2. Otherwise an **estimate**: ROA's national figures for that level × the region's share of
   the national jobs (CBS 83582NED, jobs of employees in December, the latest year both
   have). Flag ``estimated``; the inputs and their sources are listed.
3. Otherwise not computable, naming the missing input.

ROA's counts are totals over the forecast period (2025-2030); a year's demand is that total
divided by the number of years. Technical occupations (BRC 07xx, from ROA's national table per
beroepsgroep) get the same estimate, without a level.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.labour import LEVEL_GROUPS, LabourDef
from pijplijn.content.loader import ContentPack
from pijplijn.engine.cube import CubeQuery, CubeRow, query
from pijplijn.engine.labour.results import DemandFigure, FigureInput
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.errors import QueryError
from pijplijn.reference.labour_regions import load_labour_regions
from pijplijn.store.models import Dataset

GROUP_STAGES: dict[str, tuple[str, tuple[str | None, ...]]] = {
    "2": ("mbo", ("2",)),
    "3-4": ("mbo", ("3", "4")),
    "hbo": ("hbo", (None,)),
    "wo": ("wo", (None,)),
}
OCCUPATIONS = "beroepen-techniek"
DemandDefLike = Any
"""content.projection.DemandDef (imported lazily: content.projection is the projection's)."""


def declared_labour_regions(pack: ContentPack) -> dict[str, tuple[str | None, str | None]]:
    """Return region set → (COROP area, arbeidsmarktregio) as the pack declares them."""
    return {
        s.code: (s.labour_market.corop, s.labour_market.arbeidsmarktregio)
        for s in pack.region_sets
        if s.labour_market is not None
    }


def labour_regions_of(
    declared: dict[str, tuple[str | None, str | None]], region: str
) -> tuple[str | None, str | None]:
    """Return (COROP code, arbeidsmarktregio code) that stand for ``region``: declared by
    its region set, or the region itself when it is one."""
    reference = load_labour_regions()
    for code, (corop_name, amr_name) in declared.items():
        if code.lower() == region.lower():
            corop = reference.find("corop", corop_name) if corop_name else None
            amr = reference.find("arbeidsmarktregio", amr_name) if amr_name else None
            return (corop.code if corop else None, amr.code if amr else None)
    code = region.upper() if region.upper().startswith("CR") else region
    corop = reference.find("corop", code)
    amr = reference.find("arbeidsmarktregio", region)
    return (corop.code if corop else None, amr.code if amr else None)


def technical_demand(session: Session, pack: ContentPack, region: str) -> list[DemandFigure]:
    """Return the technical demand per level group and for technical occupations (see the
    module docstring); raises QueryError for an unknown region or a pack without
    ``labour.yaml``."""
    return demand_for(session, _params(pack), declared_labour_regions(pack), region)


def demand_for(
    session: Session,
    params: LabourDef,
    declared: dict[str, tuple[str | None, str | None]],
    region: str,
) -> list[DemandFigure]:
    """``technical_demand`` from the labour parameters and declared labour regions."""
    canonical = canonical_region(session, region)
    corop, amr = labour_regions_of(declared, canonical)
    names = region_names(session)
    jobs = _jobs_share(session, corop or canonical)
    figures = [
        _group_demand(session, params, group, canonical, amr, jobs, names) for group in LEVEL_GROUPS
    ]
    figures.append(_occupation_demand(session, params, canonical, jobs, names))
    return figures


def _params(pack: ContentPack) -> LabourDef:
    if pack.labour is None:
        raise QueryError(f"contentpakket {pack.name} heeft geen labour.yaml")
    return pack.labour


def _source_titles(session: Session, rows: list[CubeRow]) -> list[str]:
    ids = sorted({int(r.keys["dataset"]) for r in rows})
    if not ids:
        return []
    found = session.execute(
        select(Dataset.id, Dataset.source_key, Dataset.title).where(Dataset.id.in_(ids))
    )
    return [f"{key}: {title}" for _, key, title in found]


def _demand_rows(
    session: Session,
    measure: str,
    region: str,
    stage: str,
    levels: tuple[str | None, ...],
    domain: str,
) -> list[CubeRow]:
    rows = query(
        session,
        CubeQuery(
            measure=measure,
            region=region,
            stage=stage,
            by=("region", "level", "opleidingsdomein", "dataset"),
        ),
    )
    return [
        r
        for r in rows
        if r.keys["region"] == region
        and r.keys["level"] in levels
        and (r.keys["opleidingsdomein"] or "").lower() == domain.lower()
    ]


def _total(rows: list[CubeRow]) -> float | None:
    known = [r.value for r in rows if r.value is not None]
    return sum(known) if known else None


class _JobsShare:
    """The region's jobs against the national jobs, in the latest year both have."""

    def __init__(
        self,
        region: str,
        year: str | None,
        own: float | None,
        national: float | None,
        sources: list[str],
    ) -> None:
        self.region, self.year, self.own, self.national, self.sources = (
            region,
            year,
            own,
            national,
            sources,
        )

    @property
    def share(self) -> float | None:
        if self.own is None or not self.national:
            return None
        return self.own / self.national

    def inputs(self, names: dict[str, str]) -> list[FigureInput]:
        source = "; ".join(self.sources)
        return [
            FigureInput(
                name=f"banen van werknemers, {names.get(self.region, self.region)}",
                value=(self.own or 0) * 1000 if self.own is not None else None,
                unit="count",
                region=self.region,
                period=self.year or "",
                source=source,
            ),
            FigureInput(
                name="banen van werknemers, Nederland (som van de COROP-gebieden)",
                value=(self.national or 0) * 1000 if self.national is not None else None,
                unit="count",
                region="NL01",
                period=self.year or "",
                source=source,
            ),
        ]


def _jobs_share(session: Session, region: str) -> _JobsShare:
    def by_year(code: str) -> tuple[dict[str, float], list[CubeRow]]:
        rows = query(session, CubeQuery(measure="jobs", region=code, by=("period", "dataset")))
        totals: dict[str, float] = {}
        for row in rows:
            if row.value is not None and row.unit == "thousand":
                totals[row.period] = totals.get(row.period, 0.0) + row.value
        return totals, rows

    own, own_rows = by_year(region)
    national, national_rows = by_year("NL01")
    common = sorted(set(own) & set(national))
    if not common:
        return _JobsShare(region, None, None, None, [])
    year = common[-1]
    return _JobsShare(
        region, year, own[year], national[year], _source_titles(session, own_rows + national_rows)
    )


def _group_demand(
    session: Session,
    params: LabourDef,
    group: str,
    region: str,
    amr: str | None,
    jobs: _JobsShare,
    names: dict[str, str],
) -> DemandFigure:
    stage, levels = GROUP_STAGES[group]
    domain = params.education_domain
    years = params.forecast.years
    period = f"{params.forecast.first}-{params.forecast.last}"
    if amr is not None:
        replacement = _demand_rows(session, "replacement_demand", amr, stage, levels, domain)
        if replacement:
            expansion = _demand_rows(session, "expansion_demand", amr, stage, levels, domain)
            sources = _source_titles(session, replacement + expansion)
            rep, exp = _total(replacement), _total(expansion)
            return DemandFigure(
                group=group,
                period=period,
                region=amr,
                replacement=None if rep is None else rep / years,
                expansion=None if exp is None else exp / years,
                flag=None,
                method=f"ROA-cijfers voor {names.get(amr, amr)}: vervangings- plus "
                f"uitbreidingsvraag {period} gedeeld door {years} jaar",
                inputs=[
                    FigureInput(
                        name="vervangingsvraag (ROA, totaal)",
                        value=rep,
                        unit="count",
                        region=amr,
                        period=period,
                        source="; ".join(sources),
                    ),
                    FigureInput(
                        name="uitbreidingsvraag (ROA, totaal)",
                        value=exp,
                        unit="count",
                        region=amr,
                        period=period,
                        source="; ".join(sources),
                    ),
                ],
                sources=sources,
            )
    national = _demand_rows(session, "replacement_demand", "NL01", stage, levels, domain)
    if not national:
        return DemandFigure(
            group=group,
            period=period,
            region=region,
            flag="missing",
            method="niet berekenbaar: ROA's vraag per opleidingsniveau is niet geladen, voor "
            f"{names.get(amr or '', 'de arbeidsmarktregio')} noch voor Nederland; ROA's tabel per "
            "beroepsgroep heeft geen opleidingsniveau",
            missing=f"vervangingsvraag per opleidingsniveau in {domain} (ROA's AIS-bestand, "
            "soort roa-ais)",
        )
    expansion = _demand_rows(session, "expansion_demand", "NL01", stage, levels, domain)
    return _estimate(group, period, years, region, national, expansion, jobs, names, session)


def _estimate(
    group: str,
    period: str,
    years: int,
    region: str,
    replacement: list[CubeRow],
    expansion: list[CubeRow],
    jobs: _JobsShare,
    names: dict[str, str],
    session: Session,
    what: str = "",
) -> DemandFigure:
    sources = _source_titles(session, replacement + expansion)
    rep, exp = _total(replacement), _total(expansion)
    share = jobs.share
    inputs = [
        FigureInput(
            name=f"vervangingsvraag{what}, Nederland (ROA, totaal)",
            value=rep,
            unit="count",
            region="NL01",
            period=period,
            source="; ".join(sources),
        ),
        FigureInput(
            name=f"uitbreidingsvraag{what}, Nederland (ROA, totaal)",
            value=exp,
            unit="count",
            region="NL01",
            period=period,
            source="; ".join(sources),
        ),
        *jobs.inputs(names),
    ]
    if share is None:
        return DemandFigure(
            group=group,
            period=period,
            region=region,
            flag="missing",
            method="niet berekenbaar",
            inputs=inputs,
            sources=sources,
            missing="banen van werknemers per COROP-gebied (CBS 83582NED) voor de regio "
            "en Nederland",
        )
    place = names.get(jobs.region, jobs.region)
    return DemandFigure(
        group=group,
        period=period,
        region=jobs.region,
        replacement=None if rep is None else rep * share / years,
        expansion=None if exp is None else exp * share / years,
        flag="estimated",
        method=(
            f"geschat: landelijke ROA-vraag {period} × aandeel van {place} in de landelijke "
            f"banen ({f'{share:.2%}'.replace('.', ',')} in {jobs.year}), gedeeld door "
            f"{years} jaar"
        ),
        inputs=inputs,
        sources=[*sources, *jobs.sources],
    )


def _occupation_demand(
    session: Session, params: LabourDef, region: str, jobs: _JobsShare, names: dict[str, str]
) -> DemandFigure:
    period = f"{params.forecast.first}-{params.forecast.last}"
    prefix = params.technical_occupations.brc_prefix

    def rows(measure: str) -> list[CubeRow]:
        found = query(
            session, CubeQuery(measure=measure, region="NL01", by=("region", "sector", "dataset"))
        )
        return [
            r
            for r in found
            if r.keys["region"] == "NL01"
            and (r.keys["sector"] or "").startswith(prefix)
            and len(r.keys["sector"] or "") == 4
        ]

    replacement = rows("replacement_demand")
    if not replacement:
        return DemandFigure(
            group=OCCUPATIONS,
            period=period,
            region=region,
            flag="missing",
            method="niet berekenbaar",
            missing="vervangingsvraag per beroepsgroep "
            f"({params.technical_occupations.title}; ROA AIS)",
        )
    return _estimate(
        OCCUPATIONS,
        period,
        params.forecast.years,
        region,
        replacement,
        rows("expansion_demand"),
        jobs,
        names,
        session,
        what=f" {params.technical_occupations.title}",
    )


def projection_demand(
    session: Session,
    params: LabourDef,
    declared: dict[str, tuple[str | None, str | None]],
    region: str,
) -> list[DemandDefLike]:
    """Return the mbo demand (niveau 2 and 3-4) as the projection's dated demand series: in
    force over the forecast period, ended after it; the source says how it was found."""
    from datetime import date

    from pijplijn.content.projection import DatedSeries, DatedValue, DemandDef

    found: list[DemandDefLike] = []
    end = date(params.forecast.last + 1, 1, 1)
    start = date(params.forecast.first, 1, 1)
    for figure in demand_for(session, params, declared, region):
        if figure.group not in ("2", "3-4") or figure.replacement is None:
            continue
        flag = " [geschat]" if figure.flag == "estimated" else ""
        source = f"{figure.method}{flag}. Bronnen: {'; '.join(figure.sources)}"
        found.append(
            DemandDef(
                region=region,
                level=figure.group,
                domain=params.education_domain,
                replacement=DatedSeries(
                    values={start: DatedValue(value=figure.replacement, source=source), end: None}
                ),
                expansion=DatedSeries(
                    values={
                        start: DatedValue(value=figure.expansion or 0.0, source=source),
                        end: None,
                    }
                ),
            )
        )
    return found
