"""The validated inputs of the register: one pydantic model per record kind.

Forms, the CLI and the bulk import build these; a ValidationError becomes an InputError that
names each field. Checks against the store (does the gemeente, project or organisation exist)
are made by the services, in the same transaction as the write.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from pijplijn.periods import Period, PeriodError, PeriodUnit
from pijplijn.register.errors import FieldProblem, InputError

KINDS: tuple[str, ...] = ("ondernemers", "onderwijs", "onderzoek", "overheid")
"""The four O's."""
SIZE_CLASSES: tuple[str, ...] = ("0-9", "10-49", "50-249", "250+")
"""Employees; the seeds speak of 'more than 250' and 'SME with more than 50'."""
PARTICIPATION_ROLES: tuple[str, ...] = (
    "organisator",
    "partner",
    "gastbedrijf",
    "financier",
    "deelnemer",
)
REACH_FIELDS: tuple[str, ...] = ("pupils", "students", "teachers", "companies")
MAX_REACH = 10_000_000
_KVK = re.compile(r"^\d{8}$")


def _clean_text(value: str) -> str:
    """Strip surrounding space; refuse control characters (they break CSV and pages)."""
    value = value.strip()
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("mag geen stuurtekens bevatten")
    return value


def _required(value: str) -> str:
    if not value:
        raise ValueError("mag niet leeg zijn")
    return value


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    return value or None


def _kvk(value: str | None) -> str | None:
    if value is not None and not _KVK.match(value):
        raise ValueError("verwacht een KvK-nummer van 8 cijfers")
    return value


def _period(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        period = Period.parse(value)
    except PeriodError as exc:
        raise ValueError(str(exc)) from None
    if period.unit is PeriodUnit.QUARTER:
        raise ValueError("verwacht een jaar (2024) of een schooljaar (2024-2025)")
    return str(period)


Name = Annotated[str, Field(max_length=200), AfterValidator(_clean_text), AfterValidator(_required)]
ShortText = Annotated[str, Field(max_length=200), AfterValidator(_clean_text)]
LongText = Annotated[str, Field(max_length=4000), AfterValidator(_clean_text)]
Code = Annotated[
    str | None,
    Field(max_length=64),
    AfterValidator(lambda v: _optional(_clean_text(v) if v else v)),
]
PeriodText = Annotated[str | None, Field(max_length=16), AfterValidator(_period)]
Reach = Annotated[int | None, Field(ge=0, le=MAX_REACH)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=False)


class OrganisationInput(_Input):
    name: Name
    kind: Literal["ondernemers", "onderwijs", "onderzoek", "overheid"]
    size_class: Literal["0-9", "10-49", "50-249", "250+"] | None = None
    sector: Code = None
    gemeente_code: Code = None
    kvk: Annotated[
        str | None, Field(max_length=8), AfterValidator(_optional), AfterValidator(_kvk)
    ] = None
    voorbeeld: bool = False


class ProjectInput(_Input):
    name: Name
    code: Annotated[str | None, Field(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")] = None
    programme_line_code: Code = None
    themes: list[Annotated[str, Field(max_length=32)]] = []
    partners: LongText = ""
    period_start: PeriodText = None
    period_end: PeriodText = None
    target_group: ShortText = ""
    description: LongText = ""
    source: LongText = ""
    voorbeeld: bool = False


class ParticipationInput(_Input):
    organisation_id: int
    project_id: int
    period: Annotated[str, Field(max_length=16), AfterValidator(_period)]
    role: Literal["organisator", "partner", "gastbedrijf", "financier", "deelnemer"] | None = None
    pupils: Reach = None
    students: Reach = None
    teachers: Reach = None
    companies: Reach = None
    note: LongText = ""
    voorbeeld: bool = False


_Model = TypeVar("_Model", bound=_Input)


def validate_input(model: type[_Model], entity: str, data: dict[str, Any]) -> _Model:
    """Return ``data`` as a validated ``model``; raise InputError naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldProblem(
                field=".".join(str(p) for p in error["loc"]) or "?",
                message=error["msg"].removeprefix("Value error, "),
            )
            for error in exc.errors()
        ]
        raise InputError(entity, problems) from None
