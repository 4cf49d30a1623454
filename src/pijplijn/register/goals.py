"""Goals the programme office sets itself: create, edit, archive and restore, as versioned
records with the register's audit trail and optimistic locking (issue 18).

A goal comes in as the flat values of the web form or the CLI options (``GOAL_FIELDS``:
text as typed, partners as rows of organisation and share). ``build`` turns them into the
content pack's ``GoalDef`` and checks it with ``content.goals.check_goal``, the one
validation the YAML loader uses too; every problem names its form field. The writes run in
the caller's transaction (``store.db.session_scope``); a goal's change raises the data
version there, so every cached result that reads goals (scorecard, overview, report) is
computed afresh (``engine/cache.py``).

The content pack's goals (``origin = 'pack'``) are the read-only history: they are synced by
``pijplijn init`` and refused here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pijplijn.accounts.rights import Action, Actor, Resource, can
from pijplijn.content.goals import GoalDef, GoalProblem, PartnerDef, check_goal
from pijplijn.content.indicators import IndicatorDef
from pijplijn.register.audit import now, record_change, snapshot
from pijplijn.register.errors import (
    ConflictError,
    FieldProblem,
    ForbiddenError,
    InputError,
    NotFoundError,
)
from pijplijn.store.goal_models import Goal, GoalPartner
from pijplijn.store.models import Region
from pijplijn.store.register_models import Organisation
from pijplijn.store.setup import milestones_json

ENTITY = "goal"
TITLE = "doel"
OFFICE = "office"
PACK = "pack"
NOT_AGREED = "verdeling nog niet vastgesteld"
"""The note of every partner of a goal whose split is not agreed (said once per goal)."""
DEFAULT_PROGRAMME = "Doelen van het programmabureau"
TARGET_RULES: dict[str, str] = {
    "relative": "relatief: basiswaarde × (1 + verandering)",
    "absolute": "absoluut: een waarde om te bereiken",
    "share": "aandeel: een aandeel om te bereiken, of procentpunten erbij",
}
TRENDS: dict[str, str] = {"linear": "lineair", "damped": "gedempt"}
MAX_PARTNERS = 8
_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$")
"""'7.500' and '1.234.567': dots that group thousands (a decimal point has no such form)."""
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class GoalField:
    """A field of the goal form (and a CLI option): its name, Dutch label, kind, hint."""

    name: str
    label: str
    widget: Literal["text", "textarea", "select", "date", "checkbox"] = "text"
    required: bool = False
    hint: str = ""


GOAL_FIELDS: tuple[GoalField, ...] = (
    GoalField("title", "Titel", required=True, hint="bijv. 'Meer vmbo-leerlingen in techniek'"),
    GoalField("title_en", "Titel (Engels)"),
    GoalField("programme", "Programma of agenda", hint=f"leeg: '{DEFAULT_PROGRAMME}'"),
    GoalField("theme", "Thema"),
    GoalField("indicator", "Indicator", "select", required=True),
    GoalField("region", "Regio", "select", required=True),
    GoalField(
        "filters",
        "Selectie op uitsplitsingen",
        hint="bijv. institution=27YU, pathway=BBL; leeg: de hele regio",
    ),
    GoalField("baseline_period", "Basisperiode", required=True, hint="2024 of 2024-2025"),
    GoalField(
        "baseline_value",
        "Basiswaarde",
        hint="leeg: berekend uit de data van de indicator; ingevuld: met een bron",
    ),
    GoalField("baseline_source", "Bron van de basiswaarde"),
    GoalField("target_rule", "Doelregel", "select", required=True),
    GoalField(
        "target_change",
        "Verandering",
        hint="bij 'relatief': 0,10 of 10% is +10%; bij 'aandeel': 0,05 of 5% is +5 procentpunt",
    ),
    GoalField(
        "target_value",
        "Doelwaarde",
        hint="in de eenheid van de indicator; een aandeel als 0,55 of 55%",
    ),
    GoalField("target_source", "Bron van het doel"),
    GoalField("deadline", "Deadline", "date", required=True, hint="jjjj-mm-dd, bijv. 2030-12-31"),
    GoalField(
        "milestones",
        "Tussendoelen",
        hint="datum=waarde, gescheiden door ';', bijv. 2027-12-31=7.000; 2029-12-31=7.300",
    ),
    GoalField("trend", "Trend", "select"),
    GoalField("source", "Bron of besluit", "textarea"),
    GoalField("notes", "Toelichting", "textarea"),
    GoalField("shares_agreed", "De verdeling over de partners is vastgesteld", "checkbox"),
)
"""The goal's fields in form order; the partners follow as rows (``partners``)."""
FIELD_NAMES = frozenset(f.name for f in GOAL_FIELDS) | {"partners", "id"}


