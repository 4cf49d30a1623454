"""The cube query: filter observations, sum a measure, break it down by dimensions.

A sum over cells that are suppressed or missing carries that flag: a suppressed or missing
value is never counted as 0 without saying so, and a flagged sum with nothing known above 0 is
no figure at all (value None), never 0.

Where a source published a total beside its gender parts (both sides ``paired``), a sum
without a gender breakdown uses the published total and a breakdown or filter by gender uses
the parts: the sum of the parts never replaces the total, and nothing is counted twice.

Where a dataset publishes a region's own figure beside its sub-regions (CBS's vacancy table:
NL01, the landsdelen and the provinces), a sum over that region reads only the region's own
figure of that dataset, and sums the sub-regions only of datasets that do not publish the
region itself. Where two datasets publish the same region's own figure for a period, the sum
uses one of them (the one with the longest series for that region, then the lowest id) and
lists the other as set aside: two published totals are never added (``_totals_plan``).

Cells of protected datasets that disclosure control hides (``engine/protected.py``) count as
suppressed here, for every caller: a sum that would contain one has no value. So no output,
internal or public, can publish a figure from which a hidden cell follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.engine.cache import cached
from pijplijn.engine.classify import ClassificationChoice, ClassificationVersion, choose
from pijplijn.engine.coverage import LeftOut, Verdict, coverage_table, verdict
from pijplijn.engine.protected import OPEN, PROTECTED, hidden_cells, protected_datasets
from pijplijn.engine.regions import canonical_region, resolve_region
from pijplijn.engine.suppression import threshold
from pijplijn.errors import QueryError
from pijplijn.periods import Period, PeriodError
from pijplijn.store.models import Institution, Observation

_COLUMNS = {
    "period": Observation.period,
    "region": Observation.region_code,
    "region_basis": Observation.region_basis,
    "institution": Observation.institution,
    "stage": Observation.stage,
    "level": Observation.level,
    "pathway": Observation.pathway,
    "programme_code": Observation.programme_code,
    "programme_name": Observation.programme_name,
    "sector": Observation.sector,
    "subsector": Observation.subsector,
    "opleidingsdomein": Observation.opleidingsdomein,
    "gender": Observation.gender,
    "origin_stage": Observation.origin_stage,
    "origin_sector": Observation.origin_sector,
    "subject": Observation.subject,
    "dataset": Observation.dataset_id,
}
DIMENSIONS = (*vocab.DIMENSIONS, "domain")
"""What ``by`` accepts: the stored dimensions, and ``domain`` from a classification."""
MAX_BY = 4

_Select = TypeVar("_Select", bound=Select[Any])


@dataclass(frozen=True)
class CubeQuery:
    """A question to the cube. Empty filters mean 'all'."""

    measure: str
    region: str | None = None
    institution: str | None = None
    stage: str | None = None
    periods: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    """Further equality filters on dimensions, e.g. {"gender": "vrouw"} or
    {"domain": "techniek"}."""
    classification: str | None = None
    """``name`` or ``name@version``; needed when breaking down or filtering by ``domain``."""
    basis: str | None = None
    """``residence`` or ``institution``: which of two releases that count the same students
    a sum uses where both are loaded (DUO's mbo files by place of residence and by
    institution). None chooses: residence for figures about regions, the institution's
    otherwise (see ``preferred_basis``)."""

    def key(self) -> tuple[object, ...]:
        """Return the query as a hashable value, for caching."""
        return (
            self.measure,
            self.region,
            self.institution,
            self.stage,
            self.periods,
            self.by,
            tuple(sorted(self.filters.items())),
            self.classification,
            self.basis,
        )


BASES = ("residence", "institution")
RESIDENCE = "residence"


def preferred_basis(q: CubeQuery) -> str:
    """The basis a query uses where both are loaded: the students' residence for a figure
    about a region (other than the whole country), the institution for anything else."""
    if q.basis is not None:
        return q.basis
    about_institutions = q.institution is not None or "institution" in q.by
    about_regions = (q.region is not None and q.region != "NL01") or "region" in q.by
    return RESIDENCE if about_regions and not about_institutions else "institution"


def _one_basis(session: Session, statement: _Select, q: CubeQuery) -> _Select:
    """Leave out, per stage and period, the rows of the basis not chosen where the chosen one
    is loaded too: the two count the same students and must never add up."""
    is_residence = func.coalesce(Observation.region_basis, "") == RESIDENCE
    both = cached(session, ("both-bases", q.measure), lambda: _both_bases(session, q.measure))
    if not both:
        return statement
    drop_residence = preferred_basis(q) != RESIDENCE
    for stage, period in both:
        statement = statement.where(
            ~(
                (func.coalesce(Observation.stage, "") == (stage or ""))
                & (Observation.period == period)
                & (is_residence if drop_residence else ~is_residence)
            )
        )
    return statement


def _both_bases(session: Session, measure: str) -> list[tuple[str | None, str]]:
    """The (stage, period) pairs of a measure loaded both by residence and otherwise."""
    is_residence = func.coalesce(Observation.region_basis, "") == RESIDENCE
    pairs = session.execute(
        select(Observation.stage, Observation.period, is_residence.label("residence"))
        .where(Observation.measure == measure, Observation.active.is_(True))
        .distinct()
    ).all()
    kinds: dict[tuple[str | None, str], set[bool]] = {}
    for stage, period, residence in pairs:
        kinds.setdefault((stage, period), set()).add(bool(residence))
    return sorted((k for k, found in kinds.items() if len(found) == 2), key=str)


def bases(session: Session, q: CubeQuery) -> list[str]:
    """The region bases (``residence``, ``head-office``, ...) of the rows a query sums."""

    def read() -> list[str]:
        _validate(session, q)
        base = select(Observation.region_basis).where(
            Observation.measure == q.measure, Observation.active.is_(True)
        )
        found = session.scalars(_filtered(session, base, q).distinct())
        return sorted(b for b in found if b)

    return cached(session, ("bases", q.key()), read)


@dataclass(frozen=True)
class CubeRow:
    """One result cell: the sum of ``cells`` observations, and the flag they pass on."""

    measure: str
    period: str
    keys: dict[str, Any]
    value: float | None
    flag: str | None
    cells: int
    unit: str
    classification: str | None = None
    """The classification version that decided ``domain``, e.g. ``techniek@2019``."""
    policy: str = OPEN
    """The strictest disclosure policy of the datasets summed: ``protected`` when any is."""
    coverage: str | None = None
    """Set when the sum counts a dataset that covers only part of the region (flag
    ``partial``): what it covers, e.g. 'alleen ROC van Twente'."""

    def to_record(self) -> dict[str, Any]:
        """Return the row as a flat record: measure, period, the --by keys, value, flag
        (and the classification version, when one was used)."""
        value = self.value
        if value is not None and value.is_integer() and self.unit == "count":
            value = int(value)
        record = {
            "measure": self.measure,
            "period": self.period,
            **self.keys,
            "value": value,
            "flag": self.flag,
        }
        if self.unit != "count":
            record["unit"] = self.unit
        if self.classification:
            record["classification"] = self.classification
        if self.coverage:
            record["coverage"] = self.coverage
        return record


@dataclass(frozen=True)
class CubeResult:
    """The rows of a query, and the datasets it left out for covering only part of the
    region (``engine/coverage.py``)."""

    rows: list[CubeRow]
    left_out: list[LeftOut]


@dataclass
class _Sum:
    total: float | None = None
    cells: int = 0
    flags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(vocab.FLAGS, 0))
    classification: str | None = None
    hidden: int = 0
    protected: int = 0
    coverage: list[str] = field(default_factory=list)

    def add(
        self,
        total: float | None,
        cells: int,
        flags: dict[str, int],
        hidden: int,
        protected: int,
        partial: str | None,
    ) -> None:
        if total is not None:
            self.total = (self.total or 0.0) + total
        self.cells += cells
        for name, count in flags.items():
            self.flags[name] += count or 0
        # A hidden cell of a protected dataset is suppressed, whatever its stored flag.
        self.flags["suppressed"] += hidden
        self.hidden += hidden
        self.protected += protected
        if partial is not None:
            self.flags["partial"] += cells
            if partial not in self.coverage:
                self.coverage.append(partial)

    @property
    def flag(self) -> str | None:
        return next((f for f in vocab.FLAGS if self.flags[f]), None)

    @property
    def value(self) -> float | None:
        return flagged_sum_value(self.total, self.flag)


def flagged_sum_value(total: float | None, flag: str | None) -> float | None:
    """Return a sum's value as shown: None where it is 0 but some of its cells are unknown
    (suppressed or missing), since 0 plus unknown cells is no figure."""
    if total == 0 and flag in vocab.UNKNOWN_FLAGS:
        return None
    return total


def query(session: Session, q: CubeQuery) -> list[CubeRow]:
    """Return the sums of ``q.measure`` per period and per ``q.by`` value, sorted.

    Values are in the measure's unit (``count``, ``thousand`` or ``share``); a sum over
    flagged cells carries the first flag of vocabulary.FLAGS that any cell has. A dataset that
    covers only part of the region is flagged ``partial`` or left out (``query_result``).
    """
    return query_result(session, q).rows


def query_result(session: Session, q: CubeQuery) -> CubeResult:
    """Return the rows of ``query`` with the datasets it left out for their coverage."""
    limit = threshold()
    return cached(session, ("cube", q.key(), limit), lambda: _query(session, q, limit))


def _query(session: Session, q: CubeQuery, limit: int) -> CubeResult:
    by = _validate(session, q)
    hidden = hidden_cells(session, limit)
    protected = protected_datasets(session)
    choice = _classification(session, q, by)
    plain = [d for d in by if d not in ("period", "domain")]
    needed = sorted((choice.fields | {"stage"}) - set(plain)) if choice else []
    # Coverage is judged per dataset, for the query's region or else each row's own: those
    # are grouped on, even when not asked for.
    judged = [
        d for d in ("dataset", "region") if d not in plain and (d == "dataset" or not q.region)
    ]
    group = [
        Observation.period,
        *(_COLUMNS[d] for d in plain),
        *(_COLUMNS[d] for d in needed),
        *(_COLUMNS[d] for d in judged),
        Observation.unit,
    ]
    flag_counts = [
        func.sum(case((Observation.flag == flag, 1), else_=0)).label(flag)
        for flag in vocab.CELL_FLAGS
    ]
    is_hidden = Observation.id.in_(sorted(hidden)) if hidden else false()
    is_protected = Observation.dataset_id.in_(sorted(protected)) if protected else false()
    base: Select[Any] = select(  # type: ignore[assignment]
        *group,
        # A hidden cell's value is left out of every sum; the sum then has none (below).
        func.sum(case((is_hidden, None), else_=Observation.value)).label("total"),
        func.count().label("cells"),
        *flag_counts,
        func.sum(case((is_hidden, 1), else_=0)).label("hidden"),
        func.sum(case((is_protected, 1), else_=0)).label("protected"),
    ).where(Observation.measure == q.measure, Observation.active.is_(True))
    statement = _filtered(session, base, q).group_by(*group)
    sums: dict[tuple[Any, ...], _Sum] = {}
    classify = _Classifier(choice) if choice is not None else None
    judge = _Judge(session, q)
    for result in session.execute(statement):
        row = result._mapping
        partial = judge.partial(row)
        if partial is False:
            continue
        keys = {d: row[_COLUMNS[d].key] for d in plain}
        version = None
        if classify is not None:
            version, keys["domain"] = classify(row)
            if "domain" in q.filters and keys["domain"] != q.filters["domain"]:
                continue
            if "domain" not in by:
                del keys["domain"]
        ordered = {d: keys[d] for d in by if d in keys}
        identity = (row["period"], tuple(ordered.items()), row["unit"])
        total = sums.setdefault(identity, _Sum(classification=version.label if version else None))
        total.add(
            row["total"],
            row["cells"],
            {f: row[f] for f in vocab.CELL_FLAGS},
            row["hidden"] or 0,
            row["protected"] or 0,
            partial,
        )
    rows = [
        CubeRow(
            measure=q.measure,
            period=period,
            keys=dict(items),
            # A sum over a hidden cell publishes nothing, not even a lower bound: the published
            # figures stay sums of published cells.
            value=None if s.hidden else s.value,
            flag=s.flag,
            cells=s.cells,
            unit=unit,
            classification=s.classification,
            policy=PROTECTED if s.protected else OPEN,
            coverage="; ".join(s.coverage) or None,
        )
        for (period, items, unit), s in sums.items()
    ]
    _refuse_mixed(rows, q.measure)
    rows.sort(key=lambda r: (Period.parse(r.period), *_sort_key(r.keys)))
    set_aside = list(_totals_plan(session, q).set_aside)
    return CubeResult(rows=rows, left_out=judge.left_out() + set_aside)


class _Judge:
    """Applies each dataset's coverage to the rows of one query (``engine/coverage.py``):
    the region judged is the query's, or else each row's own; published figures are not
    judged."""

    def __init__(self, session: Session, q: CubeQuery) -> None:
        self.session = session
        self.active = q.measure not in vocab.PUBLISHED_MEASURES
        self.region = canonical_region(session, q.region) if q.region is not None else None
        self.institution = q.institution.upper() if q.institution else None
        self.table = coverage_table(session) if self.active else None
        self.verdicts: dict[tuple[int, str], Verdict] = {}
        self.dropped: dict[tuple[int, str], set[str]] = {}

    def partial(self, row: Any) -> str | None | Literal[False]:
        """Return False to leave the row out, its coverage note when partial, else None."""
        region = self.region or row["region_code"]
        if self.table is None or region is None:
            return None
        key = (int(row["dataset_id"]), region)
        if key not in self.verdicts:
            self.verdicts[key] = verdict(self.session, self.table, *key, self.institution)
        found = self.verdicts[key]
        if found.status == "outside":
            self.dropped.setdefault(key, set()).add(row["period"])
            return False
        return found.note if found.status == "partial" else None

    def left_out(self) -> list[LeftOut]:
        assert self.table is not None or not self.dropped
        return [
            LeftOut(
                dataset=dataset,
                title=self.table.title(dataset) if self.table else "",
                region=region,
                region_name=self.table.region_name(region) if self.table else region,
                note=self.verdicts[(dataset, region)].note or "",
                periods=tuple(sorted(periods, key=Period.parse)),
            )
            for (dataset, region), periods in sorted(self.dropped.items())
        ]


class _Classifier:
    """The version and domain of a result row, decided once per distinct period and per
    distinct combination of the fields the rules read (a query returns thousands of rows
    that share a few dozen labels)."""

    def __init__(self, choice: ClassificationChoice) -> None:
        self.choice = choice
        self.fields = sorted(choice.fields)
        self.versions: dict[str, ClassificationVersion] = {}
        self.domains: dict[tuple[Any, ...], str] = {}

    def __call__(self, row: Any) -> tuple[ClassificationVersion, str]:
        period = row["period"]
        version = self.versions.get(period)
        if version is None:
            version = self.versions[period] = self.choice.for_period(Period.parse(period))
        labels = tuple(row[_COLUMNS[d].key] for d in self.fields)
        key = (version.label, row["stage"], labels)
        domain = self.domains.get(key)
        if domain is None:
            values = dict(zip(self.fields, labels, strict=True))
            domain = self.domains[key] = version.domain(row["stage"], values)
        return version, domain


def sources(session: Session, q: CubeQuery) -> list[int]:
    """Return the ids of the datasets whose active observations a query sums."""
    return cached(session, ("sources", q.key()), lambda: _sources(session, q))


def _sources(session: Session, q: CubeQuery) -> list[int]:
    _validate(session, q)
    base = select(Observation.dataset_id).where(
        Observation.measure == q.measure, Observation.active.is_(True)
    )
    statement = _filtered(session, base, q).distinct().order_by(Observation.dataset_id)
    found = list(session.scalars(statement))
    judge = _Judge(session, q)
    if judge.region is None or judge.table is None:
        return found
    return [
        d
        for d in found
        if verdict(session, judge.table, d, judge.region, judge.institution).status != "outside"
    ]


def _classification(
    session: Session, q: CubeQuery, by: tuple[str, ...]
) -> ClassificationChoice | None:
    if "domain" not in by and "domain" not in q.filters:
        return None
    if not q.classification:
        raise QueryError(
            "uitsplitsen of filteren op 'domain' vraagt een classificatie, "
            "bijv. --classification techniek of techniek@2019 "
            "(zie 'pijplijn classifications')"
        )
    return choose(session, q.classification)


def _validate(session: Session, q: CubeQuery) -> tuple[str, ...]:
    if not vocab.is_measure(q.measure):
        raise QueryError(f"onbekende maat '{q.measure}'; kies uit {', '.join(vocab.MEASURES)}")
    unknown = [d for d in q.by if d not in DIMENSIONS]
    if unknown:
        raise QueryError(
            f"onbekende dimensie '{unknown[0]}' in --by; kies uit {', '.join(DIMENSIONS)}"
        )
    if len(q.by) > MAX_BY:
        raise QueryError(f"te veel dimensies in --by ({len(q.by)}); hoogstens {MAX_BY}")
    if q.basis is not None and q.basis not in BASES:
        raise QueryError(f"onbekende basis '{q.basis}'; kies uit {', '.join(BASES)}")
    if q.stage is not None and q.stage not in vocab.STAGES:
        raise QueryError(f"onbekende fase '{q.stage}'; kies uit {', '.join(vocab.STAGES)}")
    for name in q.filters:
        if name not in DIMENSIONS or name in ("period", "region", "dataset"):
            raise QueryError(f"onbekend filter '{name}'")
    if q.institution is not None and session.get(Institution, q.institution.upper()) is None:
        raise QueryError(
            f"onbekende instelling (BRIN) '{q.institution}'; "
            "zie 'pijplijn datasets' voor wat geladen is"
        )
    for text in q.periods:
        try:
            Period.parse(text)
        except PeriodError as exc:
            raise QueryError(str(exc)) from None
    return tuple(dict.fromkeys(q.by))


def _filtered(session: Session, statement: _Select, q: CubeQuery) -> _Select:
    statement = statement.where(_one_side(q))
    if q.region is not None:
        statement = statement.where(
            Observation.region_code.in_(sorted(resolve_region(session, q.region)))
        )
    plan = _totals_plan(session, q)
    for dataset, codes in plan.keep.items():
        statement = statement.where(
            or_(Observation.dataset_id != dataset, Observation.region_code.in_(codes))
        )
    for (dataset, code, stage), periods in plan.drop.items():
        statement = statement.where(
            ~(
                (Observation.dataset_id == dataset)
                & (Observation.region_code == code)
                & (func.coalesce(Observation.stage, "") == (stage or ""))
                & Observation.period.in_(periods)
            )
        )
    if q.institution is not None:
        statement = statement.where(Observation.institution == q.institution.upper())
    if q.stage is not None:
        statement = statement.where(Observation.stage == q.stage)
    if q.periods:
        statement = statement.where(
            Observation.period.in_(sorted({str(Period.parse(p)) for p in q.periods}))
        )
    for name, value in q.filters.items():
        if name != "domain":
            statement = statement.where(_COLUMNS[name] == value)
    if "sector" not in q.by and "sector" not in q.filters:
        with_total = _datasets_with_sector_total(session, q.measure)
        if with_total:
            statement = statement.where(
                or_(
                    Observation.dataset_id.not_in(with_total),
                    Observation.sector.in_(vocab.SECTOR_TOTALS),
                )
            )
    if "region_basis" not in q.filters and "region_basis" not in q.by:
        statement = _one_basis(session, statement, q)
    return statement


@dataclass(frozen=True)
class _TotalsPlan:
    """What the region-total rules do to one query."""

    keep: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Per dataset that publishes a region and regions within it: the only region codes of
    it that the sum reads (the outermost it publishes within the query's region)."""
    drop: dict[tuple[int, str, str | None], tuple[str, ...]] = field(default_factory=dict)
    """(dataset, region, stage) → the periods it is set aside for another dataset that
    publishes the same total."""
    set_aside: tuple[LeftOut, ...] = ()


