"""A region's value and change set against every arbeidsmarktregio: a descriptive benchmark.

For one indicator and period, ``benchmark`` returns the region's value and its change since
the start year, where it ranks among the 35 arbeidsmarktregio's and the whole distribution
(for a dot plot), and the mean of the ``k`` regions most like it before the start year: the
nearest in the indicator's level in the last period before the start and its trend (least-
squares slope per year) over the periods before the start, both standardised over the
arbeidsmarktregio's. A region without figures of its own is listed as such, never as 0.

The comparison is descriptive: a difference from comparable regions, not an effect of any
policy. ``Benchmark.method`` says so, and how the comparable regions were picked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.compare import compare
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValue, IndicatorValues, Source
from pijplijn.engine.regions import canonical_region, region_names, region_table, resolve_region
from pijplijn.errors import QueryError
from pijplijn.periods import Period

PEER_KIND = "arbeidsmarktregio"
DESCRIPTIVE = "een verschil met vergelijkbare regio's, geen effect"
"""The label every benchmark carries: what the comparison is, and what it is not."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class BenchmarkRegion(_Frozen):
    """One arbeidsmarktregio (or the region itself) in the benchmark."""

    code: str
    name: str
    value: float | None
    """The value in the benchmark's period; None without a figure of its own (never 0)."""
    flag: str | None
    exact: bool
    level: float | None
    """The value in the base period (the last before the start year), the level matched on."""
    trend: float | None
    """Least-squares change per year over the periods before the start year (≥ 2 values)."""
    change: float | None
    """value − level, on one definition (restated across a classification change); None
    when either is unknown or the periods are not comparable."""
    rank: int | None
    """1 is best (by the indicator's direction) among the arbeidsmarktregio's with a value."""
    change_rank: int | None
    distance: float | None
    """Standardised distance in level and trend to the region; None for the region itself
    or without the figures to match on."""
    comparable: bool = False
    """One of the k most similar regions."""
    highlighted: bool = False
    """The region the benchmark is about (or the arbeidsmarktregio that is that region)."""
    note: str | None = None


class Benchmark(_Frozen):
    """The region against every arbeidsmarktregio for one indicator and period."""

    indicator: str
    title: str
    title_en: str = ""
    unit: str
    direction: str
    region: str
    region_name: str
    same_as: str | None
    """The arbeidsmarktregio with exactly the region's gemeenten, when there is one."""
    period: str | None
    periods: list[str]
    """Every period with a value for at least one arbeidsmarktregio, oldest first."""
    start: int
    base_period: str | None
    """The last period before ``start`` with figures (the first period when none lies before
    it): the level matched on and the starting point of the change."""
    trend_periods: list[str]
    fallback: bool = False
    """No period lies before ``start``: the first period is the base, matched on level only."""
    k: int
    value: float | None
    change: float | None
    rank: int | None
    change_rank: int | None
    ranked: int
    """Arbeidsmarktregio's with a value in ``period``."""
    ranked_change: int
    total: int
    """Every arbeidsmarktregio (35)."""
    comparable: list[str]
    """Codes of the k most similar arbeidsmarktregio's, nearest first."""
    comparable_mean: float | None
    comparable_change_mean: float | None
    difference: float | None
    """value − comparable_mean."""
    change_difference: float | None
    """change − comparable_change_mean."""
    regions: list[BenchmarkRegion]
    """Every arbeidsmarktregio by name, and the region itself first when it is none of them."""
    without_data: list[str]
    """Names of the arbeidsmarktregio's without a value in ``period``."""
    label: str = DESCRIPTIVE
    method: str
    sources: list[Source]


@dataclass(frozen=True)
class _Series:
    """One region's own values by period (None when the indicator cannot be computed)."""

    values: IndicatorValues | None
    own: dict[str, IndicatorValue]


