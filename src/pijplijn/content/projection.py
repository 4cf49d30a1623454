"""Read a pack's projection content (``projection.yaml``) and scenario files, validated.

Errors name the file, the YAML line and the key, e.g.
``projection.yaml, regel 42 (rates.exit-mbo-2.value): ...``.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from pijplijn import yamlfile
from pijplijn.content.labour import LabourDef
from pijplijn.errors import ContentError

OTHER_DOMAIN = "overig"
"""The domain of everything the classification does not claim (as engine/classify.py)."""


class PackLike(Protocol):
    """What this loader needs of a content pack (``content.loader.ContentPack``)."""

    @property
    def root(self) -> Path: ...

    @property
    def name(self) -> str: ...


_RATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*(:[a-z0-9*-]+)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


RateKind = Literal["published", "derived", "assumption"]


class RateDef(_Strict):
    """A prior for one rate: its value in [0, 1], its uncertainty and where it comes from."""

    value: float
    sd: float = 0.0
    year_sd: float = 0.0
    kind: RateKind
    source: str
    subject: str | None = None
    subjects: list[str] = []

    @field_validator("value")
    @classmethod
    def _unit_interval(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"een kans moet tussen 0 en 1 liggen, niet {value}")
        return value

    @field_validator("sd", "year_sd")
    @classmethod
    def _spread(cls, value: float) -> float:
        if not 0.0 <= value <= 0.5:
            raise ValueError(f"een spreiding moet tussen 0 en 0,5 liggen, niet {value}")
        return value


class DefaultsDef(_Strict):
    horizon: int = 2030
    draws: int = Field(1000, ge=1, le=100_000)
    trend: Literal["stationary", "damped"] = "stationary"
    damping: float = Field(0.8, gt=0.0, le=1.0)
    inflow_window: int = Field(3, ge=1, le=10)
    year_sd_default: float = Field(0.05, ge=0.0, le=1.0)
    min_backtest_actual: float = Field(20.0, ge=0.0)


class StockSplitDef(_Strict):
    """How to split a stock total that is loaded without niveau and pathway."""

    domain: str
    level_share_subject: str
    remainder_level: str
    bbl_share_subject: str


class VoFallbackDef(_Strict):
    """Final-year vo pupils from published counts, when no exam candidates are loaded."""

    total_subject: str
    share_subject: str | None = None
    stage: str | None = None
    domain: str
    note: str = ""

    @model_validator(mode="after")
    def _stage_or_shares(self) -> VoFallbackDef:
        if (self.share_subject is None) == (self.stage is None):
            raise ValueError("geef precies één van 'share_subject' en 'stage'")
        return self


class CohortDef(_Strict):
    """A supplied cohort-size series (e.g. 15-year-olds); empty ``values`` = not loaded."""

    region: str
    description: str
    source: str | None = None
    values: dict[int, float] = {}

    @field_validator("values")
    @classmethod
    def _not_negative(cls, values: dict[int, float]) -> dict[int, float]:
        for year, count in values.items():
            if count < 0:
                raise ValueError(f"de cohortgrootte van {year} is negatief ({count})")
        return values


class DatedValue(_Strict):
    value: float = Field(ge=0.0)
    source: str


class DatedSeries(_Strict):
    """Values by date; a value holds until the next key, ``null`` ends the series."""

    values: dict[date, DatedValue | None]

    def at(self, when: date) -> DatedValue | None:
        """Return the value in force on ``when``, or None before the first key or after a null."""
        current: DatedValue | None = None
        for key in sorted(self.values):
            if key > when:
                break
            current = self.values[key]
        return current


class DemandDef(_Strict):
    """Labour-market demand for graduates of one mbo niveau (or range) and domain."""

    region: str
    level: str
    domain: str
    replacement: DatedSeries
    expansion: DatedSeries

    @field_validator("replacement", "expansion", mode="before")
    @classmethod
    def _wrap(cls, value: Any) -> Any:
        return {"values": value} if isinstance(value, dict) else value


class CoverageReferenceDef(_Strict):
    subject: str
    period: str
    region: str


Mode = Literal["relative", "absolute"]


class LeverDef(_Strict):
    """A lever: which inflow or rate changes, by how much, from when, over how many years."""

    id: str | None = None
    title: str | None = None
    goal: str | None = None
    kind: Literal["inflow", "rate"]
    targets: list[str] = Field(min_length=1)
    change: float
    mode: Mode = "relative"
    start: int | None = None
    ramp_years: int = Field(1, ge=1, le=30)
    scale_by: str | None = None
    note: str | None = None


class LeverRefDef(_Strict):
    """A ready-made lever of the pack, by id, with optional overrides."""

    lever: str
    change: float | None = None
    start: int | None = None
    ramp_years: int | None = Field(None, ge=1, le=30)


def _lever_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "reference" if "lever" in value else "definition"
    return "reference" if isinstance(value, LeverRefDef) else "definition"


LeverItem = Annotated[
    Annotated[LeverRefDef, Tag("reference")] | Annotated[LeverDef, Tag("definition")],
    Discriminator(_lever_kind),
]
"""A lever in a scenario: a pack lever by id (``lever: …``), or one written out."""


class ScenarioDef(_Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    description: str = ""
    levers: list[LeverItem] = []


class NotLeverDef(_Strict):
    goal: str
    reason: str


class ProjectionContent(_Strict):
    """A pack's projection content, with ``rates`` expanded per domain."""

    classification: str
    defaults: DefaultsDef = DefaultsDef()
    rates: dict[str, RateDef]
    stock_split: StockSplitDef | None = None
    vo_fallback: list[VoFallbackDef] = []
    cohort: CohortDef | None = None
    demand: list[DemandDef] = []
    coverage_reference: CoverageReferenceDef | None = None
    levers: list[LeverDef] = []
    not_levers: list[NotLeverDef] = []
    scenarios: list[ScenarioDef] = []
    path: str = ""
    labour: LabourDef | None = None
    """The pack's labour parameters: the projection's demand comes from the store through
    them (engine/labour/demand.py), the same figures the Arbeidsmarkt page shows."""
    labour_regions: dict[str, tuple[str | None, str | None]] = {}
    """Region set → (COROP area, arbeidsmarktregio) declared in the pack."""

    @property
    def domain(self) -> str:
        """The classification's domain name (``techniek`` for ``techniek@2019``)."""
        return self.classification.partition("@")[0]

    @property
    def domains(self) -> tuple[str, str]:
        return (self.domain, OTHER_DOMAIN)

    def lever(self, lever_id: str) -> LeverDef | None:
        return next((lever for lever in self.levers if lever.id == lever_id), None)

    def scenario(self, name: str) -> ScenarioDef | None:
        return next((s for s in self.scenarios if s.name == name), None)


