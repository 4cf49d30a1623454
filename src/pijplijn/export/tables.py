"""The exported tables, each a Polars frame with a description per column, built from engine
functions only (the export formats; it computes no figure)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.engine import disclosure
from pijplijn.engine.cells import observation_frame
from pijplijn.engine.datasets import list_datasets
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.errors import QueryError
from pijplijn.store.models import Region


@dataclass(frozen=True)
class Table:
    """One exported table: its name, title, frame and a description of each column."""

    name: str
    title: str
    frame: pl.DataFrame
    descriptions: dict[str, str]


OBSERVATION_FIELDS = {
    "dataset_id": "the dataset (see the datasets table) the observation comes from",
    "measure": "what is counted (enrolled, first_year, graduates, exam_candidates, ...)",
    "period": "the period: a year (2019), school year (2019-2020) or quarter (2019KW01)",
    "period_unit": "year, school_year or quarter",
    "unit": "count, thousand or share (a fraction 0-1)",
    "region_code": "CBS region code (GM.... gemeente, PV.. province, NL01)",
    "region_basis": "how the source assigns the region (e.g. head-office, school location)",
    "institution": "BRIN code of the institution",
    "stage": "vmbo-bb, vmbo-kb, vmbo-gl, vmbo-tl, havo, vwo, mbo, hbo or wo",
    "level": "mbo niveau 1-4, or ad / bachelor / master",
    "pathway": "BOL, BBL, voltijd, deeltijd or duaal",
    "programme_code": "crebo or CROHO code",
    "programme_name": "the programme's name",
    "sector": "the source's own sector label",
    "subsector": "the source's own subsector label",
    "opleidingsdomein": "the mbo opleidingsdomein",
    "gender": "man or vrouw",
    "origin_stage": "for transitions: the stage the students came from (e.g. vmbo-tl)",
    "origin_sector": "for transitions: the source's label of the domain they came from",
    "subject": "for published figures: what the document states",
    "value": "the value in the unit; empty when suppressed or missing, never 0 for those",
    "flag": "suppressed (source <5 or disclosure control), missing, estimated or provisional",
}


def observations(session: Session) -> Table:
    """Return every active observation, with disclosure control (the hidden cells of
    protected datasets suppressed; open data as published)."""
    frame = disclosure.protect_observations(
        observation_frame(session, ids=True),
        disclosure.hidden_cells(session, disclosure.threshold()),
    )
    return Table("observations", "Observations (the cube)", frame, OBSERVATION_FIELDS)


def indicators(session: Session, catalog: Catalog, region: str) -> Table:
    """Return every indicator's total per period for ``region`` and the regions around it."""
    rows = []
    for code in _regions(session, region):
        for indicator in catalog.summaries():
            try:
                values = indicator_values(session, catalog, indicator.id, code, by=())
            except QueryError:
                continue
            for r in values.records():
                rows.append(
                    {
                        "indicator": indicator.id,
                        "title": indicator.title,
                        "region": values.region,
                        "period": r["period"],
                        "value": r["value"],
                        "unit": values.unit,
                        "flag": r["flag"],
                        "exact": r["exact"],
                        "coverage_note": r["coverage_note"],
                        "classification": r["classification"],
                        "definition": r["definition"],
                        "datasets": ",".join(str(s["dataset"]) for s in r["sources"]),
                        "break": r["break"],
                    }
                )
    schema = {
        "indicator": pl.Utf8,
        "title": pl.Utf8,
        "region": pl.Utf8,
        "period": pl.Utf8,
        "value": pl.Float64,
        "unit": pl.Utf8,
        "flag": pl.Utf8,
        "exact": pl.Boolean,
        "coverage_note": pl.Utf8,
        "classification": pl.Utf8,
        "definition": pl.Utf8,
        "datasets": pl.Utf8,
        "break": pl.Utf8,
    }
    return Table(
        "indicator_values",
        "Indicator values per region and period",
        pl.DataFrame(rows, schema=schema),
        {
            "indicator": "indicator id (docs/indicators.md)",
            "title": "the indicator's Dutch title",
            "region": "region code",
            "period": "period",
            "value": "in the unit: a fraction for shares and growth; empty when suppressed",
            "unit": "count, share, growth, ratio or thousand",
            "flag": "the first flag of its inputs (suppressed, missing, estimated, provisional, "
            "partial)",
            "exact": "false when an input is suppressed, missing, estimated or partial",
            "coverage_note": "what a partial value covers ('alleen ROC van Twente'), or which "
            "dataset was left out for covering only part of the region (value empty)",
            "classification": "classification version(s) that decided techniek",
            "definition": "start date of the definition version used",
            "datasets": "ids of the datasets the value was computed from, comma-separated",
            "break": "the reason when a series break starts at this value: classification, "
            "definition, source or coverage changed (not comparable with earlier periods)",
        },
    )


