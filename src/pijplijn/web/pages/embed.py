"""Embeds: every chart as a bare page for an iframe on a partner's site, and as an SVG or PNG
image rendered on the server by vl-convert.

``/embed/<page>/<chart>?<the page's own query>`` shows one chart of a page, built by the
page's own view function from the same state (indicator, region, breakdown, period, year,
scenario levers): the embed and the page can never show different figures. The chart name
with ``.svg`` or ``.png`` gives the image.

Only ``/embed/`` may be framed by another site: the app's CSP opens ``frame-ancestors`` for
this prefix and nowhere else (``web/app.py``). Links on an embed open the full page in a new
tab, since the full page may not be framed.

Rendering an image blocks for tens to hundreds of milliseconds, so the handlers are plain
functions (Starlette's thread pool) and hand the rendering to a small pool of its own, waited
for at most ``RENDER_SECONDS``; the image is cached per data version (``engine/cache``), so a
chart is rendered once until the figures change.
"""

from __future__ import annotations

import concurrent.futures
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from pijplijn import charts
from pijplijn.content.projection import load_projection
from pijplijn.engine.cache import cached
from pijplijn.engine.indicators.results import Source
from pijplijn.engine.regions import canonical_region
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.views.pipeline import TEXTS, pipeline_flow, with_legend
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.negotiate import etag_for, unchanged
from pijplijn.web.pages.blocks import ChartBlock
from pijplijn.web.pages.common import language, pack_english, pack_names, render
from pijplijn.web.problems import not_found

router = APIRouter(prefix="/embed", include_in_schema=False)

PREFIX = "/embed/"
RENDER_SECONDS = 20.0
"""The longest a request waits for its image; then 503 with Retry-After (the rendering goes
on and is cached for the next request)."""
_RENDERERS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="embed")
"""At most two images render at once per worker, whatever the number of requests."""

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
RegionParam = Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")]


def chart_param(*names: str) -> Any:
    """A path parameter naming one of ``names``, with an optional ``.svg``/``.png``."""
    choice = "|".join(names)
    return Path(pattern=rf"^({choice})(\.(svg|png))?$", max_length=40)


class EmbedChart(BaseModel):
    """One chart as an embed shows it: already localised, with where it came from."""

    id: str
    spec: dict[str, Any]
    title: str
    description: str
    page_url: str
    """The full page with the same state (opened in a new tab)."""
    data_url: str | None = None
    sources: list[Source] = []


def split_chart(chart: str) -> tuple[str, str | None]:
    """``"series.svg"`` → ``("series", "svg")``; ``"series"`` → ``("series", None)``."""
    name, _, fmt = chart.partition(".")
    return name, fmt or None


def from_block(request: Request, block: ChartBlock | None, page_url: str) -> EmbedChart:
    """Return the embed of a page's chart block; 404 when the page has no such chart."""
    if block is None or block.spec is None:
        raise not_found("deze grafiek heeft bij deze keuze geen cijfers")
    spec = localised(request, block.spec)
    return EmbedChart(
        id=block.id,
        spec=spec,
        title=_text(spec.get("title")),
        description=_text(spec.get("description")),
        page_url=page_url,
        data_url=block.data_url,
        sources=block.sources,
    )


def localised(request: Request, spec: dict[str, Any]) -> dict[str, Any]:
    """The spec in the request's language, with names for codes (as a page's charts are)."""
    pack = str(request.app.state.settings.content_pack)
    return charts.localise(spec, language(request), pack_names(pack), pack_english(pack))


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return str(value or "")


def respond(request: Request, session: Session, chart: EmbedChart, fmt: str | None) -> Response:
    """The embed page, or the chart as ``fmt`` (svg or png) rendered on the server."""
    if fmt is None:
        return render(request, "embed.html", {"chart": chart, "title": chart.title})
    version = data_version(session)
    if (answer := unchanged(request, version)) is not None:
        return answer
    lang = language(request)
    key = ("embed.image", request.url.path, str(request.url.query), lang)
    image = cached(session, key, lambda: _rendered(chart, fmt, lang))
    name = request.url.path.removeprefix(PREFIX).replace("/", "-")
    return Response(
        image,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "ETag": etag_for(request, version),
            "Cache-Control": "public, max-age=3600",
            "Content-Disposition": f'inline; filename="pijplijn-{name}"',
        },
    )


def _rendered(chart: EmbedChart, fmt: str, lang: str) -> bytes:
    spec = charts.titled(chart.spec, chart.title)
    future = _RENDERERS.submit(charts.to_image, spec, fmt, lang)
    try:
        return future.result(timeout=RENDER_SECONDS)
    except concurrent.futures.TimeoutError:
        raise StarletteHTTPException(
            503,
            "het beeld is nog niet klaar; probeer het over een paar seconden opnieuw",
            headers={"Retry-After": "5"},
        ) from None