Published = dict[int, dict[tuple[str, str | None], frozenset[str]]]


def _published_totals(session: Session, measure: str) -> Published:
    """Per dataset, per (region, stage): the periods for which it publishes that region's own
    figure of ``measure``. A region's own figure is a row about no institution; DUO's files
    have none (every row is one institution's or location's), CBS's tables only those. Rows
    of units no region is known for (``unattributed``) are parts, never a region's total."""

    def read() -> Published:
        statement = (
            select(
                Observation.dataset_id,
                Observation.region_code,
                Observation.stage,
                Observation.period,
            )
            .where(
                Observation.measure == measure,
                Observation.active.is_(True),
                Observation.institution.is_(None),
                Observation.region_code.is_not(None),
                func.coalesce(Observation.region_basis, "") != "unattributed",
            )
            .distinct()
        )
        found: dict[int, dict[tuple[str, str | None], set[str]]] = {}
        for dataset, region, stage, period in session.execute(statement):
            found.setdefault(int(dataset), {}).setdefault((str(region), stage), set()).add(period)
        return {d: {k: frozenset(p) for k, p in cells.items()} for d, cells in found.items()}

    return cached(session, ("cube.published-totals", measure), read)


def _totals_plan(session: Session, q: CubeQuery) -> _TotalsPlan:
    """Return the region-total rules for ``q`` (see the module's docstring), once per query."""
    return cached(session, ("cube.totals-plan", q.key()), lambda: _plan(session, q))


