"""The indicator catalogue and the published-figure checks of a content pack.

Both are YAML files read with the line of every node kept, so that a problem is reported as
``file, regel N: what is wrong; what was expected``. An indicator is data: its numerator and
denominator are expressions over the cube (see ``Expr``), versioned by date (STYLE.md §8).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pijplijn import vocabulary as vocab
from pijplijn import yamlfile
from pijplijn.errors import ContentError
from pijplijn.periods import Period, PeriodError

Loc = Sequence[str | int]
Unit = Literal["count", "thousand", "share", "ratio", "growth", "per_thousand"]
Direction = Literal["up", "down", "none"]
PeriodUnitName = Literal["year", "school_year", "quarter"]
RegionMode = Literal["within", "exact", "enclosing", "nearest"]
"""How a term finds its region: ``within`` sums everything inside the region (gemeenten of a
region set); ``exact`` takes figures stated for the region itself; ``enclosing`` takes them for
the region or, where it has none, for the smallest region around it that has them;
``nearest`` sums everything inside the region or, where nothing inside it has figures, inside
the smallest region around it that has (Twente's jobs from COROP area CR12, a province's jobs
summed over its COROP areas). A figure from a region around it is labelled with that region."""

BREAKDOWNS: tuple[str, ...] = (
    *(d for d in vocab.DIMENSIONS if d not in ("period", "region_basis", "dataset")),
    "domain",
)
"""The cube dimensions an indicator may allow as a breakdown: the vocabulary's, less the
period (always there), the attribution basis and the dataset, plus ``domain``."""
FILTER_DIMENSIONS: tuple[str, ...] = tuple(d for d in BREAKDOWNS if d not in ("region", "domain"))
"""Dimensions a term's ``where`` may fix."""
_VALUES: dict[str, tuple[str, ...]] = {
    "stage": vocab.STAGES,
    "level": vocab.LEVELS,
    "pathway": vocab.PATHWAYS,
    "gender": vocab.GENDERS,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Strict):
    """A text in Dutch and English."""

    nl: str
    en: str


class SumTerm(_Strict):
    """The sum of one measure over the cube, filtered."""

    measure: str
    stages: list[str] = []
    """Only these stages (several allowed); empty means every stage."""
    in_domain: bool | None = None
    """True: only observations the classification counts in its domain (e.g. techniek);
    False: only those outside it."""
    where: dict[str, str] = {}
    """Equality filters on dimensions, e.g. ``{pathway: BBL}``."""
    totals: dict[str, str] = {}
    """The code that stands for 'all' in a dimension whose codes nest (CBS SBI ``T001081``);
    applied when that dimension is not broken down."""
    total_over: list[str] = []
    """Breakdowns this term is not split by: it stays the total over them (a share's
    denominator)."""
    region: RegionMode = "within"
    source: str | None = None
    """Only observations of datasets with this ``source_key`` (e.g. ``cbs:vacatures-regio``)."""
    period: str | None = None
    """A fixed period used for every period evaluated."""
    quarter: int | None = Field(default=None, ge=1, le=4)
    """Use this quarter's figure as the year's (open vacancies at the end of the fourth
    quarter beside the jobs in December): the term then counts per year."""
    scale: float = 1.0
    """Multiply the sum (e.g. 1000: vacancies per 1,000 jobs)."""
    region_kinds: list[str] = []
    """Only regions of these kinds count for ``enclosing`` and ``nearest`` (e.g. provincie,
    land): a ratio of two sources is then taken for one region on both sides."""
    origin_stages: list[str] = []
    """For ``transitions``: only flows from these stages (``vmbo-gt`` and ``vo-overig`` too)."""
    left_before: bool = False
    """The cohort that left its stage just before the period: for 2023, the school year
    2022-2023 (vo exam passes) or the year 2022 (mbo diplomas). The denominator of a flow rate."""


class PublishedTerm(_Strict):
    """A figure as a document printed it (``published_share`` or ``published_count``)."""

    subject: str
    measure: Literal["published_share", "published_count"]
    where: dict[str, str] = {}
    split_by: list[str] = []
    """Breakdowns the published figures are split by (e.g. ``level``); otherwise one figure per
    period, used for every breakdown value."""
    period: str | None = None
    """A fixed period: the figure of that period is used for every period evaluated."""
    region: RegionMode = "exact"


REGISTER_FILTERS: tuple[str, ...] = ("size_class", "sector", "programme_line", "project")
"""What a register term's ``where`` may fix: the organisation's size class and sector, the
project's programme line, the project's code."""


