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
    "report.summary": {"nl": "Samenvatting", "en": "Summary"},
    "report.pipeline": {"nl": "De pijplijn", "en": "The pipeline"},
    "report.maps": {"nl": "De gemeenten", "en": "The municipalities"},
    "report.key_figures": {
        "nl": "Bijlage B. Kerncijfers per periode",
        "en": "Appendix B. Key figures per period",
    },
    "report.key_figures_short": {"nl": "Kerncijfers", "en": "Key figures"},
    "report.year": {"nl": "verslagjaar", "en": "reporting year"},
    "report.publisher": {"nl": "Uitgave", "en": "Published by"},
    "report.year_intro": {
        "nl": "Het verslagjaar {year} is het laatste jaar waarvoor de onderwijsgegevens van de "
        "pijplijn compleet zijn. Elke bron heeft haar eigen nieuwste periode:",
        "en": "The reporting year {year} is the latest year for which the pipeline's education "
        "data are complete. Each source has its own latest period:",
    },
    "report.latest": {"nl": "Nieuwste", "en": "Latest"},
    "report.previous": {"nl": "Vorige", "en": "Previous"},
    "report.change": {"nl": "Verandering", "en": "Change"},
    "report.summary_intro": {
        "nl": "De belangrijkste bevindingen voor {region}, de belangrijkste eerst; daarna de "
        "kerncijfers en wat de projectie verwacht.",
        "en": "The main findings for {region}, the most important first; then the key figures "
        "and what the projection expects.",
    },
    "report.outlook_to": {"nl": "Vooruitblik naar {year}", "en": "Outlook to {year}"},
    "report.outlook_sentence": {
        "nl": "De projectie (scenario {scenario}) voor {reason}: de mediaan van de trekkingen "
        "en het interval waarin 80% ervan valt.",
        "en": "The projection (scenario {scenario}) for {reason}: the median of the draws and "
        "the interval holding 80% of them.",
    },
    "report.goals": {"nl": "De doelen", "en": "The goals"},
    "report.goals_intro": {
        "nl": "Dit hoofdstuk toont per thema en programmalijn elk doel met zijn basiswaarde, "
        "streefwaarde, metingen en oordeel.",
        "en": "This chapter shows each goal per theme and programme line, with its baseline, "
        "target, measurements and verdict.",
    },
    "report.pipeline_intro": {
        "nl": "Dit hoofdstuk toont de route van vo via mbo en hbo/wo naar werk in {region} in "
        "{year}, met het deel in techniek.",
        "en": "This chapter shows the route from secondary school through mbo and hbo/wo to "
        "work in {region} in {year}, with the technical part.",
    },
    "report.labour_intro": {
        "nl": "Dit hoofdstuk toont de banen, de vacatures en de vervangingsvraag in {region}, "
        "en hoeveel daarvan de eigen gediplomeerden dekken.",
        "en": "This chapter shows jobs, vacancies and replacement demand in {region}, and how "
        "much of it the region's own graduates cover.",
    },
    "report.maps_intro": {
        "nl": "Dit hoofdstuk toont de indicatoren van de doelen per gemeente van {region}; "
        "grijs is een gemeente zonder eigen cijfer.",
        "en": "This chapter shows the goals' indicators per gemeente of {region}; grey is a "
        "gemeente without a figure of its own.",
    },
    "report.map_left_out": {
        "nl": "Geen kaart van {title}: maar {own} van de {total} gemeenten hebben een eigen "
        "cijfer (DUO telt mbo-studenten bij de hoofdvestiging van hun instelling).",
        "en": "No map of {title}: only {own} of the {total} gemeenten have a figure of their "
        "own (DUO counts mbo students at their institution's head office).",
    },
    "report.projection_intro": {
        "nl": "Dit hoofdstuk toont hoeveel technische leerlingen en studenten {region} van "
        "{base} tot {horizon} kan verwachten, en wat een ander scenario verandert.",
        "en": "This chapter shows how many technical pupils and students {region} can expect "
        "from {base} to {horizon}, and what another scenario changes.",
    },
    "report.projection_run": {
        "nl": "Scenario {scenario}, {base}–{horizon}, {draws} trekkingen.",
        "en": "Scenario {scenario}, {base}–{horizon}, {draws} draws.",
    },
    "report.projection_table_note": {
        "nl": "Mediaan; het 80%-interval eronder. Het eerste jaar is gemeten, niet geprojecteerd.",
        "en": "Median; the 80% interval below it. The first year is measured, not projected.",
    },
    "report.check_intro": {
        "nl": "Dit hoofdstuk legt elk gepubliceerd cijfer naast het cijfer dat pijplijn uit de "
        "brongegevens berekent.",
        "en": "This chapter sets every published figure beside the one pijplijn computes from "
        "the source data.",
    },
    "report.sources_intro": {
        "nl": "Elke gebruikte gegevensbron één keer, met de periodes die zij beslaat.",
        "en": "Every data source used, once, with the periods it covers.",
    },
    "report.covers": {"nl": "Beslaat", "en": "Covers"},
    "report.classifications_intro": {
        "nl": "Wat als techniek telt, ligt vast in een indeling met versies; een nieuwe versie "
        "geldt vanaf haar datum en geeft een breuk in de reeksen.",
        "en": "What counts as technical is fixed in a versioned classification; a new version "
        "holds from its date and breaks the series.",
    },
    "report.classification": {"nl": "Indeling", "en": "Classification"},
    "report.key_figures_intro": {
        "nl": "De kerncijfers per periode voor de regio en de gebieden eromheen, met hun "
        "kenmerken (geschat, onderdrukt, gedeeltelijk).",
        "en": "The key figures per period for the region and the areas around it, with their "
        "flags (estimated, suppressed, partial).",
    },
    "report.methods_intro": {
        "nl": "Hoe de cijfers van dit rapport zijn berekend.",
        "en": "How the figures of this report are computed.",
    },
    "report.from": {"nl": "vanaf", "en": "from"},
    "report.definitions_from": {
        "nl": "Definities (elk met een breuk in de reeks) vanaf",
        "en": "Definitions (each a break in the series) from",
    },
    "report.projection_method": {
        "nl": "Een cohortmodel volgt leerlingen van vmbo via mbo (per niveau, BOL en BBL) naar "
        "hbo en werk. De kansen om door te stromen zijn geschat uit de geladen gegevens of "
        "komen uit gepubliceerde cijfers; duizenden trekkingen geven de 80%- en "
        "95%-intervallen. De terugtoets hieronder projecteert vanuit eerdere jaren en legt "
        "dat naast wat er werkelijk gebeurde.",
        "en": "A cohort model follows pupils from vmbo through mbo (per level, BOL and BBL) to "
        "hbo and work. Transition rates are estimated from the loaded data or come from "
        "published figures; thousands of draws give the 80% and 95% intervals. The backtest "
        "below projects from earlier years and compares that with what happened.",
    },
    "report.flow_unit": {"nl": "aantallen: personen", "en": "counts: people"},
    "report.figure": {"nl": "Cijfer", "en": "Figure"},
    "report.published_figure": {"nl": "gepubliceerd cijfer", "en": "published figure"},
    "report.colophon": {"nl": "Colofon", "en": "Colophon"},
    "report.made_on": {"nl": "Gemaakt op", "en": "Made on"},
    "report.projection": {"nl": "Vooruitblik", "en": "Outlook"},
    "report.scenarios": {"nl": "Scenariovergelijking", "en": "Scenario comparison"},
    "report.check": {
        "nl": "Controle van gepubliceerde cijfers",
        "en": "Check of published figures",
    },
    "report.sources": {"nl": "Bijlage A. Bronnen", "en": "Appendix A. Sources"},
    "report.methods": {"nl": "Bijlage C. Methoden", "en": "Appendix C. Methods"},
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