@dataclass(frozen=True)
class PartnerRow:
    """One partner row as typed: an organisation of the register and its share (percent)."""

    organisation_id: str
    share: str


# --- reading -----------------------------------------------------------------------------


def get(session: Session, goal_id: str) -> Goal:
    """Return the goal (archived or not); raise NotFoundError."""
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise NotFoundError(f"doel '{goal_id}' bestaat niet")
    return goal


def partners_of(session: Session, goal_id: str) -> list[GoalPartner]:
    """Return the goal's partners in their order."""
    return list(
        session.scalars(
            select(GoalPartner).where(GoalPartner.goal_id == goal_id).order_by(GoalPartner.position)
        )
    )


def form_values(session: Session, goal: Goal) -> dict[str, Any]:
    """Return a stored goal's values in the form's shape (text as shown)."""
    filters = json.loads(goal.filters or "{}")
    partners = partners_of(session, goal.id)
    return {
        "id": goal.id,
        "title": goal.title,
        # An English title left empty falls back to the Dutch one: show it empty again.
        "title_en": "" if goal.title_en == goal.title else goal.title_en,
        "programme": goal.programme,
        "theme": goal.theme,
        "indicator": goal.indicator,
        "region": goal.region_code,
        "filters": ", ".join(f"{k}={v}" for k, v in filters.items()),
        "baseline_period": goal.baseline_period,
        "baseline_value": _text(goal.baseline_value),
        "baseline_source": goal.baseline_source or "",
        "target_rule": goal.target_rule,
        "target_change": _text(goal.target_change),
        "target_value": _text(goal.target_value),
        "target_source": goal.target_source,
        "deadline": goal.deadline.isoformat(),
        "milestones": "; ".join(
            f"{m['by']}={_text(m['value'])}" for m in json.loads(goal.milestones or "[]")
        ),
        "trend": goal.trend_method,
        "source": goal.source,
        "notes": goal.notes,
        "shares_agreed": bool(partners) and not any(p.provisional for p in partners),
        "partners": [
            PartnerRow(
                "" if p.organisation_id is None else str(p.organisation_id),
                "" if p.provisional and not partners_split_entered(partners) else _text(p.share),
            )
            for p in partners
        ],
    }


def partners_split_entered(partners: Sequence[GoalPartner]) -> bool:
    """True unless the shares are the equal placeholder of a split not agreed."""
    if not partners or not all(p.provisional for p in partners):
        return True
    return any(abs(p.share - 100 / len(partners)) > 1e-6 for p in partners)


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:g}".replace(".", ",")


# --- validating ----------------------------------------------------------------------------


