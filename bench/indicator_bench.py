"""Indicator benchmark: every catalogue indicator for every region, cold and warm, beside the
same aggregation written directly in Polars on the raw observation table.

Loads all of ../shared/data into a fresh database (the demo data first), then for each
indicator of the catalogue and each region (the region sets, their province and NL01),
over all periods:

(a) cold: ``indicator_values`` with its cache emptied first (cube queries, classification);
(b) warm: the same call again (the cache, keyed on the data version);
(c) baseline: Polars reading the observation rows of each measure the indicator uses
    (``pl.read_database``, one read per measure) and doing the same filters, the same
    classification rules and the same group-by sums and ratio in Polars;
(d) for information: (c) again with the rows already in memory (aggregation only).

It prints p50 and p95 per evaluation for each, the ratio cold / baseline, and checks the
targets: warm p95 < 20 ms, cold at most 3 × the Polars baseline. As a check that the baseline
does the same work, the numerator totals of both are compared.

Run from the repository root: ``.venv/bin/python bench/indicator_bench.py [--database URL]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.content.indicators import Expr, IndicatorDef, SumTerm
from pijplijn.content.loader import load_pack
from pijplijn.engine.classify import ClassificationChoice, choose
from pijplijn.engine.indicators import Catalog, IndicatorValues, indicator_values
from pijplijn.engine.indicators.evaluate import CACHE
from pijplijn.engine.indicators.series import previous_year
from pijplijn.engine.regions import resolve_region
from pijplijn.periods import Period
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.models import Dataset, Observation, Region, RegionMember
from pijplijn.store.setup import initialise

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FILES = (
    "geo/koppelcodes_gemeenten.csv",
    "duo/mbo_deelnemers_2015-2019.csv",
    "duo/hbo_eerstejaars_2015-2019.csv",
    "duo/wo_eerstejaars_2015-2019.csv",
    "duo/vo_examenkandidaten_2019-2024.csv",
    "cbs/80472ned_vacatures_metadata.csv",
    "cbs/80472ned_vacatures_sbi.csv",
    "cbs/regios_metadata.csv",
    "cbs/sbi_sectoren_metadata.csv",
    "cbs/vacatures_regio_provincie.csv",
)
COLUMNS = (
    "dataset_id, period, region_code, institution, stage, level, pathway, sector, subsector, "
    "opleidingsdomein, gender, subject, value, flag"
)
SCHEMA: dict[str, pl.DataType] = {
    **{name.strip(): pl.String() for name in COLUMNS.split(",")},
    "dataset_id": pl.Int64(),
    "value": pl.Float64(),
}
FLAG_RANK = {flag: index for index, flag in enumerate(vocab.FLAGS)}
WARM_REPEATS = 5
_T = TypeVar("_T")


def timed(call: Callable[[], _T]) -> tuple[float, _T]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def load(engine: Engine) -> None:
    pack = load_pack("twente")
    initialise(engine, pack, demo=True)
    outcomes = import_files(engine, pack, [DATA / f for f in FILES])
    invalid = [o.parsed.report.summary() for o in outcomes if not o.parsed.report.valid]
    if invalid:
        sys.exit(f"import failed: {invalid}")


def regions(session: Session) -> list[str]:
    """The region sets, the province of each, and NL01."""
    sets = sorted(set(session.scalars(select(RegionMember.set_code))))
    parents = [session.get(Region, code).parent_code for code in sets]  # type: ignore[union-attr]
    return list(dict.fromkeys([*sets, *(p for p in parents if p), "NL01"]))


# --- the Polars baseline -------------------------------------------------------------------


class PolarsBaseline:
    """The same aggregation as the engine, on rows read with pl.read_database."""

    def __init__(self, connection: Connection, session: Session) -> None:
        self.connection = connection
        self.session = session
        self.source_keys = {d.id: d.source_key for d in session.scalars(select(Dataset))}

    def evaluate(
        self,
        indicator: IndicatorDef,
        region: str,
        dims: list[str],
        frames: dict[str, pl.DataFrame] | None = None,
    ) -> dict[tuple[Any, ...], float | None]:
        """Return {(period, *keys): value} of the indicator broken down by ``dims``, reading
        each measure's rows unless ``frames`` holds them already."""
        frames = {} if frames is None else frames
        spec = indicator.classification
        context = Place(
            choice=choose(self.session, spec) if spec else None,
            inside=resolve_region(self.session, region),
            chain=self._chain(region),
            dims=dims,
        )
        result: dict[tuple[Any, ...], float | None] = {}
        for definition in indicator.definitions:
            value = self._expr(definition.numerator, frames, context)
            if value is not None and definition.denominator is not None:
                denominator = self._expr(definition.denominator, frames, context)
                value = None if denominator is None else _divide(value, denominator)
            if value is None:
                continue
            for row in value.select("period", *dims, "value").iter_rows():
                period = row[0]
                if period != "*" and definition.holds_at(Period.parse(period).start):
                    result[tuple(row[:-1])] = row[-1]
        return result

    def _expr(
        self, expr: Expr, frames: dict[str, pl.DataFrame], place: Place
    ) -> pl.DataFrame | None:
        """Return the expression as a frame (period, dims..., value); period '*' when fixed."""
        if expr.sum is not None:
            return self._sum(self._rows(expr.sum.measure, frames), expr.sum, place)
        if expr.published is not None:
            term = expr.published
            keys = [d for d in place.dims if d in term.split_by]
            frame = self._rows(term.measure, frames).filter(
                (pl.col("subject") == term.subject) & (pl.col("region_code") == place.chain[0])
            )
            if term.period is not None:
                frame = frame.filter(pl.col("period") == str(Period.parse(term.period)))
                frame = frame.with_columns(pl.lit("*").alias("period"))
            return frame.select("period", *keys, "value")
        if expr.change is not None:
            inner = self._expr(expr.change.of, frames, place)
            return None if inner is None else _change(inner, expr.change.base, expr.change.kind)
        if expr.product is not None:
            parts = [self._expr(f, frames, place) for f in expr.product]
            result: pl.DataFrame | None = None
            for part in parts:
                if part is None:
                    return None
                result = part if result is None else _multiply(result, part)
            return result
        return None

    def _rows(self, measure: str, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
        if measure not in frames:
            frames[measure] = pl.read_database(
                text(f"SELECT {COLUMNS} FROM observation WHERE measure = :m AND active"),  # noqa: S608
                self.connection,
                execute_options={"parameters": {"m": measure}},
                schema_overrides=SCHEMA,
            )
        return frames[measure]

    def _sum(self, frame: pl.DataFrame, term: SumTerm, place: Place) -> pl.DataFrame:
        keys = [d for d in place.dims if d not in term.total_over]
        if term.region == "within":
            frame = frame.filter(pl.col("region_code").is_in(sorted(place.inside)))
        else:
            frame = frame.filter(pl.col("region_code").is_in(place.chain))
        if term.stages:
            frame = frame.filter(pl.col("stage").is_in(term.stages))
        totals = {k: v for k, v in term.totals.items() if k not in keys}
        for name, value in {**totals, **term.where}.items():
            frame = frame.filter(pl.col(name) == value)
        if term.source:
            ids = [i for i, key in self.source_keys.items() if key == term.source]
            frame = frame.filter(pl.col("dataset_id").is_in(ids))
        if term.in_domain is not None and place.choice is not None:
            domain = self._domain(frame, place.choice)
            frame = frame.filter(domain if term.in_domain else ~domain)
        if term.region != "within":
            rank = {code: i for i, code in enumerate(place.chain)}
            frame = frame.with_columns(
                pl.col("region_code").replace_strict(rank, return_dtype=pl.Int32).alias("_rank")
            )
            frame = frame.filter(pl.col("_rank") == pl.col("_rank").min().over("period"))
        flag = pl.col("flag").replace_strict(FLAG_RANK, default=None, return_dtype=pl.Int8)
        return (
            frame.group_by("period", *keys)
            .agg(pl.col("value").sum().alias("value"), flag.min().alias("flag"))
            .select("period", *keys, "value")
        )

    def _domain(self, frame: pl.DataFrame, choice: ClassificationChoice) -> pl.Expr:
        """True where the classification version in force for the row's period claims it."""
        periods = frame.get_column("period").unique().to_list()
        label = {p: choice.for_period(Period.parse(p)).label for p in periods}
        version_of = pl.col("period").replace_strict(label, default=None)
        claimed = pl.lit(False)
        for version in choice.versions:
            rules = pl.lit(False)
            for rule in version.rules:
                value = pl.col(rule.field).str.to_lowercase()
                match = rule.match.casefold()
                hit = (
                    value == match
                    if rule.operator == "equals"
                    else value.str.contains(match, literal=True)
                )
                if rule.stage is not None:
                    hit = hit & (pl.col("stage") == rule.stage)
                rules = rules | hit.fill_null(False)
            claimed = claimed | ((version_of == version.label) & rules)
        return claimed

    def _chain(self, code: str) -> list[str]:
        chain, region = [], self.session.get(Region, code)
        while region is not None:
            chain.append(region.code)
            region = self.session.get(Region, region.parent_code) if region.parent_code else None
        return chain


# --- the run ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: the benchmark needs the real files in ../shared/data")
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = open_engine(url)
        seconds, _ = timed(lambda: load(engine))
        run(engine, seconds)


@dataclass
class Timings:
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    disagree: list[str] = field(default_factory=list)
    slowest: list[tuple[float, float, str]] = field(default_factory=list)


def run(engine: Engine, load_seconds: float) -> None:
    catalog = Catalog(load_pack("twente").indicators)
    timings = Timings()
    with session_scope(engine) as session, engine.connect() as connection:
        count = session.scalar(select(func.count()).select_from(Observation)) or 0
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        print(f"loaded {count:,} observations in {load_seconds:.1f} s")
        baseline = PolarsBaseline(connection, session)
        places = regions(session)
        print(f"{len(catalog.indicators)} indicators × regions {', '.join(places)}, all periods\n")
        for indicator in catalog.indicators:
            for region in places:
                measure(session, catalog, baseline, indicator, region, timings)
    report(timings)


def measure(
    session: Session,
    catalog: Catalog,
    baseline: PolarsBaseline,
    indicator: IndicatorDef,
    region: str,
    timings: Timings,
) -> None:
    """Time one evaluation cold, warm and in Polars, and compare the values."""

    def engine_call() -> IndicatorValues:
        return indicator_values(session, catalog, indicator.id, region)

    CACHE.clear()
    cold, values = timed(engine_call)
    timings.warm.extend(timed(engine_call)[0] for _ in range(WARM_REPEATS))
    dims = list(indicator.default_by)
    frames: dict[str, pl.DataFrame] = {}
    base, polars_values = timed(lambda: baseline.evaluate(indicator, region, dims, frames))
    timings.memory.append(timed(lambda: baseline.evaluate(indicator, region, dims, frames))[0])
    timings.cold.append(cold)
    timings.base.append(base)
    timings.slowest.append((cold, base, f"{indicator.id} {region}"))
    mine = {(v.period, *(v.keys[d] for d in dims)): v.value for v in values.values}
    for key, value in polars_values.items():
        found = mine.get(key)
        if value is not None and (found is None or abs(found - value) > 1e-9 * max(1, abs(value))):
            timings.disagree.append(f"{indicator.id} {region} {key}: {found} vs {value}")


def report(timings: Timings) -> None:
    cold, warm, base = timings.cold, timings.warm, timings.base
    disagree, slowest = timings.disagree, timings.slowest

    def row(name: str, values: list[float]) -> str:
        return (
            f"{name:<34} p50 {1000 * statistics.median(values):8.2f} ms   "
            f"p95 {1000 * percentile(values, 0.95):8.2f} ms   total {sum(values):6.2f} s"
        )

    print(row(f"(a) cold, pijplijn ({len(cold)} evaluations)", cold))
    print(row(f"(b) warm, pijplijn ({len(warm)} calls)", warm))
    print(row("(c) baseline, Polars on the raw table", base))
    print(row("(d) Polars, rows already in memory", timings.memory))
    ratio_p50 = statistics.median(cold) / statistics.median(base)
    ratio_p95 = percentile(cold, 0.95) / percentile(base, 0.95)
    ratio_total = sum(cold) / sum(base)
    print(
        f"\ncold / baseline: p50 {ratio_p50:.2f}×, p95 {ratio_p95:.2f}×, total {ratio_total:.2f}×"
    )
    warm_ok = percentile(warm, 0.95) < 0.020
    cold_ok = ratio_total <= 3 and ratio_p95 <= 3
    print(f"target warm p95 < 20 ms: {'met' if warm_ok else 'NOT met'}")
    print(f"target cold ≤ 3 × baseline (p95 and total): {'met' if cold_ok else 'NOT met'}")
    print(f"baseline agrees with the engine on every numerator: {'yes' if not disagree else 'NO'}")
    for line in disagree[:10]:
        print(f"  differs: {line}")
    print("\nslowest cold evaluations (cold, baseline):")
    for c, b, name in sorted(slowest, reverse=True)[:6]:
        print(f"  {1000 * c:7.0f} ms  {1000 * b:7.0f} ms  {name}")


@dataclass(frozen=True)
class Place:
    """What the baseline evaluates for: classification, region and breakdown."""

    choice: ClassificationChoice | None
    inside: set[str]
    chain: list[str]
    dims: list[str]


def _keys(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "value"]


def _join(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """Join right onto left by right's keys; a right frame with period '*' fits every period."""
    on = _keys(right)
    if set(right.get_column("period").to_list()) == {"*"}:
        right, on = right.drop("period"), [k for k in on if k != "period"]
    right = right.rename({"value": "value_r"})
    return left.join(right, on=on) if on else left.join(right, how="cross")


def _multiply(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    if len(_keys(right)) > len(_keys(left)):
        left, right = right, left
    joined = _join(left, right)
    return joined.select(*_keys(left), (pl.col("value") * pl.col("value_r")).alias("value"))


def _divide(numerator: pl.DataFrame, denominator: pl.DataFrame) -> pl.DataFrame:
    joined = _join(numerator, denominator)
    share = pl.when(pl.col("value_r") != 0).then(pl.col("value") / pl.col("value_r"))
    return joined.select(*_keys(numerator), share.alias("value"))


def _change(inner: pl.DataFrame, base: str, kind: str) -> pl.DataFrame:
    periods = inner.get_column("period").unique().to_list()
    earlier = {
        p: previous_year(p) if base == "previous" else str(Period.parse(base)) for p in periods
    }
    keys = [k for k in _keys(inner) if k != "period"]
    shifted = inner.with_columns(pl.col("period").replace_strict(earlier).alias("_base"))
    before = inner.rename({"period": "_base", "value": "_before"})
    joined = shifted.join(before, on=["_base", *keys]).filter(pl.col("_base") != pl.col("period"))
    change = pl.col("value") - pl.col("_before")
    if kind == "relative":
        change = pl.when(pl.col("_before") != 0).then(change / pl.col("_before"))
    return joined.select("period", *keys, change.alias("value"))


if __name__ == "__main__":
    main()
