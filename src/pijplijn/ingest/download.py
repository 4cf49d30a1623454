"""Download the publishers' current releases into a local cache: the fetching half of
``pijplijn update``.

This module only fetches. It never parses or imports a file: it returns, per source, where the
current copy is and whether it changed, and the caller imports what changed.

The cache holds, per source, the file under its ``file_name`` and a sidecar
``<file_name>.meta.json`` with the URL, the validators the server sent (ETag, Last-Modified),
the file's sha256 and when it was fetched. The next fetch sends those validators, so an
unchanged file costs one small 304 response. A file is only ever replaced by an atomic rename
of a completely downloaded temporary file, so the cache never holds a half-written file.
"""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pijplijn import __version__, yamlfile
from pijplijn.errors import ContentError, PijplijnError
from pijplijn.ingest.records import sha256_of
from pijplijn.ingest.registry import KINDS

SOURCE_KINDS: tuple[str, ...] = tuple(KINDS)
"""The import kinds a downloaded source may name: every kind ``pijplijn import`` knows."""


def check_kind(value: str) -> str:
    """Return ``value`` when it is an import kind; raise ValueError naming the kinds."""
    if value not in KINDS:
        raise ValueError(f"onbekende soort '{value}'; kies uit {', '.join(KINDS)}")
    return value


FetchStatus = Literal["downloaded", "unchanged", "offline", "failed"]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""Seconds: 10 to connect, 60 for each read (and write and pool wait)."""

RETRY_PAUSE_SECONDS = 1.0
"""Seconds to wait before the one retry after a failed connection."""

META_SUFFIX = ".meta.json"
PART_SUFFIX = ".part"
CHUNK_BYTES = 64 * 1024
STALE_PART_AGE = timedelta(hours=1)
"""Temporary files older than this were left by an interrupted run and are removed."""

ProgressCallback = Callable[[str, int, int | None], None]
"""Called with (source name, bytes received so far, total bytes or None when unknown)."""


class Source(BaseModel):
    """One file to download: where it is published, and the import kind that reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: str
    url: str
    file_name: str
    description: str

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return check_kind(value)

    @field_validator("name", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("mag niet leeg zijn")
        return value.strip()

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"verwacht een http(s)-adres, niet '{value}'")
        return value.strip()

    @field_validator("file_name")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        # The name becomes a path in the cache: no folders, no hidden files, and no clash
        # with the cache's own sidecars and temporary files.
        bad = (
            not value
            or value != Path(value).name
            or "\\" in value
            or value.startswith(".")
            or value.endswith((META_SUFFIX, PART_SUFFIX))
        )
        if bad:
            raise ValueError(f"verwacht een bestandsnaam zonder map, niet '{value}'")
        return value


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(min_length=1)
    portal: list[dict[str, Any]] = []
    """Sources resolved through the publishers' APIs (read by ``ingest/portal.py``)."""


