"""Render a factsheet model (``views/factsheet.py``) to one HTML file or an A4 PDF, and write
every gemeente's and institution's sheet to one zip. Templates only format the model."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from pijplijn.report.render import ENVIRONMENT, to_pdf

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pijplijn.content.loader import ContentPack
    from pijplijn.views.factsheet import GemeenteSheet, InstellingSheet, PartnerSheet

    Sheet = GemeenteSheet | InstellingSheet | PartnerSheet

FLAG_NAMES = {
    "suppressed": "onderdrukt",
    "missing": "ontbreekt deels",
    "estimated": "geschat",
    "provisional": "voorlopig",
    "partial": "dekt een deel",
}
FLAG_NOTES = {
    "suppressed": "kleine aantallen onderdrukt: de getoonde aantallen zijn ondergrenzen",
    "missing": "een deel ontbreekt: de getoonde aantallen zijn ondergrenzen",
    "estimated": "geschat",
    "provisional": "voorlopig",
    "partial": "de bron dekt een deel van het gebied",
}
"""What a flag on a row of counts means for its numbers (a 0 beside 'onderdrukt' is a lower
bound, not a zero)."""
STAGE_NAMES = {
    "vmbo-bb": "vmbo basis",
    "vmbo-kb": "vmbo kader",
    "vmbo-gl": "vmbo gemengd",
    "vmbo-tl": "vmbo theoretisch",
    "havo": "havo",
    "vwo": "vwo",
    "mbo": "mbo",
    "hbo": "hbo (eerstejaars)",
    "wo": "wo (eerstejaars)",
}
MEASURE_NAMES = {"enrolled": "ingeschreven", "graduates": "gediplomeerd"}
SORT_NAMES = {
    "ondernemers": "ondernemer",
    "onderwijs": "onderwijsinstelling",
    "onderzoek": "onderzoeksinstelling",
    "overheid": "overheid",
}


def subtitle(sheet: Sheet) -> str:
    """The line under the sheet's title: what the unit is and where."""
    if sheet.kind == "gemeente":
        return "Factsheet gemeente" + (f" in {sheet.region}" if sheet.region else "")  # type: ignore[union-attr]
    if sheet.kind == "instelling":
        parts = [p for p in (sheet.sector, sheet.place) if p]  # type: ignore[union-attr]
        return f"Factsheet instelling {sheet.brin}" + (f" · {' · '.join(parts)}" if parts else "")  # type: ignore[union-attr]
    parts = [SORT_NAMES.get(sheet.sort, sheet.sort), sheet.sector, sheet.gemeente]  # type: ignore[union-attr]
    return "Factsheet partner · " + " · ".join(p for p in parts if p)


def to_html(sheet: Sheet, publisher: str) -> str:
    """Return the factsheet as one self-contained HTML document."""
    return ENVIRONMENT.get_template("factsheet.html").render(
        sheet=sheet,
        subtitle=subtitle(sheet),
        publisher=publisher,
        flag_names=FLAG_NAMES,
        flag_notes=FLAG_NOTES,
        stage_names=STAGE_NAMES,
        measure_names=MEASURE_NAMES,
    )


def write(sheet: Sheet, publisher: str, path: Path) -> None:
    """Write the sheet to ``path``: PDF when it ends in .pdf, else HTML."""
    html = to_html(sheet, publisher)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        to_pdf(html, path)
    else:
        path.write_text(html, encoding="utf-8")


def write_batch(session: Session, pack: ContentPack, path: Path, pdf: bool = True) -> list[str]:
    """Write a zip with the sheet of every gemeente of the pack's region and of every
    institution located in one; return the names written. The zip is written whole or not
    at all (built in memory first)."""
    from sqlalchemy import select

    from pijplijn.store.models import Institution, RegionMember
    from pijplijn.views.factsheet import gemeente_sheet, instelling_sheet

    region = pack.pack.default_region
    gemeenten = sorted(
        session.scalars(select(RegionMember.member_code).where(RegionMember.set_code == region))
    )
    institutions = sorted(
        session.scalars(select(Institution.brin).where(Institution.gemeente_code.in_(gemeenten)))
    )
    publisher = pack.pack.title
    suffix = ".pdf" if pdf else ".html"
    buffer = io.BytesIO()
    names: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        sheets: list[tuple[str, Sheet]] = [
            (f"gemeente-{code}", gemeente_sheet(session, pack, code)) for code in gemeenten
        ]
        sheets += [
            (f"instelling-{brin}", instelling_sheet(session, pack, brin)) for brin in institutions
        ]
        for stem, sheet in sheets:
            html = to_html(sheet, publisher)
            name = stem + suffix
            archive.writestr(name, _pdf_bytes(html) if pdf else html.encode("utf-8"))
            names.append(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return names


def _pdf_bytes(html: str) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sheet.pdf"
        to_pdf(html, target)
        return target.read_bytes()
