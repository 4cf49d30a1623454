"""The cube query: filter observations, sum a measure, break it down by dimensions.

A sum over cells that are suppressed or missing carries that flag: a suppressed or missing
value is never counted as 0 without saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.engine.regions import resolve_region
from pijplijn.errors import QueryError
from pijplijn.periods import Period, PeriodError
from pijplijn.store.models import Institution, Observation

_COLUMNS = {
    "period": Observation.period,
    "region": Observation.region_code,
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
    "subject": Observation.subject,
    "dataset": Observation.dataset_id,
}
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
    """Further equality filters on dimensions, e.g. {"gender": "vrouw"}."""


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

    def to_record(self) -> dict[str, Any]:
        """Return the row as a flat record: measure, period, the --by keys, value, flag."""
        value = (
            int(self.value)
            if self.value is not None and self.value.is_integer() and self.unit == "count"
            else self.value
        )
        return {
            "measure": self.measure,
            "period": self.period,
            **self.keys,
            "value": value,
            "flag": self.flag,
        }


def query(session: Session, q: CubeQuery) -> list[CubeRow]:
    """Return the sums of ``q.measure`` per period and per ``q.by`` value, sorted."""
    by = _validate(session, q)
    group = [Observation.period, *(_COLUMNS[d] for d in by if d != "period"), Observation.unit]
    flag_counts = [
        func.sum(case((Observation.flag == flag, 1), else_=0)).label(flag) for flag in vocab.FLAGS
    ]
    base: Select[Any] = select(  # type: ignore[assignment]
        *group,
        func.sum(Observation.value).label("total"),
        func.count().label("cells"),
        *flag_counts,
    ).where(Observation.measure == q.measure, Observation.active.is_(True))
    statement = _filtered(session, base, q).group_by(*group)
    rows = [_row(q.measure, by, r) for r in session.execute(statement)]
    _refuse_mixed(rows, q.measure)
    return sorted(rows, key=lambda r: (Period.parse(r.period), *_sort_key(r.keys)))


def _validate(session: Session, q: CubeQuery) -> tuple[str, ...]:
    if q.measure not in vocab.MEASURES:
        raise QueryError(f"onbekende maat '{q.measure}'; kies uit {', '.join(vocab.MEASURES)}")
    unknown = [d for d in q.by if d not in _COLUMNS]
    if unknown:
        raise QueryError(
            f"onbekende dimensie '{unknown[0]}' in --by; kies uit {', '.join(_COLUMNS)}"
        )
    if len(q.by) > MAX_BY:
        raise QueryError(f"te veel dimensies in --by ({len(q.by)}); hoogstens {MAX_BY}")
    if q.stage is not None and q.stage not in vocab.STAGES:
        raise QueryError(f"onbekende fase '{q.stage}'; kies uit {', '.join(vocab.STAGES)}")
    for name in q.filters:
        if name not in _COLUMNS or name in ("period", "region", "dataset"):
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
    if q.region is not None:
        statement = statement.where(
            Observation.region_code.in_(sorted(resolve_region(session, q.region)))
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
        statement = statement.where(_COLUMNS[name] == value)
    return statement


def _row(measure: str, by: tuple[str, ...], result: Any) -> CubeRow:
    mapping = result._mapping
    keys = {d: mapping[_COLUMNS[d].key] for d in by if d != "period"}
    flag = next((f for f in vocab.FLAGS if mapping[f]), None)
    return CubeRow(
        measure=measure,
        period=mapping["period"],
        keys=keys,
        value=mapping["total"],
        flag=flag,
        cells=mapping["cells"],
        unit=mapping["unit"],
    )


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