def _plan(session: Session, q: CubeQuery) -> _TotalsPlan:
    if q.measure in vocab.PUBLISHED_MEASURES:
        return _TotalsPlan()
    published = _published_totals(session, q.measure)
    if not published:
        return _TotalsPlan()
    scope = resolve_region(session, q.region) if q.region is not None else None
    asked = {str(Period.parse(p)) for p in q.periods}
    keep: dict[int, tuple[str, ...]] = {}
    own: dict[int, dict[tuple[str, str | None], frozenset[str]]] = {}
    for dataset, cells in published.items():
        chosen = {
            key: periods
            for key, periods in cells.items()
            if (scope is None or key[0] in scope) and (q.stage is None or key[1] == q.stage)
        }
        codes = {code for code, _ in chosen}
        if not codes:
            continue
        if "region" not in q.by:
            # A region the dataset publishes within another it publishes is a part of that
            # one's figure: only the outermost count.
            inner = {
                code
                for code in codes
                for outer in codes
                if outer != code and code in resolve_region(session, outer)
            }
            if inner:
                keep[dataset] = tuple(sorted(codes - inner))
                chosen = {k: p for k, p in chosen.items() if k[0] not in inner}
        own[dataset] = chosen
    if "dataset" in q.by:
        return _TotalsPlan(keep=keep)
    drop, set_aside = _same_totals(session, own, asked)
    return _TotalsPlan(keep=keep, drop=drop, set_aside=set_aside)


