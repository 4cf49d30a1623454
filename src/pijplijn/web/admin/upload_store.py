"""Uploaded files between preview and confirmation: read with a size limit, checked for zip
bombs and huge sheets before any parser sees them, and kept in a private folder under a
random id bound to the session that uploaded them.

A file is written as ``<id>/.part`` and renamed into place, so a server killed mid-upload
leaves no file that looks complete; the store itself is only written at confirmation, in one
transaction.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
import unicodedata
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

MAX_UNCOMPRESSED = 200 * 1024 * 1024
"""Bytes an XLSX (a zip) may hold unpacked, in total."""
MAX_RATIO = 100
"""Unpacked size / packed size per zip member; real sheets compress about 5 to 20 times."""
MAX_SHEET_ROWS = 500_000
MAX_SHEET_COLUMNS = 500
MAX_AGE = 24 * 3600
"""Seconds an unconfirmed upload is kept."""
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?:?([A-Z]+)?(\d+)?"')


class UploadRefused(Exception):
    """The upload is refused before parsing; ``status`` is 413 or 400."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def safe_name(name: str | None) -> str:
    """Return the file name without any folder part or unsafe characters
    (``../../etc/passwd`` gives ``passwd``); ``upload`` when nothing is left."""
    name = unicodedata.normalize("NFKC", (name or "").replace("\\", "/"))
    base = PurePosixPath(name).name
    cleaned = _UNSAFE.sub("_", base).strip("._")[:120]
    return cleaned or "upload"


def _limited(
    receive: Callable[[], Awaitable[Message]], limit: int
) -> Callable[[], Awaitable[Message]]:
    """Wrap an ASGI receive so that reading more than ``limit`` body bytes raises 413: the
    body is streamed, never read whole, and parsing stops at the limit."""
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise UploadRefused(413, f"het bestand is te groot: hoogstens {limit:,} bytes")
        return message

    return receive_limited


async def read_upload_form(request: Request, limit: int) -> FormData:
    """Return the multipart form of ``request``, reading at most ``limit`` bytes; raise
    UploadRefused(413) as soon as the body is larger (a declared Content-Length over the
    limit is refused before anything is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise UploadRefused(413, f"het bestand is te groot: hoogstens {limit:,} bytes")
    limited = Request(request.scope, _limited(request.receive, limit))
    try:
        return await limited.form(max_files=1, max_fields=20)
    except UploadRefused:
        raise
    except HTTPException as exc:  # malformed multipart
        raise UploadRefused(400, f"ongeldig formulier: {exc.detail}") from None


def check_container(path: Path) -> None:
    """Refuse a zip (an XLSX) that unpacks too large, too compressed, or holds a sheet with
    more rows or columns than any source has: raise UploadRefused(400). Only the zip's
    directory and each sheet's first bytes are read."""
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > MAX_UNCOMPRESSED:
                raise UploadRefused(
                    400,
                    f"het bestand pakt uit tot {total:,} bytes (hoogstens {MAX_UNCOMPRESSED:,})",
                )
            for member in members:
                if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
                    raise UploadRefused(
                        400, f"'{member.filename}' is verdacht sterk gecomprimeerd (zipbom?)"
                    )
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    with archive.open(member) as sheet:
                        _check_dimension(member.filename, sheet.read(4096))
    except zipfile.BadZipFile:
        raise UploadRefused(400, "geen geldig XLSX/zip-bestand") from None


def _check_dimension(name: str, head: bytes) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return  # no dimension element: the unpacked-size limits above still hold
    groups = [g.decode("ascii") if g else "" for g in found.groups()]
    last_column, last_row = groups[2] or groups[0], groups[3] or groups[1]
    rows = int(last_row) if last_row else 0
    columns = _column_number(last_column) if last_column else 0
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        raise UploadRefused(
            400,
            f"werkblad '{name}' is te groot: {rows:,} rijen × {columns:,} kolommen "
            f"(hoogstens {MAX_SHEET_ROWS:,} × {MAX_SHEET_COLUMNS})",
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


@dataclass(frozen=True)
class Pending:
    """An upload waiting for confirmation."""

    upload_id: str
    path: Path
    name: str
    purpose: str
    session_id: str
    user_id: int


async def keep(
    folder: Path, upload: UploadFile, purpose: str, session_id: str, user_id: int
) -> Pending:
    """Copy the uploaded file into ``folder/<random id>/`` (``.part`` first, renamed when
    complete) with a note binding it to the session; return it."""
    prune(folder)
    upload_id = secrets.token_urlsafe(24)
    target = folder / upload_id
    target.mkdir(mode=0o700)
    name = safe_name(upload.filename)
    part = target / ".part"
    with part.open("wb") as handle:
        async for chunk in _chunks(upload):
            handle.write(chunk)
    part.replace(target / name)
    meta = {"name": name, "purpose": purpose, "session": session_id, "user": user_id}
    (target / ".meta.part").write_text(json.dumps(meta), encoding="utf-8")
    (target / ".meta.part").replace(target / "meta.json")
    return Pending(upload_id, target / name, name, purpose, session_id, user_id)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(1024 * 1024):
        yield chunk


def pending(folder: Path, upload_id: str, purpose: str, session_id: str) -> Pending:
    """Return the upload ``upload_id`` of this session and purpose; raise 404 otherwise (an
    id from another session is as unknown as a made-up one)."""
    if not _ID.match(upload_id):
        raise HTTPException(status_code=404, detail="onbekende upload")
    meta_path = folder / upload_id / "meta.json"
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise HTTPException(status_code=404, detail="onbekende of verlopen upload") from None
    if meta.get("session") != session_id or meta.get("purpose") != purpose:
        raise HTTPException(status_code=404, detail="onbekende of verlopen upload")
    name = safe_name(str(meta.get("name")))
    return Pending(
        upload_id, folder / upload_id / name, name, purpose, session_id, int(meta["user"])
    )


def discard(item: Pending) -> None:
    """Remove an upload's folder (after confirmation)."""
    shutil.rmtree(item.path.parent, ignore_errors=True)


def prune(folder: Path, now: float | None = None) -> None:
    """Remove uploads older than MAX_AGE (abandoned previews, or left by a killed server)."""
    cutoff = (now or time.time()) - MAX_AGE
    for entry in folder.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue
