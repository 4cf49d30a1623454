"""Checking a content pack for every problem at once (``pijplijn pack check``), and
scaffolding a new pack for a region set of national gemeenten (``pijplijn pack new``)."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pijplijn.content import loader
from pijplijn.content.indicators import LocatedYaml
from pijplijn.errors import ContentError
from pijplijn.reference.labour_regions import load_labour_regions

REQUIRED_FILES = (
    "pack.yaml",
    "regions.yaml",
    "institutions.yaml",
    "classifications.yaml",
    "places.yaml",
    "seed/datasets.yaml",
)
"""The files every pack has; the others (indicators, goals, projection, …) are optional."""

COPIED_FILES = ("classifications.yaml", "indicators.yaml", "places.yaml", "cbs_measures.yaml")
"""What a new pack takes from the shipped Regio Zwolle pack: the national techniek
classification, the national indicators, DUO's place quirks and CBS measure keys."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass
class CheckResult:
    """What ``check_pack`` found: the problems (each naming file and line), else the pack."""

    problems: list[str] = field(default_factory=list)
    pack: loader.ContentPack | None = None


def check_pack(path: Path) -> CheckResult:
    """Return every problem of the pack in ``path``: missing files, YAML errors (one per
    file), every unknown gemeente code of a region set, then the first problem the loader
    finds (an unknown indicator in a goal, a bad seed coverage, …). Raise ContentError when
    ``path`` is not a pack at all."""
    root = loader.pack_root(str(path) if path.is_absolute() else f"./{path}")
    result = CheckResult()
    for name in REQUIRED_FILES:
        if not (root / name).is_file():
            result.problems.append(f"{root / name}: bestand ontbreekt (elk pakket heeft het)")
    located: dict[str, LocatedYaml] = {}
    for file in sorted(root.rglob("*.yaml")):
        try:
            located[str(file.relative_to(root))] = LocatedYaml(file)
        except ContentError as exc:
            result.problems.append(str(exc))
    regions = located.get("regions.yaml")
    if regions is not None:
        try:
            region_file = regions.validate(loader.RegionsFile)
        except ContentError as exc:
            result.problems.append(str(exc))
        else:
            codes = {r.code for r in region_file.regions}
            codes |= {s.code for s in region_file.region_sets} | loader.national_region_codes()
            result.problems += [
                str(p) for p in loader.unknown_members(regions.path, region_file.region_sets, codes)
            ]
    if result.problems:
        return result
    try:
        result.pack = loader._load_pack.__wrapped__(root.parent, root.name)
    except ContentError as exc:
        result.problems.append(str(exc))
    return result


@dataclass(frozen=True)
class ScaffoldedSet:
    code: str
    name: str
    members: tuple[str, ...]


def region_set_members(spec: str) -> tuple[str, list[str], dict[str, str]]:
    """Return (name, gemeente codes, labour_market) for ``--region-set``: GM codes,
    provinces, COROP areas or arbeidsmarktregio's (code or name), comma-separated. The
    labour-market declaration is set when the spec is one COROP area or arbeidsmarktregio."""
    reference = load_labour_regions()
    members: list[str] = []
    names: list[str] = []
    labour_market: dict[str, str] = {}
    tokens = [t.strip() for t in spec.split(",") if t.strip()]
    if not tokens:
        raise ContentError("--region-set: noem minstens één gemeente of regio")
    for token in tokens:
        upper = token.upper()
        if upper in reference.gemeenten:
            members.append(upper)
            names.append(reference.gemeenten[upper][0])
        elif upper in reference.provinces:
            members += [c for c, (_, p) in reference.gemeenten.items() if p == upper]
            names.append(reference.provinces[upper])
        else:
            found = next(
                (
                    r
                    for kind in ("arbeidsmarktregio", "corop")
                    if (r := reference.find(kind, token)) is not None
                ),
                None,
            )
            if found is None:
                raise ContentError(
                    f"--region-set: '{token}' is geen gemeente (GM....), provincie (PV..), "
                    "COROP-gebied (CR..) of arbeidsmarktregio (AM-... of de naam) van de "
                    "kerngegevens (src/pijplijn/reference/labour_regions.json)"
                )
            members += found.members
            names.append(found.name)
            if len(tokens) == 1:
                labour_market = {found.kind: found.code if found.kind == "corop" else found.name}
    return " + ".join(names), sorted(set(members)), labour_market


def scaffold_pack(folder: Path, name: str, spec: str, title: str | None) -> ScaffoldedSet:
    """Write a new pack for the region set ``spec`` into ``folder`` (which must not exist)
    and check it loads; raise ContentError and write nothing on any problem."""
    if not _NAME.match(name):
        raise ContentError(
            f"pakketnaam '{name}': verwacht kleine letters, cijfers en '-' (bijv. zeeland)"
        )
    if folder.exists():
        raise ContentError(f"{folder}: bestaat al; kies een nieuwe map (--out)")
    region_name, members, labour_market = region_set_members(spec)
    reference = load_labour_regions()
    provinces = {reference.gemeenten[m][1] for m in members}
    template = loader.zwolle_pack()
    template_pack = loader.load_pack(str(template))
    key_indicators = template_pack.pack.key_indicators
    parent = provinces.pop() if len(provinces) == 1 else loader.NATIONAL
    files = {
        "pack.yaml": _dump(
            "Content pack made by 'pijplijn pack new'. Add goals to goals.yaml; check with "
            "'pijplijn pack check'.",
            {
                "name": name,
                "title": title or f"Techniekmonitor {region_name}",
                "default_region": name,
                "compared_regions": list(dict.fromkeys([name, parent, loader.NATIONAL])),
                "headline_classification": template_pack.classification,
                "key_indicators": key_indicators,
                "disclosure": {"default": "open", "kinds": {"template": "protected"}},
            },
        ),
        "regions.yaml": _dump(
            "Gemeenten, provinces, COROP areas and arbeidsmarktregio's are the core's "
            "reference data: the region set names its gemeenten by CBS code.",
            {
                "regions": [],
                "region_sets": [
                    {
                        "code": name,
                        "name": region_name,
                        "parent": parent,
                        "members": members,
                        **({"labour_market": labour_market} if labour_market else {}),
                    }
                ],
            },
        ),
        "institutions.yaml": _dump(
            "Institutions the pack names itself; imports add those of the DUO files.",
            {"institutions": []},
        ),
        "goals.yaml": _dump("The pack's goals (layout: docs/goals.md); none yet.", {"goals": []}),
        "seed/datasets.yaml": _dump("Seed documents of the pack; none yet.", {"datasets": []}),
    }
    with tempfile.TemporaryDirectory(dir=folder.parent if folder.parent.exists() else None) as t:
        work = Path(t) / name
        (work / "seed").mkdir(parents=True)
        for file in COPIED_FILES:
            shutil.copyfile(template / file, work / file)
        for file, text in files.items():
            (work / file).write_text(text, "utf-8")
        loader._load_pack.__wrapped__(work.parent, work.name)  # raises before anything is kept
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work), str(folder))
    return ScaffoldedSet(name, region_name, tuple(members))


def _dump(comment: str, data: object) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=96)
    return f"# {comment}\n{body}"
