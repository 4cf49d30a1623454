"""Render the report view to one self-contained HTML file, and that HTML to an A4 PDF."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pijplijn.errors import PijplijnError
from pijplijn.numbers import format_number
from pijplijn.periods import summarise_periods
from pijplijn.report.texts import report_translator
from pijplijn.report.view import ReportView

_HERE = Path(__file__).parent
ENVIRONMENT = Environment(
    loader=FileSystemLoader([_HERE / "templates", _HERE.parent / "web" / "templates"]),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
"""The report's templates first, then the web's, whose macros (scorecard, provenance, number
format) the report shares with the pages."""
ENVIRONMENT.filters["period_ranges"] = summarise_periods
ENVIRONMENT.globals["fmt"] = format_number
ENVIRONMENT.filters["fmt"] = format_number


def to_html(view: ReportView) -> str:
    """Return the report as one HTML document: styles inline, charts as inline SVG."""
    template = ENVIRONMENT.get_template("report.html")
    return template.render(view=view, lang=view.lang, _=report_translator(view.lang))


def to_pdf(html: str, path: Path) -> None:
    """Write ``html`` as an A4 PDF with page numbers and a table of contents (WeasyPrint)."""
    # Imported here: loading Pango costs a second that the HTML report does not need.
    try:
        import weasyprint  # type: ignore[import-untyped]
    except OSError as exc:  # WeasyPrint loads Pango, a system library, on import
        raise PijplijnError(
            f"een PDF vraagt Pango, dat niet te laden is ({exc}); installeer het "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0) of schrijf .html"
        ) from None

    weasyprint.HTML(string=html, base_url=str(_HERE)).write_pdf(path)


def write(view: ReportView, path: Path) -> None:
    """Write the report to ``path``: PDF when it ends in .pdf, else HTML."""
    html = to_html(view)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        to_pdf(html, path)
    else:
        path.write_text(html, encoding="utf-8")
