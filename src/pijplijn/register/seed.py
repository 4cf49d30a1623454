"""Seeding the register from the content pack: programme lines and themes (reference data,
kept in step with the pack) and the named projects (created once, audited as ``seed``;
edits made afterwards are kept). No participation is seeded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.rights import SEED
from pijplijn.content.programme import ProgrammeDef
from pijplijn.register import service
from pijplijn.store.register_models import ProgrammeLine, Project, Theme


@dataclass(frozen=True)
class SeedResult:
    programme_lines: int
    themes: int
    projects_created: int


def sync_programme_reference(session: Session, programme: ProgrammeDef) -> tuple[int, int]:
    """Insert or update the programme lines and themes; return how many there are."""
    for line in programme.programme_lines:
        stored = session.get(ProgrammeLine, line.code) or ProgrammeLine(code=line.code)
        for name, value in (
            ("number", line.number),
            ("title", line.title),
            ("source", line.source),
        ):
            if getattr(stored, name) != value:
                setattr(stored, name, value)
        session.add(stored)
    for theme in programme.themes:
        row = session.get(Theme, theme.code) or Theme(code=theme.code)
        for name, value in (
            ("programme", theme.programme),
            ("title", theme.title),
            ("source", theme.source),
        ):
            if getattr(row, name) != value:
                setattr(row, name, value)
        session.add(row)
    session.flush()
    return len(programme.programme_lines), len(programme.themes)


def seed_projects(session: Session, programme: ProgrammeDef) -> int:
    """Create the pack's projects that are not in the register yet; return how many."""
    existing = set(session.scalars(select(Project.code).where(Project.code.is_not(None))))
    created = 0
    for project in programme.projects:
        if project.code in existing:
            continue
        service.create(
            session,
            SEED,
            "project",
            {
                "code": project.code,
                "name": project.name,
                "programme_line_code": project.programme_line,
                "themes": project.themes,
                "partners": project.partners,
                "period_start": project.period_start,
                "period_end": project.period_end,
                "target_group": project.target_group,
                "description": project.description,
                "source": project.source,
            },
        )
        created += 1
    return created
