"""Evaluating an indicator's expressions: every sum goes through the cube query.

The cube does the filtering and summing; this module only selects its rows (a stage among
several, a dataset's source, the region itself rather than what lies within it) and adds up
the few rows it split by for that purpose, keeping the cube's flag rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.content.indicators import ChangeTerm, Expr, PublishedTerm, RegisterTerm, SumTerm
from pijplijn.engine.classify import OTHER, choose
from pijplijn.engine.coverage import LeftOut, coverage_table
from pijplijn.engine.cube import (
    MAX_BY,
    CubeQuery,
    CubeRow,
    bases,
    flagged_sum_value,
    query_result,
)
from pijplijn.engine.indicators.results import InputValue, worst_flag
from pijplijn.engine.indicators.series import (
    ANY_PERIOD,
    Cell,
    Keys,
    Series,
    combine,
    previous_year,
    product,
)
from pijplijn.engine.regions import region_names, region_table, resolve_region
from pijplijn.engine.register import register_figures
from pijplijn.errors import QueryError
from pijplijn.periods import Period

Periods = tuple[str, ...] | None
"""Canonical period texts to evaluate, or None for every period with data."""


@dataclass(frozen=True)
class Context:
    """What an evaluation is about: the region, breakdown, selection and classification."""

    session: Session
    chain: tuple[str, ...]
    """The region asked for, then the regions around it, innermost first."""
    by: tuple[str, ...]
    filters: Mapping[str, str]
    classification: str | None
    """``name`` or ``name@version``, passed to the cube."""
    domain: str | None
    """The classification's name: the cube's domain value for observations inside it."""
    source_keys: Mapping[int, str]
    """Dataset id → source_key."""
    since: str | None = None
    """A base period that overrides every change term's own base."""
    skip_own: bool = False
    """The region asked for is not of the kinds a term allows: only the regions around it."""
    partial: str = "show"
    """The indicator's choice for datasets covering only part of the region: ``show`` or
    ``leave-out``."""
    left_out: list[LeftOut] = field(default_factory=list)
    """Collects the datasets the sums left out for their coverage (appended to)."""

    @property
    def region(self) -> str:
        return self.chain[0]


def evaluate_expr(ctx: Context, expr: Expr, periods: Periods, role: str) -> Series:
    """Return the series of ``expr`` for ``periods``, its inputs labelled with ``role``."""
    if expr.sum is not None:
        return _sum(ctx, expr.sum, periods, role)
    if expr.published is not None:
        return _published(ctx, expr.published, periods, role)
    if expr.change is not None:
        return _change(ctx, expr.change, periods, role)
    if expr.register_term is not None:
        return _register(ctx, expr.register_term, periods, role)
    if expr.product is not None:
        parts = [
            evaluate_expr(ctx, factor, periods, f"{role}.factor{index + 1}")
            for index, factor in enumerate(expr.product)
        ]
        return combine(parts, product, role)
    return Series(dims=(), unavailable=expr.unavailable)


def _sum(ctx: Context, term: SumTerm, periods: Periods, role: str) -> Series:
    dims = tuple(d for d in ctx.by if d not in term.total_over)
    filters = {k: v for k, v in ctx.filters.items() if k not in term.total_over}
    filters.update(term.where)
    for name, code in term.totals.items():
        if name not in dims:
            filters.setdefault(name, code)
    if term.in_domain is not None:
        filters["domain"] = (ctx.domain or "") if term.in_domain else OTHER
    stages = list(term.stages)
    if "stage" in filters:
        chosen = filters.pop("stage")
        stages = [s for s in stages if s == chosen] if stages else [chosen]
        if not stages:
            return Series(dims=dims)
    institution = filters.pop("institution", None)
    if term.quarter is not None and periods is not None:
        periods = tuple(f"{Period.parse(p).start.year}KW0{term.quarter}" for p in periods)
    extra = ["dataset"]
    if len(stages) > 1 and "stage" not in dims:
        extra.append("stage")
    if term.region != "within":
        extra.append("region")
    asked = (term.period,) if term.period else periods or ()
    if term.left_before:
        asked = tuple(p for period in asked for p in cohort_periods(period))
    rows: list[CubeRow] = []
    used: set[str] = set()
    # Only mbo figures are placed by residence or head office; other stages need no note.
    placed = term.region == "within" and (not stages or "mbo" in stages)
    origins: list[str | None] = [*term.origin_stages] or [None]
    for origin in origins:
        # One cube query per origin stage: their rows add up per cell in _series.
        if origin is not None:
            filters["origin_stage"] = origin
        cube_query = CubeQuery(
            measure=term.measure,
            region=ctx.region if term.region == "within" else None,
            institution=institution,
            stage=stages[0] if len(stages) == 1 else None,
            periods=asked,
            by=(*dims, *extra),
            filters=dict(filters),
            classification=ctx.classification,
        )
        rows += _cube(ctx, cube_query)
        if placed:
            used.update(bases(ctx.session, cube_query))
    if term.left_before:
        rows = _as_next_year(rows, periods)
    if len(stages) > 1:
        rows = [r for r in rows if r.keys["stage"] in stages]
    if term.source is not None:
        rows = [r for r in rows if ctx.source_keys.get(r.keys["dataset"]) == term.source]
    if term.quarter is not None:
        rows = _quarter_as_year(rows, term.quarter)
    if term.region_kinds:
        kinds = region_table(ctx.session).kinds
        chain = tuple(c for c in ctx.chain if kinds.get(c) in term.region_kinds)
        own = kinds.get(ctx.region) in term.region_kinds
        ctx = replace(ctx, chain=chain if own else (ctx.region, *chain), skip_own=not own)
    if ctx.partial == "leave-out":
        rows = _without_partial(ctx, rows)
    series = _series(ctx, rows, dims, term.region, role, fixed=term.period is not None)
    if term.scale != 1.0:
        for key, cell in series.cells.items():
            value = None if cell.value is None else cell.value * term.scale
            series.cells[key] = Cell(value, cell.flag, cell.inputs, cell.notes)
    return _with_basis_note(series, used)


