"""The programme of a pact as content: programme lines, agenda themes and named projects
(``programme.yaml``), validated at load time and seeded into the register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pijplijn import yamlfile
from pijplijn.errors import ContentError
from pijplijn.periods import Period, PeriodError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgrammeLineDef(_Strict):
    code: str
    number: int
    title: str
    source: str


class ThemeDef(_Strict):
    code: str
    programme: str
    title: str
    source: str


class ProjectDef(_Strict):
    code: str
    name: str
    programme_line: str | None = None
    themes: list[str] = []
    partners: str = ""
    period_start: str | None = None
    period_end: str | None = None
    target_group: str = ""
    description: str = ""
    source: str


class ProgrammeDef(_Strict):
    programme_lines: list[ProgrammeLineDef]
    themes: list[ThemeDef]
    projects: list[ProjectDef]


def load_programme(path: Path) -> ProgrammeDef:
    """Return the validated programme of ``path``; raise ContentError naming the file and key."""
    try:
        data: Any = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: niet te lezen als YAML ({exc})") from None
    try:
        programme = ProgrammeDef.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ContentError(f"{path}: sleutel '{key}': {first['msg']}") from None
    _check(path, programme)
    return programme


def _check(path: Path, programme: ProgrammeDef) -> None:
    lines = {line.code for line in programme.programme_lines}
    themes = {theme.code for theme in programme.themes}
    codes: set[str] = set()
    for index, project in enumerate(programme.projects):
        where = f"{path}: projects.{index} ({project.code})"
        if project.code in codes:
            raise ContentError(f"{where}: code komt twee keer voor")
        codes.add(project.code)
        if project.programme_line is not None and project.programme_line not in lines:
            raise ContentError(f"{where}: onbekende programmalijn '{project.programme_line}'")
        unknown = [t for t in project.themes if t not in themes]
        if unknown:
            raise ContentError(f"{where}: onbekend thema '{unknown[0]}'")
        for text in (project.period_start, project.period_end):
            if text is not None:
                try:
                    Period.parse(text)
                except PeriodError as exc:
                    raise ContentError(f"{where}: {exc}") from None