def load_projection(pack: PackLike) -> ProjectionContent:
    """Return the pack's validated projection content; raise ContentError naming file and key.

    Read once per process and version of the file (size and modification time): reading
    takes about 30 ms, too much for every request."""
    path = pack.root / "projection.yaml"
    if not path.is_file():
        raise ContentError(f"contentpakket {pack.name} heeft geen projection.yaml ({path})")
    status = path.stat()
    content = _read_pack_projection(path, status.st_mtime_ns, status.st_size)
    labour = getattr(pack, "labour", None)
    if labour is None:
        return content
    declared = {
        s.code: (s.labour_market.corop, s.labour_market.arbeidsmarktregio)
        for s in getattr(pack, "region_sets", [])
        if s.labour_market is not None
    }
    return content.model_copy(update={"labour": labour, "labour_regions": declared})


@functools.lru_cache(maxsize=8)
def _read_pack_projection(path: Path, _mtime: int = 0, _size: int = 0) -> ProjectionContent:
    return read_projection(path)


def read_projection(path: Path) -> ProjectionContent:
    """Return the projection content in ``path`` (any file of that form)."""
    data, root = _load_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(f"{path}: verwacht een YAML-mapping bovenaan")
    data = {**data, "rates": _expand_rates(path, root, data), "path": str(path)}
    content = _validate(path, root, data, ProjectionContent)
    _check_lever_refs(path, root, content)
    return content


