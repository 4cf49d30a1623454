"""Render the report view to one self-contained HTML file, and that HTML to an A4 PDF."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pijplijn.errors import PijplijnError
from pijplijn.numbers import flag_word, format_number, points
from pijplijn.periods import summarise_periods
from pijplijn.report.texts import report_translator
from pijplijn.report.trace import change, trace
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
ENVIRONMENT.globals["points"] = points
ENVIRONMENT.globals["trace"] = trace
ENVIRONMENT.globals["change"] = change
ENVIRONMENT.tests["contains"] = lambda seq, item: item in seq
ENVIRONMENT.filters["flag_word"] = flag_word

MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
QUARTER = re.compile(r"^(\d{4})KW0?([1-4])$")
QUARTERS = re.compile(r"\b(\d{4})KW0?([1-4])\b")
STATE = re.compile(
    r"\b(mbo|hbo|wo|vmbo)(?:-(\d|[a-z]{2}))?((?::(?:BBL|BOL|duaal|voltijd|deeltijd))?)"
    r":(techniek|overig)\b"
)


def long_date(value: date, lang: str = "nl") -> str:
    """A date as a reader writes it: 7 december 2026, December 7, 2026."""
    month = MONTHS.get(lang, MONTHS["nl"])[value.month - 1]
    return (
        f"{value.day} {month} {value.year}"
        if lang == "nl"
        else f"{month} {value.day}, {value.year}"
    )


def period_label(period: str | None, lang: str = "nl") -> str:
    """A period as a reader writes it: 2023KW01 → 1e kwartaal 2023 (Q1 2023)."""
    if not period:
        return "–"
    found = QUARTER.match(period)
    if found is None:
        return period
    year, quarter = found.groups()
    return f"{quarter}e kwartaal {year}" if lang == "nl" else f"Q{quarter} {year}"


def quarters(text: str, lang: str = "nl") -> str:
    """Every CBS quarter code in ``text`` as a reader writes it."""
    return QUARTERS.sub(lambda m: period_label(m[0], lang), text)


def readable_states(text: str) -> str:
    """The projection's state codes in words: mbo-1:BBL:techniek → mbo 1 BBL techniek."""

    def words(match: re.Match[str]) -> str:
        stage, level, route, domain = match.groups()
        parts = [stage + (f" {level}" if level else ""), route.lstrip(":"), domain]
        return " ".join(p for p in parts if p)

    return STATE.sub(words, text)


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, exactly one full stop last."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def short_publisher(name: str) -> str:
    """A publisher's short name: 'ROA (Researchcentrum …)' → 'ROA'."""
    return name.split(" (")[0]


FLAG = re.compile(r"\bvlag ([a-z-]+)")


def flag_words(text: str, lang: str = "nl") -> str:
    """An engine text's flags in words: 'vlag missing' → 'vlag ontbreekt'."""
    return FLAG.sub(lambda m: f"vlag ‘{flag_word(m[1], lang)}’", text)


def place_names(text: str, names: dict[str, str]) -> str:
    """Region codes in an engine text replaced by their names (twente → Twente)."""
    for code, name in names.items():
        if code != name:
            text = re.sub(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", name, text)
    return text


REPO_FILE = re.compile(
    r"\s*\((?:[\w-]+/)*[\w-]+\.(?:md|yaml)\)|\b(?:[\w-]+/)*[\w-]+\.(?:md|yaml)\b"
)
SOURCE_KEY = re.compile(r"\b[a-z][a-z0-9-]*:[a-z0-9.-]+: ")
METHODS = {"nl": {"naive": "naïef (vorig jaar)", "linear": "lineaire trend"}, "en": {}}


def for_reader(text: str, lang: str = "nl") -> str:
    """An engine text without pointers into the repository: a file reference in brackets is
    left out, one in the sentence becomes 'the content pack'; a source key before its title
    goes."""
    pack = "het contentpakket" if lang == "nl" else "the content pack"
    text = REPO_FILE.sub(lambda m: "" if m[0].lstrip().startswith("(") else pack, text)
    return SOURCE_KEY.sub("", text)


def method_name(method: str, lang: str = "nl") -> str:
    return METHODS.get(lang, {}).get(method, method)


ENVIRONMENT.filters["for_reader"] = for_reader
ENVIRONMENT.filters["method_name"] = method_name
ENVIRONMENT.filters["flag_words"] = flag_words
ENVIRONMENT.filters["quarters"] = quarters
ENVIRONMENT.filters["place_names"] = place_names
ENVIRONMENT.filters["short_publisher"] = short_publisher
ENVIRONMENT.filters["long_date"] = long_date
ENVIRONMENT.filters["period_label"] = period_label
ENVIRONMENT.filters["readable_states"] = readable_states
ENVIRONMENT.filters["sentence"] = sentence


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
