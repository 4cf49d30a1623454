"""Scenario's: the pack's levers as sliders; the projection and the coverage of
vervangingsvraag recompute for every slider position, next to the baseline, with 80%
intervals. The model is estimated once per data version (``prepared_for``); each position
only runs it (``run``), which keeps a recomputation well under 150 ms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.accounts.rights import Resource, can
from pijplijn.content.loader import ContentPack
from pijplijn.content.projection import ProjectionContent, ScenarioDef, load_projection
from pijplijn.engine.cache import cached
from pijplijn.engine.datasets import list_datasets
from pijplijn.engine.indicators.results import Source
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.model import ProjectionError
from pijplijn.engine.projection.project import prepared_for, run, run_paired
from pijplijn.engine.projection.results import (
    Comparison,
    DifferencePoint,
    GapPoint,
    Projection,
    SeriesPoint,
)
from pijplijn.engine.version import data_version
from pijplijn.register.errors import ForbiddenError
from pijplijn.views.render import View, ViewTable
from pijplijn.web.auth import FormDep, Login, check_csrf, require
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.blocks import ChartBlock, Column
from pijplijn.web.pages.common import render_page

router = APIRouter(include_in_schema=False)
LIVE_DRAWS = 1000
"""Draws per recomputation: enough for stable 80% intervals, fast enough for a slider."""
KEY_STAGES = ("mbo", "hbo")
"""The series on the page: the domain's mbo students and hbo first-years."""
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,59}$"
SAVED_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,59} v\d{1,6}")


class LeverSlider(BaseModel):
    id: str
    title: str
    goal: str | None
    note: str | None
    mode: str
    default: float
    """The lever's change in the pack (a fraction for relative levers)."""
    value: float
    maximum: float
    step: float


class KeyFigure(BaseModel):
    label: str
    period: str
    baseline: float
    scenario: float
    low: float
    high: float
    unit: str
    difference: float | None = None
    """The scenario minus the baseline: the median of the per-draw differences."""
    difference_low: float | None = None
    difference_high: float | None = None
    """The 80% interval of the difference (both runs on the same draws)."""


class ScenarioPage(View):
    region: str
    base_year: int
    horizon: int
    draws: int
    scenario: ScenarioDef
    sliders: list[LeverSlider]
    figures: list[KeyFigure]
    blocks: list[ChartBlock]
    query: str
    """The sliders as a query string: a permalink to this scenario."""
    notes: list[str]

    def tables(self) -> list[ViewTable]:
        """The key figures at the horizon (baseline, scenario, interval), then each chart's
        table."""
        figures = ViewTable(
            name="kerncijfers",
            title="Kerncijfers bij de horizon",
            columns=list(KeyFigure.model_fields),
            rows=[f.model_dump() for f in self.figures],
            units={c: "=unit" for c in ("baseline", "scenario", "low", "high")},
        )
        return [figures, *(b.table() for b in self.blocks)]


def scenario_page(
    session: Session, pack: ContentPack, changes: dict[str, float], region: str | None = None
) -> ScenarioPage:
    """Return the projection of ``region`` (the pack's default) under the pack's levers set
    to ``changes`` (fractions; absent levers at 0), next to the baseline. Raises
    ProjectionError for an unknown lever or an impossible change."""
    content = load_projection(pack)
    spec = scenarios.from_levers(content, changes)
    region = region or pack.pack.default_region
    prepared = prepared_for(session, content, region)
    baseline = cached(
        session,
        ("scenario-page.baseline", region.lower(), LIVE_DRAWS),
        lambda: run(prepared, draws=LIVE_DRAWS),
    )
    difference: Comparison | None = None
    result = baseline
    if spec.levers:
        # Both runs on the same draws: the effect gets its own interval (issue 16.6).
        paired = run_paired(prepared, spec, draws=LIVE_DRAWS)
        result, difference = paired.scenario, paired.difference
    used = _sources(session, result)
    query = urlencode(_slider_params(changes))
    lever_query = ",".join(f"{k}:{v:g}" for k, v in changes.items() if v)
    blocks = []
    for stage in KEY_STAGES:
        blocks.append(_stage_block(content, stage, baseline, result, lever_query, used))
        if difference is not None:
            blocks.append(_difference_block(content, stage, difference, lever_query, used))
    blocks.append(_gap_block(baseline, result, lever_query, used))
    if difference is not None and difference.coverage:
        blocks.append(_coverage_difference_block(difference, lever_query, used))
    state = urlencode(
        {
            **({"region": region} if region != pack.pack.default_region else {}),
            **_slider_params(changes),
        }
    )
    for block in blocks:
        block.embed = f"/embed/scenarios/{block.id}" + (f"?{state}" if state else "")
    return ScenarioPage(
        region=result.region,
        base_year=result.base_year,
        horizon=result.horizon,
        draws=LIVE_DRAWS,
        scenario=spec,
        sliders=_sliders(content, changes),
        figures=_figures(content, baseline, result, difference),
        blocks=blocks,
        query=query,
        notes=[*result.notes, *result.warnings],
    )


