"""The labour-market parameters of a content pack (``labour.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from pijplijn.errors import ContentError

LEVEL_GROUPS: tuple[str, ...] = ("2", "3-4", "hbo", "wo")
"""The groups coverage is computed for: mbo niveau 2, mbo 3-4, hbo and wo."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForecastDef(_Strict):
    first: int
    last: int

    @property
    def years(self) -> int:
        return self.last - self.first + 1


class OccupationsDef(_Strict):
    brc_prefix: str
    title: str
    source: str
    names: dict[str, str] = {}
    """BRC 2014 beroepsgroep code → its name (ROA's table gives codes only)."""
    names_source: str = ""


class ShareDef(_Strict):
    low: float
    central: float
    high: float
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> ShareDef:
        if not 0 <= self.low <= self.central <= self.high <= 1:
            raise ValueError("verwacht 0 ≤ low ≤ central ≤ high ≤ 1")
        return self


class PublishedCoverageDef(_Strict):
    subject: str
    region: str
    period: str


class LabourDef(_Strict):
    forecast: ForecastDef
    education_domain: str
    technical_occupations: OccupationsDef
    entering_work: dict[str, ShareDef]
    published_coverage: PublishedCoverageDef | None = None

    @model_validator(mode="after")
    def _groups(self) -> LabourDef:
        unknown = sorted(set(self.entering_work) - set(LEVEL_GROUPS))
        if unknown:
            raise ValueError(f"onbekende niveaugroep {unknown[0]}; kies uit {LEVEL_GROUPS}")
        return self


def load_labour(path: Path) -> LabourDef | None:
    """Return the pack's labour parameters, or None when it has no ``labour.yaml``; raise
    ContentError naming the file and key."""
    if not path.is_file():
        return None
    try:
        data: Any = yaml.safe_load(path.read_text("utf-8"))
        return LabourDef.model_validate(data)
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: niet te lezen als YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ContentError(f"{path}: sleutel '{key}': {first['msg']}") from None