def goals(session: Session, catalog: Catalog) -> Table:
    """Return the scorecard: one row per goal."""
    rows = [
        {
            "goal": g.id,
            "programme": g.programme,
            "theme": g.theme,
            "title": g.title,
            "indicator": g.indicator,
            "region": g.region,
            "unit": g.unit,
            "baseline_period": g.baseline.period,
            "baseline_value": g.baseline.value,
            "target_value": g.target.value,
            "deadline": g.target.deadline.isoformat(),
            "latest_period": g.latest.period if g.latest else None,
            "latest_value": g.latest.value if g.latest else None,
            "progress": g.progress,
            "status": g.status,
            "status_reason": g.status_reason,
            "final": g.final,
            "verdict_date": g.verdict_date.isoformat() if g.verdict_date else None,
            "judged_on_period": g.judged_on.period if g.judged_on else None,
            "judged_on_value": g.judged_on.value if g.judged_on else None,
            "source": g.source,
        }
        for g in scorecard(session, catalog).goals
    ]
    schema = {
        "goal": pl.Utf8,
        "programme": pl.Utf8,
        "theme": pl.Utf8,
        "title": pl.Utf8,
        "indicator": pl.Utf8,
        "region": pl.Utf8,
        "unit": pl.Utf8,
        "baseline_period": pl.Utf8,
        "baseline_value": pl.Float64,
        "target_value": pl.Float64,
        "deadline": pl.Utf8,
        "latest_period": pl.Utf8,
        "latest_value": pl.Float64,
        "progress": pl.Float64,
        "status": pl.Utf8,
        "status_reason": pl.Utf8,
        "final": pl.Boolean,
        "verdict_date": pl.Utf8,
        "judged_on_period": pl.Utf8,
        "judged_on_value": pl.Float64,
        "source": pl.Utf8,
    }
    return Table(
        "goals",
        "Goals and their status",
        pl.DataFrame(rows, schema=schema),
        {name: _GOAL_FIELDS.get(name, name.replace("_", " ")) for name in schema},
    )


_GOAL_FIELDS = {
    "progress": "fraction of the way from baseline to target (1 = reached); empty when the "
    "latest measurement is not on the baseline's definition",
    "status": "on track, off track, achieved, missed, not assessable, not comparable, no data "
    "(docs/goals.md)",
    "status_reason": "why, in one Dutch sentence",
    "final": "true for a final verdict: the deadline has passed",
    "verdict_date": "the date of a final verdict (the deadline)",
    "judged_on_period": "the period of the measurement the status was judged on",
    "judged_on_value": "that measurement's value",
    "deadline": "the date the target is due",
}


def datasets(session: Session) -> Table:
    """Return every loaded dataset with its provenance."""
    rows = [
        {
            "dataset_id": d.id,
            "source_key": d.source_key,
            "title": d.title,
            "publisher": d.publisher,
            "source": d.source,
            "licence": d.licence,
            "loader": d.loader,
            "sha256": d.sha256,
            "retrieved_at": d.retrieved_at.isoformat() if d.retrieved_at else None,
            "loaded_at": d.loaded_at.isoformat(),
            "periods": ",".join(d.periods),
            "rows": d.rows,
            "active_rows": d.active_rows,
            "status": d.status,
            "coverage": d.coverage,
            "region_basis": d.region_basis,
        }
        for d in list_datasets(session)
    ]
    schema = {
        "dataset_id": pl.Int64,
        "source_key": pl.Utf8,
        "title": pl.Utf8,
        "publisher": pl.Utf8,
        "source": pl.Utf8,
        "licence": pl.Utf8,
        "loader": pl.Utf8,
        "sha256": pl.Utf8,
        "retrieved_at": pl.Utf8,
        "loaded_at": pl.Utf8,
        "periods": pl.Utf8,
        "rows": pl.Int64,
        "active_rows": pl.Int64,
        "status": pl.Utf8,
        "coverage": pl.Utf8,
        "region_basis": pl.Utf8,
    }
    return Table(
        "datasets",
        "Datasets and their provenance",
        pl.DataFrame(rows, schema=schema),
        {name: name.replace("_", " ") for name in schema},
    )


def all_tables(session: Session, catalog: Catalog, region: str) -> list[Table]:
    """Return the four exported tables: observations, indicator values, goals, datasets."""
    return [
        observations(session),
        indicators(session, catalog, region),
        goals(session, catalog),
        datasets(session),
    ]


def _regions(session: Session, region: str) -> list[str]:
    """Return ``region`` and the regions that enclose it (e.g. twente, PV23, NL01)."""
    found = {r.code.lower(): r for r in session.scalars(select(Region))}
    chain: list[str] = []
    current = found.get(region.lower())
    while current is not None and current.code not in chain:
        chain.append(current.code)
        current = found.get((current.parent_code or "").lower())
    if not chain:
        raise QueryError(f"onbekende regio '{region}' (zie 'pijplijn regions')")
    return chain


__all__ = ["Table", "all_tables"]
