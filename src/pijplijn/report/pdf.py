"""HTML to an A4 PDF with WeasyPrint, for the factsheets: one font configuration per process
(loading the fonts is most of a small document's cost, so a batch pays it once), and nothing
of the annual report's view imported (its projection engine costs a second at start-up).

``report/render.py`` keeps the report's own ``to_pdf``; both read the same templates folder."""

from __future__ import annotations

import contextlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pijplijn.errors import PijplijnError
from pijplijn.numbers import format_number
from pijplijn.periods import summarise_periods

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The factsheets' templates first, then the web's (macros: number format), as
    ``report/render.py`` sets up the report's."""
    env = Environment(
        loader=FileSystemLoader([HERE / "templates", HERE.parent / "web" / "templates"]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["period_ranges"] = summarise_periods
    env.globals["fmt"] = format_number
    env.filters["fmt"] = format_number
    return env


@lru_cache(maxsize=1)
def _weasyprint() -> tuple[Any, Any]:
    """The WeasyPrint module and the process's one font configuration."""
    try:
        import weasyprint  # type: ignore[import-untyped]
        from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
    except OSError as exc:  # WeasyPrint loads Pango, a system library, on import
        raise PijplijnError(
            f"een PDF vraagt Pango, dat niet te laden is ({exc}); installeer het "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0) of schrijf .html"
        ) from None
    return weasyprint, FontConfiguration()


def prefetch() -> None:
    """Start loading WeasyPrint (and Pango, and the fonts) in the background: a PDF command
    calls this before it reads the database, whose queries release the interpreter, so the
    two overlap. A failure here is raised again, with its message, by ``pdf_bytes``."""

    def load() -> None:
        with contextlib.suppress(Exception):  # pdf_bytes raises it for the user
            _weasyprint()

    threading.Thread(target=load, name="weasyprint-prefetch", daemon=True).start()


def pdf_bytes(html: str) -> bytes:
    """Return ``html`` as an A4 PDF (the page size and margins come from its @page rule)."""
    weasyprint, fonts = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=str(HERE))
    data: bytes = document.write_pdf(font_config=fonts)
    return data
