"""What every page shares: templates, the language switch, the error page, the chart bundle."""

from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from pijplijn import __version__
from pijplijn.numbers import format_number
from pijplijn.periods import summarise_periods
from pijplijn.views.render import View
from pijplijn.web.i18n import LANGUAGES, translator

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
STATIC = Path(__file__).parent.parent / "static"


@functools.cache
def asset_url(name: str) -> str:
    """Return the URL of a static asset with a version key, so the browser may cache it for
    a year (``immutable``) and still fetches a new file after an upgrade."""
    if name == "vega-embed.js":
        from importlib.metadata import version

        key = f"{__version__}-{version('vl-convert-python')}"
    else:
        key = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={key}"


@functools.cache
def pack_names(pack_name: str) -> dict[str, str]:
    """Code → name of the pack's regions, region sets and institutions: what a chart's legend
    and a page's selectors show instead of ``PV23`` or ``27YU``."""
    from pijplijn.content.loader import load_pack

    pack = load_pack(pack_name)
    return {
        **{r.code: r.name for r in pack.regions},
        **{s.code: s.name for s in pack.region_sets},
        **{i.brin: i.name for i in pack.institutions},
    }


@functools.cache
def pack_english(pack_name: str) -> dict[str, str]:
    """The pack's Dutch titles of indicators and goals → their English titles."""
    from pijplijn.content.loader import load_pack

    pack = load_pack(pack_name)
    pairs = [(i.title.nl, i.title.en) for i in pack.indicators]
    pairs += [(g.title.nl, g.title.en) for g in pack.goals]
    return {nl: en for nl, en in pairs if nl and en and nl != en}


def _pack_name(request: Request) -> str:
    return str(request.app.state.settings.content_pack)


@jinja2.pass_environment
def chart_spec(environment: jinja2.Environment, spec: dict[str, Any], lang: str) -> dict[str, Any]:
    """A chart's spec for a page in ``lang``, with names for codes (the template filter
    ``chart_spec``; ``charts.localise`` does the work). Macros are imported without the
    page's context, so the pack comes from the environment's globals (``render`` sets it)."""
    from pijplijn import charts

    pack = _environment_pack(environment)
    return charts.localise(spec, lang, pack_names(pack), pack_english(pack))


@jinja2.pass_environment
def place_name(environment: jinja2.Environment, code: Any) -> Any:
    """The name of a region or institution code (the template filter ``place_name``); the
    code itself when the pack does not know it."""
    return pack_names(_environment_pack(environment)).get(str(code), code)


def _environment_pack(environment: jinja2.Environment) -> str:
    """The pack of the page being rendered (``render`` sets it), else the settings' default."""
    from pijplijn.settings import Settings

    default = Settings.model_fields["content_pack"].default
    return str(environment.globals.get("pack_name") or default)


TEMPLATES.env.globals["asset_url"] = asset_url
TEMPLATES.env.globals["fmt"] = format_number
TEMPLATES.env.filters["fmt"] = format_number
TEMPLATES.env.filters["period_ranges"] = summarise_periods
TEMPLATES.env.filters["chart_spec"] = chart_spec
TEMPLATES.env.filters["place_name"] = place_name


def language(request: Request) -> str:
    """Return the page language: ``?lang=``, else the ``lang`` cookie, else Dutch."""
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "nl"
    return asked if asked in LANGUAGES else "nl"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page in the request's language; remember an explicit ``?lang=`` choice."""
    lang = language(request)
    TEMPLATES.env.globals["pack_name"] = _pack_name(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"lang": lang, "_": translator(lang), "version": __version__, **context},
        status_code=status_code,
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def render_error(request: Request, problem: dict[str, Any]) -> Response:
    """Render a problem document as an HTML page with the same status."""
    return render(request, "error.html", {"problem": problem}, status_code=problem["status"])


@functools.cache
def vega_bundle() -> str:
    """Return the vega-embed JavaScript bundle that vl-convert ships (built once per process,
    about 2 s), matching the Vega-Lite version Altair writes."""
    import altair as alt
    import vl_convert as vlc

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return str(vlc.javascript_bundle(vl_version=major_minor))  # type: ignore[call-arg]


@functools.cache
def vega_bundle_gzip() -> bytes:
    """The bundle gzip-compressed once per process (898 KB → about a quarter), so a request
    for it costs no compression work."""
    return gzip.compress(vega_bundle().encode(), compresslevel=9, mtime=0)


def render_page(
    request: Request,
    template: str,
    view: View,
    version: str,
    context: dict[str, Any] | None = None,
    datasets: list[str] | None = None,
) -> Response:
    """Answer a public page from its one view (``negotiate.page_response``): the HTML page
    with ``view`` and its download links (``page_tables``, ``json_url``: the page's own JSON),
    ``PAGE.json`` / ``Accept: application/json`` the view, ``PAGE.csv`` / ``PAGE.xlsx`` one
    of its tables."""
    from pijplijn.web.negotiate import page_downloads, page_json_url, page_response

    def html() -> Response:
        return render(
            request,
            template,
            {
                "view": view,
                "page": view,
                "page_tables": page_downloads(request, view),
                "json_url": page_json_url(request),
                **(context or {}),
            },
        )

    return page_response(request, view, version, html, datasets)
