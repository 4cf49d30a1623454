"""Render a factsheet model (``views/factsheet.py``, ``views/instelling.py``) to one HTML file
or an A4 PDF, in Dutch or English, and write every gemeente's and institution's sheet to one
zip. Templates only format the model; every number they print is marked with the view's JSON
URL and its place in it (``report/trace.py``), so a test traces each one to the API.

A batch shares one process, one database session (the engine's cache holds each region's and
the Netherlands' figures once for all sheets) and one WeasyPrint font configuration."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pijplijn.report.pdf import environment, pdf_bytes, prefetch
from pijplijn.report.trace import trace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pijplijn.content.loader import ContentPack
    from pijplijn.views.factsheet import Comparison, GemeenteSheet, PartnerSheet
    from pijplijn.views.instelling import InstellingSheet

    Sheet = GemeenteSheet | InstellingSheet | PartnerSheet

LANGS = ("nl", "en")
MAX_ROWS = 15
"""A partner with more participation rows than this gets them summed per project, so the
sheet stays within two pages."""
TEXTS: dict[str, dict[str, str]] = {
    "factsheet": {"nl": "Factsheet", "en": "Factsheet"},
    "kind.gemeente": {"nl": "Factsheet gemeente", "en": "Factsheet municipality"},
    "kind.instelling": {"nl": "Factsheet instelling", "en": "Factsheet institution"},
    "kind.partner": {"nl": "Factsheet partner", "en": "Factsheet partner"},
    "in": {"nl": "in", "en": "in"},
    "g.own": {
        "nl": "Eigen cijfers naast de regio en Nederland",
        "en": "Own figures beside the region and the Netherlands",
    },
    "g.own.lead": {
        "nl": "De kerncijfers van de monitor waarvoor {name} een eigen cijfer heeft, in de "
        "laatste periode met zo'n cijfer.",
        "en": "The monitor's key figures for which {name} has a figure of its own, in the "
        "latest period with one.",
    },
    "g.own.none": {
        "nl": "Voor {name} zijn geen kerncijfers met een eigen cijfer geladen: de bronnen "
        "tellen deze gemeente alleen binnen de regio.",
        "en": "No key figure of {name}'s own is loaded: the sources count this municipality "
        "only within the region.",
    },
    "g.routes": {"nl": "Routes door de pijplijn", "en": "Routes through the pipeline"},
    "g.routes.around": {"nl": "rond", "en": "around"},
    "g.routes.lead": {
        "nl": "Leerlingen en studenten uit {name} per fase, met het deel in techniek.",
        "en": "Pupils and students from {name} per stage, with the part in technology.",
    },
    "g.routes.none": {
        "nl": "Voor {name} zijn geen aantallen per fase geladen.",
        "en": "No counts per stage are loaded for {name}.",
    },
    "g.routes.missing": {"nl": "geen eigen cijfer geladen", "en": "no own figure loaded"},
    "g.partners": {"nl": "Instellingen en partners", "en": "Institutions and partners"},
    "g.institutions": {
        "nl": "Instellingen met hun (hoofd)vestiging in {name}:",
        "en": "Institutions with their (head) office in {name}:",
    },
    "g.institutions.none": {
        "nl": "Geen geladen instelling heeft haar vestiging in {name}.",
        "en": "No loaded institution is located in {name}.",
    },
    "g.organisations": {
        "nl": "Partnerorganisaties in het register uit {name}:",
        "en": "Partner organisations in the register from {name}:",
    },
    "i.title": {"nl": "Studenten en diploma's", "en": "Students and diplomas"},
    "i.lead": {
        "nl": "Het aantal studenten en gediplomeerden van {name} per jaar, met het deel in "
        "techniek. Elke tabel is één reeks: dezelfde bron en één definitie van techniek.",
        "en": "{name}'s students and graduates per year, with the part in technology. Each "
        "table is one series: the same source and one definition of technology.",
    },
    "i.none": {
        "nl": "Voor {name} zijn geen aantallen per instelling geladen.",
        "en": "No counts per institution are loaded for {name}.",
    },
    "i.source": {"nl": "Bron", "en": "Source"},
    "i.classification": {"nl": "definitie:", "en": "definition:"},
    "i.domain_only": {
        "nl": "de bron telt alleen opleidingen in techniek",
        "en": "the source counts technical programmes only",
    },
    "i.break": {
        "nl": "Reeksbreuk: {reason}. Niet vergelijkbaar met de jaren ervoor.",
        "en": "Series break: {reason}. Not comparable with the years before.",
    },
    "i.share": {
        "nl": "Aandeel techniek naast de regio en Nederland",
        "en": "Share of technology beside the region and the Netherlands",
    },
    "p.participation": {"nl": "Deelname", "en": "Participation"},
    "p.lead": {
        "nl": "De projecten waaraan {name} volgens het partnerregister deelneemt, met het "
        "bereik per deelname.",
        "en": "The projects {name} takes part in according to the partner register, with the "
        "reach of each participation.",
    },
    "p.none": {
        "nl": "Voor {name} is nog geen deelname geregistreerd.",
        "en": "No participation is registered for {name} yet.",
    },
    "p.goals": {"nl": "Aandeel in de doelen", "en": "Share in the goals"},
    "p.projects": {"nl": "projecten (zie Deelname)", "en": "projects (see Participation)"},
    "p.per_project": {
        "nl": "Per project samengevat; elke deelname afzonderlijk staat in de JSON van deze "
        "factsheet.",
        "en": "Summed per project; each participation is listed in this factsheet's JSON.",
    },
    "p.goals.lead": {
        "nl": "Per doel: het bereik (leerlingen en studenten) van {name} in de projecten die het "
        "doel dienen, als deel van het bereik van alle deelnemers aan die projecten.",
        "en": "Per goal: the reach (pupils and students) of {name} in the projects serving the "
        "goal, as a share of the reach of every participant in those projects.",
    },
    "p.goals.none": {
        "nl": "De projecten van {name} dienen (nog) geen doel van de monitor.",
        "en": "{name}'s projects serve no goal of the monitor (yet).",
    },
    "col.figure": {"nl": "Kerncijfer", "en": "Key figure"},
    "col.period": {"nl": "Periode", "en": "Period"},
    "col.stage": {"nl": "Fase", "en": "Stage"},
    "col.total": {"nl": "Totaal", "en": "Total"},
    "col.techniek": {"nl": "Techniek", "en": "Technology"},
    "col.share": {"nl": "Aandeel techniek", "en": "Share technology"},
    "col.note": {"nl": "Let op", "en": "Note"},
    "col.project": {"nl": "Project", "en": "Project"},
    "col.role": {"nl": "Rol", "en": "Role"},
    "col.periods": {"nl": "Perioden", "en": "Periods"},
    "col.pupils": {"nl": "Leerlingen", "en": "Pupils"},
    "col.students": {"nl": "Studenten", "en": "Students"},
    "col.teachers": {"nl": "Docenten", "en": "Teachers"},
    "col.companies": {"nl": "Bedrijven", "en": "Companies"},
    "col.sum": {"nl": "Totaal", "en": "Total"},
    "col.goal": {"nl": "Doel", "en": "Goal"},
    "col.projects": {"nl": "Projecten", "en": "Projects"},
    "col.own": {"nl": "Eigen bereik", "en": "Own reach"},
    "col.all": {"nl": "Bereik alle deelnemers", "en": "Reach of all participants"},
    "col.goalshare": {"nl": "Aandeel", "en": "Share"},
    "footer.made_on": {"nl": "Gemaakt op", "en": "Made on"},
    "footer.by": {
        "nl": "door pijplijn, de open monitor van {publisher}.",
        "en": "by pijplijn, the open monitor of {publisher}.",
    },
    "footer.dash": {
        "nl": "Een streepje (–) is een onbekend of onderdrukt cijfer, nooit nul.",
        "en": "A dash (–) is an unknown or suppressed figure, never zero.",
    },
    "footer.version": {"nl": "Gegevensversie", "en": "Data version"},
}
FLAG_NAMES = {
    "suppressed": {"nl": "onderdrukt", "en": "suppressed"},
    "missing": {"nl": "ontbreekt deels", "en": "partly missing"},
    "estimated": {"nl": "geschat", "en": "estimated"},
    "provisional": {"nl": "voorlopig", "en": "provisional"},
    "partial": {"nl": "dekt een deel", "en": "covers a part"},
}
FLAG_NOTES = {
    "suppressed": {
        "nl": "kleine aantallen onderdrukt: ondergrens",
        "en": "small counts suppressed: lower bound",
    },
    "missing": {"nl": "deels ontbrekend: ondergrens", "en": "partly missing: lower bound"},
    "estimated": {"nl": "geschat", "en": "estimated"},
    "provisional": {"nl": "voorlopig", "en": "provisional"},
    "partial": {"nl": "de bron dekt een deel", "en": "the source covers a part"},
}
"""What a flag on a row of counts means for its numbers (a 0 beside 'onderdrukt' is a lower
bound, not a zero)."""
FLAG_LEGEND = {
    "suppressed": {
        "nl": "Kleine aantallen zijn onderdrukt: ≥ is een ondergrens, ≈ een aandeel daaruit.",
        "en": "Small counts are suppressed: ≥ is a lower bound, ≈ a share computed from it.",
    },
    "missing": {
        "nl": "Een deel ontbreekt: ≥ is een ondergrens, ≈ een aandeel daaruit.",
        "en": "A part is missing: ≥ is a lower bound, ≈ a share computed from it.",
    },
    "partial": {
        "nl": "De bron dekt een deel van het gebied: ≥ is een ondergrens.",
        "en": "The source covers part of the area: ≥ is a lower bound.",
    },
    "estimated": {"nl": "≈: geschat.", "en": "≈: estimated."},
    "provisional": {"nl": "≈: voorlopig.", "en": "≈: provisional."},
}
"""The legend under a comparison: what the ≥ and ≈ before a figure mean."""
STAGE_NAMES = {
    "vmbo-bb": {"nl": "vmbo basis", "en": "vmbo basic"},
    "vmbo-kb": {"nl": "vmbo kader", "en": "vmbo advanced"},
    "vmbo-gl": {"nl": "vmbo gemengd", "en": "vmbo combined"},
    "vmbo-tl": {"nl": "vmbo theoretisch", "en": "vmbo theoretical"},
    "havo": {"nl": "havo", "en": "havo"},
    "vwo": {"nl": "vwo", "en": "vwo"},
    "mbo": {"nl": "mbo", "en": "mbo"},
    "hbo": {"nl": "hbo (eerstejaars)", "en": "hbo (first-year)"},
    "wo": {"nl": "wo (eerstejaars)", "en": "wo (first-year)"},
}
MEASURE_NAMES = {
    "enrolled": {"nl": "Ingeschreven studenten", "en": "Enrolled students"},
    "first_year": {"nl": "Eerstejaars studenten", "en": "First-year students"},
    "graduates": {"nl": "Gediplomeerden", "en": "Graduates"},
}
SORT_NAMES = {
    "ondernemers": {"nl": "ondernemer", "en": "business"},
    "onderwijs": {"nl": "onderwijsinstelling", "en": "education"},
    "onderzoek": {"nl": "onderzoeksinstelling", "en": "research"},
    "overheid": {"nl": "overheid", "en": "government"},
}


NOTES_EN = {
    "De gemeente is die van de hoofdvestiging: DUO telt de studenten van de instelling daar, "
    "niet op hun woon- of lesplaats.": "The municipality is the head office's: DUO counts the "
    "institution's students there, not where they live or study.",
    "Een bron die alleen de opleidingen in techniek telt, geeft geen totaal en geen aandeel: "
    "haar aantal is het aantal in techniek.": "A source that counts technical programmes only "
    "gives no total and no share: its count is the count in technology.",
    "Niet elke deelname heeft een bereik ingevuld: de sommen zijn dan ondergrenzen.": "Not "
    "every participation has its reach filled in: the sums are then lower bounds.",
}
"""The views' notes (Dutch, as the JSON gives them) in English."""
_REASON_WORDS_EN = (
    ("classificatie ", "classification "),
    (" versie ", " version "),
    ("indicatordefinitie van", "indicator definition from"),
    ("→ van", "→ from"),
    ("bron ", "source "),
    ("dekking ", "coverage "),
    ("gedeeltelijk", "partial"),
    ("volledig", "complete"),
)


