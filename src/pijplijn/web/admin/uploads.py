"""Uploads in two steps: a preview with the validation findings (nothing written), then a
confirmation that re-reads the kept file and writes it in one transaction.

- participation from the partner template (``register.bulk``), by a redacteur for its own
  organisation or by a beheerder;
- DUO/CBS files by a beheerder, through the parsers of ``pijplijn import``
  (``store.imports``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from pijplijn.accounts.rights import Actor, Resource
from pijplijn.errors import PijplijnError
from pijplijn.ingest.registry import KINDS
from pijplijn.register.bulk import TEMPLATE, import_participation, parse_participation
from pijplijn.store.imports import check_disclosure, disclosure_for, import_files, plan_kinds
from pijplijn.store.reference import import_context
from pijplijn.web.admin.common import page, writing
from pijplijn.web.admin.upload_store import (
    Pending,
    TextLimits,
    UploadRefused,
    check_container,
    check_text,
    discard,
    keep,
    pending,
    read_upload_form,
    without_paths,
)
from pijplijn.web.auth import FormDep, Login, check_csrf, require
from pijplijn.web.deps import content

router = APIRouter(include_in_schema=False)

PREVIEW_ROWS = 50
"""Rows of a bulk upload shown in the preview."""


def _own_participation(_: Session, __: Request, actor: Actor) -> Resource:
    return Resource(kind="participation", organisation_id=actor.organisation_id)


BulkUpload = Annotated[Login, Depends(require("upload", "participation", _own_participation))]
DatasetUpload = Annotated[Login, Depends(require("upload", "dataset"))]


def _folder(request: Request) -> Path:
    return Path(request.app.state.upload_dir)


async def _receive(request: Request, login: Login, purpose: str) -> tuple[FormData, Any]:
    """Read the upload form under the size limit, check CSRF, keep the file and check its
    container; return the form and the kept upload. Raises UploadRefused."""
    limit = int(request.app.state.settings.upload_max_bytes)
    form = await read_upload_form(request, limit)
    check_csrf(login, form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UploadRefused(400, "kies een bestand")
    assert login.session is not None  # pages only: check_csrf needs a session
    kept = await keep(_folder(request), upload, purpose, login.session.session_id, login.user.id)
    try:
        # Unpacking a zip to count what it holds takes CPU: off the event loop.
        await run_in_threadpool(check_container, kept.path)
        if not _starts_as_zip(kept.path):
            # Text is parsed whole and cannot be stopped half-way: bounded before parsing.
            await run_in_threadpool(check_text, kept.path, _text_limits(request))
    except UploadRefused:
        discard(kept)
        raise
    return form, kept


def _starts_as_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _text_limits(request: Request) -> TextLimits:
    configured = request.app.state.settings
    return TextLimits(
        max_bytes=int(configured.upload_csv_max_bytes),
        max_rows=int(configured.upload_csv_max_rows),
        max_columns=int(configured.upload_csv_max_columns),
        max_seconds=float(configured.upload_scan_seconds),
    )


def _refused(request: Request, login: Login, template: str, exc: UploadRefused) -> Response:
    return page(request, template, login, {"refused": exc.message}, status_code=exc.status)


# --- participation from the partner template ------------------------------------------------


@router.get("/beheer/deelname/upload")
def bulk_form(request: Request, login: BulkUpload) -> Response:
    return page(request, "admin/upload_bulk.html", login, {})


@router.get("/beheer/deelname/sjabloon.csv")
def bulk_template(login: BulkUpload) -> Response:
    return FileResponse(TEMPLATE, media_type="text/csv", filename="deelname-sjabloon.csv")


@router.post("/beheer/deelname/upload")
async def bulk_preview(request: Request, login: BulkUpload) -> Response:
    # The body is streamed to disk on the event loop; reading and parsing the file is
    # blocking work, done in the thread pool.
    try:
        _, kept = await _receive(request, login, "participation")
    except UploadRefused as exc:
        return _refused(request, login, "admin/upload_bulk.html", exc)
    return await run_in_threadpool(_bulk_preview, request, login, kept)


def _bulk_preview(request: Request, login: Login, kept: Pending) -> Response:
    with Session(request.app.state.engine) as reading:  # never committed
        report, rows = parse_participation(reading, login.actor, kept.path, kept.name)
        names = _names(reading)
    if not report.valid:
        discard(kept)
    return page(
        request,
        "admin/upload_bulk.html",
        login,
        {
            "report": report,
            "rows": rows[:PREVIEW_ROWS],
            "row_count": len(rows),
            "names": names,
            "upload_id": kept.upload_id if report.valid else None,
        },
        status_code=200 if report.valid else 400,
    )


@router.post("/beheer/deelname/upload/{upload_id}/bevestigen")
def bulk_confirm(request: Request, upload_id: str, login: BulkUpload, form: FormDep) -> Response:
    check_csrf(login, form)
    assert login.session is not None
    kept = pending(_folder(request), upload_id, "participation", login.session.session_id)
    # Re-read and re-checked: the register (or the user's rights) may have changed since.
    with writing(request) as write:
        result = import_participation(write, login.actor, kept.path, kept.name)
    discard(kept)
    return page(
        request,
        "admin/upload_bulk.html",
        login,
        {"report": result.report, "created": result.created, "confirmed": True},
        status_code=200 if result.report.valid else 400,
    )


def _names(session: Session) -> dict[str, dict[int, str]]:
    from pijplijn.web.admin.register import _names as names

    return names(session)


# --- DUO/CBS files --------------------------------------------------------------------------


@router.get("/beheer/bestanden")
def dataset_form(request: Request, login: DatasetUpload) -> Response:
    return page(request, "admin/upload_dataset.html", login, {"kinds": sorted(KINDS)})


def _kind(form: FormData) -> str | None:
    value = form.get("kind")
    return value if isinstance(value, str) and value in KINDS else None


def _disclosure(form: FormData) -> str | None:
    """Return the chosen disclosure policy (None: the pack's default for the kind); raise
    PijplijnError for a value that is none of the policies."""
    value = form.get("disclosure")
    if not isinstance(value, str) or not value:
        return None
    check_disclosure(value)
    return value


@router.post("/beheer/bestanden")
async def dataset_preview(request: Request, login: DatasetUpload) -> Response:
    context: dict[str, Any] = {"kinds": sorted(KINDS)}
    try:
        form, kept = await _receive(request, login, "dataset")
    except UploadRefused as exc:
        return page(
            request,
            "admin/upload_dataset.html",
            login,
            {**context, "refused": exc.message},
            status_code=exc.status,
        )
    return await run_in_threadpool(_dataset_preview, request, login, form, kept, context)


def _dataset_preview(
    request: Request, login: Login, form: FormData, kept: Pending, context: dict[str, Any]
) -> Response:
    kind = _kind(form)
    try:
        chosen = _disclosure(form)
        with Session(request.app.state.engine) as reading:  # never committed
            path, source_kind, detected = plan_kinds([kept.path], kind)[0]
            parsed = source_kind.parse(path, import_context(reading, content(request)))
        policy = disclosure_for(content(request), source_kind.name, chosen)
    except PijplijnError as exc:
        discard(kept)
        return page(
            request,
            "admin/upload_dataset.html",
            login,
            {**context, "refused": without_paths(str(exc), _folder(request))},
            status_code=400,
        )
    valid = parsed.report.valid
    if not valid:
        discard(kept)
    return page(
        request,
        "admin/upload_dataset.html",
        login,
        {
            **context,
            "report": parsed.report,
            "info": parsed.info,
            "kind": source_kind.name,
            "detected": detected,
            "disclosure": policy,
            "upload_id": kept.upload_id if valid else None,
        },
        status_code=200 if valid else 400,
    )


@router.post("/beheer/bestanden/{upload_id}/bevestigen")
def dataset_confirm(
    request: Request, upload_id: str, login: DatasetUpload, form: FormDep
) -> Response:
    check_csrf(login, form)
    assert login.session is not None
    kept = pending(_folder(request), upload_id, "dataset", login.session.session_id)
    # The CLI's import path: parse again and write in one transaction, or nothing.
    try:
        chosen = _disclosure(form)
    except PijplijnError as exc:
        discard(kept)
        return page(
            request,
            "admin/upload_dataset.html",
            login,
            {"kinds": sorted(KINDS), "refused": without_paths(str(exc), _folder(request))},
            status_code=400,
        )
    try:
        outcomes = import_files(
            request.app.state.engine, content(request), [kept.path], _kind(form), disclosure=chosen
        )
    except PijplijnError as exc:
        raise type(exc)(without_paths(str(exc), _folder(request))) from None
    discard(kept)
    outcome = outcomes[0]
    return page(
        request,
        "admin/upload_dataset.html",
        login,
        {
            "kinds": sorted(KINDS),
            "report": outcome.parsed.report,
            "info": outcome.parsed.info,
            "kind": outcome.kind.name,
            "disclosure": outcome.parsed.info.disclosure,
            "load": outcome.load,
            "confirmed": True,
        },
        status_code=200 if outcome.load is not None else 400,
    )