def benchmark(
    session: Session,
    catalog: Catalog,
    indicator_id: str,
    region: str,
    start: int,
    k: int = 5,
    period: str | None = None,
) -> Benchmark:
    """Return ``region`` against every arbeidsmarktregio for ``indicator_id`` in ``period``
    (default: the latest with a value for the region, else for any arbeidsmarktregio), with
    the ``k`` regions most like it before ``start``. Raises QueryError for an unknown
    indicator or region, a period without figures, or k < 1. Cached per data version (it
    evaluates the indicator for every arbeidsmarktregio)."""
    indicator = catalog.get(indicator_id)
    if k < 1:
        raise QueryError(f"k moet minstens 1 zijn, niet {k}")
    code = canonical_region(session, region)
    definition = indicator.model_dump_json()
    return cached(
        session,
        ("benchmark", definition, code, start, k, period),
        lambda: _benchmark(session, catalog, indicator_id, code, start, k, period),
        reads_register='"register_term":{' in definition,
    )


def _benchmark(
    session: Session,
    catalog: Catalog,
    indicator_id: str,
    code: str,
    start: int,
    k: int,
    period: str | None,
) -> Benchmark:
    indicator = catalog.get(indicator_id)
    names = region_names(session)
    table = region_table(session)
    peers = sorted(
        (c for c, kind in table.kinds.items() if kind == PEER_KIND), key=lambda c: names.get(c, c)
    )
    if not peers:
        raise QueryError("er staan geen arbeidsmarktregio's in de database (pijplijn init)")
    same_as = code if code in peers else _same_gemeenten(session, code, peers)
    series = {c: _series(session, catalog, indicator_id, c) for c in peers}
    if same_as is None:
        series[code] = _series(session, catalog, indicator_id, code)
    mine = series[same_as or code]
    periods = sorted(
        {p for c in peers for p, v in series[c].own.items() if v.value is not None},
        key=Period.parse,
    )
    if period is not None:
        if period not in periods:
            raise QueryError(
                f"geen cijfers per arbeidsmarktregio voor {indicator_id} in {period}; "
                f"wel in: {', '.join(periods) or 'geen enkele periode'}"
            )
        chosen: str | None = period
    else:
        with_mine = [p for p in periods if p in mine.own and mine.own[p].value is not None]
        found = with_mine or periods
        chosen = found[-1] if found else None
    before = [p for p in periods if Period.parse(p).year < start]
    base = before[-1] if before else (periods[0] if periods else None)
    rows = {
        c: _row(c, names.get(c, c), series[c], chosen, base, before)
        for c in [*peers, *([] if same_as else [code])]
    }
    subject = same_as or code
    picked, distances = _nearest(rows, subject, [c for c in peers if c != subject], k)
    value_rank = _ranks({c: rows[c].value for c in peers}, indicator.direction)
    change_rank = _ranks({c: rows[c].change for c in peers}, indicator.direction)
    me = rows[subject]
    my_rank = (
        value_rank.get(subject)
        if same_as
        else _place(me.value, rows, peers, indicator.direction, "value")
    )
    my_change_rank = (
        change_rank.get(subject)
        if same_as
        else _place(me.change, rows, peers, indicator.direction, "change")
    )
    listed = [
        rows[c].model_copy(
            update={
                "rank": value_rank.get(c),
                "change_rank": change_rank.get(c),
                "distance": distances.get(c),
                "comparable": c in picked,
                "highlighted": c == subject,
            }
        )
        for c in peers
    ]
    if same_as is None:
        listed.insert(
            0,
            me.model_copy(
                update={"rank": my_rank, "change_rank": my_change_rank, "highlighted": True}
            ),
        )
    mean = _mean([rows[c].value for c in picked])
    change_mean = _mean([rows[c].change for c in picked])
    sources: dict[int, Source] = {}
    for s in series.values():
        if s.values is not None:
            sources.update({x.dataset: x for x in s.values.sources})
    used = {d for r in rows.values() for d in _datasets(series, r.code, chosen, base)}
    return Benchmark(
        indicator=indicator.id,
        title=indicator.title.nl,
        title_en=indicator.title.en,
        unit=indicator.unit,
        direction=indicator.direction,
        region=code,
        region_name=names.get(code, code),
        same_as=same_as if same_as != code else None,
        period=chosen,
        periods=periods,
        start=start,
        base_period=base,
        trend_periods=before,
        k=k,
        value=me.value,
        change=me.change,
        rank=my_rank,
        change_rank=my_change_rank,
        ranked=len(value_rank),
        ranked_change=len(change_rank),
        total=len(peers),
        comparable=picked,
        comparable_mean=mean,
        comparable_change_mean=change_mean,
        difference=None if me.value is None or mean is None else me.value - mean,
        change_difference=(
            None if me.change is None or change_mean is None else me.change - change_mean
        ),
        regions=listed,
        without_data=[rows[c].name for c in peers if rows[c].value is None],
        method=_method(start, k, base, before, picked, names, indicator.direction, same_as),
        fallback=bool(periods) and not before,
        sources=[s for d, s in sorted(sources.items()) if d in used],
    )