def _sliders(content: ProjectionContent, changes: dict[str, float]) -> list[LeverSlider]:
    sliders = []
    for lever in content.levers:
        assert lever.id is not None  # pack levers always have an id (content validation)
        sliders.append(
            LeverSlider(
                id=lever.id,
                title=lever.title or lever.id,
                goal=lever.goal,
                note=lever.note,
                mode=lever.mode,
                default=lever.change,
                value=changes.get(lever.id, 0.0),
                maximum=max(0.5, round(3 * abs(lever.change), 2)),
                step=0.01,
            )
        )
    return sliders


def _state(content: ProjectionContent, stage: str) -> str:
    return f"{stage}:{content.domain}"


def _figures(
    content: ProjectionContent,
    baseline: Projection,
    result: Projection,
    difference: Comparison | None = None,
) -> list[KeyFigure]:
    """Return the key series at the horizon: baseline, scenario and its 80% interval, and
    the scenario's effect with the interval of the paired difference."""
    figures = []
    for stage in KEY_STAGES:
        state = _state(content, stage)
        try:
            base, own = baseline.point(state, baseline.horizon), result.point(state, result.horizon)
        except KeyError:
            continue
        effect = _difference_at(difference, state, str(result.horizon))
        figures.append(
            KeyFigure(
                label=own.label,
                period=own.period,
                baseline=base.value,
                scenario=own.value,
                low=own.low,
                high=own.high,
                unit="count",
                difference=effect.difference if effect else None,
                difference_low=effect.low if effect else None,
                difference_high=effect.high if effect else None,
            )
        )
    return figures


def _difference_at(
    difference: Comparison | None, state: str, period: str
) -> DifferencePoint | None:
    if difference is None:
        return None
    return next(
        (d for d in difference.differences if d.state == state and d.period == period), None
    )


def _difference_block(
    content: ProjectionContent,
    stage: str,
    difference: Comparison,
    lever_query: str,
    sources: list[Source],
) -> ChartBlock:
    """The scenario minus the baseline for ``stage``, per year: the median of the per-draw
    differences with its 80% interval (both runs on the same draws)."""
    state = _state(content, stage)
    rows = [
        {
            "series": "verschil",
            "label": d.label,
            "period": d.period,
            "value": d.difference,
            "low": d.low,
            "high": d.high,
        }
        for d in difference.differences
        if d.state == state
    ]
    label = rows[0]["label"] if rows else state
    return ChartBlock(
        id=f"verschil-{stage}",
        spec=charts.difference_chart(
            rows,
            "count",
            f"Effect van het scenario: {label}",
            f"{label} in {difference.region}, {difference.base_year}–{difference.horizon}: "
            "mediaan en 80%-marge van het verschil per trekking (scenario min basis, op "
            "dezelfde trekkingen).",
        )
        if rows
        else None,
        unit="count",
        columns=[
            Column(key="period", label="jaar"),
            Column(key="value", label="verschil (mediaan)", numeric=True),
            Column(key="low", label="80% laag", numeric=True),
            Column(key="high", label="80% hoog", numeric=True),
        ],
        rows=rows,
        data_url="/api/v1/projections?"
        + urlencode(
            {
                "region": difference.region,
                "levers": lever_query,
                "draws": str(LIVE_DRAWS),
                "table": "difference",
                "state": state,
            }
        ),
        sources=sources,
    )


