"""Read a content pack: its regions, institutions, classifications, seed datasets, indicator
catalogue, goals and published-figure checks, validated at load time."""

from __future__ import annotations

import functools
import stat
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pijplijn import yamlfile
from pijplijn.content.goals import GoalDef, load_goals
from pijplijn.content.indicators import (
    CheckDef,
    IndicatorDef,
    LocatedYaml,
    load_checks,
    load_indicators,
    yaml_error,
)
from pijplijn.content.labour import LabourDef, load_labour
from pijplijn.content.programme import ProgrammeDef, load_programme
from pijplijn.content.projection import yaml_line
from pijplijn.content.shapes import load_shapes
from pijplijn.coverage import REGION_BASES, Coverage, RegionCoverage
from pijplijn.errors import ContentError
from pijplijn.periods import Period, PeriodError
from pijplijn.reference.labour_regions import load_labour_regions
from pijplijn.vocabulary import MEASURES, STAGES

NATIONAL = "NL01"
"""The Netherlands: the region every comparison ends with."""
PACKS_ROOT = Path(__file__).parent
"""The folder of the packs shipped with pijplijn (each also declared as an entry point)."""
ENTRY_POINT_GROUP = "pijplijn.packs"
"""Installed packages declare their packs here: ``name = "module"`` (the pack is the module's
folder) or ``name = "module:function"`` (a function that returns the pack's folder)."""