def _series(session: Session, catalog: Catalog, indicator_id: str, code: str) -> _Series:
    """Return the region's totals computed from its own figures only: a value that falls
    back on an enclosing region (the Netherlands) is no value of this region."""
    try:
        values = indicator_values(session, catalog, indicator_id, code, by=[])
    except QueryError:
        return _Series(None, {})
    own = {
        v.period: v
        for v in values.values
        if not v.keys and (v.value is None or all(i.region == code for i in v.inputs))
    }
    return _Series(values, own)


def _same_gemeenten(session: Session, code: str, peers: Sequence[str]) -> str | None:
    """Return the arbeidsmarktregio with exactly the gemeenten of ``code``, if any."""
    kinds = region_table(session).kinds

    def gemeenten(c: str) -> frozenset[str]:
        return frozenset(m for m in resolve_region(session, c) if kinds.get(m) == "gemeente")

    own = gemeenten(code)
    if not own:
        return None
    return next((p for p in peers if gemeenten(p) == own), None)


def _row(
    code: str,
    name: str,
    series: _Series,
    period: str | None,
    base: str | None,
    before: Sequence[str],
) -> BenchmarkRegion:
    now = series.own.get(period) if period else None
    then = series.own.get(base) if base else None
    change: float | None = None
    note: str | None = None
    if now is None or now.value is None:
        note = "geen eigen cijfer" if series.values is not None else "niet te berekenen"
    if now is not None and then is not None and series.values is not None:
        if then.period == now.period or now.value is None or then.value is None:
            change = None
        else:
            compared = compare(series.values, then, now)
            change = compared.change
            if compared.refused:
                note = compared.refused
    known = [
        (Period.parse(p).year, series.own[p].value)
        for p in before
        if p in series.own and series.own[p].value is not None
    ]
    return BenchmarkRegion(
        code=code,
        name=name,
        value=now.value if now else None,
        flag=(now.flag or ("missing" if now.value is None else None)) if now else "missing",
        exact=now.exact if now else False,
        level=then.value if then else None,
        trend=_slope([(x, y) for x, y in known if y is not None]),
        change=change,
        rank=None,
        change_rank=None,
        distance=None,
        note=note,
    )


