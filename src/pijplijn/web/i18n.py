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
    "nav.labour": {"nl": "Arbeidsmarkt", "en": "Labour market"},
    "labour.jobs_headline": {
        "nl": "{region} telde in {year} {count} banen van werknemers, {growth} sinds {since}",
        "en": "{region} had {count} jobs of employees in {year}, {growth} since {since}",
    },
    "labour.figures_of": {"nl": "cijfers van", "en": "figures of"},
    "labour.coverage_headline": {
        "nl": "Technische gediplomeerden die gaan werken dekken van de technische vraag",
        "en": "Technical graduates entering work cover of technical demand",
    },
    "labour.coverage_none": {
        "nl": "De dekking van de vraag door gediplomeerden is nog niet te berekenen: zie de tabel.",
        "en": "The coverage of demand by graduates cannot be computed yet: see the table.",
    },
    "labour.jobs": {"nl": "Banen en hun ontwikkeling", "en": "Jobs and their trend"},
    "labour.industry": {
        "nl": "Aandeel industrie in alle banen in {year}: {share}.",
        "en": "Share of manufacturing in all jobs in {year}: {share}.",
    },
    "labour.more": {"nl": "meer", "en": "more"},
    "labour.coverage": {
        "nl": "Vraag tot 2030 tegenover technische gediplomeerden",
        "en": "Demand until 2030 against technical graduates",
    },
    "labour.coverage_intro": {
        "nl": "Dekking = gediplomeerden × aandeel dat gaat werken ÷ vraag per jaar "
        "(vervangings- plus uitbreidingsvraag, ROA). Naast de berekende dekking staat het "
        "gepubliceerde cijfer (Regiovisie §4.1) en het oordeel van 'pijplijn check'.",
        "en": "Coverage = graduates × share entering work ÷ demand per year (replacement plus "
        "expansion demand, ROA). Beside the computed coverage: the published figure "
        "(Regiovisie §4.1) and the verdict of 'pijplijn check'.",
    },
    "labour.coverage_table": {
        "nl": "Dekking van de technische vraag per niveau",
        "en": "Coverage of technical demand per level",
    },
    "labour.group": {"nl": "niveau", "en": "level"},
    "labour.demand_year": {"nl": "vraag per jaar", "en": "demand per year"},
    "labour.graduates": {"nl": "gediplomeerden", "en": "graduates"},
    "labour.ratio": {"nl": "dekking [interval]", "en": "coverage [interval]"},
    "labour.published": {"nl": "gepubliceerd", "en": "published"},
    "labour.verdict": {"nl": "oordeel / ontbreekt", "en": "verdict / missing"},
    "labour.not_computable": {"nl": "niet berekenbaar", "en": "not computable"},
    "labour.missing": {"nl": "ontbreekt", "en": "missing"},
    "labour.no_published": {
        "nl": "berekend; geen gepubliceerd cijfer om mee te vergelijken",
        "en": "computed; no published figure to compare with",
    },
    "labour.method": {"nl": "Methode, invoer en bronnen", "en": "Method, inputs and sources"},
    "labour.entering": {"nl": "Aandeel dat gaat werken", "en": "Share entering work"},
    "labour.inputs": {"nl": "Invoer", "en": "Inputs"},
    "labour.vacancies": {
        "nl": "Vacaturegraad per sector",
        "en": "Vacancy rate per sector",
    },
    "labour.occupations": {
        "nl": "Technische beroepen met de grootste vervangingsvraag",
        "en": "Technical occupations with the largest replacement demand",
    },
    "labour.national": {"nl": "Nederland", "en": "the Netherlands"},
    "labour.occupation": {"nl": "beroepsgroep", "en": "occupation group"},
    "labour.replacement": {"nl": "vervangingsvraag", "en": "replacement demand"},
    "labour.expansion": {"nl": "uitbreidingsvraag", "en": "expansion demand"},
    "labour.bottleneck": {"nl": "knelpunten (ITKB)", "en": "bottlenecks (ITKB)"},
    "labour.tightness": {"nl": "huidige spanning", "en": "current tightness"},
    "labour.occupations_missing": {
        "nl": "nodig is ROA's AIS per beroepsgroep (roa:ais2030-brc of roa:ais2030)",
        "en": "needs ROA's AIS per occupation group (roa:ais2030-brc or roa:ais2030)",
    },
    "flag.estimated": {"nl": "geschat", "en": "estimated"},
    "labour.occupations_demand": {
        "nl": "Vraag naar technische beroepen (alle niveaus) in de regio",
        "en": "Demand for technical occupations (all levels) in the region",
    },
    "labour.per_year": {"nl": "per jaar", "en": "per year"},
    "api.title": {"nl": "De open API", "en": "The open API"},
    "api.lead": {
        "nl": "Elk cijfer van de monitor is ook op te vragen als JSON, CSV of XLSX, met zijn "
        "herkomst. Hieronder staan alle bewerkingen; het volledige schema:",
        "en": "Every figure of the monitor is also available as JSON, CSV or XLSX, with its "
        "provenance. All operations are listed below; the full schema:",
    },
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
    "goals.definition": {"nl": "gemeten als", "en": "measured as"},
    "goals.progress": {"nl": "Voortgang", "en": "Progress"},
    "goals.projected": {"nl": "Trend bij de deadline", "en": "Trend at the deadline"},
    "goals.too_little": {"nl": "te weinig data", "en": "too little data"},
    "goals.final": {"nl": "eindoordeel", "en": "final verdict"},
    "goals.judged_on": {"nl": "Beoordeeld op", "en": "Judged on"},
    "goals.verdict_at": {"nl": "eindoordeel per", "en": "final verdict at"},
    "goals.restated": {"nl": "herberekend met", "en": "restated with"},
    "breaks.restated": {"nl": "herberekend met", "en": "restated with"},
    "breaks.refused": {"nl": "niet vergelijkbaar met", "en": "not comparable with"},
    "goals.partners": {"nl": "Partners en hun aandeel", "en": "Partners and their share"},
    "goals.partner": {"nl": "Partner", "en": "Partner"},
    "goals.share": {"nl": "Aandeel", "en": "Share"},
    "goals.sub_target": {"nl": "Deeldoel", "en": "Sub-target"},
    "goals.office": {"nl": "Doelen van het programmabureau", "en": "Goals of the programme office"},
    "goals.office_none": {
        "nl": "Het programmabureau heeft nog geen eigen doelen vastgelegd.",
        "en": "The programme office has not set goals of its own yet.",
    },
    "goals.history": {"nl": "Geschiedenis", "en": "History"},
    "goals.history_note": {
        "nl": "Doelen uit het contentpakket: vastgelegd in de agenda, alleen te lezen.",
        "en": "Goals from the content pack: set in the agenda, read-only.",
    },
    "goals.finished": {"nl": "afgerond", "en": "finished"},
    "goals.running": {"nl": "lopend", "en": "running"},
    "goals.edit": {"nl": "Doelen beheren", "en": "Manage goals"},
    "goals.split_all": {"nl": "Voor alle partners", "en": "For all partners"},
    "goals.milestones": {"nl": "Tussendoelen", "en": "Milestones"},
    "col.unit": {"nl": "Eenheid", "en": "Unit"},
    "col.group": {"nl": "Groep", "en": "Group"},
    "col.region": {"nl": "Regio", "en": "Region"},
    "col.value": {"nl": "Waarde", "en": "Value"},
    "indicator.data": {"nl": "Gegevens", "en": "Data"},
    "block.data": {"nl": "Data", "en": "Data"},
    "overview.figures": {"nl": "Kerncijfers", "en": "Key figures"},
    "sources.check": {
        "nl": "Controle van gepubliceerde cijfers (pijplijn check)",
        "en": "Check of published figures (pijplijn check)",
    },
    "col.verdict": {"nl": "Oordeel", "en": "Verdict"},
    "col.published": {"nl": "Gepubliceerd", "en": "Published"},
    "col.computed": {"nl": "Berekend", "en": "Computed"},
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
    "scenarios.saved": {"nl": "Opgeslagen", "en": "Saved"},
    "scenarios.name": {"nl": "Naam", "en": "Name"},
    "scenarios.save_db": {"nl": "Bewaar als scenario", "en": "Save as scenario"},
    "scenarios.login_hint": {
        "nl": "ingelogd als redacteur of beheerder bewaart u het hier",
        "en": "logged in as redacteur or beheerder you save it here",
    },
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
        "nl": "niet exact: een invoer is onderdrukt, ontbreekt, is geschat of dekt maar een deel "
        "van de regio",
        "en": "not exact: an input is suppressed, missing, estimated or covers only part of the "
        "region",
    },
    "indicator.coverage": {"nl": "Dekking", "en": "Coverage"},
    "col.stage": {"nl": "Fase", "en": "Stage"},
    "col.measure": {"nl": "Maat", "en": "Measure"},
    "col.period": {"nl": "Periode", "en": "Period"},
    "col.total": {"nl": "Totaal", "en": "Total"},
    "col.sources": {"nl": "Bronnen", "en": "Sources"},
}