RegionKind = Literal[
    "land", "landsdeel", "provincie", "gemeente", "corop", "arbeidsmarktregio", "regioset"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionDef(_Strict):
    code: str
    name: str
    kind: RegionKind
    parent: str | None = None
    aliases: list[str] = []
    """Other names sources use, e.g. 'Friesland' for Fryslân."""


class LabourMarketDef(_Strict):
    """The labour-market regions that stand for a region set in sources that publish by
    COROP area or arbeidsmarktregio (codes or names of the core's reference data)."""

    corop: str | None = None
    arbeidsmarktregio: str | None = None


class RegionSetDef(_Strict):
    code: str
    name: str
    parent: str | None = None
    members: list[str]
    labour_market: LabourMarketDef | None = None


class InstitutionDef(_Strict):
    brin: str
    name: str
    kind: str
    place: str
    gemeente: str
    region_basis: Literal["reported", "establishment", "head-office"]


Policy = Literal["open", "protected"]
"""A dataset's disclosure policy (vocabulary.DISCLOSURE_POLICIES, docs/disclosure.md)."""


class CoveredRegionDef(_Strict):
    """A region a seed dataset covers: the whole of it, or only the institutions (BRIN) or
    locations named."""

    region: str
    institutions: list[str] = []
    locations: list[str] = []
    note: str | None = None
    """What the part is, e.g. 'alleen ROC van Twente'; from the institutions' names if absent."""


class CoverageDef(_Strict):
    """What a seed dataset's base figures cover (published figures state their own scope)."""

    regions: list[CoveredRegionDef]
    stages: list[str] = []
    periods: list[str] = []
    region_basis: str | None = None
    """``residence``, ``establishment`` or ``head-office`` (pijplijn.coverage.REGION_BASES)."""

    def to_coverage(self) -> Coverage:
        """Return the declaration as the store's Coverage."""
        return Coverage(
            regions=tuple(
                RegionCoverage(
                    region=r.region,
                    institutions=tuple(r.institutions),
                    locations=tuple(r.locations),
                    note=r.note,
                )
                for r in self.regions
            ),
            stages=tuple(self.stages),
            periods=tuple(str(Period.parse(p)) for p in self.periods),
            region_basis=self.region_basis,
        )


class SeedDatasetDef(_Strict):
    file: str
    source_key: str
    publisher: str
    title: str
    source: str
    licence: str
    published: str | None = None
    disclosure: Policy = "open"
    """The seed documents are published figures: open, unless the pack says otherwise."""
    kind: str = "template"
    """The import kind that reads the file: the partner template, or a source's own layout
    (e.g. ``roa-brc`` for ROA's table per beroepsgroep, shipped as a derived subset)."""

    coverage: CoverageDef


class DisclosureDef(_Strict):
    """The disclosure policy a dataset gets on import: per import kind, else ``default``;
    ``pijplijn import --disclosure`` and the upload form override it per import."""

    default: Policy = "open"
    kinds: dict[str, Policy] = {}

    def for_kind(self, kind: str) -> Policy:
        return self.kinds.get(kind, self.default)


RuleField = Literal["sector", "subsector", "opleidingsdomein", "programme_code", "programme_name"]


class RuleDef(_Strict):
    """Observations of ``stages`` whose ``field`` equals (or contains) a value are in."""

    stages: list[str]
    field: RuleField
    equals: str | list[str] | None = None
    contains: str | list[str] | None = None

    def operator_values(self) -> tuple[str, list[str]]:
        """Return (operator, values) for this rule."""
        if (self.equals is None) == (self.contains is None):
            raise ValueError("a rule needs exactly one of 'equals' and 'contains'")
        operator, value = (
            ("equals", self.equals) if self.equals is not None else ("contains", self.contains)
        )
        assert value is not None
        return operator, [value] if isinstance(value, str) else value


class ClassificationVersionDef(_Strict):
    version: str
    valid_from: date
    source: str
    description: str = ""
    rules: list[RuleDef]


class ClassificationDef(_Strict):
    name: str
    title: str
    description: str
    versions: list[ClassificationVersionDef]


class ClassificationsFile(_Strict):
    classifications: list[ClassificationDef]


class PlacesFile(_Strict):
    places: dict[str, str]
    """Place name → gemeente code, for places that are not gemeente names."""


class PackDef(_Strict):
    name: str
    title: str
    default_region: str
    key_indicators: list[str] = []
    """The indicators the overview page shows as key figures, in order."""
    compared_regions: list[str] = []
    """The regions the indicator pages set side by side, in order (the default region, its
    province, the Netherlands); empty: the default region, its parents up to NL01."""
    headline_classification: str | None = None
    """The classification (``classifications.yaml``) the pipeline, the labour market and the
    factsheets split by (inside versus the rest); absent: the pack's first classification."""
    disclosure: DisclosureDef = DisclosureDef()


class CbsMeasureDef(_Strict):
    measure: str
    unit: Literal["count", "thousand", "share"]
    note: str | None = None
    year_note: str | None = None


class CbsMeasuresFile(_Strict):
    measures: dict[str, CbsMeasureDef]


class RegionsFile(_Strict):
    regions: list[RegionDef]
    region_sets: list[RegionSetDef]


class InstitutionsFile(_Strict):
    institutions: list[InstitutionDef]


class SeedFile(_Strict):
    datasets: list[SeedDatasetDef]


@dataclass(frozen=True)
class ContentPack:
    """A region's content: reference data and seed figures, validated."""

    root: Path
    pack: PackDef
    regions: list[RegionDef]
    region_sets: list[RegionSetDef]
    institutions: list[InstitutionDef]
    seed_datasets: list[SeedDatasetDef]
    classifications: list[ClassificationDef]
    places: dict[str, str]
    indicators: list[IndicatorDef] = field(default_factory=list)
    """The indicator catalogue (``indicators.yaml``)."""
    goals: list[GoalDef] = field(default_factory=list)
    """The goals seeded by ``init --demo`` (``goals.yaml``)."""
    published_checks: list[CheckDef] = field(default_factory=list)
    """Published figures and the indicators that compute them (``published_checks.yaml``)."""
    programme: ProgrammeDef | None = None
    """Programme lines, themes and named projects for the register (``programme.yaml``)."""
    shapes: dict[str, Any] | None = None
    """Simplified gemeente shapes for maps (``shapes.geojson``, GeoJSON), if the pack has them."""
    labour: LabourDef | None = None
    """Labour-market parameters: forecast period, entering-work shares (``labour.yaml``)."""
    cbs_measures: dict[str, CbsMeasureDef] = field(default_factory=dict)
    """CBS StatLine measure key → cube measure and unit (``cbs_measures.yaml``)."""

    @property
    def name(self) -> str:
        return self.pack.name

    @property
    def classification(self) -> str:
        """The headline classification: ``headline_classification``, else the first one."""
        if self.pack.headline_classification:
            return self.pack.headline_classification
        return self.classifications[0].name if self.classifications else ""

    def compared_regions(self) -> list[str]:
        """The regions the indicator pages compare: ``compared_regions``, else the default
        region followed by its parents (up to the Netherlands)."""
        if self.pack.compared_regions:
            return list(self.pack.compared_regions)
        parents = {r.code: r.parent for r in self.regions}
        parents |= {s.code: s.parent for s in self.region_sets}
        chain = [self.pack.default_region]
        while (parent := parents.get(chain[-1])) and parent not in chain:
            chain.append(parent)
        if NATIONAL not in chain:
            chain.append(NATIONAL)
        return chain

    def region_codes(self) -> set[str]:
        """Return every region and region-set code the pack defines."""
        return {r.code for r in self.regions} | {s.code for s in self.region_sets}

    @property
    def sources_path(self) -> Path:
        """The pack's list of sources for ``pijplijn update``."""
        return self.root / "sources.yaml"

    def seed_path(self, seed: SeedDatasetDef) -> Path:
        """Return the path of a seed dataset's CSV file."""
        return self.root / "seed" / seed.file


def available_packs() -> list[str]:
    """Return the names of the packs known by name: those declared as entry points in group
    ``pijplijn.packs`` and those shipped in the package."""
    return sorted(set(_entry_points()) | set(_builtin_packs()))


def _builtin_packs() -> dict[str, Path]:
    return {p.name: p for p in PACKS_ROOT.iterdir() if (p / "pack.yaml").is_file()}


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def pack_root(spec: str) -> Path:
    """Return the folder of the pack ``spec`` names: a folder (absolute or relative path),
    else a pack name declared as an entry point or shipped with pijplijn. Raise ContentError
    when the folder does not exist, is not a pack, or the name is unknown."""
    text = spec.strip()
    if not text:
        raise ContentError("geen contentpakket opgegeven; geef een naam of een map")
    candidate = Path(text).expanduser()
    looks_like_path = any(sep in text for sep in ("/", "\\")) or text.startswith(".")
    if looks_like_path or (candidate.exists() and text not in available_packs()):
        return _checked_root(candidate)
    points = _entry_points()
    if text in points:
        return _checked_root(_entry_point_root(points[text]))
    builtin = _builtin_packs()
    if text in builtin:
        return builtin[text]
    raise ContentError(
        f"onbekend contentpakket '{text}'; beschikbaar: {', '.join(available_packs())} "
        "(of geef de map van een pakket: PIJPLIJN_CONTENT_PACK=/pad of --pack PAD)"
    )


def _entry_point_root(point: metadata.EntryPoint) -> Path:
    """The folder an entry point stands for: its module's folder, or what its function
    returns."""
    try:
        loaded = point.load()
    except (ImportError, AttributeError) as exc:
        raise ContentError(
            f"contentpakket '{point.name}' ({ENTRY_POINT_GROUP} = {point.value}) is niet te "
            f"laden: {exc}"
        ) from None
    if callable(loaded):
        return Path(loaded())
    files = getattr(loaded, "__file__", None)
    if files is not None:
        return Path(files).parent
    paths = list(getattr(loaded, "__path__", []))
    if paths:
        return Path(paths[0])
    raise ContentError(
        f"contentpakket '{point.name}': {point.value} is geen module of functie die een map geeft"
    )


def _checked_root(root: Path) -> Path:
    if not root.exists():
        raise ContentError(f"{root}: contentpakket bestaat niet (geen map of bestand)")
    if not root.is_dir():
        raise ContentError(f"{root}: geen contentpakket: verwacht een map met pack.yaml")
    if not (root / "pack.yaml").is_file():
        raise ContentError(f"{root}: geen contentpakket: pack.yaml ontbreekt in deze map")
    return root.resolve()


def twente_pack() -> Path:
    """The shipped Twente pack (entry point ``twente`` in group ``pijplijn.packs``)."""
    return PACKS_ROOT / "twente"


def zwolle_pack() -> Path:
    """The shipped Regio Zwolle pack (entry point ``zwolle`` in group ``pijplijn.packs``)."""
    return PACKS_ROOT / "zwolle"


def national_region_codes() -> frozenset[str]:
    """Return the codes of the core's national regions: NL01, the provinces, every gemeente,
    COROP area and arbeidsmarktregio (``reference/labour_regions.json``). A pack names them
    by code without declaring them."""
    return _national_region_codes()


@functools.cache
def _national_region_codes() -> frozenset[str]:
    reference = load_labour_regions()
    return frozenset(
        {"NL01", *reference.provinces, *reference.gemeenten, *(r.code for r in reference.regions)}
    )


def load_pack(name: str) -> ContentPack:
    """Return the validated pack ``name`` (a pack name or a folder, see ``pack_root``);
    raise ContentError naming the file and key.

    Cached per process and per version of the pack's files (path, size and modification
    time of each): every command reads the pack, and an unchanged one then costs a few
    ``stat`` calls, while an edited one is read again."""
    root = pack_root(name)
    return _load_pack(root.parent, root.name, files_version(root))


def files_version(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Return (path, modification time in ns, size) of every file under ``root``, sorted:
    a key that changes whenever a file is edited, added or removed."""
    found = []
    for path in sorted(root.rglob("*")):
        try:
            status = path.stat()
        except OSError:  # removed while we looked
            continue
        if stat.S_ISREG(status.st_mode):
            found.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(found)


@functools.lru_cache(maxsize=8)
def _load_pack(
    packs_root: Path, name: str, files: tuple[tuple[str, int, int], ...] = ()
) -> ContentPack:
    root = _checked_root(packs_root / name)
    regions = _read(root / "regions.yaml", RegionsFile)
    pack = ContentPack(
        root=root,
        pack=_read(root / "pack.yaml", PackDef),
        regions=regions.regions,
        region_sets=regions.region_sets,
        institutions=_read(root / "institutions.yaml", InstitutionsFile).institutions,
        seed_datasets=[],
        classifications=_read(root / "classifications.yaml", ClassificationsFile).classifications,
        places=_read(root / "places.yaml", PlacesFile).places,
        shapes=load_shapes(root),
        cbs_measures=_cbs_measures(root / "cbs_measures.yaml"),
        labour=load_labour(root / "labour.yaml"),
    )
    _check_references(pack)
    pack = replace(pack, seed_datasets=_seed_datasets(pack))
    return _with_catalogue(pack)


def _seed_datasets(pack: ContentPack) -> list[SeedDatasetDef]:
    """Return the seed datasets of ``seed/datasets.yaml``, their coverage checked against the
    pack's regions and institutions and the vocabularies; raise ContentError naming the file
    and line of the first unknown region, institution, stage, period or region basis."""
    located = LocatedYaml(pack.root / "seed" / "datasets.yaml")
    datasets = located.validate(SeedFile).datasets
    regions = pack.region_codes()
    institutions = {i.brin for i in pack.institutions}
    for index, seed in enumerate(datasets):
        loc: list[str | int] = ["datasets", index, "coverage"]
        where = f"dataset {seed.file}"
        for number, covered in enumerate(seed.coverage.regions):
            at: list[str | int] = [*loc, "regions", number]
            if covered.region not in regions:
                raise located.error(
                    [*at, "region"],
                    f"{where}: onbekende regio '{covered.region}'; verwacht een regio van het "
                    "pakket (regions.yaml)",
                )
            for position, brin in enumerate(covered.institutions):
                if brin not in institutions:
                    raise located.error(
                        [*at, "institutions", position],
                        f"{where}: onbekende instelling '{brin}'; verwacht een BRIN uit "
                        "institutions.yaml",
                    )
        for position, stage in enumerate(seed.coverage.stages):
            if stage not in STAGES:
                raise located.error(
                    [*loc, "stages", position],
                    f"{where}: onbekende fase '{stage}'; kies uit {', '.join(STAGES)}",
                )
        for position, text in enumerate(seed.coverage.periods):
            try:
                Period.parse(text)
            except PeriodError as exc:
                raise located.error([*loc, "periods", position], f"{where}: {exc}") from None
        basis = seed.coverage.region_basis
        if basis is not None and basis not in REGION_BASES:
            raise located.error(
                [*loc, "region_basis"],
                f"{where}: onbekende region_basis '{basis}'; kies uit {', '.join(REGION_BASES)}",
            )
    return datasets


def _with_catalogue(pack: ContentPack) -> ContentPack:
    """Return ``pack`` with its indicator catalogue, goals and published-figure checks, each
    read only when the pack has the file."""
    root = pack.root
    indicators: list[IndicatorDef] = []
    if (root / "indicators.yaml").is_file():
        indicators = load_indicators(
            root / "indicators.yaml", {c.name for c in pack.classifications}
        )
    goals: list[GoalDef] = []
    if (root / "goals.yaml").is_file():
        goals = load_goals(
            root / "goals.yaml", indicators, pack.region_codes() | national_region_codes()
        )
    checks: list[CheckDef] = []
    if (root / "published_checks.yaml").is_file():
        checks = load_checks(root / "published_checks.yaml", indicators)
    unknown = sorted(set(pack.pack.key_indicators) - {i.id for i in indicators})
    if unknown:
        raise ContentError(
            f"{root / 'pack.yaml'}: sleutel 'key_indicators': onbekende indicator(en) "
            f"{', '.join(unknown)}; zie indicators.yaml"
        )
    programme = None
    if (root / "programme.yaml").is_file():
        programme = load_programme(root / "programme.yaml")
    return replace(
        pack, indicators=indicators, goals=goals, published_checks=checks, programme=programme
    )


_Model = TypeVar("_Model", bound=BaseModel)


def _read(path: Path, model: type[_Model]) -> _Model:
    try:
        data: Any = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise yaml_error(path, exc) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        line = yaml_line(yaml.compose(path.read_text(encoding="utf-8")), first["loc"])
        raise ContentError(f"{path}{line}: sleutel '{key}': {first['msg']}") from None


def _check_references(pack: ContentPack) -> None:
    codes = pack.region_codes() | national_region_codes()
    for region in pack.regions:
        if region.parent and region.parent not in codes:
            raise ContentError(
                f"{pack.root / 'regions.yaml'}: regio {region.code} heeft "
                f"onbekende ouder '{region.parent}'"
            )
    problems = unknown_members(pack.root / "regions.yaml", pack.region_sets, codes)
    if problems:
        raise problems[0]
    for institution in pack.institutions:
        if institution.gemeente not in codes:
            raise ContentError(
                f"{pack.root / 'institutions.yaml'}: instelling "
                f"{institution.brin} noemt onbekende gemeente "
                f"'{institution.gemeente}'"
            )
    _check_classifications(pack)
    _check_labour_market(pack)
    if pack.pack.default_region not in codes:
        raise ContentError(
            f"{pack.root / 'pack.yaml'}: default_region "
            f"'{pack.pack.default_region}' is geen regio van het pakket"
        )
    _check_pack_keys(pack, codes)


def _check_pack_keys(pack: ContentPack, codes: set[str]) -> None:
    """``compared_regions`` must name known regions and ``headline_classification`` a
    classification of the pack; the error names pack.yaml, its line and the key."""
    located = LocatedYaml(pack.root / "pack.yaml")
    for index, code in enumerate(pack.pack.compared_regions):
        if code not in codes:
            raise located.error(
                ["compared_regions", index],
                f"sleutel 'compared_regions': onbekende regio '{code}'; verwacht een regio "
                "van het pakket (regions.yaml) of van de kerngegevens (bijv. NL01, PV26)",
            )
    names = [c.name for c in pack.classifications]
    chosen = pack.pack.headline_classification
    if chosen is not None and chosen not in names:
        raise located.error(
            ["headline_classification"],
            f"sleutel 'headline_classification': onbekende classificatie '{chosen}'; kies uit "
            f"{', '.join(names) or '(geen classificaties in classifications.yaml)'}",
        )


def unknown_members(
    path: Path, region_sets: list[RegionSetDef], codes: set[str]
) -> list[ContentError]:
    """Return one error per region-set member that is neither a region of the pack nor a
    region the core knows, each naming the file and the member's line."""
    located = LocatedYaml(path)
    problems: list[ContentError] = []
    for index, region_set in enumerate(region_sets):
        for position, member in enumerate(region_set.members):
            if member not in codes:
                problems.append(
                    located.error(
                        ["region_sets", index, "members", position],
                        f"regioset {region_set.code} noemt onbekende gemeente '{member}'; "
                        "verwacht een CBS-gemeentecode (GM....) uit de kerngegevens "
                        "(src/pijplijn/reference/labour_regions.json) of een regio van het "
                        "pakket",
                    )
                )
    return problems


def _cbs_measures(path: Path) -> dict[str, CbsMeasureDef]:
    if not path.is_file():
        return {}
    measures = _read(path, CbsMeasuresFile).measures
    for key, definition in measures.items():
        if definition.measure not in MEASURES:
            raise ContentError(
                f"{path}: sleutel 'measures.{key}.measure': onbekende maat "
                f"'{definition.measure}'; kies uit {', '.join(MEASURES)}"
            )
    return measures


def _check_labour_market(pack: ContentPack) -> None:
    """A declared labour-market region must exist in the core's reference data; the error
    names the pack file and the line of the declaration."""
    path = pack.root / "regions.yaml"
    reference = load_labour_regions()
    for region_set in pack.region_sets:
        declared = region_set.labour_market
        if declared is None:
            continue
        for kind in ("corop", "arbeidsmarktregio"):
            value = getattr(declared, kind)
            if value is None or reference.find(kind, value) is not None:
                continue
            known = ", ".join(r.name for r in reference.by_kind(kind)[:4])
            raise ContentError(
                f"{path}, regel {_line_of(path, value)}: regioset {region_set.code}: "
                f"labour_market.{kind} '{value}' bestaat niet (bekend zijn o.a. {known}; "
                "zie src/pijplijn/reference/labour_regions.json)"
            )


def _line_of(path: Path, value: str) -> int:
    """Return the first line of ``path`` that names ``value`` after a labour_market key."""
    lines = path.read_text("utf-8").splitlines()
    inside = False
    for number, line in enumerate(lines, start=1):
        inside = inside or "labour_market" in line
        if inside and value in line:
            return number
    return next((n for n, line in enumerate(lines, start=1) if "labour_market" in line), 1)


def _check_classifications(pack: ContentPack) -> None:
    path = pack.root / "classifications.yaml"
    for classification in pack.classifications:
        starts = [v.valid_from for v in classification.versions]
        if starts != sorted(set(starts)):
            raise ContentError(
                f"{path}: classificatie {classification.name}: versies moeten "
                "op oplopende, verschillende valid_from staan"
            )
        for version in classification.versions:
            for index, rule in enumerate(version.rules):
                where = f"{classification.name}@{version.version}, regel {index + 1}"
                try:
                    rule.operator_values()
                except ValueError as exc:
                    raise ContentError(f"{path}: {where}: {exc}") from None
                unknown = [s for s in rule.stages if s not in STAGES]
                if unknown:
                    raise ContentError(f"{path}: {where}: onbekende fase '{unknown[0]}'")