class RegisterTerm(_Strict):
    """A figure from the partner register (participation), never from the cube.

    ``organisations`` counts the distinct organisations with at least one participation in
    the period; ``participations`` counts the records; ``pupils`` ... ``companies`` sum the
    reach (unknown reach is not zero: the value is flagged ``missing``). A school year counts
    in the calendar year it starts. Records marked ``voorbeeld`` are left out unless
    ``include_voorbeeld``."""

    count: Literal["organisations", "participations", "pupils", "students", "teachers", "companies"]
    kind: Literal["ondernemers", "onderwijs", "onderzoek", "overheid"] | None = None
    """Only organisations of this kind (one of the four O's)."""
    where: dict[str, str] = {}
    include_voorbeeld: bool = False


class ChangeTerm(_Strict):
    """The change of an expression between a period and a base period."""

    of: Expr
    base: str = "previous"
    """``previous`` (the period one year earlier, the same quarter for quarters) or a period."""
    kind: Literal["difference", "relative"] = Field("difference", alias="as")


class Expr(_Strict):
    """One of: a cube sum, a published figure, a change between periods, a product, or a
    declared input that has no source yet."""

    sum: SumTerm | None = None
    published: PublishedTerm | None = None
    change: ChangeTerm | None = None
    product: list[Expr] | None = None
    register_term: RegisterTerm | None = Field(None, alias="register")
    """A figure from the partner register (``register:`` in the catalogue)."""
    unavailable: str | None = None
    """What is missing, e.g. 'kortdurig werklozen (UWV)': evaluates to no data."""

    @model_validator(mode="after")
    def _one_kind(self) -> Expr:
        kinds = [
            k
            for k in ("sum", "published", "change", "product", "register_term", "unavailable")
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "een expressie heeft precies één van sum, published, change, product, register, "
                "unavailable"
            )
        if self.product is not None and len(self.product) < 2:
            raise ValueError("product vraagt minstens twee factoren")
        return self

    def sums(self) -> list[SumTerm]:
        """Return every cube sum in the expression."""
        return [t for t in self.terms() if isinstance(t, SumTerm)]

    def terms(self) -> list[SumTerm | PublishedTerm]:
        """Return every sum and published term in the expression, depth first."""
        if self.sum is not None:
            return [self.sum]
        if self.published is not None:
            return [self.published]
        if self.change is not None:
            return self.change.of.terms()
        return [t for factor in self.product or [] for t in factor.terms()]


class DefinitionDef(_Strict):
    """One dated version of an indicator's formula: value = numerator / denominator."""

    valid_from: date = Field(alias="from")
    until: date | None = None
    numerator: Expr
    denominator: Expr | None = None
    note: str = ""

    def holds_at(self, day: date) -> bool:
        """True when this version is in force on ``day``."""
        return self.valid_from <= day and (self.until is None or day <= self.until)


class IndicatorDef(_Strict):
    """An indicator of the catalogue."""

    id: str
    group: str
    title: Text
    description: Text
    unit: Unit
    direction: Direction
    period_unit: PeriodUnitName | list[PeriodUnitName]
    """The kind of period the indicator counts in; a list when its definitions differ (a
    published yearly figure before a series of school years)."""
    breakdowns: list[str] = []
    default_by: list[str] = []
    """Breakdowns used when the caller asks for none (a distribution needs its dimension)."""
    classification: str | None = None
    sources: list[str]
    definitions: list[DefinitionDef]
    partial: Literal["show", "leave-out"] = "show"
    """What to do with a dataset that covers only part of the region itself (the seed's ROC
    van Twente tables for Twente): ``show`` its figures flagged ``partial`` with the coverage
    named, or ``leave-out`` (the values then say so). Datasets that cover only part of what
    lies within the region are always left out."""

    @property
    def period_units(self) -> tuple[str, ...]:
        """The period units the indicator accepts."""
        units = self.period_unit if isinstance(self.period_unit, list) else [self.period_unit]
        return tuple(units)

    def definition_at(self, day: date) -> DefinitionDef | None:
        """Return the definition in force on ``day``, or None."""
        return next((d for d in self.definitions if d.holds_at(day)), None)


class CheckDef(_Strict):
    """A published figure (by ``subject``) and the indicator that computes its counterpart."""

    subject: str
    indicator: str
    filters: dict[str, str] = {}
    by: list[str] = []
    """Breakdowns whose values are taken from the published figure itself (e.g. its sector)."""
    classification: str | None = None
    tolerance: float | None = None
    """Largest difference still counted as a match, in the figure's unit; default: half a unit
    of the printed precision, or 5% for figures flagged ``estimated``."""
    alternatives: list[str] = []
    """Indicators to try when the figure contradicts: which one does it match instead?"""
    note: str = ""


class _IndicatorsFile(_Strict):
    indicators: list[IndicatorDef]


class _ChecksFile(_Strict):
    checks: list[CheckDef]


