"""``pijplijn goals add|edit|archive|restore``: the programme office's own goals from the
command line, through the same service as the web form (``register.goals``): the same
validation, audit trail and optimistic locking. ``pijplijn goals`` alone shows the scorecard
(``cli/indicators.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from pijplijn.cli.app import DatabaseOption, app, engine_for, guard, out

goals_app = typer.Typer(
    name="goals",
    help="De scorekaart van de doelen; met add, edit, archive en restore de eigen doelen "
    "van het programmabureau.",
    invoke_without_command=True,
)
app.add_typer(goals_app)

_Command = TypeVar("_Command", bound=Callable[..., Any])


def goals_command(name: str) -> Callable[[_Command], _Command]:
    """Register a ``goals`` subcommand whose PijplijnErrors become one line and exit 2."""

    def register(function: _Command) -> _Command:
        goals_app.command(name)(guard(function))
        return function

    return register


def _option(help: str, name: str | None = None) -> Any:
    return typer.Option(*([name] if name else []), help=help, show_default=False)


Title = Annotated[str | None, _option("Titel van het doel.")]
TitleEn = Annotated[str | None, _option("Titel in het Engels.", "--title-en")]
Programme = Annotated[str | None, _option("Programma of agenda waarin het doel is afgesproken.")]
Theme = Annotated[str | None, _option("Thema.")]
Indicator = Annotated[
    str | None, _option("Indicator uit de catalogus (zie 'pijplijn indicators').")
]
Region = Annotated[str | None, _option("Regio (regioset, provincie, COROP-gebied, ...).")]
Where = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help="Selectie op een uitsplitsing, DIMENSIE=WAARDE (herhaalbaar).",
        show_default=False,
    ),
]
BaselinePeriod = Annotated[
    str | None, _option("Basisperiode: 2024 of 2024-2025.", "--baseline-period")
]
BaselineValue = Annotated[
    str | None,
    _option(
        "Basiswaarde (leeg: berekend uit de indicator); vraagt --baseline-source.",
        "--baseline-value",
    ),
]
BaselineSource = Annotated[str | None, _option("Bron van de basiswaarde.", "--baseline-source")]
TargetRule = Annotated[
    str | None, _option("Doelregel: relative, absolute of share.", "--target-rule")
]
TargetChange = Annotated[
    str | None,
    _option("Verandering: 0.10 of 10% is +10% (share: procentpunten).", "--target-change"),
]
TargetValue = Annotated[
    str | None, _option("Doelwaarde in de eenheid van de indicator.", "--target-value")
]
TargetSource = Annotated[str | None, _option("Bron van het doel.", "--target-source")]
Deadline = Annotated[str | None, _option("Deadline, jjjj-mm-dd.")]
Milestone = Annotated[
    list[str] | None,
    typer.Option(
        "--milestone",
        help="Tussendoel DATUM=WAARDE, bijv. 2028-12-31=7000 (herhaalbaar).",
        show_default=False,
    ),
]
Trend = Annotated[str | None, _option("Trend: linear of damped.")]
Source = Annotated[str | None, _option("Bron of besluit van het doel.")]
Notes = Annotated[str | None, _option("Toelichting.")]
Partner = Annotated[
    list[str] | None,
    typer.Option(
        "--partner",
        help="Partner uit het register: ORGANISATIE=AANDEEL (naam of id; aandeel in procenten), "
        "of alleen ORGANISATIE als de verdeling nog niet is vastgesteld (herhaalbaar).",
        show_default=False,
    ),
]
Agreed = Annotated[
    bool | None,
    typer.Option(
        "--shares-agreed/--shares-not-agreed",
        help="De verdeling over de partners is vastgesteld (of nog niet).",
        show_default=False,
    ),
]
Version = Annotated[
    int,
    typer.Option(
        "--version", help="De versie waarop de wijziging is gebaseerd (zie 'goals --format json')."
    ),
]


def _values(
    given: dict[str, str | None],
    where: list[str] | None,
    partners: list[str] | None,
    agreed: bool | None,
    milestones: list[str] | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if milestones:
        values["milestones"] = "; ".join(milestones)
    if where:
        values["filters"] = ", ".join(where)
    if agreed is not None:
        values["shares_agreed"] = agreed
    if partners:
        values["partners"] = partners
    return values


def _rows(session: Any, texts: list[str]) -> list[Any]:
    """Return ``--partner`` values as partner rows: an organisation by id or by its name."""
    from sqlalchemy import func, select

    from pijplijn.register.goals import PartnerRow
    from pijplijn.store.register_models import Organisation

    rows = []
    for text in texts:
        name, _, share = text.rpartition("=") if "=" in text else (text, "", "")
        name = name.strip()
        if not name.isdigit():
            found = session.scalar(
                select(Organisation.id).where(
                    func.lower(Organisation.name) == name.lower(),
                    Organisation.archived_at.is_(None),
                )
            )
            name = str(found) if found is not None else name
        rows.append(PartnerRow(name, share.strip()))
    return rows


def _save(
    values: dict[str, Any], goal_id: str | None, version: int | None, database: str | None
) -> None:
    from pijplijn.accounts.rights import SYSTEM
    from pijplijn.cli.app import content_pack
    from pijplijn.register import goals as service
    from pijplijn.store.db import session_scope

    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        if goal_id is None:
            values["partners"] = _rows(session, values.get("partners") or [])
            goal = service.create(session, SYSTEM, pack.indicators, values)
            action = "toegevoegd"
        else:
            current = service.form_values(session, service.get(session, goal_id))
            if "partners" in values:
                values["partners"] = _rows(session, values["partners"])
            goal = service.update(
                session, SYSTEM, pack.indicators, goal_id, version or 0, {**current, **values}
            )
            action = "opgeslagen"
        goal_id, new_version = goal.id, goal.version
    out.print(f"doel '{goal_id}' {action} (versie {new_version}); zie 'pijplijn goals'")


@goals_command("add")
def add(
    title: Title = None,
    indicator: Indicator = None,
    region: Region = None,
    baseline_period: BaselinePeriod = None,
    target_rule: TargetRule = None,
    deadline: Deadline = None,
    milestone: Milestone = None,
    partner: Partner = None,
    shares_agreed: Agreed = None,
    baseline_value: BaselineValue = None,
    baseline_source: BaselineSource = None,
    target_change: TargetChange = None,
    target_value: TargetValue = None,
    target_source: TargetSource = None,
    where: Where = None,
    title_en: TitleEn = None,
    programme: Programme = None,
    theme: Theme = None,
    trend: Trend = None,
    source: Source = None,
    notes: Notes = None,
    id: Annotated[str | None, _option("Id van het doel (anders gemaakt uit de titel).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Voeg een doel van het programmabureau toe: indicator, regio, basis, doel, deadline
    en de aandelen van de partners uit het register. Gecontroleerd als een doelenbestand;
    een fout noemt het veld, exit 2, er wordt niets opgeslagen."""
    given = {
        "id": id,
        "title": title,
        "title_en": title_en,
        "programme": programme,
        "theme": theme,
        "indicator": indicator,
        "region": region,
        "baseline_period": baseline_period,
        "baseline_value": baseline_value,
        "baseline_source": baseline_source,
        "target_rule": target_rule,
        "target_change": target_change,
        "target_value": target_value,
        "target_source": target_source,
        "deadline": deadline,
        "trend": trend,
        "source": source,
        "notes": notes,
    }
    _save(_values(given, where, partner, shares_agreed, milestone), None, None, database)


