"""The coverage of technical demand by graduates, per level group and year.

    coverage = graduates × share entering work / demand per year

*graduates*: the year's technical graduates of the group in the region (mbo niveau 2; mbo
niveau 3 and 4; hbo; wo masters), from the cube under the pack's *techniek* classification.
*share entering work*: a pack parameter with its source and interval (``labour.yaml``) until
school-leaver data are loaded. *demand*: ``demand.technical_demand`` (ROA's regional figures,
else an estimate, flagged). The interval comes from the interval of the share entering work.
The demand is ROA's forecast for 2025-2030: the coverage of an earlier year's graduates says
how that year's output compares with the demand of the forecast period.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pijplijn.content.labour import LEVEL_GROUPS
from pijplijn.content.loader import ContentPack
from pijplijn.engine.check import CoverageCheck
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.labour.demand import GROUP_STAGES, _params, _source_titles, technical_demand
from pijplijn.engine.labour.results import GROUP_TITLES, Coverage, CoveragePoint, DemandFigure
from pijplijn.engine.regions import canonical_region

_WO_LEVELS = ("master",)
"""wo bachelors mostly go on to a master: the wo graduates entering work are the masters."""


def coverage_ratios(session: Session, pack: ContentPack, region: str) -> list[Coverage]:
    """Return the coverage of each level group (mbo 2, mbo 3-4, hbo, wo) for ``region``."""
    params = _params(pack)
    canonical = canonical_region(session, region)
    demand = {d.group: d for d in technical_demand(session, pack, canonical)}
    published = _published(session, pack, canonical)
    return [
        _coverage(
            session,
            group,
            canonical,
            demand[group],
            params.entering_work.get(group),
            published,
            pack.classification,
        )
        for group in LEVEL_GROUPS
    ]


def _published(session: Session, pack: ContentPack, region: str) -> dict[str, tuple[float, str]]:
    """The published coverage per level (28% for 2, 42% for 3-4), never used as an input."""
    reference = pack.labour.published_coverage if pack.labour else None
    if reference is None or reference.region.lower() != region.lower():
        return {}
    rows = query(
        session,
        CubeQuery(
            measure="published_share",
            periods=(reference.period,),
            by=("level", "region"),
            filters={"subject": reference.subject},
        ),
    )
    return {
        str(r.keys["level"]): (r.value, r.period)
        for r in rows
        if r.value is not None and r.keys["region"] == region
    }


def graduates_by_year(
    session: Session, group: str, region: str, classification: str
) -> tuple[dict[str, float], list[str]]:
    """Return the group's graduates inside ``classification`` (the pack's headline one, the
    technical graduates) per year in ``region`` and their sources."""
    stage, levels = GROUP_STAGES[group]
    rows = query(
        session,
        CubeQuery(
            measure="graduates",
            region=region,
            stage=stage,
            by=("period", "level", "dataset"),
            filters={"domain": classification},
            classification=classification,
        ),
    )
    wanted = _WO_LEVELS if group == "wo" else None if stage == "hbo" else levels
    totals: dict[str, float] = {}
    used = []
    for row in rows:
        if wanted is not None and row.keys["level"] not in wanted:
            continue
        if row.value is None:
            continue
        totals[row.period] = totals.get(row.period, 0.0) + row.value
        used.append(row)
    return totals, _source_titles(session, used)


def _coverage(
    session: Session,
    group: str,
    region: str,
    demand: DemandFigure,
    share: object,
    published: dict[str, tuple[float, str]],
    classification: str,
) -> Coverage:
    from pijplijn.content.labour import ShareDef

    entering = share if isinstance(share, ShareDef) else None
    graduates, sources = graduates_by_year(session, group, region, classification)
    missing = []
    if demand.total is None:
        missing.append(demand.missing or "vraag naar technisch opgeleiden")
    if not graduates:
        stage, levels = GROUP_STAGES[group]
        what = f"mbo niveau {'/'.join(str(x) for x in levels)}" if stage == "mbo" else stage
        where = "soort duo-mbo-gediplomeerden" if stage == "mbo" else "soort duo-ho-gediplomeerden"
        missing.append(f"technische gediplomeerden {what} per jaar (DUO, {where})")
    if entering is None:
        missing.append("aandeel gediplomeerden dat gaat werken (labour.yaml: entering_work)")
    points = []
    total = demand.total
    if not missing and entering is not None and total:
        for period in sorted(graduates):
            count = graduates[period]
            points.append(
                CoveragePoint(
                    group=group,
                    period=period,
                    graduates=count,
                    entrants=count * entering.central,
                    entrants_low=count * entering.low,
                    entrants_high=count * entering.high,
                    demand=total,
                    coverage=count * entering.central / total,
                    coverage_low=count * entering.low / total,
                    coverage_high=count * entering.high / total,
                    flag=demand.flag,
                )
            )
    found = published.get(group)
    return Coverage(
        group=group,
        title=GROUP_TITLES[group],
        demand=demand,
        entering_share=entering.central if entering else None,
        entering_low=entering.low if entering else None,
        entering_high=entering.high if entering else None,
        entering_source=entering.source.strip() if entering else "",
        graduates_source=sources,
        graduates=dict(sorted(graduates.items())),
        points=points,
        missing=missing,
        published=found[0] if found else None,
        published_period=found[1] if found else None,
    )


def coverage_check(session: Session, pack: ContentPack) -> CoverageCheck | None:
    """Return the computed coverage for ``pijplijn check``: per level group the ratio per
    period, the missing inputs and the method; None when the pack states no coverage."""
    reference = pack.labour.published_coverage if pack.labour else None
    if reference is None:
        return None
    ratios: dict[str, tuple[dict[str, float], list[str], str]] = {}
    for item in coverage_ratios(session, pack, reference.region):
        method = (
            f"{item.demand.method}; aandeel dat gaat werken {item.entering_share} "
            f"({item.entering_source})"
        )
        ratios[item.group] = ({p.period: p.coverage for p in item.points}, item.missing, method)
    return CoverageCheck(reference.subject, ratios)
