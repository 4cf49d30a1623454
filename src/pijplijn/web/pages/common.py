"""What every page shares: templates, the language switch, the error page, the chart bundle."""

from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from pijplijn import __version__
from pijplijn.numbers import format_number
from pijplijn.periods import summarise_periods
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


TEMPLATES.env.globals["asset_url"] = asset_url
TEMPLATES.env.globals["fmt"] = format_number
TEMPLATES.env.filters["fmt"] = format_number
TEMPLATES.env.filters["period_ranges"] = summarise_periods


def language(request: Request) -> str:
    """Return the page language: ``?lang=``, else the ``lang`` cookie, else Dutch."""
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "nl"
    return asked if asked in LANGUAGES else "nl"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page in the request's language; remember an explicit ``?lang=`` choice."""
    lang = language(request)
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