def build(
    session: Session,
    data: Mapping[str, Any],
    indicators: Sequence[IndicatorDef],
    goal_id: str,
) -> GoalDef:
    """Return the goal the form values describe, validated like a goals file; raise
    InputError naming the form field of every problem (nothing is written)."""
    problems: list[FieldProblem] = []
    text = {f.name: _clean(data.get(f.name)) for f in GOAL_FIELDS if f.widget != "checkbox"}
    for spec in GOAL_FIELDS:
        if spec.required and not text.get(spec.name):
            problems.append(FieldProblem(spec.name, "mag niet leeg zijn"))
    numbers = {
        name: _number(text[name], name, problems)
        for name in ("baseline_value", "target_change", "target_value")
    }
    deadline = _date(text["deadline"], problems) if text["deadline"] else None
    filters = _filters(text["filters"], problems)
    milestones = _milestones(text["milestones"], problems)
    rule = text["target_rule"]
    if rule and rule not in TARGET_RULES:
        problems.append(FieldProblem("target_rule", f"kies één van {', '.join(TARGET_RULES)}"))
    trend = text["trend"] or "linear"
    if trend not in TRENDS:
        problems.append(FieldProblem("trend", f"kies één van {', '.join(TRENDS)}"))
    partners = _partners(session, data, problems)
    if problems:
        raise InputError(TITLE, problems)
    assert deadline is not None  # required, checked above
    raw: dict[str, Any] = {
        "id": goal_id,
        "programme": text["programme"] or DEFAULT_PROGRAMME,
        "theme": text["theme"],
        "title": {"nl": text["title"], "en": text["title_en"] or text["title"]},
        "indicator": text["indicator"],
        "region": text["region"],
        "filters": filters,
        "baseline": {
            "period": text["baseline_period"],
            "value": numbers["baseline_value"],
            "source": text["baseline_source"] or None,
        },
        "target": {
            "rule": rule,
            "change": numbers["target_change"],
            "value": numbers["target_value"],
            "source": text["target_source"],
        },
        "deadline": deadline,
        "milestones": milestones,
        "trend": trend,
        "partners": partners,
        "source": text["source"],
        "notes": text["notes"],
    }
    try:
        goal = GoalDef.model_validate(raw)
    except ValidationError as exc:
        raise InputError(
            TITLE,
            [
                FieldProblem(
                    _field_of(tuple(e["loc"]), rule), e["msg"].removeprefix("Value error, ")
                )
                for e in exc.errors()
            ],
        ) from None
    regions = set(session.scalars(select(Region.code)))
    found = check_goal(goal, {i.id: i for i in indicators}, regions)
    if found:
        raise InputError(TITLE, [_problem(p, rule) for p in found])
    return goal


def _problem(problem: GoalProblem, rule: str) -> FieldProblem:
    return FieldProblem(_field_of(problem.path, rule), problem.message)


def _field_of(path: tuple[str | int, ...], rule: str) -> str:
    """Return the form field of a place in a goal (``("baseline", "period")``)."""
    head = str(path[0]) if path else "title"
    if head == "baseline":
        return "baseline_period" if path[1:2] == ("period",) else "baseline_source"
    if head == "target":
        if path[1:2] in (("value",), ("change",)):
            return f"target_{path[1]}"
        return "target_change" if rule == "relative" else "target_value"
    if head == "title":
        return "title"
    if head in FIELD_NAMES:
        return head
    return "title"


