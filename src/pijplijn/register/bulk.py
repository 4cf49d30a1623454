"""Bulk import of participation from the partner template (CSV), all or nothing.

Template columns (``docs/register.md``; an example ships as
``register/data/deelname-sjabloon.csv``):

organisation  the organisation's KvK number (8 digits) or its exact name in the register
project       the project's code (e.g. ``jetnet``) or its exact name
period        a year (2024) or school year (2024-2025)
role          organisator | partner | gastbedrijf | financier | deelnemer (optional)
pupils, students, teachers, companies   the reach: whole numbers, blank when unknown
note          free text (optional)

Every problem is a typed issue with its row and column; nothing is written unless the whole
file is valid, and then in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.rights import Actor, Resource, can
from pijplijn.ingest.issues import (
    CellIssue,
    CellRangeIssue,
    CellTypeIssue,
    DuplicateRowIssue,
    ImportReport,
    MissingColumnIssue,
    RowPosition,
    UnknownCodeIssue,
    UnusedColumnIssue,
)
from pijplijn.ingest.text import open_table
from pijplijn.register import service
from pijplijn.register.errors import InputError
from pijplijn.register.inputs import ParticipationInput, validate_input
from pijplijn.store.register_models import Organisation, Project

REQUIRED = ("organisation", "project", "period")
OPTIONAL = ("role", "pupils", "students", "teachers", "companies", "note")
TEMPLATE = Path(__file__).parent / "data" / "deelname-sjabloon.csv"
MAX_ROWS = 50_000


@dataclass
class BulkResult:
    """The report of a bulk import and, when it was valid and written, the new record ids."""

    report: ImportReport
    created: list[int] = field(default_factory=list)


def parse_participation(
    session: Session, actor: Actor, path: Path, name: str | None = None
) -> tuple[ImportReport, list[dict[str, Any]]]:
    """Check a template file against the register and the actor's rights; return the report
    and the rows as service inputs (only meaningful when the report is valid)."""
    report = ImportReport(file=name or path.name)
    table = open_table(path, report)
    if table is None:
        return report, []
    for column in REQUIRED:
        if column not in table.header:
            report.add(MissingColumnIssue(file=report.file, column=column))
    for column in table.header:
        if column not in REQUIRED + OPTIONAL:
            report.warn(UnusedColumnIssue(file=report.file, column=column))
    if not report.valid:
        return report, []
    organisations = _organisations(session)
    projects = _projects(session)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for position, cells in table.rows(report):
        if len(rows) >= MAX_ROWS:
            report.add(
                CellRangeIssue.from_row(position, "organisation", "", f"hoogstens {MAX_ROWS} rijen")
            )
            break
        values = dict(zip(table.header, cells, strict=True))
        data = _row(report, position, values, organisations, projects)
        if data is None:
            continue
        org = data["organisation_id"]
        if not can(actor, "upload", Resource(kind="participation", organisation_id=org)):
            report.add(
                UnknownCodeIssue.from_row(
                    position, "organisation", values["organisation"], "uw eigen organisatie"
                )
            )
            continue
        key = (org, data["project_id"], data["period"], data.get("role"))
        if key in seen:
            report.add(DuplicateRowIssue(file=report.file, row=position.row, first_row=seen[key]))
            continue
        seen[key] = position.row
        rows.append(data)
    report.stats = {"rows": len(rows)}
    return report, rows


def import_participation(
    session: Session, actor: Actor, path: Path, name: str | None = None
) -> BulkResult:
    """Parse the file and, when valid, create every participation record in ``session`` (the
    caller's single transaction); return the report and the new ids."""
    report, rows = parse_participation(session, actor, path, name)
    result = BulkResult(report=report)
    if not report.valid:
        return result
    for data in rows:
        record = service.create(session, actor, "participation", data)
        result.created.append(record.id)
    return result


def _row(
    report: ImportReport,
    position: RowPosition,
    values: dict[str, str],
    organisations: dict[str, int],
    projects: dict[str, int],
) -> dict[str, Any] | None:
    issues: list[CellIssue] = []
    organisation = organisations.get(values["organisation"].casefold())
    if organisation is None:
        issues.append(
            UnknownCodeIssue.from_row(
                position,
                "organisation",
                values["organisation"],
                "het KvK-nummer of de naam van een organisatie in het register",
            )
        )
    project = projects.get(values["project"].casefold())
    if project is None:
        issues.append(
            UnknownCodeIssue.from_row(
                position, "project", values["project"], "de code of naam van een project"
            )
        )
    data: dict[str, Any] = {
        "organisation_id": organisation,
        "project_id": project,
        "period": values["period"],
        "role": values.get("role") or None,
        "note": values.get("note", ""),
    }
    for column in ("pupils", "students", "teachers", "companies"):
        text = values.get(column, "")
        if not text:
            data[column] = None
        elif not (text.isascii() and text.isdigit()):  # "²".isdigit() is True
            issues.append(
                CellTypeIssue.from_row(position, column, text, "geheel getal (leeg: onbekend)")
            )
        else:
            data[column] = int(text)
    if not issues:
        try:
            validate_input(ParticipationInput, "deelname", data)
        except InputError as exc:
            for problem in exc.problems:
                column = problem.field if problem.field in values else "period"
                issues.append(
                    CellRangeIssue.from_row(
                        position, column, str(values.get(column, "")), problem.message
                    )
                )
    for issue in issues:
        report.add(issue)
    return None if issues else data


def _organisations(session: Session) -> dict[str, int]:
    found: dict[str, int] = {}
    active = select(Organisation).where(Organisation.archived_at.is_(None))
    for organisation in session.scalars(active.order_by(Organisation.id)):
        found.setdefault(organisation.name.casefold(), organisation.id)
        if organisation.kvk:
            found[organisation.kvk] = organisation.id
    return found


def _projects(session: Session) -> dict[str, int]:
    found: dict[str, int] = {}
    for project in session.scalars(select(Project).where(Project.archived_at.is_(None))):
        found.setdefault(project.name.casefold(), project.id)
        if project.code:
            found[project.code] = project.id
    return found