def _same_totals(
    session: Session,
    own: dict[int, dict[tuple[str, str | None], frozenset[str]]],
    asked: set[str],
) -> tuple[dict[tuple[int, str, str | None], tuple[str, ...]], tuple[LeftOut, ...]]:
    """Where several datasets publish the same region's own figure for a stage and period,
    keep one: of those that cover the region completely, the one with the most periods for
    that region (a series then stays on one source), then the lowest id."""
    claims: dict[tuple[str, str | None, str], list[int]] = {}
    for dataset, cells in own.items():
        for (code, stage), periods in cells.items():
            for period in periods:
                if not asked or period in asked:
                    claims.setdefault((code, stage, period), []).append(dataset)
    table = coverage_table(session)
    dropped: dict[tuple[int, str, str | None], set[str]] = {}
    winners: dict[tuple[int, str, str | None], set[int]] = {}
    for (code, stage, period), datasets in claims.items():
        if len(datasets) < 2:
            continue
        complete = [
            d for d in datasets if verdict(session, table, d, code, None).status == "complete"
        ]
        if not complete:
            continue  # none is the region's total; coverage decides (the _Judge)
        winner = min(complete, key=lambda d: (-len(own[d][(code, stage)]), d))
        for loser in datasets:
            if loser != winner:
                dropped.setdefault((loser, code, stage), set()).add(period)
                winners.setdefault((loser, code, stage), set()).add(winner)
    drop = {key: tuple(sorted(periods)) for key, periods in sorted(dropped.items(), key=str)}
    set_aside = tuple(
        LeftOut(
            dataset=loser,
            title=table.title(loser),
            region=code,
            region_name=table.region_name(code),
            note="hetzelfde totaal als "
            + ", ".join(f"{table.title(w)} (dataset {w})" for w in sorted(winners[key]))
            + ", dat is gebruikt",
            periods=tuple(sorted(periods, key=Period.parse)),
            reason="same-total",
        )
        for key, periods in drop.items()
        for loser, code, _ in [key]
    )
    return drop, set_aside


