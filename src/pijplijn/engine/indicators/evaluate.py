"""Evaluate an indicator of the catalogue: values per period and breakdown, with provenance.

``evaluate`` computes; ``indicator_values`` is the data function outputs call (the CLI, the
web page and the API): it looks the indicator up and caches per data version.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.indicators import DefinitionDef, IndicatorDef
from pijplijn.engine import disclosure
from pijplijn.engine.cache import ResultCache, cached
from pijplijn.engine.classify import choose
from pijplijn.engine.coverage import LeftOut, coverage_table
from pijplijn.engine.indicators.breaks import (
    Break,
    basis_of,
    find_breaks,
    without_classification,
)
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.results import (
    INEXACT_FLAGS,
    IndicatorValue,
    IndicatorValues,
    LeftOutSource,
    Source,
)
from pijplijn.engine.indicators.series import ANY_PERIOD, Series, combine, ratio
from pijplijn.engine.indicators.terms import Context, Periods, evaluate_expr
from pijplijn.engine.regions import canonical_region, region_table
from pijplijn.engine.version import versions
from pijplijn.errors import QueryError
from pijplijn.periods import Period, PeriodError
from pijplijn.store.models import CodeLabel, Dataset, Institution

MAX_BREAKDOWNS = 2
_UNIT_NAMES = {"year": "jaar", "school_year": "schooljaar", "quarter": "kwartaal"}
_UNIT_EXAMPLES = {"year": "2011", "school_year": "2019-2020", "quarter": "2019KW01"}

CACHE: ResultCache[IndicatorValues] = ResultCache()
"""Evaluations of this process, keyed by database, data version and every parameter."""


def indicator_values(
    session: Session,
    catalog: Catalog,
    indicator_id: str,
    region: str,
    periods: Sequence[str] = (),
    by: Sequence[str] | None = None,
    classification: str | None = None,
    filters: Mapping[str, str] | None = None,
    since: str | None = None,
) -> IndicatorValues:
    """Return the values of indicator ``indicator_id`` (see ``evaluate``) as public outputs
    may show them (disclosure control: ``engine/disclosure.py``), cached per data version and
    threshold. Its breaks carry, at a classification change, the earlier period restated on
    the later version; a change where both versions give the same figure is no break.
    Raises QueryError for an unknown indicator or parameters it does not allow."""
    indicator = catalog.get(indicator_id)
    definition = indicator.model_dump_json()
    whole, figures = versions(session)
    # Only an indicator with a register term is made stale by a register edit.
    reads_register = '"register_term":{' in definition
    version = whole if reads_register else figures
    limit = disclosure.threshold()
    key = (
        _database(session),
        definition,
        region.strip().lower(),
        tuple(periods),
        None if by is None else tuple(by),
        classification,
        tuple(sorted((filters or {}).items())),
        since,
        limit,
    )

    def compute() -> IndicatorValues:
        values = disclosure.protect_values(
            evaluate(
                session, indicator, region, periods, by, classification, filters, since, version
            ),
            limit,
            disclosure.protected_datasets(session),
        )
        if not any("classification" in b.kinds for b in values.breaks):
            return values
        # The earlier year of a classification change, on the later version: as protected
        # as any public query with that version pinned.
        restated = _restate(
            values.values,
            values.breaks,
            lambda label, wanted: indicator_values(
                session, catalog, indicator_id, region, wanted, by, label, filters, since
            ),
        )
        return values.model_copy(update={"breaks": restated})

    return CACHE.get_or_compute(key, compute, version=version)


def evaluate(
    session: Session,
    indicator: IndicatorDef,
    region: str,
    periods: Sequence[str] = (),
    by: Sequence[str] | None = None,
    classification: str | None = None,
    filters: Mapping[str, str] | None = None,
    since: str | None = None,
    version: str | None = None,
) -> IndicatorValues:
    """Return the indicator's values for ``region`` per period (all periods with data when
    ``periods`` is empty) and per ``by`` breakdown (the indicator's ``default_by`` when None).

    ``classification`` (``name`` or ``name@version``) replaces the indicator's own;
    ``filters`` select values of allowed breakdowns (e.g. ``{"institution": "27YU"}``);
    ``since`` replaces the base period of changes. Values are in the indicator's unit (shares
    and growth as fractions). Raises QueryError for parameters the indicator does not allow.
    """
    dims = _breakdown(indicator, by)
    selection = _selection(indicator, filters or {})
    wanted = _periods(indicator, periods, "--period")
    base = _since(indicator, since)
    spec = classification or indicator.classification
    datasets = _dataset_sources(session)
    ctx = Context(
        session=session,
        chain=_region_chain(session, region),
        by=dims,
        filters=selection,
        classification=spec,
        domain=choose(session, spec).versions[0].name if spec else None,
        source_keys={i: d.source_key for i, d in datasets.items()},
        since=base,
        partial=indicator.partial,
    )
    values: list[IndicatorValue] = []
    for definition in indicator.definitions:
        group = _holding(definition, wanted)
        if group == ():
            continue
        values.extend(_values(ctx, indicator, definition, group))
    values.sort(key=lambda v: (Period.parse(v.period), *_order(v.keys)))
    used = sorted({d for v in values for d in v.datasets})
    return IndicatorValues(
        indicator=indicator.id,
        title=indicator.title.nl,
        unit=indicator.unit,
        direction=indicator.direction,
        region=ctx.region,
        by=list(dims),
        filters=dict(selection),
        classification=spec,
        since=base,
        data_version=version or "",
        values=values,
        sources=[datasets[d] for d in used if d in datasets],
        labels=_labels(session, dims, values),
        left_out=_left_out(ctx.left_out, ctx.source_keys),
        region_name=coverage_table(session).region_name(ctx.region),
        breaks=series_breaks(values, datasets),
    )


def _left_out(found: list[LeftOut], source_keys: Mapping[int, str]) -> list[LeftOutSource]:
    """Return one entry per dataset and region left out, with every period it was left out
    for (the several sums of an indicator each report their own)."""
    merged: dict[tuple[int, str], tuple[LeftOut, set[str]]] = {}
    for item in found:
        _, periods = merged.setdefault((item.dataset, item.region), (item, set()))
        periods.update(item.periods)
    entries = []
    for first, periods in merged.values():
        item = replace(first, periods=tuple(sorted(periods, key=Period.parse)))
        entries.append(
            LeftOutSource(
                dataset=item.dataset,
                source_key=source_keys.get(item.dataset, ""),
                title=item.title,
                region=item.region,
                note=item.note,
                periods=list(item.periods),
                text=item.text,
            )
        )
    return entries


def series_breaks(values: Sequence[IndicatorValue], datasets: Mapping[int, Source]) -> list[Break]:
    """Return the breaks of the series in ``values`` (sorted by period): where the
    classification version, definition, sources or coverage of known values change."""
    names = {d.source_key: (d.publisher, d.title) for d in datasets.values()}
    points = [
        (
            v.period,
            v.keys,
            basis_of(
                v.classification,
                v.definition,
                (datasets[d].source_key for d in v.datasets if d in datasets),
                # A partial value may show a flag of higher precedence: its coverage note
                # still names what it covers.
                [v.flag, *(i.flag for i in v.inputs), "partial" if v.coverage_note else None],
                [v.coverage_note] if v.coverage_note else v.notes,
            ),
        )
        for v in values
        if v.value is not None
    ]
    return find_breaks(points, names)


def _restate(
    values: Sequence[IndicatorValue],
    breaks: list[Break],
    pinned: Callable[[str, tuple[str, ...]], IndicatorValues],
) -> list[Break]:
    """Return ``breaks`` with the period before each classification change restated on the
    later version (``pinned(label, periods)`` evaluates on one version). Where the restated
    figure equals the published one, the versions agree here and the change is no break."""
    own = {(v.period, _key(v.keys)): v for v in values}
    wanted: dict[str, set[str]] = defaultdict(set)
    labels: dict[int, str] = {}
    for index, item in enumerate(breaks):
        later = own[(item.period, _key(item.keys))].classification
        if "classification" in item.kinds and later and "," not in later:
            wanted[later].add(item.previous)
            labels[index] = later
    restated = {
        label: {(v.period, _key(v.keys)): v.value for v in pinned(label, tuple(p)).values}
        for label, p in wanted.items()
    }
    result = []
    for index, item in enumerate(breaks):
        label = labels.get(index)
        if label is None:
            result.append(item)
            continue
        value = restated[label].get((item.previous, _key(item.keys)))
        before = own[(item.previous, _key(item.keys))].value
        if value is not None and before is not None and math.isclose(value, before):
            if (kept := without_classification(item)) is not None:
                result.append(kept)
            continue
        result.append(item.model_copy(update={"restated": value, "restated_on": label}))
    return result


def _key(keys: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in keys.items()))


def _values(
    ctx: Context, indicator: IndicatorDef, definition: DefinitionDef, periods: Periods
) -> list[IndicatorValue]:
    series = evaluate_expr(ctx, definition.numerator, periods, "numerator")
    if definition.denominator is not None:
        denominator = evaluate_expr(ctx, definition.denominator, periods, "denominator")
        series = combine([series, denominator], ratio, indicator.id, ["teller", "noemer"])
    return [
        v for v in _rows(series, indicator, definition) if periods is None or v.period in periods
    ]


def _rows(
    series: Series, indicator: IndicatorDef, definition: DefinitionDef
) -> list[IndicatorValue]:
    rows = []
    for (period, own), cell in series.cells.items():
        if period == ANY_PERIOD:
            continue
        parsed = Period.parse(period)
        if parsed.unit.value not in indicator.period_units or not definition.holds_at(parsed.start):
            continue
        versions = sorted({i.classification for i in cell.inputs if i.classification})
        coverage = "; ".join(dict.fromkeys(i.coverage for i in cell.inputs if i.coverage))
        notes = list(dict.fromkeys(cell.notes))
        if definition.note:
            notes.append(definition.note)
        rows.append(
            IndicatorValue(
                period=period,
                keys=dict(zip(series.dims, own, strict=True)),
                value=cell.value,
                flag=cell.flag,
                exact=cell.value is not None and cell.flag not in INEXACT_FLAGS and not coverage,
                classification=", ".join(versions) or None,
                definition=definition.valid_from,
                datasets=sorted({d for i in cell.inputs for d in i.datasets}),
                inputs=list(cell.inputs),
                notes=notes,
                coverage_note=coverage or None,
            )
        )
    return rows


def _holding(definition: DefinitionDef, wanted: Periods) -> Periods:
    if wanted is None:
        return None
    return tuple(p for p in wanted if definition.holds_at(Period.parse(p).start))


def _breakdown(indicator: IndicatorDef, by: Sequence[str] | None) -> tuple[str, ...]:
    dims = tuple(dict.fromkeys(indicator.default_by if by is None else by))
    for dim in dims:
        if dim not in indicator.breakdowns:
            raise QueryError(
                f"indicator {indicator.id} staat uitsplitsen naar '{dim}' niet toe; "
                f"toegestaan: {', '.join(indicator.breakdowns) or 'geen uitsplitsing'}"
            )
    if len(dims) > MAX_BREAKDOWNS:
        raise QueryError(f"te veel uitsplitsingen ({len(dims)}); hoogstens {MAX_BREAKDOWNS}")
    return dims


def _selection(indicator: IndicatorDef, filters: Mapping[str, str]) -> dict[str, str]:
    if "region" in filters:
        raise QueryError("kies een regio met --region, niet als selectie")
    for dim in filters:
        if dim not in indicator.breakdowns:
            raise QueryError(
                f"indicator {indicator.id} staat selecteren op '{dim}' niet toe; "
                f"toegestaan: {', '.join(indicator.breakdowns) or 'geen selectie'}"
            )
    return {k: v.upper() if k == "institution" else v for k, v in filters.items()}


def _periods(indicator: IndicatorDef, texts: Sequence[str], option: str) -> Periods:
    if not texts:
        return None
    canonical = []
    for text in texts:
        try:
            period = Period.parse(text)
        except PeriodError as exc:
            raise QueryError(str(exc)) from None
        if period.unit.value not in indicator.period_units:
            units = indicator.period_units
            hint = (
                " (tel de kwartalen op)"
                if "quarter" in units and period.unit.value == "year"
                else ""
            )
            raise QueryError(
                f"indicator {indicator.id} telt per "
                f"{' of '.join(_UNIT_NAMES[u] for u in units)}, niet per "
                f"{_UNIT_NAMES[period.unit.value]}: geef {option} bijv. "
                f"{_UNIT_EXAMPLES[units[0]]}{hint}"
            )
        canonical.append(str(period))
    return tuple(dict.fromkeys(canonical))


def _since(indicator: IndicatorDef, since: str | None) -> str | None:
    found = _periods(indicator, [since], "--since") if since else None
    return found[0] if found else None


def _database(session: Session) -> str:
    """Return the identity of the session's database (its URL with options)."""
    bind = session.get_bind()
    return str(bind.engine.url)