_Model = TypeVar("_Model", bound=BaseModel)


class _Loader(yamlfile.SafeLoader):
    """SafeLoader that leaves dates as text: pydantic parses them, so that a bad date is
    reported with its key and line instead of failing inside the YAML reader."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def yaml_error(path: Path, exc: OSError | yaml.YAMLError) -> ContentError:
    """Return a ContentError for a file that cannot be read as YAML, naming the line of the
    problem when the parser gives one."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        return ContentError(
            f"{path}, regel {mark.line + 1}, kolom {mark.column + 1}: niet te lezen als YAML "
            f"({problem})"
        )
    return ContentError(f"{path}: niet te lezen als YAML ({exc})")


class LocatedYaml:
    """A YAML file with the line of each of its nodes, for messages that point at the line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
            self.data: Any = yamlfile.safe_load(text, _Loader)
            self.root: yaml.Node | None = yamlfile.compose(text, _Loader)
        except (OSError, yaml.YAMLError) as exc:
            raise yaml_error(path, exc) from None

    def line(self, loc: Loc) -> int:
        """Return the (1-based) line of the node at ``loc``, or of its deepest ancestor."""
        node = self.root
        line = 1 if node is None else node.start_mark.line + 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node, line = child, child.start_mark.line + 1
        return line

    def error(self, loc: Loc, message: str) -> ContentError:
        """Return a ContentError naming the file and the line of ``loc``."""
        return ContentError(f"{self.path}, regel {self.line(loc)}: {message}")

    def validate(self, model: type[_Model]) -> _Model:
        """Return the file validated as ``model``; raise ContentError at the first problem."""
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = [p for p in first["loc"] if isinstance(p, str | int)]
            key = ".".join(str(p) for p in loc) or "(bestand)"
            raise self.error(loc, f"sleutel '{key}': {first['msg']}") from None


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value  # type: ignore[no-any-return]
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def load_indicators(path: Path, classifications: Collection[str]) -> list[IndicatorDef]:
    """Return the catalogue in ``path``, checked against the vocabularies and the pack's
    ``classifications``; raise ContentError naming the file and line of the first problem."""
    located = LocatedYaml(path)
    indicators = located.validate(_IndicatorsFile).indicators
    seen: set[str] = set()
    for index, indicator in enumerate(indicators):
        loc: list[str | int] = ["indicators", index]
        if indicator.id in seen:
            raise located.error([*loc, "id"], f"indicator '{indicator.id}' staat er twee keer in")
        seen.add(indicator.id)
        _check_indicator(located, loc, indicator, classifications)
    return indicators


def load_checks(path: Path, indicators: Sequence[IndicatorDef]) -> list[CheckDef]:
    """Return the published-figure checks in ``path``, each naming a known indicator and
    breakdowns it allows; raise ContentError naming the file and line otherwise."""
    located = LocatedYaml(path)
    checks = located.validate(_ChecksFile).checks
    known = {i.id: i for i in indicators}
    for index, check in enumerate(checks):
        loc: list[str | int] = ["checks", index]
        for name, key in [
            (check.indicator, "indicator"),
            *((a, "alternatives") for a in check.alternatives),
        ]:
            if name not in known:
                raise located.error(
                    [*loc, key], f"onbekende indicator '{name}'; zie 'pijplijn indicators'"
                )
        allowed = known[check.indicator].breakdowns
        for dim in [*check.by, *check.filters]:
            if dim not in allowed:
                raise located.error(
                    [*loc, "by" if dim in check.by else "filters"],
                    f"indicator {check.indicator} staat uitsplitsen naar '{dim}' niet toe; "
                    f"toegestaan: {', '.join(allowed) or 'geen'}",
                )
    return checks


def _check_indicator(
    located: LocatedYaml,
    loc: list[str | int],
    indicator: IndicatorDef,
    classifications: Collection[str],
) -> None:
    where = f"indicator '{indicator.id}'"
    for key, dims in (("breakdowns", indicator.breakdowns), ("default_by", indicator.default_by)):
        allowed = indicator.breakdowns if key == "default_by" else BREAKDOWNS
        for dim in dims:
            if dim not in allowed:
                raise located.error(
                    [*loc, key],
                    f"{where}: onbekende of niet toegestane uitsplitsing '{dim}'; "
                    f"kies uit {', '.join(allowed)}",
                )
    if indicator.classification is not None and indicator.classification not in classifications:
        raise located.error(
            [*loc, "classification"],
            f"{where}: onbekende classificatie '{indicator.classification}'; "
            f"kies uit {', '.join(sorted(classifications))}",
        )
    if not indicator.definitions:
        raise located.error([*loc, "definitions"], f"{where}: heeft geen definitie")
    previous: DefinitionDef | None = None
    for index, definition in enumerate(indicator.definitions):
        dloc = [*loc, "definitions", index]
        if definition.until is not None and definition.until < definition.valid_from:
            raise located.error([*dloc, "until"], f"{where}: 'until' ligt voor 'from'")
        if previous is not None and (
            previous.until is None or previous.until >= definition.valid_from
        ):
            raise located.error(
                [*dloc, "from"],
                f"{where}: definities moeten op volgorde staan en elkaar niet overlappen "
                "(geef de vorige een 'until' voor deze 'from')",
            )
        previous = definition
        for role in ("numerator", "denominator"):
            expr = getattr(definition, role)
            if expr is not None:
                _check_expr(located, [*dloc, role], where, expr, indicator)


def _check_expr(
    located: LocatedYaml, loc: list[str | int], where: str, expr: Expr, indicator: IndicatorDef
) -> None:
    if expr.sum is not None:
        _check_sum(located, [*loc, "sum"], where, expr.sum, indicator)
    elif expr.published is not None:
        term = expr.published
        _check_where(located, [*loc, "published"], where, term.where)
        _check_period(located, [*loc, "published", "period"], where, term.period)
        for dim in term.split_by:
            if dim not in indicator.breakdowns:
                raise located.error(
                    [*loc, "published", "split_by"],
                    f"{where}: split_by '{dim}' staat niet in de breakdowns van de indicator",
                )
    elif expr.register_term is not None:
        unknown = [k for k in expr.register_term.where if k not in REGISTER_FILTERS]
        if unknown:
            raise located.error(
                [*loc, "register", "where"],
                f"{where}: onbekend registerfilter '{unknown[0]}'; kies uit "
                f"{', '.join(REGISTER_FILTERS)}",
            )
    elif expr.change is not None:
        if expr.change.base != "previous":
            _check_period(located, [*loc, "change", "base"], where, expr.change.base)
        _check_expr(located, [*loc, "change", "of"], where, expr.change.of, indicator)
    elif expr.product is not None:
        for index, factor in enumerate(expr.product):
            _check_expr(located, [*loc, "product", index], where, factor, indicator)


def _check_sum(
    located: LocatedYaml, loc: list[str | int], where: str, term: SumTerm, indicator: IndicatorDef
) -> None:
    if term.measure not in vocab.MEASURES or term.measure in vocab.PUBLISHED_MEASURES:
        raise located.error(
            [*loc, "measure"],
            f"{where}: onbekende maat '{term.measure}'; kies uit "
            f"{', '.join(m for m in vocab.MEASURES if m not in vocab.PUBLISHED_MEASURES)} "
            "(gepubliceerde cijfers: gebruik 'published')",
        )
    wrong = [s for s in term.origin_stages if s not in vocab.ORIGIN_STAGES]
    if wrong:
        raise located.error(
            [*loc, "origin_stages"],
            f"{where}: onbekende herkomst '{wrong[0]}'; kies uit {', '.join(vocab.ORIGIN_STAGES)}",
        )
    unknown = [s for s in term.stages if s not in vocab.STAGES]
    if unknown:
        raise located.error(
            [*loc, "stages"],
            f"{where}: onbekende fase '{unknown[0]}'; kies uit {', '.join(vocab.STAGES)}",
        )
    if term.in_domain is not None and indicator.classification is None:
        raise located.error(
            [*loc, "in_domain"],
            f"{where}: in_domain vraagt een 'classification' op de indicator",
        )
    _check_where(located, [*loc, "where"], where, term.where)
    _check_where(located, [*loc, "totals"], where, term.totals)
    _check_period(located, [*loc, "period"], where, term.period)
    for dim in term.total_over:
        if dim not in indicator.breakdowns:
            raise located.error(
                [*loc, "total_over"],
                f"{where}: total_over '{dim}' staat niet in de breakdowns van de indicator",
            )


def _check_where(
    located: LocatedYaml, loc: list[str | int], where: str, filters: dict[str, str]
) -> None:
    for dim, value in filters.items():
        if dim not in FILTER_DIMENSIONS:
            raise located.error(
                [*loc, dim],
                f"{where}: onbekend filter '{dim}'; kies uit {', '.join(FILTER_DIMENSIONS)}",
            )
        allowed = _VALUES.get(dim)
        if allowed is not None and value not in allowed:
            raise located.error(
                [*loc, dim],
                f"{where}: onbekende waarde '{value}' voor {dim}; kies uit {', '.join(allowed)}",
            )


def _check_period(located: LocatedYaml, loc: list[str | int], where: str, text: str | None) -> None:
    if text is None:
        return
    try:
        Period.parse(text)
    except PeriodError as exc:
        raise located.error(loc, f"{where}: {exc}") from None
