"""The report's own texts in Dutch and English; page texts come from ``web/i18n.py``."""

from __future__ import annotations

from collections.abc import Callable

from pijplijn.web.i18n import translator

TEXTS: dict[str, dict[str, str]] = {
    "report.title": {"nl": "Monitor Techniekpact", "en": "Techniekpact monitor"},
    "report.subtitle": {
        "nl": "Jaarrapportage over de technische onderwijspijplijn",
        "en": "Annual report on the technical education pipeline",
    },
    "report.generated": {
        "nl": "Gemaakt door pijplijn {version} uit de gegevens van {data_version}; elk cijfer "
        "berekend, niets overgetypt.",
        "en": "Made by pijplijn {version} from the data of {data_version}; every figure "
        "computed, nothing typed by hand.",
    },
    "report.toc": {"nl": "Inhoud", "en": "Contents"},
    "report.summary": {"nl": "Samenvatting: de doelen", "en": "Summary: the goals"},
    "report.pipeline": {"nl": "De pijplijn", "en": "The pipeline"},
    "report.maps": {"nl": "De gemeenten", "en": "The gemeenten"},
    "report.key_figures": {"nl": "Kerncijfers", "en": "Key figures"},
    "report.projection": {"nl": "Vooruitblik", "en": "Outlook"},
    "report.scenarios": {"nl": "Scenariovergelijking", "en": "Scenario comparison"},
    "report.check": {
        "nl": "Controle van gepubliceerde cijfers",
        "en": "Check of published figures",
    },
    "report.sources": {"nl": "Bijlage A. Bronnen", "en": "Appendix A. Sources"},
    "report.methods": {"nl": "Bijlage B. Methoden", "en": "Appendix B. Methods"},
    "report.theme": {"nl": "Thema", "en": "Theme"},
    "report.no_data": {"nl": "Geen gegevens.", "en": "No data."},
    "report.disclosure": {
        "nl": "Aantallen onder {t} en cijfers waaruit die af te leiden zijn, staan als '–' "
        "(onderdrukt).",
        "en": "Counts below {t} and figures they could be derived from show as '–' (suppressed).",
    },
    "goals.goal": {"nl": "Doel", "en": "Goal"},
    "col.median": {"nl": "Mediaan", "en": "Median"},
    "col.interval80": {"nl": "80%-interval", "en": "80% interval"},
    "col.difference": {"nl": "Verschil", "en": "Difference"},
    "col.series": {"nl": "Reeks", "en": "Series"},
    "col.indicator": {"nl": "Indicator", "en": "Indicator"},
    "col.definition": {"nl": "Definitie", "en": "Definition"},
    "col.method": {"nl": "Methode", "en": "Method"},
    "col.mape": {"nl": "MAPE", "en": "MAPE"},
    "col.coverage": {"nl": "Dekking 80%", "en": "Coverage 80%"},
    "trend.up": {"nl": "steeg", "en": "rose"},
    "trend.down": {"nl": "daalde", "en": "fell"},
    "trend.same": {"nl": "bleef gelijk", "en": "stayed the same"},
    "trend.break": {
        "nl": "Eerdere jaren zijn niet vergelijkbaar",
        "en": "Earlier years are not comparable",
    },
}


def report_translator(lang: str) -> Callable[[str], str]:
    """Return a function giving a key's text in ``lang``: the report's own, else the pages'."""
    pages = translator(lang)

    def text(key: str) -> str:
        entry = TEXTS.get(key)
        if entry is None:
            return pages(key)
        return entry.get(lang) or entry["nl"]

    return text
