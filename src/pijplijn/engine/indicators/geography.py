"""An indicator per gemeente of a region set, for maps: each gemeente's own figures only."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.engine import disclosure
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValue, Source
from pijplijn.errors import QueryError
from pijplijn.periods import Period
from pijplijn.store.models import Region, RegionMember


class GemeenteValue(BaseModel):
    """The indicator's total for one gemeente; ``value`` None when it has no own figure."""

    code: str
    name: str
    value: float | None
    flag: str | None
    exact: bool
    datasets: list[int]


class GemeenteMap(BaseModel):
    """The indicator per gemeente of ``region_set`` for one period (the latest with data)."""

    indicator: str
    unit: str
    region_set: str
    period: str | None
    periods: list[str]
    """Every period with a figure for at least one gemeente, oldest first."""
    values: list[GemeenteValue]
    sources: list[Source]


def gemeente_values(
    session: Session,
    catalog: Catalog,
    indicator_id: str,
    region_set: str,
    period: str | None = None,
) -> GemeenteMap:
    """Return the indicator's total per member gemeente of ``region_set`` for ``period`` (the
    latest period with a gemeente figure when None), through ``indicator_values``.

    A gemeente counts only with figures of its own: a value that falls back on an enclosing
    region, or a gemeente the indicator cannot be computed for, is None, never zero.
    Raises QueryError for an unknown region set or a period without gemeente figures.
    """
    indicator = catalog.get(indicator_id)
    members = _members(session, region_set)
    own: dict[str, dict[str, IndicatorValue]] = {}
    sources: dict[int, Source] = {}
    for code in members:
        try:
            values = indicator_values(session, catalog, indicator_id, code, by=[])
        except QueryError:
            continue
        own[code] = {v.period: v for v in values.values if _own(v, code)}
        sources.update({s.dataset: s for s in values.sources})
    periods = sorted({p for found in own.values() for p in found}, key=Period.parse)
    if period is not None and period not in periods:
        raise QueryError(
            f"geen cijfers per gemeente voor {indicator_id} in {period}; "
            f"wel in: {', '.join(periods) or 'geen enkele periode'}"
        )
    chosen = period or (periods[-1] if periods else None)
    rows = []
    for code, name in members.items():
        value = own.get(code, {}).get(chosen) if chosen else None
        rows.append(
            GemeenteValue(
                code=code,
                name=name,
                value=value.value if value else None,
                flag=value.flag if value else "missing",
                exact=value.exact if value else False,
                datasets=value.datasets if value else [],
            )
        )
    rows = _protected(rows, indicator.unit, disclosure.protected_datasets(session))
    used = {d for r in rows for d in r.datasets}
    return GemeenteMap(
        indicator=indicator.id,
        unit=indicator.unit,
        region_set=region_set,
        period=chosen,
        periods=periods,
        values=rows,
        sources=[s for d, s in sorted(sources.items()) if d in used],
    )


def _members(session: Session, region_set: str) -> dict[str, str]:
    """Return code → name of the gemeenten of ``region_set``, by code."""
    found = session.execute(
        select(Region.code, Region.name)
        .join(RegionMember, RegionMember.member_code == Region.code)
        .where(RegionMember.set_code == region_set)
        .order_by(Region.code)
    ).all()
    if not found:
        raise QueryError(f"'{region_set}' is geen regioset met gemeenten")
    return {code: name for code, name in found}


def _own(value: IndicatorValue, code: str) -> bool:
    """Is ``value`` a total computed from ``code``'s own figures only?"""
    return not value.keys and all(i.region == code for i in value.inputs)


def _protected(
    rows: list[GemeenteValue], unit: str, protected: frozenset[int]
) -> list[GemeenteValue]:
    """Return the gemeente values with secondary suppression where they draw on protected
    data: the region set's total is published, so one suppressed gemeente must not be
    recoverable from the others. Open data are shown as published."""
    guarded = [not r.datasets or any(d in protected for d in r.datasets) for r in rows]
    if unit not in disclosure.COUNTED_UNITS or not any(guarded):
        return rows
    frame = pl.DataFrame(
        {
            "code": [r.code for r in rows],
            "value": [
                None if not g else 0.5 if r.flag == "suppressed" and r.value is None else r.value
                for r, g in zip(rows, guarded, strict=True)
            ],
        },
        schema={"code": pl.Utf8, "value": pl.Float64},
    )
    marks = disclosure.suppression(frame, ["code"], ["code"], disclosure.threshold()).to_list()
    return [
        r.model_copy(update={"value": None, "flag": "suppressed", "exact": False}) if mark else r
        for r, mark in zip(rows, marks, strict=True)
    ]