TEXTS |= {  # the login, account and admin pages (issue 7)
    "nav.admin": {"nl": "Beheer", "en": "Admin"},
    "nav.account": {"nl": "Account", "en": "Account"},
    "nav.login": {"nl": "Inloggen", "en": "Log in"},
    "nav.logout": {"nl": "Uitloggen", "en": "Log out"},
    "login.heading": {"nl": "Inloggen", "en": "Log in"},
    "login.email": {"nl": "E-mailadres", "en": "E-mail address"},
    "login.password": {"nl": "Wachtwoord", "en": "Password"},
    "login.submit": {"nl": "Inloggen", "en": "Log in"},
    "account.heading": {"nl": "Uw account", "en": "Your account"},
    "account.tokens": {"nl": "Persoonlijke API-tokens", "en": "Personal API tokens"},
    "account.tokens_intro": {
        "nl": "Een token geeft een script uw rechten op de API (Authorization: Bearer pl_…). "
        "Het wordt één keer getoond; bewaar het veilig en trek het in als u het niet meer "
        "gebruikt.",
        "en": "A token gives a script your rights on the API (Authorization: Bearer pl_…). It "
        "is shown once; keep it safe and revoke it when you no longer use it.",
    },
    "account.token_once": {
        "nl": "Uw nieuwe token (wordt niet nog eens getoond):",
        "en": "Your new token (it will not be shown again):",
    },
    "account.prefix": {"nl": "Begin", "en": "Prefix"},
    "account.created": {"nl": "Gemaakt", "en": "Created"},
    "account.last_used": {"nl": "Laatst gebruikt", "en": "Last used"},
    "account.active": {"nl": "actief", "en": "active"},
    "account.revoked": {"nl": "ingetrokken", "en": "revoked"},
    "account.revoke": {"nl": "Intrekken", "en": "Revoke"},
    "account.no_tokens": {"nl": "Nog geen tokens.", "en": "No tokens yet."},
    "account.create_token": {"nl": "Nieuw token", "en": "New token"},
    "admin.new": {"nl": "Nieuw", "en": "New"},
    "admin.save": {"nl": "Opslaan", "en": "Save"},
    "admin.saved": {"nl": "Opgeslagen.", "en": "Saved."},
    "admin.edit": {"nl": "Wijzigen", "en": "Edit"},
    "admin.archive": {"nl": "Archiveren", "en": "Archive"},
    "admin.archived": {"nl": "gearchiveerd", "en": "archived"},
    "admin.archived_record": {
        "nl": "Dit record is gearchiveerd; een beheerder kan het herstellen.",
        "en": "This record is archived; a beheerder can restore it.",
    },
    "admin.restore": {"nl": "Herstellen", "en": "Restore"},
    "admin.empty": {"nl": "Nog niets.", "en": "Nothing yet."},
    "admin.back_to_list": {"nl": "Terug naar de lijst", "en": "Back to the list"},
    "admin.fix_fields": {
        "nl": "Niet opgeslagen: verbeter de gemarkeerde velden.",
        "en": "Not saved: correct the marked fields.",
    },
    "admin.conflict": {"nl": "Conflict:", "en": "Conflict:"},
    "admin.conflict_help": {
        "nl": "Hieronder staan de huidige waarden naast de uwe; uw invoer staat nog in het "
        "formulier. Controleer en sla opnieuw op om de huidige versie te overschrijven.",
        "en": "Below are the current values next to yours; your input is still in the form. "
        "Check and save again to overwrite the current version.",
    },
    "admin.field": {"nl": "Veld", "en": "Field"},
    "admin.current": {"nl": "Nu opgeslagen", "en": "Stored now"},
    "admin.yours": {"nl": "Uw invoer", "en": "Your input"},
    "admin.users": {"nl": "Gebruikers", "en": "Users"},
    "admin.new_user": {"nl": "Nieuwe gebruiker", "en": "New user"},
    "admin.role": {"nl": "Rol", "en": "Role"},
    "admin.change_role": {"nl": "Rol wijzigen", "en": "Change role"},
    "admin.disabled": {"nl": "uitgeschakeld", "en": "disabled"},
    "admin.disable": {"nl": "Uitschakelen", "en": "Disable"},
    "admin.enable": {"nl": "Inschakelen", "en": "Enable"},
    "admin.audit": {"nl": "Audittrail", "en": "Audit trail"},
    "admin.when": {"nl": "Wanneer", "en": "When"},
    "admin.who": {"nl": "Wie", "en": "Who"},
    "admin.entity": {"nl": "Soort", "en": "Kind"},
    "admin.action": {"nl": "Actie", "en": "Action"},
    "admin.changes": {"nl": "Voor → na", "en": "Before → after"},
    "admin.revert": {"nl": "Terugzetten", "en": "Set back"},
    "admin.revert_help": {
        "nl": "Zet het record terug naar de waarden direct na deze wijziging",
        "en": "Set the record back to its values right after this change",
    },
    "entity.organisation": {"nl": "Organisatie", "en": "Organisation"},
    "entity.project": {"nl": "Project", "en": "Project"},
    "entity.participation": {"nl": "Deelname", "en": "Participation"},
    "entities.organisation": {"nl": "Organisaties", "en": "Organisations"},
    "entities.project": {"nl": "Projecten", "en": "Projects"},
    "entities.participation": {"nl": "Deelname", "en": "Participation"},
    "col.name": {"nl": "Naam", "en": "Name"},
    "col.organisation": {"nl": "Organisatie", "en": "Organisation"},
    "field.kind": {"nl": "Soort (vier O's)", "en": "Kind (four O's)"},
    "field.size_class": {"nl": "Grootteklasse (werknemers)", "en": "Size class (employees)"},
    "field.sector": {"nl": "Sector", "en": "Sector"},
    "field.gemeente": {"nl": "Gemeente", "en": "Municipality"},
    "field.kvk": {"nl": "KvK-nummer", "en": "KvK number"},
    "field.voorbeeld": {"nl": "voorbeeld", "en": "example (voorbeeld)"},
    "field.code": {"nl": "Code", "en": "Code"},
    "field.programme_line": {"nl": "Programmalijn", "en": "Programme line"},
    "field.themes": {"nl": "Thema's", "en": "Themes"},
    "field.partners": {"nl": "Partners", "en": "Partners"},
    "field.period_start": {"nl": "Begin", "en": "Start"},
    "field.period_end": {"nl": "Einde", "en": "End"},
    "field.target_group": {"nl": "Doelgroep", "en": "Target group"},
    "field.description": {"nl": "Beschrijving", "en": "Description"},
    "field.source": {"nl": "Bron", "en": "Source"},
    "field.project": {"nl": "Project", "en": "Project"},
    "field.role": {"nl": "Rol", "en": "Role"},
    "field.pupils": {"nl": "Leerlingen", "en": "Pupils"},
    "field.students": {"nl": "Studenten", "en": "Students"},
    "field.teachers": {"nl": "Docenten", "en": "Teachers"},
    "field.companies": {"nl": "Bedrijven", "en": "Companies"},
    "field.note": {"nl": "Toelichting", "en": "Note"},
    "upload.bulk": {"nl": "Deelname uploaden (sjabloon)", "en": "Upload participation (template)"},
    "upload.bulk_intro": {
        "nl": "Upload het ingevulde partnersjabloon (CSV). U ziet eerst de controle; er wordt "
        "pas iets opgeslagen als u bevestigt, en dan alles of niets.",
        "en": "Upload the filled-in partner template (CSV). You first see the check; nothing "
        "is stored until you confirm, and then all or nothing.",
    },
    "upload.template": {"nl": "Sjabloon downloaden", "en": "Download the template"},
    "upload.file": {"nl": "Bestand", "en": "File"},
    "upload.preview": {"nl": "Controleren", "en": "Check"},
    "upload.confirm": {"nl": "Bevestigen en opslaan", "en": "Confirm and store"},
    "upload.findings": {"nl": "Controle", "en": "Check"},
    "upload.valid": {
        "nl": "Het bestand is in orde. Er is nog niets opgeslagen.",
        "en": "The file is valid. Nothing has been stored yet.",
    },
    "upload.stored": {
        "nl": "Het bestand is in orde en opgeslagen.",
        "en": "The file is valid and has been stored.",
    },
    "upload.invalid": {
        "nl": "Het bestand bevat fouten; er is niets opgeslagen.",
        "en": "The file has errors; nothing was stored.",
    },
    "upload.warnings": {"nl": "Waarschuwingen", "en": "Warnings"},
    "upload.rows": {"nl": "Rijen", "en": "Rows"},
    "upload.created": {"nl": "Opgeslagen deelnamerecords", "en": "Participation records stored"},
    "upload.datasets": {"nl": "DUO/CBS-bestand uploaden", "en": "Upload a DUO/CBS file"},
    "upload.datasets_intro": {
        "nl": "Dezelfde controle als 'pijplijn import': eerst de bevindingen, dan bevestigen.",
        "en": "The same checks as 'pijplijn import': the findings first, then confirm.",
    },
    "upload.kind": {"nl": "Soort", "en": "Kind"},
    "upload.detect": {"nl": "herkennen aan de kopregel", "en": "detect from the header"},
    "upload.disclosure": {"nl": "Openbaarheid", "en": "Disclosure"},
    "upload.disclosure_default": {
        "nl": "standaard van het pakket voor deze soort",
        "en": "the pack's default for this kind",
    },
    "disclosure.open": {"nl": "open (zo gepubliceerd)", "en": "open (as published)"},
    "disclosure.protected": {
        "nl": "beschermd (kleine aantallen onderdrukt)",
        "en": "protected (small counts hidden)",
    },
    "upload.loaded": {"nl": "Geladen", "en": "Loaded"},
}


