"""The model's observed inputs, read from the store through the cube query.

Counts are the cube's sums per target region (a region set, a province, a gemeente): one
query per measure and target, so the inputs follow the cube's coverage, published-total and
region-total rules exactly (a dataset covering only part of a target is left out or flagged
``partial`` as in every other figure), and nothing is summed over regions here. Years are *model
years*: the year in which a school year starts (mbo enrolment on 1 October 2019 and the vo
exam candidates of 2019-2020 are both 2019). A suppressed or missing cell is never read as
0: a sum over known cells keeps the flag in the input's provenance, and a series with no
known value stays NaN ("not loaded").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.content.projection import ProjectionContent
from pijplijn.engine.classify import choose
from pijplijn.engine.cube import CubeQuery, CubeRow, flagged_sum_value, query
from pijplijn.engine.projection.model import (
    HBO_PATHWAYS,
    MBO_LEVELS,
    MBO_PATHWAYS,
    VO,
    ProjectionError,
    Structure,
)
from pijplijn.engine.projection.results import InputInfo
from pijplijn.engine.regions import canonical_region, resolve_region
from pijplijn.errors import QueryError
from pijplijn.periods import Period
from pijplijn.store.models import Observation

FloatArray = np.ndarray


@dataclass(frozen=True)
class Published:
    """A figure a document printed (``published_share`` or ``published_count``)."""

    subject: str
    measure: str
    period: str
    region: str | None
    stage: str | None
    level: str | None
    value: float | None
    flag: str | None
    dataset: int | None

    @property
    def year(self) -> int:
        return Period.parse(self.period).year


@dataclass(frozen=True)
class Observed:
    """Observed counts per region, state and model year, with their provenance.

    ``values`` is (regions, states, years), NaN where nothing is loaded. ``graduates`` and
    ``totals`` are the classification domain's mbo graduates and enrolment per region and
    year (the pair that calibrates the diploma rate); ``women``/``enrolled`` the domain's mbo
    enrolment of women and in all (for the girls' share)."""

    regions: tuple[str, ...]
    years: tuple[int, ...]
    values: FloatArray
    inputs: dict[str, InputInfo]
    graduates: FloatArray
    graduate_flags: dict[int, str]
    totals: FloatArray
    women: FloatArray
    enrolled: FloatArray
    published: dict[str, list[Published]]
    classification: str
    datasets: dict[str, list[int]] = field(default_factory=dict)
    """Dataset ids per input kind (``mbo``, ``vo``, ``hbo``, ``wo``, ``graduates``, ``flows``)."""
    flows: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    """Transitions into mbo per (origin stage, destination domain) and year, summed over the
    run's regions (DUO instroom by VOOROPLEIDING VO); empty when none are loaded."""
    cohorts: dict[str, dict[int, float]] = field(default_factory=dict)
    """vo exam passes per stage, keyed by the year after their school year (2022-2023 → 2023):
    the cohort a flow of that year came from."""

    def until(self, year: int | None) -> Observed:
        """Return the observations of model years ≤ ``year`` only (all when None)."""
        if year is None:
            return self
        keep = [i for i, y in enumerate(self.years) if y <= year]
        published = {
            subject: [p for p in figures if p.year <= year]
            for subject, figures in self.published.items()
        }
        return replace(
            self,
            years=tuple(self.years[i] for i in keep),
            values=self.values[:, :, keep],
            graduates=self.graduates[:, keep],
            graduate_flags={y: f for y, f in self.graduate_flags.items() if y <= year},
            totals=self.totals[:, keep],
            women=self.women[:, keep],
            enrolled=self.enrolled[:, keep],
            published=published,
            flows={k: {y: v for y, v in f.items() if y <= year} for k, f in self.flows.items()},
            cohorts={k: {y: v for y, v in c.items() if y <= year} for k, c in self.cohorts.items()},
        )

    def year_index(self, year: int) -> int:
        return self.years.index(year)


def pinned_classification(session: Session, spec: str) -> str:
    """Return ``name@version``: the version asked for, or the newest one, for every period.

    A projection reads whole series, so one version applies throughout (a definition that
    changes mid-series would show up as a jump in the flows)."""
    choice = choose(session, spec)
    version = choice.versions[0] if choice.pinned else choice.versions[-1]
    return version.label


def load_observed(
    session: Session, structure: Structure, content: ProjectionContent, regions: Iterable[str]
) -> Observed:
    """Return the observed inputs of ``regions`` (codes as ``canonical_region`` accepts)."""
    targets = tuple(regions)
    if not targets:
        raise ProjectionError("geen regio's om door te rekenen")
    classification = pinned_classification(session, content.classification)
    reader = _Reader(session, structure, content, targets, classification)
    return reader.read()


class _Reader:
    def __init__(
        self,
        session: Session,
        structure: Structure,
        content: ProjectionContent,
        targets: tuple[str, ...],
        classification: str,
    ) -> None:
        self.session = session
        self.structure = structure
        self.content = content
        self.targets = targets
        self.classification = classification
        self.index = structure.index()
        # A published figure is about its own region only: Twente's published count is
        # neither Overijssel's nor one gemeente's (as the cube leaves the seed out above).
        self.own: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(targets):
            self.own[canonical_region(session, code)].append(i)
        within = [resolve_region(session, code) for code in targets]
        self.outer = {
            i
            for i, code in enumerate(targets)
            if not any(
                j != i and canonical_region(session, code) in within[j] for j in range(len(targets))
            )
            and canonical_region(session, code) not in self._earlier(targets, i)
        }
        self.cells: dict[tuple[int, str, int], float] = defaultdict(float)
        self.flags: dict[str, set[str]] = defaultdict(set)
        self.periods: dict[str, set[str]] = defaultdict(set)
        self.totals: dict[tuple[int, int], float] = defaultdict(float)
        self.total_coverage: dict[int, str] = {}
        """Per year, what the enrolled totals cover when only part of the region (partial)."""
        self.total_years: set[int] = set()
        self.split_states: set[str] = set()
        self.datasets: dict[str, list[int]] = {}
        self.notes: dict[str, str] = {}
        self.unknown: set[tuple[int, str, int]] = set()
        self.zero_filled: set[str] = set()
        self.published_states: dict[str, str] = {}

    def _query(
        self, measure: str, by: tuple[str, ...], stage: str | None = None, run_wide: bool = False
    ) -> list[tuple[int, CubeRow]]:
        """The cube's rows per target region: one query per target, so every sum follows the
        cube's rules for that region (coverage, published and region totals), never a sum of
        its parts made here. ``run_wide``: for a sum over the run's regions, only the targets
        that lie within no other target (Twente within Overijssel counts once)."""
        found = []
        for target, code in enumerate(self.targets):
            if run_wide and target not in self.outer:
                continue
            q = CubeQuery(
                measure=measure, region=code, stage=stage, by=by, classification=self.classification
            )
            found += [(target, row) for row in query(self.session, q)]
        return found

    def _earlier(self, targets: tuple[str, ...], i: int) -> set[str]:
        """The canonical codes of the targets before ``i`` (a region named twice counts once)."""
        return {canonical_region(self.session, t) for t in targets[:i]}

    def _add(self, state: str, target: int, row: CubeRow) -> None:
        year = Period.parse(row.period).year
        if row.value is None:
            self.flags[state].add(row.flag or "missing")
            self.unknown.add((target, state, year))
            return
        self.cells[(target, state, year)] += row.value
        self.periods[state].add(row.period)
        if row.flag:
            self.flags[state].add(row.flag)

    def read(self) -> Observed:
        self._mbo()
        self._vo()
        self._ho()
        graduates, grad_flags = self._graduates()
        women, enrolled = self._gender()
        published = self._published()
        self._split_totals(published)
        self._vo_fallback(published)
        years = sorted(
            {y for (_, _, y) in self.cells}
            | self.total_years
            | set(graduates)
            | set(women)
            | set(enrolled)
        )
        if not years:
            raise ProjectionError(
                f"geen gegevens voor de projectie van {', '.join(self.targets)}: laad de "
                "demodata (pijplijn init --demo) of DUO-bestanden (pijplijn import)"
            )
        return Observed(
            regions=self.targets,
            years=tuple(years),
            values=self._zero_filled(self._array(years)),
            inputs=self._inputs(),
            graduates=self._per_year(graduates, years),
            graduate_flags=grad_flags,
            totals=self._totals_array(years),
            women=self._per_year(women, years),
            enrolled=self._per_year(enrolled, years),
            published=published,
            classification=self.classification,
            datasets=self.datasets,
            flows=self._flows(),
            cohorts=self._cohorts(),
        )

    def _flows(self) -> dict[tuple[str, str], dict[int, float]]:
        """Transitions into mbo per (origin stage, domain) and year, over the run's regions."""
        found: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for _, row in self._query(
            "transitions", ("origin_stage", "domain"), stage="mbo", run_wide=True
        ):
            origin = row.keys["origin_stage"]
            if origin is None or row.value is None:
                continue
            found[(str(origin), str(row.keys["domain"]))][Period.parse(row.period).year] += (
                row.value
            )
        self.datasets["flows"] = self._datasets("transitions", stage="mbo")
        return {key: dict(years) for key, years in found.items()}

    def _cohorts(self) -> dict[str, dict[int, float]]:
        """vo exam passes per stage, keyed by the year after their school year."""
        found: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        if not self.datasets.get("flows"):
            return {}
        for _, row in self._query("exam_passed", ("stage",), run_wide=True):
            if row.value is None:
                continue
            found[str(row.keys["stage"])][Period.parse(row.period).start.year + 1] += row.value
        self.datasets["cohorts"] = self._datasets("exam_passed")
        return {key: dict(years) for key, years in found.items()}

    def _mbo(self) -> None:
        by = ("level", "pathway", "domain")
        for target, row in self._query("enrolled", by, stage="mbo"):
            level, pathway, domain = (row.keys[k] for k in by)
            if level is None and pathway is None:
                self._add_total(target, row, str(domain))
                continue
            state = f"mbo-{level}:{pathway}:{domain}"
            if level in MBO_LEVELS and pathway in MBO_PATHWAYS and state in self.index:
                self._add(state, target, row)
        self.datasets["mbo"] = self._datasets("enrolled", stage="mbo")

    def _add_total(self, target: int, row: CubeRow, domain: str) -> None:
        if domain != self.content.domain or row.value is None:
            return
        year = Period.parse(row.period).year
        self.totals[(target, year)] += row.value
        self.total_years.add(year)
        if row.coverage:
            self.total_coverage[year] = row.coverage

    def _vo(self) -> None:
        for target, row in self._query("exam_candidates", ("stage", "domain")):
            state = f"{row.keys['stage']}:{row.keys['domain']}"
            if row.keys["stage"] in VO and state in self.index:
                self._add(state, target, row)
        self.datasets["vo"] = self._datasets("exam_candidates")

    def _ho(self) -> None:
        by = ("level", "pathway", "domain")
        for target, row in self._query("first_year", by, stage="hbo"):
            level, pathway, domain = (row.keys[k] for k in by)
            if level in ("ad", "bachelor") and pathway in HBO_PATHWAYS:
                self._add(f"hbo:{pathway}:{domain}", target, row)
        for target, row in self._query("first_year", ("level", "domain"), stage="wo"):
            if row.keys["level"] == "bachelor":
                self._add(f"wo:{row.keys['domain']}", target, row)
        self.datasets["hbo"] = self._datasets("first_year", stage="hbo")
        self.datasets["wo"] = self._datasets("first_year", stage="wo")

    def _graduates(self) -> tuple[dict[int, float], dict[int, str]]:
        """Graduates of the domain per model year, summed over the run's regions."""
        found: dict[int, float] = defaultdict(float)
        flags: dict[int, str] = {}
        rows = self._query("graduates", ("domain",), stage="mbo", run_wide=True)
        for _, row in rows:
            if row.keys["domain"] != self.content.domain:
                continue
            year = Period.parse(row.period).year
            # Graduates over enrolled is a ratio: partial coverage is no reason to skip a year
            # when the totals of that year cover the same part (one institution's tables).
            same_part = row.flag == "partial" and row.coverage == self.total_coverage.get(year)
            if row.flag and not same_part:
                flags[year] = row.flag
            if row.value is not None:
                found[year] += row.value
        self.datasets["graduates"] = self._datasets("graduates", stage="mbo")
        return dict(found), flags

    def _gender(self) -> tuple[dict[int, float], dict[int, float]]:
        women: dict[int, float] = defaultdict(float)
        everyone: dict[int, float] = defaultdict(float)
        for _, row in self._query(
            "enrolled", ("level", "gender", "domain"), stage="mbo", run_wide=True
        ):
            if row.keys["domain"] != self.content.domain or row.keys["level"] is None:
                continue
            if row.value is None:
                continue
            year = Period.parse(row.period).year
            everyone[year] += row.value
            if row.keys["gender"] == "vrouw":
                women[year] += row.value
        years = {y for y in everyone if y in women}
        return {y: women[y] for y in years}, {y: everyone[y] for y in years}

    def _published(self) -> dict[str, list[Published]]:
        """The published figures of every subject the content names, in one statement.

        A published figure is one cell, never a sum (the cube refuses to add them up), so
        the cells are read as they are, in the order the cube would list them."""
        subjects = _subjects(self.content)
        found: dict[str, list[Published]] = {s: [] for s in subjects}
        if not subjects:
            return found
        statement = select(
            Observation.measure,
            Observation.subject,
            Observation.period,
            Observation.region_code,
            Observation.stage,
            Observation.level,
            Observation.dataset_id,
            Observation.unit,
            Observation.value,
            Observation.flag,
        ).where(
            Observation.measure.in_(PUBLISHED),
            Observation.active.is_(True),
            Observation.subject.in_(subjects),
            # As the cube without a gender breakdown: a published total, not its parts.
            ~(Observation.paired & Observation.gender.is_not(None)),
        )
        seen: set[tuple[object, ...]] = set()
        cells = []
        for (
            measure,
            subject,
            period,
            region,
            stage,
            level,
            dataset,
            unit,
            value,
            flag,
        ) in self.session.execute(statement):
            key = (measure, subject, period, region, stage, level, dataset, unit)
            if key in seen:
                raise QueryError(
                    f"gepubliceerde cijfers ({measure}, {subject}) zijn niet optelbaar; "
                    "het contentpakket moet ze per cel aanwijzen"
                )
            seen.add(key)
            figure = Published(
                subject=str(subject),
                measure=measure,
                period=period,
                region=region,
                stage=stage,
                level=level,
                value=flagged_sum_value(
                    None if value is None else float(value), flag if flag in vocab.FLAGS else None
                ),
                flag=flag if flag in vocab.FLAGS else None,
                dataset=dataset,
            )
            order = (PUBLISHED.index(measure), Period.parse(period), _cell_order(figure))
            cells.append((order, figure))
        for _, figure in sorted(cells, key=lambda cell: cell[0]):
            found[figure.subject].append(figure)
        return found

    def _split_totals(self, published: dict[str, list[Published]]) -> None:
        """Fill mbo states from totals loaded without niveau and pathway, for the region-years
        that have no such breakdown, by the published shares the content names."""
        split = self.content.stock_split
        if split is None or not self.totals:
            return
        levels = {
            p.level: p.value
            for p in published.get(split.level_share_subject, [])
            if p.level and p.value is not None
        }
        bbl = [p.value for p in published.get(split.bbl_share_subject, []) if p.value is not None]
        if not levels or not bbl:
            return
        levels[split.remainder_level] = max(0.0, 1.0 - sum(levels.values()))
        broken_down = {t for (t, s, _) in self.cells if s.startswith("mbo-")}
        datasets = sorted(
            {
                p.dataset
                for s in (split.level_share_subject, split.bbl_share_subject)
                for p in published.get(s, [])
                if p.dataset is not None
            }
        )
        for (target, year), total in self.totals.items():
            if target in broken_down:
                continue
            for level, share in levels.items():
                for pathway in MBO_PATHWAYS:
                    state = f"mbo-{level}:{pathway}:{split.domain}"
                    part = bbl[0] if pathway == "BBL" else 1.0 - bbl[0]
                    self.cells[(target, state, year)] += total * (share or 0.0) * part
                    self.periods[state].add(str(year))
                    self.split_states.add(state)
        self.notes["split"] = (
            f"totaal zonder niveau en leerweg, verdeeld naar de gepubliceerde aandelen "
            f"({split.level_share_subject}, {split.bbl_share_subject}; dataset "
            f"{', '.join(map(str, datasets))}); niveau {split.remainder_level} krijgt de rest"
        )

    def _vo_fallback(self, published: dict[str, list[Published]]) -> None:
        """Fill vo states from published counts for regions that have no vo data at all."""
        with_vo = {t for (t, s, _) in self.cells if s.partition(":")[0] in VO}
        for fallback in self.content.vo_fallback:
            totals = [p for p in published.get(fallback.total_subject, []) if p.value is not None]
            shares = {
                p.stage: p.value
                for p in published.get(fallback.share_subject or "", [])
                if p.stage and p.value is not None
            }
            parts = shares if fallback.share_subject else {fallback.stage: 1.0}
            for total in totals:
                for target in self.own.get(str(total.region), []):
                    if target in with_vo:
                        continue
                    for stage, share in parts.items():
                        state = f"{stage}:{fallback.domain}"
                        self.cells[(target, state, total.year)] += (total.value or 0.0) * (
                            share or 0.0
                        )
                        self.periods[state].add(total.period)
                        self.published_states[state] = fallback.note

    def _zero_filled(self, values: FloatArray) -> FloatArray:
        """Within a group of states read from one table (mbo, vo, hbo, wo), a state with
        counts in some years but no row at all in a year the region has other rows for was
        not offered then: 0. A row whose cells were all suppressed or missing stays NaN."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i, state in enumerate(self.structure.states):
            if state.kind in ("stock", "flow"):
                groups[state.stage if state.stage in ("mbo", "hbo", "wo") else "vo"].append(i)
        unknown = {(t, self.index[s], y) for (t, s, y) in self.unknown}
        for members in groups.values():
            block = values[:, members, :]
            has_year = ~np.isnan(block).all(axis=1)
            has_series = ~np.isnan(block).all(axis=2)
            for t, j, k in zip(*np.nonzero(np.isnan(block)), strict=True):
                if has_year[t, k] and has_series[t, j] and (t, members[j], k) not in unknown:
                    values[t, members[j], k] = 0.0
                    self.zero_filled.add(self.structure.states[members[j]].id)
        return values

    def _datasets(self, measure: str, stage: str | None = None) -> list[int]:
        found: set[int] = set()
        for code in self.targets:
            q = CubeQuery(measure=measure, region=code, stage=stage, by=("dataset",))
            found |= {int(r.keys["dataset"]) for r in query(self.session, q)}
        return sorted(found)

    def _array(self, years: list[int]) -> FloatArray:
        values = np.full((len(self.targets), len(self.structure.states), len(years)), np.nan)
        where = {y: i for i, y in enumerate(years)}
        for (target, state, year), value in self.cells.items():
            values[target, self.index[state], where[year]] = value
        return values

    def _per_year(self, found: dict[int, float], years: list[int]) -> FloatArray:
        """A (1, years) array of run-wide values; the rates they inform are common to the run."""
        return np.array([[found.get(y, np.nan) for y in years]])

    def _totals_array(self, years: list[int]) -> FloatArray:
        """The domain's mbo enrolment per year, summed over the run's regions: from the
        niveau breakdown where loaded, else from the loaded totals."""
        result = np.full((1, len(years)), np.nan)
        for i, year in enumerate(years):
            broken = [
                v
                for (_, s, y), v in self.cells.items()
                if y == year and _is_domain_mbo(s, self.content.domain)
            ]
            plain = [v for (_, y), v in self.totals.items() if y == year]
            if plain:
                result[0, i] = sum(plain)
            elif broken:
                result[0, i] = sum(broken)
        return result

    def _inputs(self) -> dict[str, InputInfo]:
        inputs = {}
        kinds = {"enrolled": "mbo", "exam_candidates": "vo"}
        for state in self.structure.states:
            if state.kind not in ("stock", "flow"):
                continue
            kind = kinds.get(state.measure, state.stage)
            periods = sorted(self.periods.get(state.id, set()), key=Period.parse)
            flags = self.flags.get(state.id, set())
            status, note = "loaded", _flag_note(flags)
            if state.id in self.split_states:
                status, note = "split", self.notes.get("split")
            elif state.id in self.published_states:
                status, note = "published", self.published_states[state.id]
            if state.id in self.zero_filled:
                extra = "jaren zonder enige waarneming voor deze combinatie tellen als 0"
                note = f"{note}; {extra}" if note else extra
            inputs[state.id] = InputInfo(
                state=state.id,
                label=state.label,
                status=status if periods else "not loaded",
                measure=state.measure,
                periods=periods,
                datasets=self.datasets.get(kind, []) if periods else [],
                flag=_first_flag(flags),
                note=note,
            )
        return inputs


def _is_domain_mbo(state: str, domain: str) -> bool:
    return state.startswith("mbo-") and state.endswith(f":{domain}")


def _first_flag(flags: set[str]) -> str | None:
    for flag in ("suppressed", "missing", "estimated", "provisional"):
        if flag in flags:
            return flag
    return None


def _flag_note(flags: set[str]) -> str | None:
    if "suppressed" in flags:
        return "som van de bekende cellen; cellen onder 5 (onderdrukt) tellen niet mee"
    if "missing" in flags:
        return "som van de bekende cellen; lege cellen tellen niet mee"
    return None


PUBLISHED = ("published_share", "published_count")


def _cell_order(p: Published) -> tuple[tuple[bool, str], ...]:
    """The cube's order of keys within a period (``cube._sort_key``): None last."""
    return tuple((v is None, str(v)) for v in (p.region, p.stage, p.level, p.dataset))


def _subjects(content: ProjectionContent) -> list[str]:
    found: list[str] = []
    for rate in content.rates.values():
        found.extend([rate.subject] if rate.subject else [])
        found.extend(rate.subjects)
    if content.stock_split:
        found += [content.stock_split.level_share_subject, content.stock_split.bbl_share_subject]
    for fallback in content.vo_fallback:
        found.append(fallback.total_subject)
        found.extend([fallback.share_subject] if fallback.share_subject else [])
    if content.coverage_reference:
        found.append(content.coverage_reference.subject)
    return sorted(set(found))