def in_language(text: str, lang: str) -> str:
    """A note or a break's reason of a view in ``lang`` (the views write Dutch)."""
    if lang == "nl":
        return text
    if text in NOTES_EN:
        return NOTES_EN[text]
    for dutch, english in _REASON_WORDS_EN:
        text = text.replace(dutch, english)
    return text


def translator(lang: str) -> Callable[..., str]:
    """``_(key, **fields)``: the text ``key`` in ``lang``, with ``fields`` filled in."""

    def text(key: str, **fields: object) -> str:
        entry = TEXTS[key]
        return entry.get(lang, entry["nl"]).format(**fields)

    return text


def named(table: dict[str, dict[str, str]], lang: str) -> Callable[[str | None], str]:
    """A lookup of a code's name in ``lang`` (the code itself when unnamed)."""

    def name(code: str | None) -> str:
        if code is None:
            return ""
        entry = table.get(code)
        return entry.get(lang, entry["nl"]) if entry else code

    return name


def flags_of(comparisons: list[Comparison]) -> list[str]:
    """The flags that the comparison table's figures carry, in vocabulary order."""
    found = {c.flag for f in comparisons for c in f.cells if c.flag and c.value is not None}
    return [f for f in FLAG_LEGEND if f in found]


def version_name(label: str | None, lang: str = "nl") -> str:
    """A classification version as people read it: ``techniek@2019`` → 'techniek, versie
    2019'."""
    if not label:
        return ""
    name, _, version = label.partition("@")
    word = "versie" if lang == "nl" else "version"
    return f"{name}, {word} {version}" if version else name