def _clean(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else "" if value is None else str(value)
    return "".join(c for c in text if unicodedata.category(c) != "Cc" or c in "\n\t")[:4000]


def _number(text: str, name: str, problems: list[FieldProblem]) -> float | None:
    """Read a number as typed: '0,10', '0.10', '10%' (a hundredth), '664', '7.500' (Dutch
    thousands); empty is None."""
    if not text:
        return None
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%")
    if "," in cleaned or _THOUSANDS.match(cleaned):
        # Dutch notation: '7.500' is seven thousand five hundred, '0,10' a tenth.
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        problems.append(FieldProblem(name, f"'{text}' is geen getal; bijv. 0,10 of 10% of 664"))
        return None
    if value != value or value in (float("inf"), float("-inf")):
        problems.append(FieldProblem(name, f"'{text}' is geen getal"))
        return None
    return value / 100 if percent else value


def _date(text: str, problems: list[FieldProblem]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem("deadline", f"'{text}' is geen datum; verwacht jjjj-mm-dd"))
        return None


def _filters(text: str, problems: list[FieldProblem]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            problems.append(
                FieldProblem(
                    "filters", f"'{part}': verwacht UITSPLITSING=WAARDE, bijv. institution=27YU"
                )
            )
            continue
        found[name.strip()] = value.strip()
    return found


def _milestones(text: str, problems: list[FieldProblem]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
        day, sep, value = part.partition("=")
        try:
            by = date.fromisoformat(day.strip())
        except ValueError:
            by = None
        number = _number(value.strip(), "milestones", problems) if sep else None
        if by is None or number is None:
            problems.append(
                FieldProblem(
                    "milestones", f"'{part}': verwacht DATUM=WAARDE, bijv. 2028-12-31=7.000"
                )
            )
            continue
        found.append({"by": by, "value": number})
    return found


def _partners(
    session: Session, data: Mapping[str, Any], problems: list[FieldProblem]
) -> list[dict[str, Any]]:
    """Return the partner rows as PartnerDef values: organisations of the register, their
    shares as entered, or (split not agreed, no shares entered) equal provisional shares."""
    rows = [
        r
        for r in data.get("partners") or []
        if isinstance(r, PartnerRow) and (r.organisation_id.strip() or r.share.strip())
    ][:MAX_PARTNERS]
    agreed = bool(data.get("shares_agreed"))
    chosen: list[tuple[Organisation, float | None]] = []
    for row in rows:
        key = row.organisation_id.strip()
        organisation = session.get(Organisation, int(key)) if key.isdigit() else None
        if organisation is None or organisation.archived_at is not None:
            problems.append(
                FieldProblem(
                    "partners",
                    f"kies een organisatie uit het register (niet '{key or 'leeg'}')",
                )
            )
            continue
        share = _number(row.share, "partners", problems)
        if row.share.strip().endswith("%") and share is not None:
            share *= 100  # a share is in percent already: '40%' is 40
        chosen.append((organisation, share))
    if not rows:
        problems.append(FieldProblem("partners", "noem minstens één partner uit het register"))
    entered = [share for _, share in chosen if share is not None]
    if agreed and len(entered) != len(chosen):
        problems.append(
            FieldProblem(
                "partners", "de verdeling is vastgesteld: vul bij elke partner een aandeel in"
            )
        )
    elif entered and len(entered) != len(chosen):
        problems.append(
            FieldProblem("partners", "vul bij elke partner een aandeel in, of bij geen enkele")
        )
    equal = 100 / len(chosen) if chosen else 0.0
    return [
        PartnerDef(
            name=organisation.name,
            kind=organisation.kind,
            share=equal if share is None else share,
            provisional=not agreed,
            note="" if agreed else NOT_AGREED,
            organisation_id=organisation.id,
        ).model_dump()
        for organisation, share in chosen
    ]


# --- writing -------------------------------------------------------------------------------


def create(
    session: Session,
    actor: Actor,
    indicators: Sequence[IndicatorDef],
    data: Mapping[str, Any],
) -> Goal:
    """Validate ``data``, add the goal (origin ``office``, version 1) and its audit record;
    return it."""
    _require(actor, "create")
    goal_id = _new_id(session, _clean(data.get("id")), _clean(data.get("title")))
    valid = build(session, data, indicators, goal_id)
    position = session.scalar(select(func.max(Goal.position))) or 0
    goal = Goal(id=goal_id, origin=OFFICE, position=position + 1, version=1)
    _set(goal, valid)
    goal.updated_at = now()
    session.add(goal)
    session.flush()
    _set_partners(session, goal_id, valid.partners)
    record_change(session, actor, ENTITY, goal_id, "create", None, _snapshot(session, goal))
    return goal


def update(
    session: Session,
    actor: Actor,
    indicators: Sequence[IndicatorDef],
    goal_id: str,
    expected_version: int,
    data: Mapping[str, Any],
) -> Goal:
    """Replace the goal's values with ``data`` if it is still at ``expected_version``;
    return it at its new version. Raises ConflictError, InputError, ForbiddenError."""
    _require(actor, "edit")
    goal = _locked(session, goal_id, expected_version)
    valid = build(session, data, indicators, goal_id)
    before = _snapshot(session, goal)
    partners_changed = _partner_values(partners_of(session, goal_id)) != [
        _partner_key(p) for p in valid.partners
    ]
    _set(goal, valid)
    if not session.is_modified(goal) and not partners_changed:
        return goal
    goal.updated_at = now()
    _flush(session, goal_id, expected_version)
    if partners_changed:
        _set_partners(session, goal_id, valid.partners)
    record_change(session, actor, ENTITY, goal_id, "update", before, _snapshot(session, goal))
    return goal


def archive(session: Session, actor: Actor, goal_id: str, expected_version: int) -> Goal:
    """Take the goal off the scorecard (nothing is deleted); return it."""
    return _archive_or_restore(session, actor, goal_id, expected_version, "archive")


def restore(session: Session, actor: Actor, goal_id: str, expected_version: int) -> Goal:
    """Bring an archived goal back onto the scorecard; return it."""
    return _archive_or_restore(session, actor, goal_id, expected_version, "restore")


def _archive_or_restore(
    session: Session,
    actor: Actor,
    goal_id: str,
    expected_version: int,
    action: Literal["archive", "restore"],
) -> Goal:
    _require(actor, action)
    goal = _locked(session, goal_id, expected_version)
    if (goal.archived_at is not None) == (action == "archive"):
        state = "al gearchiveerd" if action == "archive" else "niet gearchiveerd"
        raise InputError(TITLE, [FieldProblem("archived_at", f"is {state}")])
    before = _snapshot(session, goal)
    goal.archived_at = now() if action == "archive" else None
    goal.updated_at = now()
    _flush(session, goal_id, expected_version)
    record_change(session, actor, ENTITY, goal_id, action, before, _snapshot(session, goal))
    return goal


def _locked(session: Session, goal_id: str, expected_version: int) -> Goal:
    goal = get(session, goal_id)
    if goal.origin != OFFICE:
        raise InputError(
            TITLE,
            [
                FieldProblem(
                    "origin",
                    f"'{goal.id}' is een doel van het contentpakket ({goal.programme}): "
                    "geschiedenis, alleen te lezen; maak een nieuw doel",
                )
            ],
        )
    if goal.version != expected_version:
        raise ConflictError(TITLE, goal_id, expected_version, goal.version)
    return goal


def _flush(session: Session, goal_id: str, expected_version: int) -> None:
    # The mapper's version_id_col makes the UPDATE conditional on the version read: a
    # concurrent writer that committed in between makes it match no row.
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(TITLE, goal_id, expected_version, expected_version + 1) from None


def _require(actor: Actor, action: Action) -> None:
    if not can(actor, action, Resource(kind="goal")):
        raise ForbiddenError(f"{actor.label} ({actor.role}) mag geen '{action}' op doelen")


def _new_id(session: Session, given: str, title: str) -> str:
    if given:
        if not _ID.match(given):
            raise InputError(
                TITLE, [FieldProblem("id", "verwacht kleine letters, cijfers en '-' (a-z, 0-9, -)")]
            )
        if session.get(Goal, given) is not None:
            raise InputError(TITLE, [FieldProblem("id", f"er is al een doel '{given}'")])
        return given
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "doel"
    candidate, number = base, 1
    while session.get(Goal, candidate) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _set(goal: Goal, valid: GoalDef) -> None:
    values: dict[str, Any] = {
        "programme": valid.programme,
        "theme": valid.theme,
        "title": valid.title.nl,
        "title_en": valid.title.en,
        "indicator": valid.indicator,
        "region_code": valid.region,
        "filters": json.dumps(valid.filters, sort_keys=True, ensure_ascii=False),
        "classification": valid.classification,
        "baseline_period": valid.baseline.period,
        "baseline_value": valid.baseline.value,
        "baseline_source": valid.baseline.source,
        "target_rule": valid.target.rule,
        "target_change": valid.target.change,
        "target_value": valid.target.value,
        "target_provisional": valid.target.provisional,
        "target_source": valid.target.source,
        "deadline": valid.deadline,
        "milestones": milestones_json(valid),
        "trend_method": valid.trend,
        "source": valid.source,
        "notes": valid.notes,
    }
    for name, value in values.items():
        if getattr(goal, name, None) != value:
            setattr(goal, name, value)


def _partner_key(p: PartnerDef) -> tuple[Any, ...]:
    return (p.organisation_id, p.name, p.kind, round(p.share, 6), p.provisional, p.note)


def _partner_values(rows: Sequence[GoalPartner]) -> list[tuple[Any, ...]]:
    return [
        (r.organisation_id, r.name, r.kind, round(r.share, 6), r.provisional, r.note) for r in rows
    ]


def _set_partners(session: Session, goal_id: str, partners: Sequence[PartnerDef]) -> None:
    for row in partners_of(session, goal_id):
        session.delete(row)
    session.flush()  # the old names go before the new ones take the unique (goal, name)
    for position, p in enumerate(partners):
        session.add(
            GoalPartner(
                goal_id=goal_id,
                position=position,
                name=p.name,
                kind=p.kind,
                institution=p.institution,
                share=p.share,
                provisional=p.provisional,
                note=p.note,
                organisation_id=p.organisation_id,
            )
        )
    session.flush()


def _snapshot(session: Session, goal: Goal) -> dict[str, Any]:
    """The goal's columns and its partners, for the audit trail."""
    values = snapshot(goal)
    values["partners"] = [
        {"organisation_id": p.organisation_id, "name": p.name, "share": p.share}
        for p in partners_of(session, goal.id)
    ]
    return values