def page_link(path: str, request: Request, *keep: str, anchor: str = "") -> str:
    """The full page at ``path`` with the request's ``keep`` parameters (and its language)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k in (*keep, "lang")]
    return path + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


@router.get("/indicatoren/{indicator_id}/{chart}")
def indicator_embed(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    pack: PackDep,
    indicator_id: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")],
    chart: Annotated[str, chart_param("series", "breakdown", "map")],
    region: RegionParam = None,
    by: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    map_period: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
) -> Response:
    """An indicator's comparison (``series``), breakdown (``breakdown``, with ``by``) or map
    (``map``, with ``map_period``), as the indicator's page draws it."""
    from pijplijn.web.pages.indicators import indicator_page

    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    name, fmt = split_chart(chart)
    page = indicator_page(
        session,
        catalog,
        pack,
        indicator_id,
        region or pack.pack.default_region,
        by if name == "breakdown" else None,
        map_period if name == "map" else None,
    )
    block = {"series": page.compare, "breakdown": page.breakdown, "map": page.map}[name]
    link = page_link(f"/indicatoren/{indicator_id}", request, "region", "by", "map_period")
    return respond(request, session, from_block(request, block, link), fmt)


@router.get("/pijplijn/{chart}")
def pipeline_embed(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    chart: Annotated[str, chart_param("flow")],
    region: RegionParam = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    """The pipeline flow of a region and year, as ``/pijplijn`` draws it."""

    _, fmt = split_chart(chart)
    code = canonical_region(session, region or pack.pack.default_region)
    flow = pipeline_flow(session, pack, code, year, pack.classification, language(request))
    if flow is None:
        raise not_found("geen cijfers voor de pijplijn van deze regio")
    query = urlencode({"region": flow.region, "year": flow.year})
    embed = EmbedChart(
        id="flow",
        spec=with_legend(flow, TEXTS.get(language(request), TEXTS["nl"])),
        title=flow.title,
        description=flow.description,
        page_url=page_link("/pijplijn", request, "region", "year"),
        data_url=f"/api/v1/pipeline?{query}",
        sources=_datasets(session, {d for n in flow.nodes for d in n.datasets}),
    )
    return respond(request, session, embed, fmt)


def _datasets(session: Session, ids: set[int]) -> list[Source]:
    """The loaded datasets with these ids, as a chart's sources."""
    from pijplijn.engine.datasets import list_datasets

    return [
        Source(dataset=d.id, source_key=d.source_key, title=d.title, publisher=d.publisher)
        for d in list_datasets(session)
        if d.id in ids
    ]


@router.get("/arbeidsmarkt/{chart}")
def labour_embed(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    catalog: CatalogDep,
    chart: Annotated[str, chart_param("jobs", "vacancies")],
    region: RegionParam = None,
) -> Response:
    """The labour market's jobs (``jobs``) or vacancy rates (``vacancies``) of a region."""
    from pijplijn.web.pages.labour import labour_page

    name, fmt = split_chart(chart)
    page = labour_page(session, pack, catalog, region or pack.pack.default_region)
    block = page.jobs if name == "jobs" else page.vacancies
    link = page_link("/arbeidsmarkt", request, "region", anchor=f"{name}-heading")
    return respond(request, session, from_block(request, block, link), fmt)


@router.get("/scenarios/{chart}")
def scenario_embed(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    chart: Annotated[
        str,
        chart_param(
            "projectie-mbo",
            "projectie-hbo",
            "dekking",
            "verschil-mbo",
            "verschil-hbo",
            "verschil-dekking",
        ),
    ],
    region: RegionParam = None,
) -> Response:
    """A chart of the Scenario's page under the levers in the query (``lever-id=percent``)."""
    from pijplijn.web.pages.scenarios import changes_from, scenario_page

    name, fmt = split_chart(chart)
    changes = changes_from(request.query_params, load_projection(pack))
    page = scenario_page(session, pack, changes, region)
    block = next((b for b in page.blocks if b.id == name), None)
    levers = [lever.id for lever in page.sliders]
    link = page_link("/scenarios", request, "region", *levers)
    return respond(request, session, from_block(request, block, link), fmt)


@router.get("/doelen/{goal}")
def goal_embed(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    goal: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,80}(\.(svg|png))?$")],
) -> Response:
    """A goal's measurements, its target line and the trend at the deadline."""
    from pijplijn.web.pages.goals import goals_page

    name, fmt = split_chart(goal)
    page = goals_page(session, catalog)
    if name not in page.blocks:
        raise not_found(f"doel '{name}' bestaat niet")
    link = page_link("/doelen", request, anchor=name)
    return respond(request, session, from_block(request, page.blocks[name], link), fmt)