def _quarter_as_year(rows: list[CubeRow], quarter: int) -> list[CubeRow]:
    """Return the rows of ``quarter``, each as the figure of its year."""
    kept = []
    for row in rows:
        period = Period.parse(row.period)
        if period.unit.value == "quarter" and row.period.endswith(f"KW0{quarter}"):
            kept.append(replace(row, period=str(period.start.year)))
    return kept


_BASIS_NOTES = {
    "residence": "regio's naar de woonplaats van de studenten",
    "head-office": "regio's naar de hoofdvestiging van de instelling",
    "establishment": "regio's naar de vestiging van de school",
}


def _with_basis_note(series: Series, used: set[str]) -> Series:
    """Say on every cell which basis placed its figures in regions, where a basis other than
    the source's own reporting did (DUO's mbo files: residence or head office)."""
    notes = tuple(_BASIS_NOTES[b] for b in sorted(used) if b in _BASIS_NOTES)
    if not notes:
        return series
    for key, cell in series.cells.items():
        series.cells[key] = Cell(cell.value, cell.flag, cell.inputs, (*cell.notes, *notes))
    return series


def cohort_periods(year: str) -> tuple[str, ...]:
    """The periods of the cohort that left a stage just before ``year``: the school year
    that ended as it began (2022-2023 for 2023), or the calendar year before (2022)."""
    start = Period.parse(year).start.year
    return (f"{start - 1}-{start}", str(start - 1))


def _as_next_year(rows: list[CubeRow], periods: Periods) -> list[CubeRow]:
    """Relabel a cohort's rows with the year it went on in (2022-2023 and 2022 → 2023)."""
    moved = []
    for row in rows:
        next_year = str(Period.parse(row.period).start.year + 1)
        if periods is None or next_year in periods:
            moved.append(replace(row, period=next_year))
    return moved


def _published(ctx: Context, term: PublishedTerm, periods: Periods, role: str) -> Series:
    dims = tuple(d for d in ctx.by if d in term.split_by)
    rows = _cube(
        ctx,
        CubeQuery(
            measure=term.measure,
            periods=(term.period,) if term.period else periods or (),
            by=(*dims, "dataset", "region"),
            filters={"subject": term.subject, **term.where},
        ),
    )
    return _series(
        ctx, rows, dims, term.region, role, fixed=term.period is not None, subject=term.subject
    )


def _register(ctx: Context, term: RegisterTerm, periods: Periods, role: str) -> Series:
    """A register figure per year (and organisation sector when broken down by sector)."""
    by_sector = "sector" in ctx.by
    dims = ("sector",) if by_sector else ()
    figures = register_figures(ctx.session, term, ctx.region, periods, by_sector)
    series = Series(dims=dims)
    for (year, sector), figure in figures.items():
        flag = "missing" if figure.unknown else None
        keys = {"sector": sector} if by_sector else {}
        item = InputValue(
            role=role,
            measure=f"register:{term.count}",
            period=year,
            region=ctx.region,
            keys=keys,
            value=figure.value,
            flag=flag,
            cells=figure.records,
            datasets=[],
        )
        notes: tuple[str, ...] = (f"uit het partnerregister: {figure.records} deelnames",)
        if figure.unknown:
            notes += (f"bij {figure.unknown} deelnames is het bereik onbekend",)
        own = (sector,) if by_sector else ()
        series.cells[(year, own)] = Cell(figure.value, flag, (item,), notes)
    return series