def read_scenario_file(path: Path) -> ScenarioDef:
    """Return the scenario in a YAML file; raise ContentError naming the line and key."""
    data, root = _load_yaml(path)
    return _validate(path, root, data, ScenarioDef)


def _expand_rates(path: Path, root: yaml.Node | None, data: dict[str, Any]) -> dict[str, Any]:
    rates = data.get("rates")
    if not isinstance(rates, dict):
        raise ContentError(f"{path}{yaml_line(root, ('rates',))}: 'rates' moet een mapping zijn")
    domain = str(data.get("classification", "")).partition("@")[0]
    expanded: dict[str, Any] = {}
    for key, value in rates.items():
        if not isinstance(key, str) or not _RATE_ID.match(key):
            raise ContentError(
                f"{path}{yaml_line(root, ('rates', key))} (rates.{key}): ongeldige rate-id; "
                "verwacht kleine letters, cijfers en '-', eventueel ':domein' of ':*'"
            )
        base, _, suffix = key.partition(":")
        names = [f"{base}:{domain}", f"{base}:{OTHER_DOMAIN}"] if suffix == "*" else [key]
        for name in names:
            if name in expanded:
                raise ContentError(f"{path}{yaml_line(root, ('rates', key))}: rate '{name}' dubbel")
            expanded[name] = value
    return expanded


_Model = TypeVar("_Model", bound=BaseModel)


def _load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
        return yamlfile.safe_load(text), yamlfile.compose(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: niet te lezen ({exc})") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: geen geldige YAML ({exc})") from None


def _validate(path: Path, root: yaml.Node | None, data: Any, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(part for part in first["loc"] if not _is_union_tag(part))
        key = ".".join(str(part) for part in loc)
        message = first["msg"].removeprefix("Value error, ")
        raise ContentError(f"{path}{yaml_line(root, loc)} ({key}): {message}") from None


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in ("reference", "definition", "DatedValue")


def yaml_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    """Return ', regel N' for the deepest node of ``loc`` that exists in the YAML, or ''."""
    node, found = root, None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = found = child
    if found is None and root is not None:
        return ""
    return f", regel {found.start_mark.line + 1}" if found is not None else ""


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        # An expanded rate id ('doorstroom-mbo-1:techniek') was written as 'doorstroom-mbo-1:*'.
        wanted = [str(part), f"{str(part).partition(':')[0]}:*"]
        for name in wanted:
            for key, value in node.value:
                if str(key.value) == name:
                    return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _check_lever_refs(path: Path, root: yaml.Node | None, content: ProjectionContent) -> None:
    ids = [lever.id for lever in content.levers]
    for index, lever in enumerate(content.levers):
        if lever.id is None:
            raise ContentError(
                f"{path}{yaml_line(root, ('levers', index))} (levers.{index}.id): "
                "een kant-en-klare hefboom heeft een id nodig"
            )
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path}: hefboom-id's moeten uniek zijn")
    for s_index, scenario in enumerate(content.scenarios):
        for l_index, ref in enumerate(scenario.levers):
            if isinstance(ref, LeverRefDef) and ref.lever not in ids:
                where = ("scenarios", s_index, "levers", l_index, "lever")
                raise ContentError(
                    f"{path}{yaml_line(root, where)} ({'.'.join(map(str, where))}): "
                    f"onbekende hefboom '{ref.lever}'; kies uit {', '.join(map(str, ids))}"
                )