def view_url(sheet: Sheet) -> str:
    """The URL of the sheet's JSON (the same view as the page): where its numbers trace to."""
    if sheet.kind == "gemeente":
        return f"/gemeenten/{sheet.code}.json"  # type: ignore[union-attr]
    if sheet.kind == "instelling":
        return f"/instellingen/{sheet.brin}.json"  # type: ignore[union-attr]
    return f"/partners/{sheet.id}.json"  # type: ignore[union-attr]


def subtitle(sheet: Sheet, lang: str = "nl") -> str:
    """The line under the sheet's title: what the unit is and where (codes are traced)."""
    _ = translator(lang)
    if sheet.kind == "gemeente":
        region = sheet.region  # type: ignore[union-attr]
        return _("kind.gemeente") + (f" {_('in')} {region}" if region else "")
    if sheet.kind == "instelling":
        parts = [p for p in (sheet.sector, sheet.place) if p]  # type: ignore[union-attr]
        return _("kind.instelling") + (f" · {' · '.join(parts)}" if parts else "")
    sort = named(SORT_NAMES, lang)(sheet.sort)  # type: ignore[union-attr]
    parts = [sort, sheet.sector, sheet.gemeente]  # type: ignore[union-attr]
    return _("kind.partner") + " · " + " · ".join(p for p in parts if p)


