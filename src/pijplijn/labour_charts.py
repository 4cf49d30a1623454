"""The Arbeidsmarkt view's chart rows and specs, shared by the web page and the report (one
spec per figure): jobs per year, and the vacancy rate per sector."""

from __future__ import annotations

import re
from typing import Any

from pijplijn import charts
from pijplijn.engine.labour.view import LabourView


def jobs_rows(view: LabourView, names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per year of the region's jobs (× 1,000), labelled with the region they
    describe (COROP area Twente for Twente)."""
    series = view.jobs.series
    where = view.jobs.described or view.region
    return charts.series_rows(series, region=names.get(where, where)) if series else []


def jobs_chart(view: LabourView, names: dict[str, str]) -> dict[str, Any] | None:
    """The jobs line, or None when there are no figures (no empty chart is drawn)."""
    rows = jobs_rows(view, names)
    if not any(r["value"] is not None for r in rows):
        return None
    where = names.get(view.jobs.described or view.region, view.region)
    return charts.series_chart(
        rows,
        "thousand",
        f"Banen (× 1.000), {where}",
        f"Banen van werknemers in december per jaar (× 1.000), {where}, CBS 83582NED.",
    )


def vacancy_rows(view: LabourView, names: dict[str, str]) -> list[dict[str, Any]]:
    """The vacancy rate per SBI section (and all sectors) for the province and NL; SBI's
    aggregates (B-F, G-N...) overlap the sections and are left to the API."""
    rates = view.vacancies
    return [
        {
            "sector": rates.labels.get(str(r["sector"]), r["sector"]),
            "region": names.get(str(r["region"]), r["region"]),
            "value": r["value"],
            "flag": r["flag"],
        }
        for r in rates.rows
        if r["sector"] == "T001081" or re.match(r"^[A-U] ", rates.labels.get(str(r["sector"]), ""))
    ]


def vacancy_chart(view: LabourView, names: dict[str, str]) -> dict[str, Any] | None:
    rows = vacancy_rows(view, names)
    if not any(r["value"] is not None for r in rows):
        return None
    rates = view.vacancies
    return charts.bar_chart(
        rows,
        "sector",
        f"Vacaturegraad per sector, {rates.period}",
        "Openstaande vacatures eind vierde kwartaal per 1.000 banen, per SBI-sector, "
        f"{' en '.join(names.get(r, r) for r in rates.regions)}, {rates.period}.",
        axis="per 1.000 banen",
        colour="region",
    )