class CacheEntry(BaseModel):
    """The sidecar of a cached file: where it came from and what the server said about it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str
    size: int
    """Bytes."""
    fetched_at: datetime
    """When these bytes were downloaded (UTC)."""
    checked_at: datetime
    """When the publisher last confirmed them current, by a 200 or a 304 (UTC)."""


@dataclass(frozen=True)
class FetchResult:
    """What fetching one source gave.

    ``status``: "downloaded" (a new or changed file), "unchanged" (the cached copy is current),
    "offline" (the publisher could not be reached or answered with an error; the cached copy
    at ``path`` is used) or "failed" (likewise, and there is no cached copy: ``path`` is None).
    ``message`` is one Dutch sentence naming the source, the URL and, when it failed, why.
    """

    source: Source
    status: FetchStatus
    path: Path | None
    message: str
    fetched_at: datetime | None
    """When the bytes at ``path`` were downloaded from the publisher (UTC); None when failed."""
    checked_at: datetime | None = None
    """When the publisher last confirmed them current (UTC); now unless offline or failed."""
    sha256: str | None = None
    """Of the file at ``path``; lets the caller skip a file it has already imported."""

    @property
    def changed(self) -> bool:
        """True when a new or changed file was downloaded in this run."""
        return self.status == "downloaded"


def load_sources(path: Path) -> list[Source]:
    """Return the sources listed in a sources file (YAML, a ``sources:`` list).

    Raises ContentError naming the file and the first bad key, e.g. ``sources.2.kind``.
    """
    try:
        data: Any = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: niet te lezen als YAML ({exc})") from None
    try:
        sources = _SourcesFile.model_validate(data).sources
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "sources"
        raise ContentError(f"{path}: sleutel '{key}': {first['msg']}") from None
    _check_unique(path, sources, "name")
    _check_unique(path, sources, "file_name")
    return sources


def _check_unique(path: Path, sources: list[Source], attribute: str) -> None:
    seen: set[str] = set()
    for index, source in enumerate(sources):
        value = getattr(source, attribute)
        if value in seen:
            raise ContentError(
                f"{path}: sleutel 'sources.{index}.{attribute}': '{value}' komt al eerder voor"
            )
        seen.add(value)


def default_cache_dir() -> Path:
    """Return the folder downloads are cached in: ``downloads`` in the user cache directory."""
    return Path(platformdirs.user_cache_dir("pijplijn", appauthor=False)) / "downloads"


def default_client() -> httpx.Client:
    """Return an HTTP client with the default timeouts that follows redirects.

    The caller closes it (use it in a ``with`` block).
    """
    return httpx.Client(
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=True,
        headers={"User-Agent": f"pijplijn/{__version__} (+open monitor techniekpact)"},
    )


def fetch(
    sources: Iterable[Source],
    cache_dir: Path,
    client: httpx.Client,
    progress: ProgressCallback | None = None,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry_pause: float = RETRY_PAUSE_SECONDS,
    clock: Callable[[], datetime] | None = None,
) -> list[FetchResult]:
    """Bring each source's copy in ``cache_dir`` up to date; return one result per source.

    Sends a conditional GET with the validators of the previous successful fetch. Never raises
    for a network or HTTP problem: that becomes an "offline" or "failed" result. Retries once,
    after ``retry_pause`` seconds, when the connection cannot be made; a host that stays
    unreachable is not tried again for the remaining sources of this run. ``clock`` returns
    the current time (UTC), for tests. Raises PijplijnError only when ``cache_dir`` cannot be
    created.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PijplijnError(f"de downloadmap {cache_dir} kan niet worden gemaakt: {exc}") from None
    run = _Run(cache_dir, client, progress, timeout, retry_pause, clock or _utcnow)
    return [_fetch_one(source, run) for source in sources]


@dataclass
class _Run:
    cache_dir: Path
    client: httpx.Client
    progress: ProgressCallback | None
    timeout: httpx.Timeout
    retry_pause: float
    clock: Callable[[], datetime]
    unreachable: dict[str, str] = field(default_factory=dict)
    """Host → why it could not be reached, so later sources on it fail fast."""