def _change(ctx: Context, term: ChangeTerm, periods: Periods, role: str) -> Series:
    base = ctx.since or term.base
    fixed_base = None if base == "previous" else str(Period.parse(base))
    if periods is None:
        needed: Periods = None
    elif fixed_base is None:
        needed = tuple(dict.fromkeys([*periods, *(previous_year(p) for p in periods)]))
    else:
        needed = tuple(dict.fromkeys([*periods, fixed_base]))
    inner = evaluate_expr(ctx, term.of, needed, role)
    pairs = {
        (period, own): fixed_base or previous_year(period)
        for (period, own) in inner.cells
        if period != ANY_PERIOD and (periods is None or period in periods)
    }
    versions, restated = _restated_bases(ctx, term, pairs, role)
    result = Series(dims=inner.dims, unavailable=inner.unavailable)
    for (period, own), base_period in pairs.items():
        cell = inner.cells[(period, own)]
        label = versions.get(period)
        source = restated[label] if label else None
        before = (source or inner).cells.get((base_period, own))
        if base_period == period or before is None:
            continue
        if source is not None:
            note = f"{base_period} herberekend met {label}, de classificatie van {period}"
            before = Cell(before.value, before.flag, before.inputs, (*before.notes, note))
        result.cells[(period, own)] = _difference(ctx, cell, before, term.kind, role)
    return result


def _restated_bases(
    ctx: Context, term: ChangeTerm, pairs: Mapping[tuple[str, Keys], str], role: str
) -> tuple[dict[str, str], dict[str, Series]]:
    """Return, per period whose base period falls under another classification version,
    that version's label, and per label the inner series of those base periods classified
    with it: a change is computed on one definition, never across a version change."""
    if not ctx.classification or "@" in ctx.classification or not pairs:
        return {}, {}
    choice = choose(ctx.session, ctx.classification)
    bases: dict[str, set[str]] = defaultdict(set)
    versions: dict[str, str] = {}
    for (period, _), base_period in pairs.items():
        now = choice.for_period(Period.parse(period))
        if now != choice.for_period(Period.parse(base_period)):
            bases[now.label].add(base_period)
            versions[period] = now.label
    restated = {
        label: evaluate_expr(
            replace(ctx, classification=label), term.of, tuple(sorted(wanted)), role
        )
        for label, wanted in bases.items()
    }
    return versions, restated


def _difference(ctx: Context, now: Cell, before: Cell, kind: str, role: str) -> Cell:
    base_inputs = tuple(i.model_copy(update={"role": f"{role}.base"}) for i in before.inputs)
    inputs = now.inputs + base_inputs
    flag = worst_flag([now.flag, before.flag])
    notes = now.notes + before.notes
    sources_now, sources_before = _source_names(ctx, now), _source_names(ctx, before)
    if sources_now and sources_before and sources_now != sources_before:
        # A change between two sources is a series break, not a change (breaks.py).
        note = (
            f"niet vergelijkbaar: {before.inputs[0].period} komt uit "
            f"{', '.join(sorted(sources_before))}, {now.inputs[0].period} uit "
            f"{', '.join(sorted(sources_now))}"
        )
        return Cell(None, "missing", inputs, (*notes, note))
    if now.value is None or before.value is None:
        return Cell(None, flag or "missing", inputs, notes)
    change = now.value - before.value
    if change == 0 and flag in vocab.UNKNOWN_FLAGS:
        # Two sums over unknown cells that come out equal say nothing about the change.
        return Cell(None, flag, inputs, notes)
    if kind == "difference":
        return Cell(change, flag, inputs, notes)
    if before.value == 0:
        return Cell(None, "missing", inputs, (*notes, "basiswaarde is 0"))
    return Cell(change / before.value, flag, inputs, notes)


