"""Scenarios: named lists of levers, resolved against the model and turned into arrays.

A lever changes either an **inflow** (the people entering a group of states from outside
it: more vmbo pupils, more BBL entrants) or a **rate** (a share moving on: doorstroom mbo 4 →
hbo). The change is relative (+10%) or absolute (+0.05 on a rate, +50 people a year on an
inflow), starts in a year and ramps up linearly over ``ramp_years``.

Scenarios are found by name: a saved one (newest version) in the database, one of the
content pack (``techniek-agenda``), a ready-made lever of the pack (as a one-lever scenario)
or a YAML file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pijplijn.content.projection import (
    OTHER_DOMAIN,
    LeverDef,
    LeverRefDef,
    ProjectionContent,
    ScenarioDef,
    read_scenario_file,
)
from pijplijn.engine.projection.estimate import Estimate
from pijplijn.engine.projection.model import (
    ProjectionError,
    Structure,
    build_structure,
    check_rates,
)
from pijplijn.engine.projection.results import LeverInfo
from pijplijn.engine.projection.simulate import Schedule
from pijplijn.store.scenario_models import Scenario

BASELINE = "basis"


class ScenarioSummary(BaseModel):
    """A scenario as listed: where it lives (``database`` or ``pakket``) and its levers."""

    name: str
    version: int | None
    title: str
    description: str
    origin: str
    levers: int
    created_at: datetime | None = None
    source: str = ""


@dataclass(frozen=True)
class Resolved:
    """A scenario with its levers made concrete (pack levers looked up, defaults filled)."""

    name: str
    title: str
    levers: tuple[LeverDef, ...]


def resolve(content: ProjectionContent, spec: ScenarioDef) -> Resolved:
    """Return ``spec`` with every reference to a pack lever replaced by the lever itself."""
    levers = []
    for index, item in enumerate(spec.levers):
        if isinstance(item, LeverRefDef):
            lever = content.lever(item.lever)
            if lever is None:
                known = ", ".join(str(x.id) for x in content.levers)
                raise ProjectionError(
                    f"scenario '{spec.name}', hefboom {index + 1}, veld 'lever': onbekende "
                    f"hefboom '{item.lever}'; kies uit {known}"
                )
            overrides = {
                k: v
                for k, v in (
                    ("change", item.change),
                    ("start", item.start),
                    ("ramp_years", item.ramp_years),
                )
                if v is not None
            }
            lever = lever.model_copy(update=overrides)
        else:
            lever = item
        levers.append(lever)
    return Resolved(spec.name, spec.title or spec.name, tuple(levers))


def find(session: Session | None, content: ProjectionContent, name: str | None) -> ScenarioDef:
    """Return the scenario called ``name``: saved, of the pack, a pack lever, or a file.

    None or ``basis`` is the baseline (no levers)."""
    if name is None or name == BASELINE:
        return ScenarioDef(name=BASELINE, title="basis (geen hefbomen)")
    if session is not None:
        saved = load_saved(session, name)
        if saved is not None:
            return saved
    pack = content.scenario(name)
    if pack is not None:
        return pack
    lever = content.lever(name)
    if lever is not None:
        return ScenarioDef(name=name, title=lever.title or name, levers=[LeverRefDef(lever=name)])
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ProjectionError(f"scenariobestand '{name}' bestaat niet")
        return read_scenario_file(path)
    options = [s.name for s in content.scenarios] + [str(x.id) for x in content.levers]
    raise ProjectionError(
        f"onbekend scenario '{name}'; kies een opgeslagen scenario (pijplijn scenarios list), "
        f"een van het pakket ({', '.join(options)}) of een YAML-bestand"
    )


CUSTOM = "eigen-scenario"
MAX_CHANGE = 5.0
"""The largest change a lever accepts from a slider or the API (+500%)."""


def parse_levers(text: str) -> dict[str, float]:
    """Return ``{lever: change}`` from ``id:change,id:change`` (changes as fractions, e.g.
    ``instroom-vmbo-techniek:0.2`` for +20%). Raises ProjectionError naming the bad part."""
    changes: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        lever, _, number = part.partition(":")
        try:
            changes[lever] = float(number)
        except ValueError:
            raise ProjectionError(
                f"hefboom '{part[:60]}': verwacht id:verandering, bijv. instroom-vmbo-techniek:0.1"
            ) from None
    return changes


def from_levers(
    content: ProjectionContent, changes: dict[str, float], name: str = CUSTOM
) -> ScenarioDef:
    """Return a scenario of the pack's ready-made levers with the given changes (a lever at 0
    is left out; no levers is the baseline). Raises ProjectionError for an unknown lever or
    a change that is not a finite number within ±MAX_CHANGE."""
    levers: list[LeverDef | LeverRefDef] = []
    for lever, change in changes.items():
        if content.lever(lever) is None:
            known = ", ".join(str(x.id) for x in content.levers)
            raise ProjectionError(f"onbekende hefboom '{lever[:60]}'; kies uit {known}")
        if not (np.isfinite(change) and -MAX_CHANGE <= change <= MAX_CHANGE):
            raise ProjectionError(
                f"hefboom '{lever}': verandering {change} ligt niet tussen "
                f"-{MAX_CHANGE} en {MAX_CHANGE}"
            )
        if change != 0:
            levers.append(LeverRefDef(lever=lever, change=change))
    if not levers:
        return ScenarioDef(name=BASELINE, title="basis (geen hefbomen)")
    return ScenarioDef(name=name, title="Eigen scenario", levers=levers)


def schedule(
    estimate: Estimate, resolved: Resolved, horizon: int
) -> tuple[Schedule, list[LeverInfo]]:
    """Turn the levers into arrays over the years base..horizon, after checking them.

    Raises ProjectionError naming the lever and field for an unknown state or rate, a lever
    on a state that takes no inflow, or a change that moves a rate outside [0, 1]."""
    compiled, structure = estimate.compiled, estimate.structure
    years = horizon - estimate.base_year + 1
    result = Schedule.baseline(compiled, len(estimate.regions), years)
    result = Schedule(
        name=resolved.name,
        rate_relative=result.rate_relative,
        rate_absolute=result.rate_absolute,
        inflow_factor=result.inflow_factor,
        edge_factor=result.edge_factor,
        inflow_absolute=result.inflow_absolute,
    )
    infos = []
    for index, lever in enumerate(resolved.levers):
        where = f"hefboom '{lever.id or index + 1}'"
        ramp = _ramp(lever, estimate.base_year, years)
        change = lever.change * _scale(estimate, lever, where)
        if lever.kind == "rate":
            targets = _rate_targets(structure, lever, where)
            _apply_rate(result, estimate, lever, targets, change * ramp)
        else:
            targets = _state_targets(structure, lever, where)
            _apply_inflow(result, estimate, lever, targets, change * ramp)
        info = _info(lever, targets, change, ramp, estimate.base_year)
        if (
            lever.kind == "inflow"
            and not estimate.active[:, [compiled.states.index(t) for t in targets]].any()
        ):
            idle = "de doelen zijn in deze regio niet geladen: de hefboom heeft hier geen effect"
            info = info.model_copy(update={"note": f"{info.note} {idle}" if info.note else idle})
        infos.append(info)
        _check(estimate, result, where)
    return result, infos


def _ramp(lever: LeverDef, base: int, years: int) -> np.ndarray:
    """Share of the full change per year index (0 = base year, never changed)."""
    start = lever.start if lever.start is not None else base + 1
    calendar = base + np.arange(years)
    ramp = np.clip((calendar - start + 1) / lever.ramp_years, 0.0, 1.0)
    ramp[0] = 0.0
    return ramp


def _scale(estimate: Estimate, lever: LeverDef, where: str) -> float:
    if lever.scale_by is None:
        return 1.0
    _check_scale(estimate.structure, lever, where)
    return estimate.rate(lever.scale_by).value


def _check_scale(structure: Structure, lever: LeverDef, where: str) -> None:
    if lever.scale_by is not None and lever.scale_by not in structure.rates:
        raise ProjectionError(f"{where}, veld 'scale_by': onbekende kans '{lever.scale_by}'")


def validate(content: ProjectionContent, spec: ScenarioDef) -> Resolved:
    """Check a scenario against the model without data (before saving it): every lever's
    targets exist and take the lever, and at full strength it keeps the pack's rates in
    [0, 1]. Returns the resolved scenario; raises ProjectionError naming lever and field."""
    structure = build_structure(content.domain, OTHER_DOMAIN, content.rates)
    resolved = resolve(content, spec)
    values = {rate: content.rates[rate].value for rate in structure.rates}
    for index, lever in enumerate(resolved.levers):
        where = f"hefboom '{lever.id or index + 1}'"
        _check_scale(structure, lever, where)
        if lever.kind == "inflow":
            _state_targets(structure, lever, where)
            continue
        for rate in _rate_targets(structure, lever, where):
            if lever.mode == "relative":
                values[rate] = values[rate] * (1.0 + lever.change)
            else:
                values[rate] = values[rate] + lever.change
        check_rates(structure, values, where=where)
    return resolved


def _rate_targets(structure: Structure, lever: LeverDef, where: str) -> list[str]:
    found: list[str] = []
    for pattern in lever.targets:
        matched = structure.match_rates(pattern)
        if not matched:
            examples = ", ".join(structure.rates[:5])
            raise ProjectionError(
                f"{where}, veld 'targets': onbekende kans '{pattern}'; bekende kansen zijn "
                f"o.a. {examples} (zie pijplijn project --rates)"
            )
        found.extend(m for m in matched if m not in found)
    return found


def _state_targets(structure: Structure, lever: LeverDef, where: str) -> list[str]:
    found: list[str] = []
    for pattern in lever.targets:
        matched = structure.match_states(pattern)
        if not matched:
            examples = ", ".join([s.id for s in structure.states if s.exogenous][:6])
            raise ProjectionError(
                f"{where}, veld 'targets': onbekende toestand '{pattern}'; bekende toestanden "
                f"zijn o.a. {examples}"
            )
        closed = [m for m in matched if not structure.state(m).exogenous]
        if closed:
            raise ProjectionError(
                f"{where}, veld 'targets': toestand '{closed[0]}' krijgt geen instroom van "
                "buiten het model; kies een vo-, mbo-, hbo- of wo-toestand"
            )
        found.extend(m for m in matched if m not in found)
    return found


def _apply_rate(
    result: Schedule, estimate: Estimate, lever: LeverDef, targets: list[str], change: np.ndarray
) -> None:
    index = [estimate.structure.rates.index(t) for t in targets]
    if lever.mode == "relative":
        result.rate_relative[:, index] += change[:, None]
    else:
        result.rate_absolute[:, index] += change[:, None]


def _apply_inflow(
    result: Schedule, estimate: Estimate, lever: LeverDef, targets: list[str], change: np.ndarray
) -> None:
    compiled = estimate.compiled
    index = [compiled.states.index(t) for t in targets]
    if lever.mode == "relative":
        factor = 1.0 + change
        result.inflow_factor[:, index] *= factor[:, None]
        inside = np.isin(compiled.src, index)
        into = np.isin(compiled.dst, index) & ~inside & ~compiled.observer
        result.edge_factor[:, into] *= factor[:, None]
        return
    # An absolute change is divided over the targets in proportion to their inflow.
    level = estimate.inflow.level[:, index]
    weights = np.where(level.sum(axis=1, keepdims=True) > 0, level, 1.0)
    weights = weights / weights.sum(axis=1, keepdims=True)
    result.inflow_absolute[:, :, index] += change[None, :, None] * weights[:, None, :]


def _check(estimate: Estimate, result: Schedule, where: str) -> None:
    """Check the central rates of every year a rate lever changes (each distinct set once)."""
    structure = estimate.structure
    values = estimate.rate_mean * (1.0 + result.rate_relative) + result.rate_absolute
    changed = (values[1:] != estimate.rate_mean).any(axis=1)
    if not changed.any():
        return
    _, first = np.unique(values[1:][changed], axis=0, return_index=True)
    years = np.nonzero(changed)[0][first] + 1
    for t in sorted(years):
        check_rates(
            structure,
            dict(zip(structure.rates, values[t].tolist(), strict=True)),
            where=f"{where}, jaar {estimate.base_year + t}",
        )


def _info(
    lever: LeverDef, targets: list[str], change: float, ramp: np.ndarray, base: int
) -> LeverInfo:
    start = lever.start if lever.start is not None else base + 1
    return LeverInfo(
        id=lever.id,
        title=lever.title,
        kind=lever.kind,
        targets=targets,
        mode=lever.mode,
        change=round(change, 6),
        start=start,
        ramp_years=lever.ramp_years,
        schedule={str(base + t): round(float(change * r), 6) for t, r in enumerate(ramp) if t},
        note=lever.note,
    )


# --- saved scenarios -----------------------------------------------------------------------


def save(
    session: Session, spec: ScenarioDef, source: str = "", organisation_id: int | None = None
) -> ScenarioSummary:
    """Store ``spec`` as the next version of its name, saved for ``organisation_id``;
    return what was stored. Who may add a version is decided by the caller (``owner``)."""
    if spec.name == BASELINE:
        raise ProjectionError(f"'{BASELINE}' is de naam van het basisscenario; kies een andere")
    latest = session.scalar(select(func.max(Scenario.version)).where(Scenario.name == spec.name))
    row = Scenario(
        name=spec.name,
        version=(latest or 0) + 1,
        title=spec.title,
        description=spec.description,
        levers=json.dumps(
            [lever.model_dump(exclude_none=True) for lever in spec.levers], ensure_ascii=False
        ),
        source=source,
        created_at=datetime.now(UTC),
        organisation_id=organisation_id,
    )
    session.add(row)
    session.flush()
    return _summary(row)


def load_saved(session: Session, name: str, version: int | None = None) -> ScenarioDef | None:
    """Return the saved scenario ``name`` (its newest version unless ``version``), or None."""
    statement = select(Scenario).where(Scenario.name == name)
    if version is not None:
        statement = statement.where(Scenario.version == version)
    row = session.scalars(statement.order_by(Scenario.version.desc()).limit(1)).first()
    if row is None:
        return None
    return ScenarioDef.model_validate(
        {
            "name": row.name,
            "title": row.title,
            "description": row.description,
            "levers": json.loads(row.levers),
        }
    )


def owner(session: Session, name: str) -> tuple[bool, int | None]:
    """Whether a scenario ``name`` is saved, and the organisation that owns it (that of
    its first version; None: saved from the CLI or by a beheerder)."""
    first = session.execute(
        select(Scenario.organisation_id).where(Scenario.name == name).order_by(Scenario.version)
    ).first()
    return (False, None) if first is None else (True, first[0])


def saved_version(session: Session, name: str) -> int | None:
    return session.scalar(select(func.max(Scenario.version)).where(Scenario.name == name))


def list_scenarios(session: Session, content: ProjectionContent) -> list[ScenarioSummary]:
    """Every saved scenario version (newest first per name), then the pack's scenarios."""
    rows = session.scalars(select(Scenario).order_by(Scenario.name, Scenario.version.desc()))
    found = [_summary(row) for row in rows]
    found += [
        ScenarioSummary(
            name=s.name,
            version=None,
            title=s.title,
            description=s.description,
            origin="pakket",
            levers=len(s.levers),
        )
        for s in content.scenarios
    ]
    found += [
        ScenarioSummary(
            name=str(lever.id),
            version=None,
            title=lever.title or "",
            description=lever.goal or "",
            origin="pakket (hefboom)",
            levers=1,
        )
        for lever in content.levers
    ]
    return found


def _summary(row: Scenario) -> ScenarioSummary:
    return ScenarioSummary(
        name=row.name,
        version=row.version,
        title=row.title,
        description=row.description,
        origin="database",
        levers=len(json.loads(row.levers)),
        created_at=row.created_at,
        source=row.source,
    )
