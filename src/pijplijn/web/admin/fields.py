"""The form fields of the register's records, and turning a posted form into service input.

One list of fields per entity drives both the form template and the reading of the post, so
a field cannot be shown without being read or read without being shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.rights import Actor
from pijplijn.register.inputs import KINDS, PARTICIPATION_ROLES, SIZE_CLASSES
from pijplijn.store.models import Region
from pijplijn.store.register_models import Organisation, ProgrammeLine, Project, Theme

Widget = Literal["text", "textarea", "select", "checkbox", "checkboxes", "number"]


@dataclass(frozen=True)
class Field:
    """One form field: the input's key, its label (an i18n key), how it is shown, and for
    a select whether it may be left empty."""

    name: str
    label: str
    widget: Widget = "text"
    optional: bool = True
    hint: str = ""


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class FormState:
    """A form as shown: the values (as typed, or of the record), field problems, and the
    choices of its selects."""

    values: dict[str, Any]
    problems: dict[str, list[str]] = field(default_factory=dict)
    choices: dict[str, list[Choice]] = field(default_factory=dict)


FIELDS: dict[str, tuple[Field, ...]] = {
    "organisation": (
        Field("name", "col.name", optional=False),
        Field("kind", "field.kind", "select", optional=False),
        Field("size_class", "field.size_class", "select"),
        Field("sector", "field.sector", hint="HTSM, metalektro, bouw"),
        Field("gemeente_code", "field.gemeente", "select"),
        Field("kvk", "field.kvk", hint="8 cijfers"),
        Field("voorbeeld", "field.voorbeeld", "checkbox"),
    ),
    "project": (
        Field("name", "col.name", optional=False),
        Field("code", "field.code", hint="a-z, 0-9, -"),
        Field("programme_line_code", "field.programme_line", "select"),
        Field("themes", "field.themes", "checkboxes"),
        Field("partners", "field.partners", "textarea"),
        Field("period_start", "field.period_start", hint="2024 of 2024-2025"),
        Field("period_end", "field.period_end", hint="2024 of 2024-2025"),
        Field("target_group", "field.target_group"),
        Field("description", "field.description", "textarea"),
        Field("source", "field.source", "textarea"),
        Field("voorbeeld", "field.voorbeeld", "checkbox"),
    ),
    "participation": (
        Field("organisation_id", "col.organisation", "select", optional=False),
        Field("project_id", "field.project", "select", optional=False),
        Field("period", "col.period", optional=False, hint="2024 of 2024-2025"),
        Field("role", "field.role", "select"),
        Field("pupils", "field.pupils", "number"),
        Field("students", "field.students", "number"),
        Field("teachers", "field.teachers", "number"),
        Field("companies", "field.companies", "number"),
        Field("note", "field.note", "textarea"),
        Field("voorbeeld", "field.voorbeeld", "checkbox"),
    ),
}
"""The fields of each entity, in form order; names are those of ``register.inputs``."""

MAX_VALUE_LENGTH = 4000


def read_form(
    entity: str, form: Mapping[str, Any], lists: Mapping[str, list[Any]]
) -> dict[str, Any]:
    """Return the posted values of ``entity``'s fields as typed (text, lists, booleans),
    each bounded in length: what the form shows again when the input is refused."""
    values: dict[str, Any] = {}
    for spec in FIELDS[entity]:
        if spec.widget == "checkbox":
            values[spec.name] = form.get(spec.name) is not None
        elif spec.widget == "checkboxes":
            values[spec.name] = [str(v)[:64] for v in lists.get(spec.name, [])][:50]
        else:
            raw = form.get(spec.name, "")
            values[spec.name] = (raw if isinstance(raw, str) else "")[:MAX_VALUE_LENGTH]
    return values


def service_data(entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the typed values as the service's input: an empty select, number or optional
    code becomes None (unknown, never zero); numbers stay text for the input model to check."""
    data: dict[str, Any] = {}
    for spec in FIELDS[entity]:
        value = values.get(spec.name)
        if isinstance(value, str):
            value = value.strip()
            if value == "" and (spec.widget in ("select", "number") or spec.name in NULLABLE):
                value = None
        data[spec.name] = value
    return data


NULLABLE = frozenset({"sector", "gemeente_code", "kvk", "code", "period_start", "period_end"})
"""Text inputs whose empty value is None (``str | None`` in ``register.inputs``)."""


def record_values(entity: str, record: Any) -> dict[str, Any]:
    """Return a stored record's values in the form's shape."""

    values: dict[str, Any] = {}
    for spec in FIELDS[entity]:
        value = getattr(record, spec.name)
        if spec.widget == "checkboxes":
            values[spec.name] = list(json.loads(value or "[]"))
        elif spec.widget == "checkbox":
            values[spec.name] = bool(value)
        else:
            values[spec.name] = "" if value is None else str(value)
    return values


def choices(session: Session, entity: str, actor: Actor) -> dict[str, list[Choice]]:
    """Return the options of ``entity``'s selects; a redacteur only sees its own
    organisation among participation's organisations."""
    if entity == "organisation":
        gemeenten = session.scalars(
            select(Region).where(Region.kind == "gemeente").order_by(Region.name)
        )
        return {
            "kind": [Choice(k, k) for k in KINDS],
            "size_class": [Choice(s, s) for s in SIZE_CLASSES],
            "gemeente_code": [Choice(r.code, f"{r.name} ({r.code})") for r in gemeenten],
        }
    if entity == "project":
        lines = session.scalars(select(ProgrammeLine).order_by(ProgrammeLine.number))
        themes = session.scalars(select(Theme).order_by(Theme.code))
        return {
            "programme_line_code": [
                Choice(line.code, f"{line.number}. {line.title}") for line in lines
            ],
            "themes": [Choice(theme.code, theme.title) for theme in themes],
        }
    organisations = select(Organisation).where(Organisation.archived_at.is_(None))
    if actor.role != "beheerder":
        organisations = organisations.where(Organisation.id == actor.organisation_id)
    projects = select(Project).where(Project.archived_at.is_(None)).order_by(Project.name)
    return {
        "organisation_id": [
            Choice(str(o.id), o.name)
            for o in session.scalars(organisations.order_by(Organisation.name))
        ],
        "project_id": [Choice(str(p.id), p.name) for p in session.scalars(projects)],
        "role": [Choice(r, r) for r in PARTICIPATION_ROLES],
    }