def _without_partial(ctx: Context, rows: list[CubeRow]) -> list[CubeRow]:
    """Return ``rows`` without those of a dataset covering only part of the region, noting
    each left out (for an indicator that does not accept partial coverage)."""
    table = coverage_table(ctx.session)
    dropped: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    kept = []
    for row in rows:
        if row.coverage is None:
            kept.append(row)
            continue
        region = str(row.keys.get("region", ctx.region))
        dropped[(int(row.keys["dataset"]), region, row.coverage)].append(row.period)
    for (dataset, region, note), periods in dropped.items():
        name = table.region_name(region)
        ctx.left_out.append(
            LeftOut(
                dataset=dataset,
                title=table.title(dataset),
                region=region,
                region_name=name,
                note=f"{note} in {name}",
                periods=tuple(sorted(set(periods), key=Period.parse)),
            )
        )
    return kept


def _source_names(ctx: Context, cell: Cell) -> set[str]:
    return {ctx.source_keys.get(d, str(d)) for i in cell.inputs for d in i.datasets}


def _cube(ctx: Context, q: CubeQuery) -> list[CubeRow]:
    if len(q.by) > MAX_BY:
        raise QueryError(
            f"te veel uitsplitsingen voor deze indicator ({', '.join(ctx.by)}); kies er minder"
        )
    result = query_result(ctx.session, q)
    ctx.left_out.extend(result.left_out)
    return result.rows


def _series(
    ctx: Context,
    rows: list[CubeRow],
    dims: tuple[str, ...],
    mode: str,
    role: str,
    *,
    fixed: bool,
    subject: str | None = None,
) -> Series:
    """Group cube rows into cells per (period, dims), in the region ``mode`` asks for."""
    inside = _insides(ctx) if mode == "nearest" else {}
    used = _regions_used(ctx, rows, mode, inside)
    groups: dict[tuple[str, Keys], list[CubeRow]] = defaultdict(list)
    for row in rows:
        if mode == "nearest":
            if row.keys["region"] not in inside.get(used.get(row.period, ""), ()):
                continue
        elif mode != "within" and row.keys["region"] != used.get(row.period):
            continue
        groups[(row.period, tuple(row.keys[d] for d in dims))].append(row)
    series = Series(dims=dims, fixed=fixed)
    for (period, own), group in groups.items():
        key_period = ANY_PERIOD if fixed else period
        region = used.get(period, ctx.region)
        cell = _cell(group, dict(zip(dims, own, strict=True)), region, role, subject)
        if region != ctx.region:
            names = region_names(ctx.session)
            note = (
                f"cijfers van {names.get(region, region)}, code {region}: "
                f"{names.get(ctx.region, ctx.region)} heeft er geen eigen"
            )
            cell = Cell(cell.value, cell.flag, cell.inputs, (*cell.notes, note))
        series.cells[(key_period, own)] = cell
    return series


def _insides(ctx: Context) -> dict[str, set[str]]:
    """Return for each region of the chain the regions that lie within it."""
    return {code: resolve_region(ctx.session, code) for code in ctx.chain}


def _regions_used(
    ctx: Context, rows: list[CubeRow], mode: str, inside: dict[str, set[str]]
) -> dict[str, str]:
    """Return per period the region whose figures are used (exact, enclosing, nearest)."""
    if mode == "within":
        return {}
    allowed = ctx.chain[:1] if mode == "exact" else ctx.chain
    if ctx.skip_own:
        allowed = allowed[1:]
    rank = {code: index for index, code in enumerate(allowed)}
    best: dict[str, str] = {}
    for row in rows:
        code = row.keys["region"]
        if mode == "nearest":
            found = next((c for c in allowed if code in inside[c]), None)
            if found is None:
                continue
            code = found
        if code in rank and (row.period not in best or rank[code] < rank[best[row.period]]):
            best[row.period] = code
    return best


def _cell(
    rows: list[CubeRow], keys: dict[str, Any], region: str, role: str, subject: str | None
) -> Cell:
    known = [r.value for r in rows if r.value is not None]
    flag = worst_flag([r.flag for r in rows])
    value = flagged_sum_value(sum(known), flag) if known else None
    versions = sorted({r.classification for r in rows if r.classification})
    coverage = list(dict.fromkeys(r.coverage for r in rows if r.coverage))
    if subject is not None and len(rows) > 1:
        raise QueryError(
            f"{role}: gepubliceerd cijfer '{subject}' staat er meer dan eens in; "
            "gepubliceerde cijfers zijn niet optelbaar (verfijn met where of split_by)"
        )
    item = InputValue(
        role=role,
        measure=rows[0].measure,
        subject=subject,
        period=rows[0].period,
        region=region,
        keys=keys,
        value=value,
        flag=flag,
        cells=sum(r.cells for r in rows),
        datasets=sorted({int(r.keys["dataset"]) for r in rows}),
        classification=", ".join(versions) or None,
        coverage="; ".join(coverage) or None,
    )
    return Cell(value, flag, (item,))