def _slope(points: Sequence[tuple[int, float]]) -> float | None:
    """Return the least-squares slope of ``points`` (change per year); None below 2 years."""
    if len({x for x, _ in points}) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def _sd(values: Sequence[float]) -> float:
    """Return the population standard deviation of ``values`` (0 for fewer than two)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _nearest(
    rows: Mapping[str, BenchmarkRegion], subject: str, candidates: Sequence[str], k: int
) -> tuple[list[str], dict[str, float]]:
    """Return the ``k`` candidates nearest ``subject`` in standardised level and trend (ties
    by name) that have a value in the period, and every candidate's distance. A feature the
    subject lacks, or with no spread, is not matched on."""
    me = rows[subject]
    features = []
    for name in ("level", "trend"):
        mine = getattr(me, name)
        spread = _sd(
            [getattr(rows[c], name) for c in candidates if getattr(rows[c], name) is not None]
        )
        if mine is not None and spread > 0:
            features.append((name, mine, spread))
    distances: dict[str, float] = {}
    if not features:
        return [], distances
    for c in candidates:
        theirs = [getattr(rows[c], name) for name, _, _ in features]
        if any(t is None for t in theirs):
            continue
        distances[c] = math.sqrt(
            sum(
                ((t - mine) / spread) ** 2
                for t, (_, mine, spread) in zip(theirs, features, strict=True)
            )
        )
    order = sorted(
        (c for c in distances if rows[c].value is not None),
        key=lambda c: (distances[c], rows[c].name),
    )
    return order[:k], distances


def _ranks(values: Mapping[str, float | None], direction: str) -> dict[str, int]:
    """Return per region with a value its rank: 1 is best (highest, or lowest for an
    indicator where down is good); equal values share the better rank (1, 2, 2, 4)."""
    known = {c: v for c, v in values.items() if v is not None}
    sign = -1.0 if direction == "down" else 1.0
    return {c: 1 + sum(1 for w in known.values() if sign * w > sign * v) for c, v in known.items()}


def _place(
    value: float | None,
    rows: Mapping[str, BenchmarkRegion],
    peers: Sequence[str],
    direction: str,
    field: str,
) -> int | None:
    """Return the place ``value`` would take among the arbeidsmarktregio's."""
    if value is None:
        return None
    sign = -1.0 if direction == "down" else 1.0
    others = [getattr(rows[c], field) for c in peers]
    return 1 + sum(1 for w in others if w is not None and sign * w > sign * value)


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _datasets(
    series: Mapping[str, _Series], code: str, period: str | None, base: str | None
) -> set[int]:
    own = series[code].own
    return {d for p in (period, base) if p in own for d in own[p].datasets}


def _method(
    start: int,
    k: int,
    base: str | None,
    before: Sequence[str],
    picked: Sequence[str],
    names: Mapping[str, str],
    direction: str,
    same_as: str | None,
) -> str:
    """Return the method in words: what is ranked, how the comparable regions were picked."""
    order = {
        "up": "hoogste waarde is plaats 1",
        "down": "laagste waarde is plaats 1 (lager is beter)",
        "none": "hoogste waarde is plaats 1 (de indicator heeft geen goede richting)",
    }[direction]
    parts = [
        f"Beschrijvend: {DESCRIPTIVE}. De regio is gezet tegen alle arbeidsmarktregio's; "
        f"{order}; gelijke waarden delen een plaats. Regio's zonder eigen cijfer staan als "
        "'geen cijfer' in de lijst en tellen niet mee."
    ]
    if same_as is None:
        parts.append(
            "De regio is zelf geen arbeidsmarktregio: de plaats is die welke haar waarde "
            "onder de arbeidsmarktregio's zou innemen."
        )
    if base is None:
        parts.append("Er zijn geen cijfers per arbeidsmarktregio: er valt niets te vergelijken.")
        return " ".join(parts)
    if not before:
        parts.append(
            f"Er zijn geen cijfers van vóór startjaar {start}: vertrekpunt is de eerste periode "
            f"met cijfers, {base}. Verandering: de waarde min die in {base}. Vergelijkbare "
            f"regio's: de {k} arbeidsmarktregio's waarvan het niveau in {base} het dichtst bij "
            "dat van de regio lag (zonder trend: daarvoor zijn er geen eerdere cijfers)."
        )
    else:
        trend = (
            f" en de trend (kleinste-kwadratenhelling per jaar) over {', '.join(before)}"
            if len(before) > 1
            else " (één periode vóór het startjaar: geen trend)"
        )
        parts.append(
            f"Verandering: de waarde min die in {base}, de laatste periode vóór startjaar "
            f"{start}. Vergelijkbare regio's: de {k} arbeidsmarktregio's die vóór {start} het "
            f"meest op de regio leken, naar het niveau in {base}{trend}, elk gestandaardiseerd "
            "over de arbeidsmarktregio's (euclidische afstand)."
        )
    if picked:
        parts.append("Gekozen: " + ", ".join(names.get(c, c) for c in picked) + ".")
    else:
        parts.append("Er waren geen regio's met de cijfers om op te vergelijken.")
    return " ".join(parts)