def _stage_block(
    content: ProjectionContent,
    stage: str,
    baseline: Projection,
    result: Projection,
    lever_query: str,
    sources: list[Source],
) -> ChartBlock:
    state = _state(content, stage)
    rows = [
        _series_row(p, name)
        for name, projection in _both(baseline, result)
        for p in projection.series
        if p.state == state
    ]
    label = rows[0]["label"] if rows else state
    return ChartBlock(
        id=f"projectie-{stage}",
        spec=charts.band_chart(
            rows,
            "count",
            f"Projectie: {label}",
            f"{label} in {result.region}, {result.base_year}–{result.horizon}: mediaan en "
            "80%-marge, basis en scenario.",
        )
        if rows
        else None,
        unit="count",
        columns=_band_columns(),
        rows=rows,
        data_url=_api_url(result, lever_query, state=state),
        sources=sources,
    )


def _gap_block(
    baseline: Projection, result: Projection, lever_query: str, sources: list[Source]
) -> ChartBlock:
    rows = [
        _gap_row(g, name) for name, projection in _both(baseline, result) for g in projection.gap
    ]
    return ChartBlock(
        id="dekking",
        spec=charts.band_chart(
            rows,
            "share",
            "Dekking van de vervangingsvraag",
            f"Instromers op de arbeidsmarkt gedeeld door vervangings- en uitbreidingsvraag, "
            f"per mbo-niveau, {result.base_year}–{result.horizon}: basis en scenario.",
        )
        if rows
        else None,
        unit="share",
        columns=_band_columns(),
        rows=rows,
        data_url=_api_url(result, lever_query, table="gap"),
        sources=sources,
    )


def _coverage_difference_block(
    difference: Comparison, lever_query: str, sources: list[Source]
) -> ChartBlock:
    """The scenario's coverage of vervangingsvraag minus the baseline's, per mbo niveau and
    year, with the 80% interval of the per-draw differences (percentage points)."""
    rows = [
        {
            "series": f"niveau {d.level}",
            "label": f"niveau {d.level} {d.domain}",
            "period": d.period,
            "value": d.difference,
            "low": d.low,
            "high": d.high,
        }
        for d in difference.coverage
    ]
    return ChartBlock(
        id="verschil-dekking",
        spec=charts.difference_chart(
            rows,
            "share",
            "Effect van het scenario: dekking van de vervangingsvraag",
            f"Dekking per mbo-niveau in {difference.region}, {difference.base_year}–"
            f"{difference.horizon}, in procentpunten: mediaan en 80%-marge van het verschil "
            "per trekking (scenario min basis, op dezelfde trekkingen).",
            colour="series",
        ),
        unit="share",
        columns=_band_columns(),
        rows=rows,
        data_url="/api/v1/projections?"
        + urlencode(
            {
                "region": difference.region,
                "levers": lever_query,
                "draws": str(LIVE_DRAWS),
                "table": "gap-difference",
            }
        ),
        sources=sources,
    )


def _sources(session: Session, result: Projection) -> list[Source]:
    """Return the datasets behind the projection's observed inputs and estimated rates."""
    used = {d for i in result.inputs for d in i.datasets} | {
        d for r in result.rates for d in r.datasets
    }
    return [
        Source(dataset=d.id, source_key=d.source_key, title=d.title, publisher=d.publisher)
        for d in list_datasets(session)
        if d.id in used
    ]


def _both(baseline: Projection, result: Projection) -> list[tuple[str, Projection]]:
    if result is baseline:
        return [("basis", baseline)]
    return [("basis", baseline), ("scenario", result)]


def _series_row(point: SeriesPoint, name: str) -> dict[str, Any]:
    return {
        "series": name,
        "label": point.label,
        "period": point.period,
        "value": point.value,
        "low": point.low,
        "high": point.high,
    }


def _gap_row(point: GapPoint, name: str) -> dict[str, Any]:
    return {
        "series": f"{name}, niveau {point.level}",
        "label": f"niveau {point.level} {point.domain}",
        "period": point.period,
        "value": point.coverage,
        "low": point.coverage_low,
        "high": point.coverage_high,
    }


def _band_columns() -> list[Column]:
    return [
        Column(key="series", label="reeks"),
        Column(key="period", label="jaar"),
        Column(key="value", label="mediaan", numeric=True),
        Column(key="low", label="80% laag", numeric=True),
        Column(key="high", label="80% hoog", numeric=True),
    ]