TEXTS |= {  # names instead of codes (issue 16.5): vocabulary words in the page's language
    "unit.count": {"nl": "aantal", "en": "count"},
    "unit.thousand": {"nl": "× 1.000", "en": "× 1,000"},
    "unit.share": {"nl": "aandeel (%)", "en": "share (%)"},
    "unit.growth": {"nl": "groei (%)", "en": "growth (%)"},
    "unit.unknown": {"nl": "onbekend", "en": "unknown"},
    "unit.ratio": {"nl": "verhouding", "en": "ratio"},
    "unit.rate": {"nl": "graad", "en": "rate"},
    "by.stage": {"nl": "fase (schoolsoort)", "en": "stage"},
    "by.gender": {"nl": "geslacht", "en": "gender"},
    "by.institution": {"nl": "instelling", "en": "institution"},
    "by.level": {"nl": "niveau", "en": "level"},
    "by.pathway": {"nl": "leerweg", "en": "pathway"},
    "by.region": {"nl": "regio", "en": "region"},
    "by.sector": {"nl": "sector", "en": "sector"},
    "by.subsector": {"nl": "subsector", "en": "subsector"},
    "by.opleidingsdomein": {"nl": "opleidingsdomein", "en": "field of education"},
    "by.programme_name": {"nl": "opleiding", "en": "programme"},
    "by.programme_code": {"nl": "opleidingscode", "en": "programme code"},
    "by.origin_stage": {"nl": "vooropleiding", "en": "prior education"},
    "by.origin_sector": {"nl": "sector vooropleiding", "en": "prior sector"},
    "by.subject": {"nl": "onderwerp", "en": "subject"},
    "by.domain": {"nl": "techniek of overig", "en": "techniek or other"},
    "by.period": {"nl": "periode", "en": "period"},
    "by.dataset": {"nl": "dataset", "en": "dataset"},
    "by.region_basis": {"nl": "regiotoewijzing", "en": "region basis"},
    "flag.suppressed": {"nl": "onderdrukt (klein aantal)", "en": "suppressed (small count)"},
    "flag.missing": {"nl": "ontbreekt", "en": "missing"},
    "flag.provisional": {"nl": "voorlopig", "en": "provisional"},
    "flag.partial": {"nl": "deel van de regio", "en": "part of the region"},
    "status.current": {"nl": "actueel", "en": "current"},
    "status.superseded": {"nl": "vervangen", "en": "superseded"},
    "status.partly-superseded": {"nl": "deels vervangen", "en": "partly superseded"},
    "status.reclassified": {"nl": "opnieuw ingedeeld", "en": "reclassified"},
    "verdict.match": {"nl": "klopt", "en": "match"},
    "verdict.contradiction": {"nl": "tegenstrijdig", "en": "contradiction"},
    "verdict.not-computable": {"nl": "niet te berekenen", "en": "not computable"},
    "verdict.no-counterpart": {"nl": "geen tegenhanger", "en": "no counterpart"},
    "basis.reported": {"nl": "zoals de bron meldt", "en": "as the source reports"},
    "basis.residence": {"nl": "woonplaats", "en": "place of residence"},
    "basis.establishment": {"nl": "vestiging", "en": "school location"},
    "basis.head-office": {"nl": "hoofdvestiging", "en": "head office"},
    "basis.unattributed": {"nl": "niet toe te wijzen", "en": "unattributed"},
    "codes.tab": {"nl": "Codes en formules", "en": "Codes and formulas"},
    "indicator.notes": {
        "nl": "Toelichting bij de berekening (met codes)",
        "en": "Notes on the computation (with codes)",
    },
    "col.id": {"nl": "nr.", "en": "no."},
    "error.validation": {
        "nl": "ongeldige parameter '{parameter}': {message}",
        "en": "invalid parameter '{parameter}': {message}",
    },
    "skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "http.400": {"nl": "Ongeldig verzoek", "en": "Bad request"},
    "http.401": {"nl": "Niet ingelogd", "en": "Not logged in"},
    "http.403": {"nl": "Geen toegang", "en": "Forbidden"},
    "http.404": {"nl": "Niet gevonden", "en": "Not found"},
    "http.405": {"nl": "Methode niet toegestaan", "en": "Method not allowed"},
    "http.413": {"nl": "Te groot", "en": "Too large"},
    "http.429": {"nl": "Te veel verzoeken", "en": "Too many requests"},
    "http.500": {"nl": "Fout in de server", "en": "Server error"},
    "http.503": {"nl": "Even niet beschikbaar", "en": "Temporarily unavailable"},
    "nav.menu": {"nl": "Menu", "en": "Menu"},
}


def term(lang: str, kind: str, code: object) -> str:
    """The word for a vocabulary ``code`` of ``kind`` (``unit``, ``by``, ``flag``,
    ``status``, ``verdict``, ``basis``) in ``lang``; the code itself when it has none."""
    entry = TEXTS.get(f"{kind}.{code}")
    if entry is None:
        return "" if code is None else str(code)
    return entry.get(lang) or entry["nl"]


def translator(lang: str) -> Callable[[str], str]:
    """Return a function that gives a key's text in ``lang`` (Dutch when missing)."""

    def text(key: str) -> str:
        entry = TEXTS.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry["nl"]

    return text
