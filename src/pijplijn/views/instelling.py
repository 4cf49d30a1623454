"""The factsheet of an institution: per measure its
students or graduates per year with the techniek part and share, one table per series
definition, and its techniek share beside its region set and the Netherlands.

One definition per table: a table holds the periods that rest on the same sources, counted
under one classification version (the one in force in the table's last period; earlier years
are restated on it, as the web restates across a classification change). Where the sources
change, the next table starts with the reason of the series break in the words the web uses
(``engine/indicators/breaks.py``). A source that counts only the domain (e.g. a seed table of
an institution's technical departments) gives the techniek count and no total or share: its
"total" is not all of the institution's students."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.classify import OTHER, choose
from pijplijn.engine.cube import CubeQuery, CubeRow, query
from pijplijn.engine.indicators.breaks import Basis, describe
from pijplijn.engine.version import data_version
from pijplijn.errors import PijplijnError, QueryError
from pijplijn.periods import Period
from pijplijn.store.models import Dataset, Institution, Region
from pijplijn.views.factsheet import NATIONAL, Cell, _name, _region_set

CLASSIFICATION = "techniek"
MEASURES = ("enrolled", "first_year", "graduates")
"""The measures an institution's sheet shows, in this order: students (mbo), first-year
students (hbo, wo) and graduates."""
STAGES = ("mbo", "hbo", "wo")


class InstellingRow(BaseModel):
    measure: str
    period: str
    total: float | None
    in_domain: float | None
    share: float | None
    flag: str | None


class InstellingTable(BaseModel):
    """One series of one measure on one definition: the same sources and one classification
    version in every row."""

    measure: str
    sources: list[str]
    """The datasets' publishers and titles."""
    classification: str | None
    """The version that decided the techniek part, e.g. ``techniek@2019``; None when the
    source counts only techniek (``domain_only``)."""
    domain_only: bool
    """The source counts only the domain: ``in_domain`` is its count, no total, no share."""
    break_before: str | None
    """The reason of the series break at this table's first period (None for a measure's
    first table)."""
    rows: list[InstellingRow]


class InstellingSheet(BaseModel):
    kind: str = "instelling"
    brin: str
    name: str
    sector: str | None
    place: str | None
    gemeente: str | None
    region_basis: str | None
    tables: list[InstellingTable]
    """Per measure, one table per definition, oldest first."""
    share_measure: str | None
    """The measure of ``region_share`` (the first of MEASURES with a share)."""
    region_share: list[Cell]
    """The techniek share in ``share_period`` for the institution, its region set and the
    Netherlands, counted on the institution's stage."""
    share_period: str | None
    notes: list[str]
    data_version: str
    made_on: date


def instelling_sheet(session: Session, pack: ContentPack, brin: str) -> InstellingSheet:
    """Return the factsheet of an institution (see the module's docstring)."""
    institution = session.get(Institution, brin.strip().upper())
    if institution is None:
        raise QueryError(
            f"instelling {brin!r}: onbekende BRIN-code; zie `pijplijn query --by institution`"
        )
    stage = institution.kind if institution.kind in STAGES else None
    names = _source_names(session)
    tables: list[InstellingTable] = []
    for measure in MEASURES:
        tables += _tables(session, measure, institution.brin, stage, names)
    share_measure, share_period, own = None, None, None
    for measure in MEASURES:
        shown = [
            (t, r)
            for t in tables
            if t.measure == measure and not t.domain_only
            for r in t.rows
            if r.share is not None
        ]
        if shown:
            share_measure = measure
            table, own = max(shown, key=lambda tr: Period.parse(tr[1].period))
            share_period = own.period
            break
    cells: list[Cell] = []
    if share_measure is not None and share_period is not None and own is not None:
        cells.append(
            Cell(region=institution.name, code=institution.brin, value=own.share, flag=own.flag)
        )
        region_set = (
            _region_set(session, institution.gemeente_code, pack.pack.default_region)
            if institution.gemeente_code
            else None
        )
        for code in [c for c in (region_set, NATIONAL) if c]:
            found = _period_share(session, share_measure, code, stage, share_period)
            cells.append(
                Cell(
                    region=_name(session, code),
                    code=code,
                    value=found.share if found else None,
                    flag=found.flag if found else None,
                )
            )
    notes: list[str] = []
    if institution.region_basis == "head-office":
        notes.append(
            "De gemeente is die van de hoofdvestiging: DUO telt de studenten van de instelling "
            "daar, niet op hun woon- of lesplaats."
        )
    if any(t.domain_only for t in tables):
        notes.append(
            "Een bron die alleen de opleidingen in techniek telt, geeft geen totaal en geen "
            "aandeel: haar aantal is het aantal in techniek."
        )
    gemeente = session.get(Region, institution.gemeente_code) if institution.gemeente_code else None
    return InstellingSheet(
        brin=institution.brin,
        name=institution.name,
        sector=institution.kind,
        place=institution.place.title() if institution.place else None,
        gemeente=gemeente.name if gemeente else None,
        region_basis=institution.region_basis,
        tables=tables,
        share_measure=share_measure,
        region_share=cells,
        share_period=share_period,
        notes=notes,
        data_version=data_version(session),
        made_on=date.today(),
    )


