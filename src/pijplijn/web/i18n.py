"""Page texts in Dutch (default) and English. A missing key shows the key, so a test can
find it (``tests/test_web_pages.py`` checks that both languages have every key)."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "site.title": {"nl": "Techniekpact-monitor", "en": "Techniekpact monitor"},
    "site.tagline": {
        "nl": "open monitor van de technische onderwijspijplijn",
        "en": "open monitor of the technical education pipeline",
    },
    "nav.overview": {"nl": "Overzicht", "en": "Overview"},
    "nav.pipeline": {"nl": "Pijplijn", "en": "Pipeline"},
    "nav.indicators": {"nl": "Indicatoren", "en": "Indicators"},
    "nav.goals": {"nl": "Doelen", "en": "Goals"},
    "nav.scenarios": {"nl": "Scenario's", "en": "Scenarios"},
    "nav.sources": {"nl": "Bronnen", "en": "Sources"},
    "nav.api": {"nl": "API", "en": "API"},
    "lang.switch": {"nl": "English", "en": "Nederlands"},
    "overview.heading": {"nl": "Overzicht", "en": "Overview"},
    "overview.latest": {"nl": "Nieuwste gegevens per bron", "en": "Latest data per source"},
    "sources.heading": {"nl": "Bronnen en definities", "en": "Sources and definitions"},
    "sources.datasets": {"nl": "Geladen datasets", "en": "Loaded datasets"},
    "sources.classifications": {
        "nl": "Classificaties: wat telt als techniek",
        "en": "Classifications: what counts as techniek",
    },
    "col.source": {"nl": "Bron", "en": "Source"},
    "col.title": {"nl": "Titel", "en": "Title"},
    "col.publisher": {"nl": "Uitgever", "en": "Publisher"},
    "col.periods": {"nl": "Perioden", "en": "Periods"},
    "col.rows": {"nl": "Waarnemingen", "en": "Observations"},
    "col.status": {"nl": "Status", "en": "Status"},
    "col.loaded": {"nl": "Geladen", "en": "Loaded"},
    "col.licence": {"nl": "Licentie", "en": "Licence"},
    "col.version": {"nl": "Versie", "en": "Version"},
    "col.valid_from": {"nl": "Geldig vanaf", "en": "Valid from"},
    "col.rules": {"nl": "Regels", "en": "Rules"},
    "col.changes": {"nl": "Wijzigingen", "en": "Changes"},
    "empty.datasets": {
        "nl": "Nog geen datasets geladen. Voer pijplijn init --demo uit.",
        "en": "No datasets loaded yet. Run pijplijn init --demo.",
    },
    "error.heading": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "error.back": {"nl": "Terug naar het overzicht", "en": "Back to the overview"},
    "data.json": {"nl": "Deze gegevens als JSON", "en": "This data as JSON"},
    "pipeline.intro": {
        "nl": "Hoeveel jongeren staan er in elke fase, en hoeveel daarvan in de techniek? "
        "Klik op een fase voor de uitsplitsing.",
        "en": "How many young people are at each stage, and how many of them in techniek? "
        "Click a stage for the breakdown.",
    },
    "pipeline.table": {"nl": "Aantallen per fase", "en": "Counts per stage"},
    "pipeline.other_period": {
        "nl": "geen gegevens voor dit jaar: dichtstbijzijnde periode",
        "en": "no data for this year: nearest period",
    },
    "pipeline.suppressed": {
        "nl": "ondergrens: kleine aantallen (<5) zijn niet gepubliceerd",
        "en": "lower bound: small counts (<5) are not published",
    },
    "pipeline.drill_by": {"nl": "Uitsplitsen naar", "en": "Break down by"},
    "goals.intro": {
        "nl": "Elk doel met zijn basiswaarde, streefwaarde, metingen, trend tot de deadline "
        "en het aandeel van elke partner. De status komt uit de gegevens; waar die te kort "
        "zijn, staat dat er.",
        "en": "Every goal with its baseline, target, measurements, trend to the deadline and "
        "each partner's share. The status comes from the data; where it is too short, it says "
        "so.",
    },
    "goals.baseline": {"nl": "Basis", "en": "Baseline"},
    "goals.target": {"nl": "Doel", "en": "Target"},
    "goals.by": {"nl": "uiterlijk", "en": "by"},
    "goals.provisional": {"nl": "voorlopig", "en": "provisional"},
    "goals.latest": {"nl": "Laatste meting", "en": "Latest measurement"},
    "goals.after_deadline": {"nl": "na de deadline", "en": "after the deadline"},
    "goals.progress": {"nl": "Voortgang", "en": "Progress"},
    "goals.projected": {"nl": "Trend bij de deadline", "en": "Trend at the deadline"},
    "goals.too_little": {"nl": "te weinig data", "en": "too little data"},
    "goals.partners": {"nl": "Partners en hun aandeel", "en": "Partners and their share"},
    "goals.partner": {"nl": "Partner", "en": "Partner"},
    "goals.share": {"nl": "Aandeel", "en": "Share"},
    "goals.sub_target": {"nl": "Deeldoel", "en": "Sub-target"},
    "col.unit": {"nl": "Eenheid", "en": "Unit"},
    "col.group": {"nl": "Groep", "en": "Group"},
    "col.region": {"nl": "Regio", "en": "Region"},
    "col.value": {"nl": "Waarde", "en": "Value"},
    "indicator.data": {"nl": "Gegevens", "en": "Data"},
    "block.data": {"nl": "Data", "en": "Data"},
    "scenarios.intro": {
        "nl": "Zet de hefbomen van de Twente Techniek Agenda met de schuiven. De projectie en "
        "de dekking van de vervangingsvraag rekenen direct opnieuw, naast de basis (geen "
        "hefbomen), met 80%-marges.",
        "en": "Set the levers of the Twente Techniek Agenda with the sliders. The projection "
        "and the coverage of replacement demand recompute at once, next to the baseline (no "
        "levers), with 80% intervals.",
    },
    "scenarios.levers": {
        "nl": "Hefbomen (verandering t.o.v. de basis)",
        "en": "Levers (change from the baseline)",
    },
    "scenarios.compute": {"nl": "Bereken", "en": "Compute"},
    "scenarios.preset": {"nl": "Techniek Agenda", "en": "Techniek Agenda"},
    "scenarios.reset": {"nl": "Terug naar de basis", "en": "Back to the baseline"},
    "scenarios.result": {"nl": "Uitkomst in", "en": "Outcome in"},
    "scenarios.with": {"nl": "Scenario met", "en": "Scenario with"},
    "scenarios.levers_active": {"nl": "hefboom/hefbomen", "en": "lever(s)"},
    "scenarios.baseline_only": {"nl": "Alleen de basis", "en": "Baseline only"},
    "scenarios.draws": {"nl": "trekkingen", "en": "draws"},
    "scenarios.base_year": {"nl": "laatste datajaar", "en": "last data year"},
    "scenarios.interval": {"nl": "80%-marge", "en": "80% interval"},
    "scenarios.baseline": {"nl": "basis", "en": "baseline"},
    "scenarios.save": {"nl": "Bewaren", "en": "Save"},
    "scenarios.permalink": {"nl": "vaste link", "en": "permalink"},
    "scenarios.yaml": {"nl": "scenariobestand (YAML)", "en": "scenario file (YAML)"},
    "scenarios.save_hint": {
        "nl": "in de database met 'pijplijn scenarios save BESTAND'",
        "en": "into the database with 'pijplijn scenarios save FILE'",
    },
    "block.download": {"nl": "Download", "en": "Download"},
    "block.source": {"nl": "Bron", "en": "Source"},
    "indicator.compare": {"nl": "Regio's vergeleken", "en": "Regions compared"},
    "indicator.breakdown": {"nl": "Uitsplitsing", "en": "Breakdown"},
    "indicator.breakdown_none": {
        "nl": "Deze indicator kent geen uitsplitsing.",
        "en": "This indicator has no breakdown.",
    },
    "indicator.map": {"nl": "Per gemeente", "en": "Per municipality"},
    "indicator.show": {"nl": "Toon", "en": "Show"},
    "indicator.sources": {"nl": "Bron en definitie", "en": "Source and definition"},
    "indicator.definitions": {"nl": "Definitieversies", "en": "Definition versions"},
    "indicator.nodata": {"nl": "Geen gegevens.", "en": "No data."},
    "indicator.inexact": {
        "nl": "niet exact: een invoer is onderdrukt, ontbreekt of is geschat",
        "en": "not exact: an input is suppressed, missing or estimated",
    },
    "col.stage": {"nl": "Fase", "en": "Stage"},
    "col.measure": {"nl": "Maat", "en": "Measure"},
    "col.period": {"nl": "Periode", "en": "Period"},
    "col.total": {"nl": "Totaal", "en": "Total"},
    "col.sources": {"nl": "Bronnen", "en": "Sources"},
}


def translator(lang: str) -> Callable[[str], str]:
    """Return a function that gives a key's text in ``lang`` (Dutch when missing)."""

    def text(key: str) -> str:
        entry = TEXTS.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry["nl"]

    return text
