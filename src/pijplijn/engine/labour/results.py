"""What the labour-market engine returns: demand, coverage and the Arbeidsmarkt view."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

GROUP_TITLES = {
    "2": "mbo niveau 2",
    "3-4": "mbo niveau 3-4",
    "hbo": "hbo",
    "wo": "wo",
    "beroepen-techniek": "technische beroepen (alle niveaus)",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FigureInput(_Frozen):
    """One input of a computed figure, with its source."""

    name: str
    value: float | None
    unit: str
    region: str
    period: str
    source: str


class DemandFigure(_Frozen):
    """Technical demand of one level group, per year of the forecast period."""

    group: str
    period: str
    """The forecast period, e.g. ``2025-2030``."""
    region: str
    """The region the figure describes (the arbeidsmarktregio, or the region estimated for)."""
    replacement: float | None = None
    expansion: float | None = None
    flag: str | None = None
    """None: ROA's own regional figure; ``estimated``; ``missing``: not computable."""
    method: str
    inputs: list[FigureInput] = []
    sources: list[str] = []
    missing: str | None = None
    """The input that is missing when the figure is not computable."""

    @property
    def title(self) -> str:
        return GROUP_TITLES.get(self.group, self.group)

    @property
    def total(self) -> float | None:
        if self.replacement is None:
            return None
        return self.replacement + (self.expansion or 0.0)


class CoveragePoint(_Frozen):
    """Graduates entering the labour market against the demand of one group in one year."""

    group: str
    period: str
    graduates: float
    entrants: float
    entrants_low: float
    entrants_high: float
    demand: float
    coverage: float
    coverage_low: float
    coverage_high: float
    flag: str | None
    """``estimated`` when the demand is."""


class Coverage(_Frozen):
    """The coverage of one level group: its points, demand, parameters and what is missing."""

    group: str
    title: str
    demand: DemandFigure
    entering_share: float | None
    entering_low: float | None
    entering_high: float | None
    entering_source: str
    graduates_source: list[str] = []
    graduates: dict[str, float] = {}
    """The group's technical graduates per year in the region, known or not the demand: a
    coverage that is not computable still shows the supply it would set against the demand."""
    points: list[CoveragePoint] = []
    missing: list[str] = []
    published: float | None = None
    """The published coverage of this group (the seeds' 28%, 42%), for comparison only."""
    published_period: str | None = None

    @property
    def latest_graduates(self) -> tuple[str, float] | None:
        """The latest year with graduates and their number, or None when none are known."""
        if not self.graduates:
            return None
        period = max(self.graduates)
        return period, self.graduates[period]
