"""``pijplijn init``: bring the schema up to date, sync the pack's reference data and
optionally load its demo (seed) datasets, all in one transaction per step."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pijplijn.content.goals import GoalDef
from pijplijn.content.loader import ContentPack
from pijplijn.coverage import Coverage
from pijplijn.errors import PijplijnError
from pijplijn.ingest.records import DatasetInfo, ParsedSource
from pijplijn.ingest.template import KnownCodes, parse_template_csv, template_info
from pijplijn.register.seed import seed_projects, sync_programme_reference
from pijplijn.store.db import refresh_statistics, session_scope, upgrade
from pijplijn.store.extract import load_extract
from pijplijn.store.goal_models import Goal, GoalMeasurement, GoalPartner
from pijplijn.store.load import LoadResult, load_source
from pijplijn.store.models import Dataset, Institution, Region
from pijplijn.store.reference import sync_reference
from pijplijn.vocabulary import PUBLISHED_MEASURES


class SeedError(PijplijnError):
    """A seed file of the content pack does not validate (a packaging bug)."""


@dataclass
class InitResult:
    """What ``init`` did: schema revisions before and after, and each demo dataset's load."""

    revision_before: str | None
    revision_after: str
    demo: list[tuple[str, LoadResult]] = field(default_factory=list)
    goals: int = 0
    """The number of the pack's goals in the store after a demo load."""
    projects_created: int = 0
    """The pack's named projects added to the register (the first demo load only)."""
    extract: list[tuple[str, LoadResult]] = field(default_factory=list)
    """Each dataset of the pack's extract of the open data, when loaded (``extract``)."""


def initialise(engine: Engine, pack: ContentPack, demo: bool, extract: bool = False) -> InitResult:
    """Create or upgrade the schema, sync reference data and, with ``demo``, load the seeds,
    and with ``extract`` as well the pack's extract of the open data (store/extract.py).

    Running it twice changes nothing the second time.
    """
    before, after = upgrade(engine)
    with session_scope(engine) as session:
        sync_reference(session, pack)
        if pack.programme is not None:
            sync_programme_reference(session, pack.programme)
    result = InitResult(revision_before=before, revision_after=after)
    if demo:
        result.demo = load_demo(engine, pack)
        if extract:
            result.extract = load_extract(engine, pack)
            if any(load.status == "loaded" for _, load in result.extract):
                refresh_statistics(engine)
        with session_scope(engine) as session:
            result.goals = sync_goals(session, pack.goals)
            if pack.programme is not None:
                result.projects_created = seed_projects(session, pack.programme)
    return result


def load_demo(engine: Engine, pack: ContentPack) -> list[tuple[str, LoadResult]]:
    """Load every seed dataset of the pack; return (file name, load result) per dataset."""
    loaded = []
    with session_scope(engine) as session:
        known = KnownCodes(
            regions=frozenset(session.scalars(select(Region.code))),
            institutions=frozenset(session.scalars(select(Institution.brin))),
        )
        for seed in pack.seed_datasets:
            path = pack.seed_path(seed)
            coverage = seed.coverage.to_coverage()
            info = template_info(
                path,
                seed.source_key,
                seed.publisher,
                seed.title,
                seed.source,
                seed.licence,
                coverage,
            )
            if seed.kind == "template":
                parsed = parse_template_csv(path, replace(info, disclosure=seed.disclosure), known)
            else:
                parsed = _parse_with_kind(seed.kind, path, info, seed.disclosure)
            if not parsed.report.valid:
                raise SeedError(
                    f"seedbestand van pakket {pack.name} is ongeldig: {parsed.report.summary()}"
                )
            _check_within(pack.name, seed.file, parsed.observations, coverage)
            result = load_source(session, parsed)
            _declare(session, result.dataset_id, coverage, parsed.observations)
            loaded.append((seed.file, result))
    return loaded


def _parse_with_kind(kind: str, path: Path, info: DatasetInfo, disclosure: str) -> ParsedSource:
    """Parse a seed file in a source's own layout with that source's importer; its
    provenance is the pack's declaration (title, source, licence), its loader the kind's."""
    from pijplijn.ingest.context import ImportContext
    from pijplijn.ingest.registry import kind_named

    parsed = kind_named(kind).parse(path, ImportContext())
    parsed.info = replace(info, loader=parsed.info.loader, disclosure=disclosure)
    return parsed