def _one_side(q: CubeQuery) -> ColumnElement[bool]:
    """Of a published total and its gender parts, keep the parts when the query breaks down
    or filters by gender, and the total otherwise."""
    if "gender" in q.by or "gender" in q.filters:
        return ~(Observation.paired & Observation.gender.is_(None))
    return ~(Observation.paired & Observation.gender.is_not(None))


def _datasets_with_sector_total(session: Session, measure: str) -> list[int]:
    """Return the datasets that published an all-sectors total of ``measure``."""

    def read() -> list[int]:
        statement = (
            select(Observation.dataset_id)
            .where(
                Observation.measure == measure,
                Observation.sector.in_(vocab.SECTOR_TOTALS),
                Observation.active.is_(True),
            )
            .distinct()
        )
        return sorted(session.scalars(statement))

    return cached(session, ("cube.sector-totals", measure), read)


def _refuse_mixed(rows: list[CubeRow], measure: str) -> None:
    seen: dict[tuple[Any, ...], str] = {}
    for row in rows:
        identity = (row.period, *row.keys.items())
        if identity in seen and seen[identity] != row.unit:
            raise QueryError(
                f"maat '{measure}' heeft hier waarden in verschillende eenheden "
                f"({seen[identity]} en {row.unit}); verfijn de selectie"
            )
        seen[identity] = row.unit
    if measure in vocab.PUBLISHED_MEASURES and any(r.cells > 1 for r in rows):
        raise QueryError(
            f"gepubliceerde cijfers ({measure}) zijn niet optelbaar; "
            "splits uit met --by subject en verfijn de selectie"
        )


def _sort_key(keys: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, str(value)) for value in keys.values())
