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
import struct
import time
import unicodedata
import zipfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

MAX_UNCOMPRESSED = 200 * 1024 * 1024
"""Bytes an XLSX (a zip) may hold unpacked, in total."""
MAX_RATIO = 100
"""Unpacked size / packed size per zip member, as really unpacked; real sheets compress
about 5 to 20 times."""
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
        if exc.status_code == 408:  # too slow (web/limits.py)
            raise
        raise UploadRefused(400, f"ongeldig formulier: {exc.detail}") from None


def check_container(path: Path) -> None:
    """Refuse a zip (an XLSX) that really unpacks too large or too compressed, or holds a
    sheet with more rows, columns or cells than any source has, or takes too long to
    check: raise UploadRefused(400).

    Every member is decompressed in a stream from its own local header, counting the bytes
    and rows that come out, and stopped at the first limit: the sizes in the zip's
    directory are never trusted (they can lie), and an archive is found wherever it
    starts (junk bytes in front do not hide it). Nothing unpacked is kept."""
    with path.open("rb") as handle:
        head = handle.read(4)
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError:
        is_zip = False
    if not is_zip:
        if head == _LOCAL or path.suffix.lower() in {".xlsx", ".xlsm", ".zip"}:
            raise UploadRefused(400, "geen geldig XLSX/zip-bestand")
        return
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            budget = _Budget(time.monotonic() + MAX_CHECK_SECONDS)
            for member in archive.infolist():
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    sheet = _SheetCounter(member.filename)
                    _unpack(raw, member, budget, sheet.feed)
                    sheet.finish()
                else:
                    _unpack(raw, member, budget, None)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise UploadRefused(400, "geen geldig XLSX/zip-bestand") from None


_LOCAL = b"PK\x03\x04"
MAX_CHECK_SECONDS = 10.0
"""Seconds the container check may take; a file that needs longer is refused."""
MAX_SHEET_CELLS = 5_000_000
"""Cells per sheet: more than any source table has."""
_CHUNK = 256 * 1024
MIN_RATIO_BYTES = 1024 * 1024
"""A member is judged by its packing ratio once it has unpacked this much."""


@dataclass
class _Budget:
    """What the whole archive may still unpack, and until when."""

    deadline: float
    unpacked: int = 0

    def spend(self, name: str, size: int) -> None:
        self.unpacked += size
        if self.unpacked > MAX_UNCOMPRESSED:
            raise UploadRefused(
                400,
                f"het bestand pakt uit tot meer dan {MAX_UNCOMPRESSED:,} bytes (zipbom?); "
                f"gestopt in '{name}'",
            )
        if time.monotonic() > self.deadline:
            raise UploadRefused(
                400, f"het bestand is te zwaar om te controleren (meer dan {MAX_CHECK_SECONDS:g} s)"
            )