class _FetchError(Exception):
    """Why a fetch failed, in Dutch; internal: fetch() turns it into a result."""

    def __init__(self, reason: str, *, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _fetch_one(source: Source, run: _Run) -> FetchResult:
    _remove_stale_parts(source, run)
    cached = _cached_entry(source, run.cache_dir)
    host = urlsplit(source.url).netloc
    if host in run.unreachable:
        reason = f"{host} was eerder in deze ronde onbereikbaar: {run.unreachable[host]}"
        return _fallback(source, cached, run, reason)
    try:
        return _request(source, cached, run)
    except _FetchError as exc:
        if exc.connection:
            run.unreachable[host] = exc.reason
        return _fallback(source, cached, run, exc.reason)


def _request(source: Source, cached: CacheEntry | None, run: _Run) -> FetchResult:
    headers = _conditional_headers(cached)
    for attempt in (1, 2):
        try:
            with run.client.stream(
                "GET", source.url, headers=headers, timeout=run.timeout, follow_redirects=True
            ) as response:
                return _handle(source, cached, response, run)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if attempt == 1:
                time.sleep(run.retry_pause)
                continue
            raise _FetchError(f"geen verbinding ({_describe(exc)})", connection=True) from None
        except httpx.TimeoutException as exc:
            raise _FetchError(f"de server antwoordde niet op tijd ({_describe(exc)})") from None
        except httpx.HTTPError as exc:
            raise _FetchError(f"netwerkfout ({_describe(exc)})") from None
    raise AssertionError("unreachable: the second attempt returns or raises")


def _conditional_headers(cached: CacheEntry | None) -> dict[str, str]:
    if cached is None:
        return {}
    headers = {}
    if cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _handle(
    source: Source, cached: CacheEntry | None, response: httpx.Response, run: _Run
) -> FetchResult:
    if response.status_code == 304:
        if cached is None:
            raise _FetchError("onverwacht antwoord HTTP 304 zonder kopie in de cache")
        return _confirmed(source, cached, response, run, "ongewijzigd")
    if not response.is_success:
        status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
        if response.status_code in (404, 410):
            status += "; het bestand staat niet (meer) op dit adres, pas het bronnenbestand aan"
        raise _FetchError(status)
    if response.headers.get("content-type", "").lower().startswith("text/html"):
        # Publishers answer a moved file with a web page and status 200; it is not data.
        raise _FetchError("de server stuurde een webpagina in plaats van een databestand")
    part, digest, size = _stream_to_part(source, response, run)
    if cached is not None and digest == cached.sha256:
        part.unlink(missing_ok=True)
        return _confirmed(source, cached, response, run, "ongewijzigd (zelfde inhoud)")
    return _install(source, part, digest, size, response, run)


def _stream_to_part(source: Source, response: httpx.Response, run: _Run) -> tuple[Path, str, int]:
    """Stream the body to a temporary file in the cache; return (path, sha256, bytes).

    On any failure the temporary file is removed, and the cached copy stays as it was.
    """
    total = _content_length(response)
    handle, name = tempfile.mkstemp(
        dir=run.cache_dir, prefix=f".{source.file_name}.", suffix=PART_SUFFIX
    )
    part = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            _report(run, source, 0, total)
            for chunk in response.iter_bytes(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                # Content-Length counts bytes on the wire; so does num_bytes_downloaded. It
                # stays 0 for a body already in memory (a test's), hence the fallback.
                _report(run, source, response.num_bytes_downloaded or size, total)
            out.flush()
            os.fsync(out.fileno())
        _check_complete(response, total, size)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, httpx.HTTPError):
            raise _FetchError(
                f"downloaden afgebroken na {_format_size(size)} ({_describe(exc)})"
            ) from None
        if isinstance(exc, OSError):
            raise _FetchError(f"schrijven in de downloadmap mislukt ({exc})") from None
        raise
    return part, digest.hexdigest(), size


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _check_complete(response: httpx.Response, total: int | None, size: int) -> None:
    if size == 0:
        raise _FetchError("het antwoord was leeg")
    # A compressed body decodes to another size than Content-Length; the HTTP layer itself
    # reports a compressed body cut short, so only an uncompressed one is checked here.
    compressed = response.headers.get("content-encoding", "identity").lower() != "identity"
    if total is not None and not compressed and size != total:
        raise _FetchError(f"onvolledig: {size} van de {total} bytes ontvangen")


def _report(run: _Run, source: Source, received: int, total: int | None) -> None:
    if run.progress is not None:
        run.progress(source.name, received, total)


def _install(
    source: Source, part: Path, digest: str, size: int, response: httpx.Response, run: _Run
) -> FetchResult:
    target = run.cache_dir / source.file_name
    now = run.clock()
    entry = CacheEntry(
        url=source.url,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        sha256=digest,
        size=size,
        fetched_at=now,
        checked_at=now,
    )
    try:
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise _FetchError(f"opslaan in de downloadmap mislukt ({exc})") from None
    # The data file is written before its sidecar: after a crash in between, the sidecar's
    # sha256 no longer matches, so the next run downloads the file again in full.
    _write_entry(run.cache_dir, source, entry)
    message = f"{source.name}: nieuwe versie opgehaald van {source.url} ({_format_size(size)})."
    return FetchResult(source, "downloaded", target, message, now, now, digest)


def _confirmed(
    source: Source, cached: CacheEntry, response: httpx.Response, run: _Run, what: str
) -> FetchResult:
    now = run.clock()
    entry = cached.model_copy(
        update={
            "checked_at": now,
            "etag": response.headers.get("etag") or cached.etag,
            "last_modified": response.headers.get("last-modified") or cached.last_modified,
        }
    )
    _write_entry(run.cache_dir, source, entry)
    message = f"{source.name}: {what} sinds {_format_time(cached.fetched_at)} ({source.url})."
    path = run.cache_dir / source.file_name
    return FetchResult(source, "unchanged", path, message, cached.fetched_at, now, cached.sha256)


def _fallback(source: Source, cached: CacheEntry | None, run: _Run, reason: str) -> FetchResult:
    failed = f"{source.name}: ophalen van {source.url} mislukt: {reason}"
    if cached is None:
        message = f"{failed}. Er is geen eerdere kopie; deze bron wordt overgeslagen."
        return FetchResult(source, "failed", None, message, None)
    age = _format_age(run.clock() - cached.checked_at)
    message = (
        f"{failed}. De eerdere kopie wordt gebruikt, laatst bevestigd op "
        f"{_format_time(cached.checked_at)} ({age})."
    )
    path = run.cache_dir / source.file_name
    return FetchResult(
        source, "offline", path, message, cached.fetched_at, cached.checked_at, cached.sha256
    )


def _cached_entry(source: Source, cache_dir: Path) -> CacheEntry | None:
    """Return the sidecar of a usable cached copy, or None.

    A copy is usable when its sidecar can be read, names the source's current URL (a copy
    from an address the user has since changed is not this source), and its sha256 matches the
    file (the file was not changed or truncated after it was downloaded).
    """
    data_path = cache_dir / source.file_name
    try:
        entry = CacheEntry.model_validate_json(_meta_path(cache_dir, source).read_bytes())
    except (OSError, ValidationError):
        return None
    if entry.url != source.url or not data_path.is_file():
        return None
    try:
        if sha256_of(data_path) != entry.sha256:
            return None
    except OSError:
        return None
    return entry


def _meta_path(cache_dir: Path, source: Source) -> Path:
    return cache_dir / f"{source.file_name}{META_SUFFIX}"


def _write_entry(cache_dir: Path, source: Source, entry: CacheEntry) -> None:
    """Write a sidecar atomically; a failure only costs the next run a full download."""
    target = _meta_path(cache_dir, source)
    handle, name = tempfile.mkstemp(
        dir=cache_dir, prefix=f".{source.file_name}.", suffix=PART_SUFFIX
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(entry.model_dump_json(indent=2))
        os.replace(name, target)
    except OSError:
        Path(name).unlink(missing_ok=True)


def _remove_stale_parts(source: Source, run: _Run) -> None:
    # Only old ones: a fresh temporary file may belong to another run in progress.
    cutoff = time.time() - STALE_PART_AGE.total_seconds()
    for part in run.cache_dir.glob(f".{glob.escape(source.file_name)}.*{PART_SUFFIX}"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
        except OSError:
            continue


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _format_size(size: int) -> str:
    """Return a size in bytes as Dutch text, e.g. '4,0 MB'."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB".replace(".", ",")
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


def _format_time(moment: datetime) -> str:
    """Return a moment in the machine's local time, e.g. '05-03-2025 14:07'."""
    return moment.astimezone().strftime("%d-%m-%Y %H:%M")


def _format_age(age: timedelta) -> str:
    """Return an age as Dutch text, e.g. '3 dagen geleden'."""
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return "minder dan een uur geleden"
    if hours < 48:
        return f"{hours} uur geleden"
    return f"{hours // 24} dagen geleden"