def _tables(
    session: Session, measure: str, brin: str, stage: str | None, names: dict[str, tuple[str, str]]
) -> list[InstellingTable]:
    """The institution's series of ``measure``, cut where its sources change."""
    try:
        by_dataset = query(session, CubeQuery(measure=measure, institution=brin, by=("dataset",)))
    except PijplijnError:
        return []
    keys = _source_keys(session)
    per_period: dict[str, set[int]] = {}
    for row in by_dataset:
        per_period.setdefault(row.period, set()).add(int(row.keys["dataset"]))
    segments: list[tuple[tuple[str, ...], list[str], set[int]]] = []
    for period in sorted(per_period, key=Period.parse):
        sources = tuple(sorted({keys.get(d, str(d)) for d in per_period[period]}))
        if segments and segments[-1][0] == sources:
            segments[-1][1].append(period)
            segments[-1][2].update(per_period[period])
        else:
            segments.append((sources, [period], set(per_period[period])))
    tables: list[InstellingTable] = []
    previous: Basis | None = None
    for sources, periods, datasets in segments:
        domain_only = _domain_only(session, measure, stage, tuple(periods), datasets)
        label = None if domain_only else _version_at(session, periods[-1])
        rows = _rows(session, measure, brin, tuple(periods), label, domain_only)
        basis = Basis(classification=label, definition=None, sources=sources, coverage=None)
        reason = None
        if previous is not None:
            kinds = previous.differences(basis)
            reason = "; ".join(describe(kinds, previous, basis, names)) if kinds else None
        previous = basis
        tables.append(
            InstellingTable(
                measure=measure,
                sources=[" · ".join(dict.fromkeys(names.get(s, (s, s)))) for s in sources],
                classification=label,
                domain_only=domain_only,
                break_before=reason,
                rows=rows,
            )
        )
    return tables


def _rows(
    session: Session,
    measure: str,
    brin: str,
    periods: tuple[str, ...],
    classification: str | None,
    domain_only: bool,
) -> list[InstellingRow]:
    """Per period, the total and the techniek part on ``classification``; for a source that
    counts only techniek, its count as the techniek part and no total or share."""
    totals = query(session, CubeQuery(measure=measure, institution=brin, periods=periods))
    parts: dict[str, CubeRow] = {}
    if classification is not None:
        found = query(
            session,
            CubeQuery(
                measure=measure,
                institution=brin,
                periods=periods,
                by=("domain",),
                classification=classification,
            ),
        )
        parts = {r.period: r for r in found if r.keys.get("domain") == CLASSIFICATION}
    rows = []
    for total in totals:
        if domain_only:
            rows.append(
                InstellingRow(
                    measure=measure,
                    period=total.period,
                    total=None,
                    in_domain=total.value,
                    share=None,
                    flag=total.flag,
                )
            )
            continue
        part = parts.get(total.period)
        in_domain = part.value if part else None
        share = (
            in_domain / total.value
            if in_domain is not None and total.value not in (None, 0)
            else None
        )
        rows.append(
            InstellingRow(
                measure=measure,
                period=total.period,
                total=total.value,
                in_domain=in_domain,
                share=share,
                flag=total.flag or (part.flag if part else None),
            )
        )
    return sorted(rows, key=lambda r: Period.parse(r.period))


def _domain_only(
    session: Session, measure: str, stage: str | None, periods: tuple[str, ...], datasets: set[int]
) -> bool:
    """True when none of ``datasets`` has a row of ``measure`` outside techniek in
    ``periods`` (for any institution or region): such a source counts only techniek."""
    found = query(
        session,
        CubeQuery(
            measure=measure,
            stage=stage,
            periods=periods,
            by=("dataset", "domain"),
            classification=CLASSIFICATION,
        ),
    )
    mine = [r for r in found if int(r.keys["dataset"]) in datasets]
    return bool(mine) and all(r.keys.get("domain") != OTHER for r in mine)


def _version_at(session: Session, period: str) -> str:
    """The label of the classification version in force in ``period``, e.g. techniek@2019."""
    return choose(session, CLASSIFICATION).for_period(Period.parse(period)).label


def _period_share(
    session: Session, measure: str, region: str, stage: str | None, period: str
) -> InstellingRow | None:
    """The techniek share of ``measure`` in ``region`` (on ``stage``) in ``period``."""
    try:
        totals = query(
            session, CubeQuery(measure=measure, region=region, stage=stage, periods=(period,))
        )
        parts = query(
            session,
            CubeQuery(
                measure=measure,
                region=region,
                stage=stage,
                periods=(period,),
                by=("domain",),
                classification=CLASSIFICATION,
            ),
        )
    except PijplijnError:
        return None
    total = next((r for r in totals if r.period == period), None)
    part = next(
        (r for r in parts if r.period == period and r.keys.get("domain") == CLASSIFICATION), None
    )
    if total is None:
        return None
    in_domain = part.value if part else None
    share = (
        in_domain / total.value if in_domain is not None and total.value not in (None, 0) else None
    )
    return InstellingRow(
        measure=measure,
        period=period,
        total=total.value,
        in_domain=in_domain,
        share=share,
        flag=total.flag or (part.flag if part else None),
    )


def _source_keys(session: Session) -> dict[int, str]:
    return {d: key for d, key in session.execute(select(Dataset.id, Dataset.source_key))}


def _source_names(session: Session) -> dict[str, tuple[str, str]]:
    """Per source key: its publisher and title (to name a source in a break's reason)."""
    rows = session.execute(select(Dataset.source_key, Dataset.publisher, Dataset.title))
    return {key: (publisher, title) for key, publisher, title in rows}