def _unpack(
    raw: BinaryIO,
    member: zipfile.ZipInfo,
    budget: _Budget,
    sink: Callable[[bytes], None] | None,
) -> None:
    """Decompress ``member`` from its local header to the end of its deflate stream (which
    ends by itself, whatever the directory claims), counting what comes out against the
    budget and the member's packing ratio, and feeding it to ``sink``."""
    raw.seek(member.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != _LOCAL:
        raise zipfile.BadZipFile(member.filename)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(member.header_offset + 30 + name_length + extra_length)
    if member.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    else:
        raise UploadRefused(400, f"'{member.filename}': onbekende compressie in het zip-bestand")
    stored_left = member.compress_size
    packed = unpacked = 0
    pending = b""
    while inflater is None or not inflater.eof:
        if not pending:
            size = _CHUNK if inflater is not None else min(_CHUNK, stored_left)
            pending = raw.read(size) if size > 0 else b""
            if not pending:
                break
            packed += len(pending)
        if inflater is None:
            out, pending = pending, b""
            stored_left -= len(out)
        else:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
        unpacked += len(out)
        budget.spend(member.filename, len(out))
        if unpacked > MIN_RATIO_BYTES and unpacked / packed > MAX_RATIO:
            raise UploadRefused(
                400, f"'{member.filename}' is verdacht sterk gecomprimeerd (zipbom?)"
            )
        if sink is not None and out:
            sink(out)


class _SheetCounter:
    """Counts a worksheet's rows (the highest row number), widest column and cells from
    its XML as it streams by; raises UploadRefused at the first limit passed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tail = b""
        self.rows = 0
        self.cells = 0
        self.seen_dimension = False

    def feed(self, data: bytes) -> None:
        block = self.tail + data
        cut = block.rfind(b"<")
        if cut <= 0:
            self.tail = block
            return
        # Everything before the last '<' holds whole tags only (no '<' inside a tag).
        done, self.tail = block[:cut], block[cut:]
        if not self.seen_dimension:
            self.seen_dimension = True
            _check_dimension(self.name, done[:4096])
        self.cells += done.count(b"<c ") + done.count(b"<c>") + done.count(b":c ")
        rows = done.count(b"<row") + done.count(b":row ")
        last = _LAST_ROW.findall(done[-4096:]) if rows else []
        self.rows = max(self.rows + rows, int(last[-1]) if last else 0)
        wide = [_column_number(c.decode("ascii")) for c in _WIDE_COLUMN.findall(done)]
        self.check(max(wide, default=0))

    def check(self, columns: int = 0) -> None:
        if self.rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
            raise UploadRefused(
                400,
                f"werkblad '{self.name}' is te groot: meer dan {MAX_SHEET_ROWS:,} rijen of "
                f"{MAX_SHEET_COLUMNS} kolommen",
            )
        if self.cells > MAX_SHEET_CELLS:
            raise UploadRefused(
                400, f"werkblad '{self.name}' heeft meer dan {MAX_SHEET_CELLS:,} cellen"
            )

    def finish(self) -> None:
        self.feed(b"<")


_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,9})"')
_WIDE_COLUMN = re.compile(rb'c r="([S-Z][A-Z]|[A-Z]{3})\d')
"""A cell reference past column SF (500): the literal prefix keeps the scan fast."""


def _check_dimension(name: str, head: bytes) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return  # no dimension element: the streamed counts still hold
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
class TextLimits:
    """What a text (CSV) upload may hold before a parser sees it (``settings.py``:
    ``upload_csv_*``)."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_seconds: float


_DELIMITERS = (b";", b",", b"\t", b"|")


def check_text(path: Path, limits: TextLimits) -> None:
    """Refuse a text file that is larger, longer or wider than ``limits`` allow, or takes
    longer than ``limits.max_seconds`` to scan: raise UploadRefused(400).

    The parsers read a whole file into memory and cannot be stopped half-way, so the file
    is scanned first, in a stream of chunks, counting lines and the widest line's fields
    (by the delimiter of the header line; quoted delimiters only over-count, which errs
    on the side of refusing). Every real source file is far inside these limits
    (docs/settings.md)."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UploadRefused(
            400,
            f"het tekstbestand is te groot om te lezen: {size:,} bytes, "
            f"hoogstens {limits.max_bytes:,} bytes",
        )
    deadline = time.monotonic() + limits.max_seconds
    rows = 0
    delimiter: bytes | None = None
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            block = tail + chunk
            cut = block.rfind(b"\n")
            if cut < 0:  # one long line so far; its length is bounded by the file's size
                tail = block
                continue
            lines, tail = block[: cut + 1], block[cut + 1 :]
            if delimiter is None:
                header = lines.split(b"\n", 1)[0]
                delimiter = max(_DELIMITERS, key=header.count)
            rows += lines.count(b"\n")
            widest = max(line.count(delimiter) for line in lines.split(b"\n")) + 1
            _check_text_counts(rows, widest, limits)
            if time.monotonic() > deadline:
                raise UploadRefused(
                    400,
                    f"het tekstbestand is te zwaar om te lezen (meer dan {limits.max_seconds:g} s)",
                )
    if tail.strip():
        rows += 1
        widest = tail.count(delimiter or max(_DELIMITERS, key=tail.count)) + 1
        _check_text_counts(rows, widest, limits)


def _check_text_counts(rows: int, columns: int, limits: TextLimits) -> None:
    if rows > limits.max_rows:
        raise UploadRefused(
            400,
            f"het tekstbestand heeft meer dan {limits.max_rows:,} regels; "
            "splits het bestand of vraag de beheerder de grens te verhogen",
        )
    if columns > limits.max_columns:
        raise UploadRefused(
            400,
            f"het tekstbestand heeft een regel met {columns:,} kolommen; "
            f"hoogstens {limits.max_columns:,}",
        )


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


def without_paths(message: str, folder: Path) -> str:
    """``message`` without the server's upload folder: a kept file is named by the name it
    was uploaded under, never by where the server keeps it."""
    return re.sub(re.escape(str(folder)) + r"/[A-Za-z0-9_-]+/", "", message).replace(
        str(folder), "uploads"
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