def _region_chain(session: Session, code: str) -> tuple[str, ...]:
    """Return the region ``code`` (any case) and the regions around it, innermost first."""
    table = region_table(session)
    chain = [canonical_region(session, code)]
    while (parent := table.parents.get(chain[-1])) is not None and parent not in chain:
        chain.append(parent)
    return tuple(chain)


def _labels(
    session: Session, dims: tuple[str, ...], values: list[IndicatorValue]
) -> dict[str, dict[str, str]]:
    codes = {str(v.keys[d]) for v in values for d in dims if v.keys.get(d) is not None}
    if not codes:
        return {}
    found = {
        code: label
        for code, label in session.execute(
            select(CodeLabel.code, CodeLabel.label).where(CodeLabel.code.in_(codes))
        )
    }
    if "institution" in dims:
        # An institution is labelled with its name (DUO's files and the pack carry them),
        # never shown as its BRIN code.
        brins = {str(v.keys["institution"]) for v in values if v.keys.get("institution")}
        found |= {
            brin: name
            for brin, name in session.execute(
                select(Institution.brin, Institution.name).where(Institution.brin.in_(brins))
            )
            if name
        }
    labels: dict[str, dict[str, str]] = {}
    for dim in dims:
        own = {
            str(v.keys[dim]): found[str(v.keys[dim])] for v in values if str(v.keys[dim]) in found
        }
        if own:
            labels[dim] = own
    return labels


def _dataset_sources(session: Session) -> dict[int, Source]:
    """Every dataset as the Source a value names, read once per data version (a report
    evaluates a hundred indicators; each read every dataset row)."""
    return cached(
        session,
        ("indicators.dataset_sources",),
        lambda: {d.id: _source(d) for d in session.scalars(select(Dataset))},
    )


def _source(dataset: Dataset) -> Source:
    return Source(
        dataset=dataset.id,
        source_key=dataset.source_key,
        title=dataset.title,
        publisher=dataset.publisher,
    )


def _order(keys: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, str(value)) for value in keys.values())
