"""The report's key figures: the pack's key indicators for the region and the regions around
it (Overijssel, the Netherlands), per period, with their flags and what coverage did to them:
values flagged ``partial`` with what they cover, and datasets left out for a region."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.regions import canonical_region, region_table
from pijplijn.errors import PijplijnError
from pijplijn.periods import Period
from pijplijn.store.models import Region

MAX_PERIODS = 16
"""A key figure's table shows at most the latest this many periods (quarterly series)."""


class KeyCell(BaseModel):
    value: float | None
    flag: str | None
    exact: bool
    coverage: str | None


class KeyRow(BaseModel):
    period: str
    cells: list[KeyCell]
    """One per region of the key figure, in its order."""


class KeyFigure(BaseModel):
    id: str
    title: str
    unit: str
    regions: list[str]
    """Region names, innermost first."""
    rows: list[KeyRow]
    coverage: list[str]
    """Per region: the values flagged partial with what they cover, the datasets left out."""


def key_figures(
    session: Session, pack: ContentPack, catalog: Catalog, region: str
) -> list[KeyFigure]:
    """Return the pack's key indicators for ``region`` and the regions around it."""
    chain = _chain(session, region)
    names = {code: _name(session, code) for code in chain}
    figures = []
    for indicator_id in pack.pack.key_indicators:
        indicator = catalog.get(indicator_id)
        records: dict[str, dict[str, dict[str, Any]]] = {}
        coverage: list[str] = []
        for code in chain:
            try:
                values = indicator_values(session, catalog, indicator_id, code, by=[])
            except PijplijnError:
                continue
            for record in values.records():
                records.setdefault(record["period"], {})[code] = record
            coverage += values.coverage_lines()
        periods = sorted(records, key=Period.parse)[-MAX_PERIODS:]
        figures.append(
            KeyFigure(
                id=indicator_id,
                title=indicator.title.nl,
                unit=indicator.unit,
                regions=[names[c] for c in chain],
                rows=[
                    KeyRow(period=p, cells=[_cell(records[p].get(c)) for c in chain])
                    for p in periods
                ],
                coverage=coverage,
            )
        )
    return figures


def _cell(record: dict[str, Any] | None) -> KeyCell:
    if record is None:
        return KeyCell(value=None, flag=None, exact=True, coverage=None)
    return KeyCell(
        value=record["value"],
        flag=record["flag"],
        exact=record["exact"],
        coverage=record["coverage_note"],
    )


def _name(session: Session, code: str) -> str:
    found = session.get(Region, code)
    return found.name if found else code


LABOUR_MARKET_KINDS = frozenset({"corop", "arbeidsmarktregio"})
"""Regions between a region set and its province that the key figures skip: they describe the
same area as the region (COROP Twente is Twente), not a wider one to compare with."""


def _chain(session: Session, region: str) -> list[str]:
    table = region_table(session)
    chain = [canonical_region(session, region)]
    seen = set(chain)
    current = chain[0]
    while (parent := table.parents.get(current)) is not None and parent not in seen:
        seen.add(parent)
        current = parent
        if table.kinds.get(parent) not in LABOUR_MARKET_KINDS:
            chain.append(parent)
    return chain