def to_html(sheet: Sheet, publisher: str, lang: str = "nl") -> str:
    """Return the factsheet as one self-contained HTML document in ``lang``."""
    return (
        environment()
        .get_template("factsheet.html")
        .render(
            sheet=sheet,
            lang=lang,
            _=translator(lang),
            view=view_url(sheet),
            trace=trace,
            max_rows=MAX_ROWS,
            in_language=lambda text: in_language(text, lang),
            subtitle=subtitle(sheet, lang),
            publisher=publisher,
            flag_name=named(FLAG_NAMES, lang),
            flag_legend=named(FLAG_LEGEND, lang),
            flags_of=flags_of,
            version_name=lambda label: version_name(label, lang),
            flag_note=named(FLAG_NOTES, lang),
            stage_name=named(STAGE_NAMES, lang),
            measure_name=named(MEASURE_NAMES, lang),
        )
    )


def write(sheet: Sheet, publisher: str, path: Path, lang: str = "nl") -> None:
    """Write the sheet to ``path``: PDF when it ends in .pdf, else HTML."""
    html = to_html(sheet, publisher, lang)
    data = pdf_bytes(html) if path.suffix.lower() == ".pdf" else html.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def batch_units(session: Session, pack: ContentPack) -> tuple[list[str], list[str]]:
    """The gemeenten of the pack's region and the institutions located in one."""
    from sqlalchemy import select

    from pijplijn.store.models import Institution, RegionMember

    region = pack.pack.default_region
    gemeenten = sorted(
        session.scalars(select(RegionMember.member_code).where(RegionMember.set_code == region))
    )
    institutions = sorted(
        session.scalars(select(Institution.brin).where(Institution.gemeente_code.in_(gemeenten)))
    )
    return gemeenten, institutions


def write_batch(
    session: Session, pack: ContentPack, path: Path, pdf: bool = True, lang: str = "nl"
) -> list[str]:
    """Write a zip with the sheet of every gemeente of the pack's region and of every
    institution located in one; return the names written. The zip is written whole or not
    at all (built in memory first)."""
    from pijplijn.views.factsheet import gemeente_sheet
    from pijplijn.views.instelling import instelling_sheet

    if pdf:
        prefetch()  # WeasyPrint loads while the first views read the database
    gemeenten, institutions = batch_units(session, pack)
    publisher = pack.pack.title
    suffix = ".pdf" if pdf else ".html"
    buffer = io.BytesIO()
    names: list[str] = []
    makers: list[tuple[str, Callable[[], Sheet]]] = [
        (f"gemeente-{code}", lambda code=code: gemeente_sheet(session, pack, code))  # type: ignore[misc]
        for code in gemeenten
    ]
    makers += [
        (f"instelling-{brin}", lambda brin=brin: instelling_sheet(session, pack, brin))  # type: ignore[misc]
        for brin in institutions
    ]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, make in makers:
            html = to_html(make(), publisher, lang)
            name = stem + suffix
            archive.writestr(name, pdf_bytes(html) if pdf else html.encode("utf-8"))
            names.append(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return names