def _check_within(pack: str, file: str, frame: pl.DataFrame, coverage: Coverage) -> None:
    """Refuse a seed file whose base figures fall outside the coverage it declares."""
    regions = {r.region: r for r in coverage.regions}
    for row in frame.filter(~pl.col("measure").is_in(sorted(PUBLISHED_MEASURES))).iter_rows(
        named=True
    ):
        covered = regions.get(row["region_code"])
        outside = (
            covered is None
            or (covered.institutions and row["institution"] not in covered.institutions)
            or (coverage.stages and row["stage"] not in coverage.stages)
            or (coverage.periods and row["period"] not in coverage.periods)
        )
        if outside:
            raise SeedError(
                f"seedbestand {file} van pakket {pack}: waarneming {row['measure']} "
                f"{row['period']} {row['region_code']} {row['institution'] or ''} valt buiten "
                "de dekking in datasets.yaml"
            )


def _declare(session: Session, dataset_id: int, coverage: Coverage, frame: pl.DataFrame) -> None:
    """Store the pack's current declaration on a seed dataset, also one loaded before it
    declared its coverage (an earlier release of pijplijn)."""
    dataset = session.get(Dataset, dataset_id)
    assert dataset is not None
    periods = sorted(frame.get_column("period").unique().to_list()) if frame.height else []
    text = coverage.with_periods(periods).to_json()
    if (dataset.coverage, dataset.region_basis) != (text, coverage.region_basis):
        dataset.coverage, dataset.region_basis = text, coverage.region_basis


def has_data(engine: Engine) -> bool:
    """Return True when at least one dataset is loaded."""
    with session_scope(engine) as session:
        return session.scalar(select(Dataset.id).limit(1)) is not None


def sync_goals(session: Session, goals: list[GoalDef]) -> int:
    """Insert or update ``goals`` with their partners and entered measurements; return how
    many there are. Values that did not change are not written, so a second run changes
    nothing."""
    for position, goal in enumerate(goals):
        stored = session.get(Goal, goal.id)
        if stored is None:
            stored = Goal(id=goal.id)
            session.add(stored)
        _set_goal(stored, goal, position)
        session.flush()
        _sync_partners(session, goal)
        _sync_measurements(session, goal)
    return len(goals)


def _set_goal(stored: Goal, goal: GoalDef, position: int) -> None:
    values = {
        "position": position,
        "programme": goal.programme,
        "theme": goal.theme,
        "title": goal.title.nl,
        "title_en": goal.title.en,
        "indicator": goal.indicator,
        "region_code": goal.region,
        "filters": json.dumps(goal.filters, sort_keys=True, ensure_ascii=False),
        "classification": goal.classification,
        "baseline_period": goal.baseline.period,
        "baseline_value": goal.baseline.value,
        "baseline_source": goal.baseline.source,
        "target_rule": goal.target.rule,
        "target_change": goal.target.change,
        "target_value": goal.target.value,
        "target_provisional": goal.target.provisional,
        "target_source": goal.target.source,
        "deadline": goal.deadline,
        "milestones": milestones_json(goal),
        "trend_method": goal.trend,
        "source": goal.source,
        "notes": goal.notes,
    }
    for name, value in values.items():
        if getattr(stored, name) != value:
            setattr(stored, name, value)


def milestones_json(goal: GoalDef) -> str:
    """Return the goal's dated intermediate targets as the ``goal.milestones`` column."""
    return json.dumps([m.model_dump(mode="json") for m in goal.milestones], ensure_ascii=False)


def _sync_partners(session: Session, goal: GoalDef) -> None:
    stored = {
        p.name: p
        for p in session.scalars(select(GoalPartner).where(GoalPartner.goal_id == goal.id))
    }
    for position, partner in enumerate(goal.partners):
        row = stored.pop(partner.name, None)
        if row is None:
            row = GoalPartner(goal_id=goal.id, name=partner.name)
            session.add(row)
        values = {
            "position": position,
            "kind": partner.kind,
            "institution": partner.institution,
            "share": partner.share,
            "provisional": partner.provisional,
            "note": partner.note,
        }
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    for row in stored.values():
        session.delete(row)


def _sync_measurements(session: Session, goal: GoalDef) -> None:
    stored = {
        m.period: m
        for m in session.scalars(select(GoalMeasurement).where(GoalMeasurement.goal_id == goal.id))
    }
    for measurement in goal.measurements:
        row = stored.pop(measurement.period, None)
        if row is None:
            row = GoalMeasurement(goal_id=goal.id, period=measurement.period)
            session.add(row)
        if (row.value, row.source) != (measurement.value, measurement.source):
            row.value, row.source = measurement.value, measurement.source
    for row in stored.values():
        session.delete(row)