@goals_command("edit")
def edit(
    goal_id: Annotated[str, typer.Argument(metavar="ID", help="Het doel (zie 'pijplijn goals').")],
    version: Version,
    title: Title = None,
    indicator: Indicator = None,
    region: Region = None,
    baseline_period: BaselinePeriod = None,
    target_rule: TargetRule = None,
    deadline: Deadline = None,
    milestone: Milestone = None,
    partner: Partner = None,
    shares_agreed: Agreed = None,
    baseline_value: BaselineValue = None,
    baseline_source: BaselineSource = None,
    target_change: TargetChange = None,
    target_value: TargetValue = None,
    target_source: TargetSource = None,
    where: Where = None,
    title_en: TitleEn = None,
    programme: Programme = None,
    theme: Theme = None,
    trend: Trend = None,
    source: Source = None,
    notes: Notes = None,
    database: DatabaseOption = None,
) -> None:
    """Wijzig een doel van het programmabureau: alleen de gegeven velden veranderen
    (--partner vervangt alle partners). Is het doel intussen gewijzigd (een andere versie
    dan --version), dan wordt niets opgeslagen (exit 2). Een lege waarde ('') wist een veld."""
    given = {
        "title": title,
        "title_en": title_en,
        "programme": programme,
        "theme": theme,
        "indicator": indicator,
        "region": region,
        "baseline_period": baseline_period,
        "baseline_value": baseline_value,
        "baseline_source": baseline_source,
        "target_rule": target_rule,
        "target_change": target_change,
        "target_value": target_value,
        "target_source": target_source,
        "deadline": deadline,
        "trend": trend,
        "source": source,
        "notes": notes,
    }
    _save(_values(given, where, partner, shares_agreed, milestone), goal_id, version, database)


def _archive_or_restore(goal_id: str, version: int, database: str | None, archive: bool) -> None:
    from pijplijn.accounts.rights import SYSTEM
    from pijplijn.register import goals as service
    from pijplijn.store.db import session_scope

    with session_scope(engine_for(database)) as session:
        change = service.archive if archive else service.restore
        new_version = change(session, SYSTEM, goal_id, version).version
    done = "gearchiveerd: het staat niet meer op de scorekaart" if archive else "hersteld"
    out.print(f"doel '{goal_id}' {done} (versie {new_version})")


@goals_command("archive")
def archive(
    goal_id: Annotated[str, typer.Argument(metavar="ID", help="Het doel.")],
    version: Version,
    database: DatabaseOption = None,
) -> None:
    """Archiveer een doel van het programmabureau (niets wordt verwijderd)."""
    _archive_or_restore(goal_id, version, database, archive=True)


@goals_command("restore")
def restore(
    goal_id: Annotated[str, typer.Argument(metavar="ID", help="Het doel.")],
    version: Version,
    database: DatabaseOption = None,
) -> None:
    """Zet een gearchiveerd doel terug op de scorekaart."""
    _archive_or_restore(goal_id, version, database, archive=False)