def _api_url(result: Projection, lever_query: str, **extra: str) -> str:
    query = {"region": result.region, "levers": lever_query, "draws": str(LIVE_DRAWS), **extra}
    return "/api/v1/projections?" + urlencode(query)


def _slider_params(changes: dict[str, float]) -> dict[str, str]:
    """Return the slider positions as query parameters (lever id = percent), zeros left out."""
    return {lever: f"{100 * change:g}" for lever, change in changes.items() if change}


def changes_from(values: Mapping[str, Any], content: ProjectionContent) -> dict[str, float]:
    """Return the slider positions in ``values`` (a query or form: ``lever-id=percent``) as
    fractions; other fields are ignored. Raises ProjectionError for a value that is not a
    number."""
    changes = {}
    for lever in content.levers:
        assert lever.id is not None
        text = values.get(lever.id)
        if not isinstance(text, str | None):
            raise ProjectionError(f"hefboom '{lever.id}': verwacht een percentage, bijv. 10")
        if text is None or text == "":
            continue
        try:
            changes[lever.id] = float(text[:12]) / 100
        except ValueError:
            raise ProjectionError(
                f"hefboom '{lever.id}': verwacht een percentage, bijv. 10"
            ) from None
    return changes


@page_route(router, "/scenarios")
def scenario_view(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
) -> Response:
    content = load_projection(pack)
    page = scenario_page(session, pack, changes_from(request.query_params, content), region)
    saved = request.query_params.get("opgeslagen", "")
    context = {"saved": saved if SAVED_PATTERN.fullmatch(saved) else None}
    return render_page(request, "scenarios.html", page, data_version(session), context)


@router.post("/scenarios/bewaren")
def scenario_save(
    session: SessionDep,
    pack: PackDep,
    login: Annotated[Login, Depends(require("create", "scenario"))],
    form: FormDep,
) -> Response:
    """Save the sliders as the next version of a named scenario (a redacteur or beheerder,
    with the session's CSRF token); back to the page, which says what was saved."""
    check_csrf(login, form)
    content = load_projection(pack)
    name = _scenario_name(form.get("name"), content)
    changes = changes_from(form, content)
    spec = scenarios.from_levers(content, changes, name=name)
    if not spec.levers:
        raise ProjectionError("zet minstens één hefboom: de basis hoeft niet bewaard")
    title = form.get("title")
    if isinstance(title, str) and title.strip():
        spec = spec.model_copy(update={"title": title.strip()[:200]})
    scenarios.validate(content, spec)
    exists, owner = scenarios.owner(session, name)
    if exists and not can(login.actor, "edit", Resource(kind="scenario", organisation_id=owner)):
        raise ForbiddenError(
            f"scenario '{name}' is van een andere organisatie; alleen die organisatie of een "
            "beheerder voegt er versies aan toe. Kies een andere naam."
        )
    saved = scenarios.save(
        session,
        spec,
        source=f"web: {login.actor.label}",
        organisation_id=login.actor.organisation_id,
    )
    query = urlencode(
        {
            **_slider_params(changes),
            "opgeslagen": f"{saved.name} v{saved.version}",
        }
    )
    return Response(status_code=303, headers={"Location": f"/scenarios?{query}"})


def _scenario_name(value: object, content: ProjectionContent) -> str:
    """Return a valid new scenario name; raise ProjectionError naming what is wrong. A name
    of the pack (a scenario or a lever) is refused: a saved one would hide it."""
    name = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(NAME_PATTERN, name):
        raise ProjectionError(
            "naam: kleine letters, cijfers en streepjes, bijv. 'plan-2027' (hoogstens 60 tekens)"
        )
    taken = {s.name for s in content.scenarios} | {str(x.id) for x in content.levers}
    if name in taken or name == scenarios.BASELINE:
        raise ProjectionError(f"naam '{name}' is al van het pakket; kies een andere")
    return name


@router.get("/scenarios/scenario.yaml")
def scenario_file(
    request: Request,
    pack: PackDep,
    name: Annotated[str, Query(pattern=NAME_PATTERN)] = scenarios.CUSTOM,
) -> Response:
    """The sliders as a scenario file for ``pijplijn scenarios save`` (saving from the web
    needs an account)."""
    content = load_projection(pack)
    spec = scenarios.from_levers(content, changes_from(request.query_params, content), name=name)
    body = yaml.safe_dump(
        spec.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False
    )
    return Response(
        body,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
    )
