"""Resolve each dataset's newest resource through the publishers' APIs, before downloading.

DUO's open-data portal (onderwijsdata.duo.nl) is a CKAN site: ``package_show?id=<dataset>``
lists a dataset's resources, each with a ``name``, ``url``, ``format`` and
``last_modified``/``created``. The newest resource whose name matches the entry's pattern (and
whose format matches) is the one to fetch. CBS StatLine's OData API describes each table in
``<table>/TableInfos`` (its title and ``Modified`` date); the export is then fetched from the
table's own download address.

Resolving only finds addresses: ``download.fetch`` still downloads, with its cache, offline
fallback and progress. Each resolution is remembered in the cache (``portal.json``), so that
without a network the last known address is used and said to be so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from pijplijn.errors import ContentError
from pijplijn.ingest.download import Source, check_kind

DUO_CKAN = "https://onderwijsdata.duo.nl/api/3/action"
CBS_ODATA = "https://opendata.cbs.nl/ODataApi/odata"
CBS_DOWNLOADS = {
    "data": "https://opendata.cbs.nl/CsvDownload/csv/{table}/UntypedDataSet",
    "metadata": "https://opendata.cbs.nl/CsvDownload/csv/{table}/metadata",
}
MEMORY = "portal.json"


class CkanRef(BaseModel):
    """A CKAN dataset and which of its resources to take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str
    resource: str = "."
    """A regular expression searched in the resource's name (case-insensitive)."""
    format: str = "CSV"
    api: str = DUO_CKAN

    @field_validator("resource")
    @classmethod
    def _regex(cls, value: str) -> str:
        re.compile(value)
        return value


class ODataRef(BaseModel):
    """A CBS StatLine table and which export of it to take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    export: str = "data"
    api: str = CBS_ODATA

    @field_validator("export")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CBS_DOWNLOADS:
            raise ValueError(f"kies uit {', '.join(CBS_DOWNLOADS)}")
        return value


class PortalSource(BaseModel):
    """A source whose address is looked up at the publisher's API on every update."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: str
    file_name: str
    description: str
    ckan: CkanRef | None = None
    odata: ODataRef | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return check_kind(value)

    @model_validator(mode="after")
    def _one_api(self) -> PortalSource:
        if (self.ckan is None) == (self.odata is None):
            raise ValueError("geef precies één van ckan of odata")
        return self


def load_portal(path: Path) -> list[PortalSource]:
    """Return the ``portal:`` entries of a sources file (none when it has no such key).

    Raises ContentError naming the file and the first bad key, e.g. ``portal.0.ckan``.
    """
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: niet te lezen als YAML ({exc})") from None
    entries = data.get("portal") or [] if isinstance(data, dict) else []
    found = []
    for index, item in enumerate(entries):
        try:
            found.append(PortalSource.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(part) for part in ("portal", index, *first["loc"]))
            raise ContentError(f"{path}: sleutel '{key}': {first['msg']}") from None
    return found


@dataclass(frozen=True)
class Resolution:
    """Where a portal source's newest file is, or why that is not known."""

    entry: PortalSource
    source: Source | None
    """The source to fetch (None when no address is known at all)."""
    message: str
    offline: bool = False


def resolve(entries: list[PortalSource], cache_dir: Path, client: httpx.Client) -> list[Resolution]:
    """Look up each entry's newest resource; fall back to the remembered address offline."""
    memory = _recall(cache_dir)
    found = []
    for entry in entries:
        try:
            url, version = _ckan(entry.ckan, client) if entry.ckan else _odata(entry, client)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            remembered = memory.get(entry.name)
            why = _describe(exc)
            if remembered is None:
                found.append(Resolution(entry, None, f"adres niet op te vragen: {why}", True))
                continue
            found.append(
                Resolution(
                    entry,
                    _source(entry, remembered["url"]),
                    f"adres niet op te vragen ({why}); het laatst bekende adres gebruikt "
                    f"(opgevraagd {remembered['resolved_at'][:10]})",
                    True,
                )
            )
            continue
        memory[entry.name] = {
            "url": url,
            "version": version,
            "resolved_at": datetime.now(UTC).isoformat(),
        }
        found.append(Resolution(entry, _source(entry, url), f"nieuwste versie {version}: {url}"))
    _remember(cache_dir, memory)
    return found


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _source(entry: PortalSource, url: str) -> Source:
    """The source to fetch; ``{year}`` in the file name becomes the year in the address."""
    file_name = entry.file_name
    if "{year}" in file_name:
        years = _YEAR.findall(url.rsplit("/", 1)[-1]) or _YEAR.findall(url)
        file_name = file_name.replace("{year}", years[-1] if years else "onbekend-jaar")
    return Source(
        name=entry.name,
        kind=entry.kind,
        url=url,
        file_name=file_name,
        description=entry.description,
    )


def _ckan(ref: CkanRef, client: httpx.Client) -> tuple[str, str]:
    """Return (url, version) of the newest matching resource of a CKAN dataset."""
    response = client.get(f"{ref.api}/package_show", params={"id": ref.package})
    response.raise_for_status()
    body: Any = response.json()
    if not body.get("success"):
        raise ValueError(f"CKAN antwoordde zonder succes voor dataset '{ref.package}'")
    pattern = re.compile(ref.resource, re.IGNORECASE)
    candidates = [
        r
        for r in body["result"]["resources"]
        if str(r.get("format", "")).upper() == ref.format.upper()
        and pattern.search(str(r.get("name") or r.get("url", "")))
    ]
    if not candidates:
        raise ValueError(
            f"dataset '{ref.package}' heeft geen {ref.format}-bron die past bij '{ref.resource}'"
        )
    newest = max(candidates, key=lambda r: str(r.get("last_modified") or r.get("created") or ""))
    version = str(newest.get("last_modified") or newest.get("created") or "onbekend")
    return str(newest["url"]), version


def _odata(entry: PortalSource, client: httpx.Client) -> tuple[str, str]:
    """Return (url, version) of a CBS table's export, after its TableInfos confirm it."""
    ref = entry.odata
    assert ref is not None
    response = client.get(f"{ref.api}/{ref.table}/TableInfos", params={"$format": "json"})
    response.raise_for_status()
    info = response.json()["value"][0]
    return CBS_DOWNLOADS[ref.export].format(table=ref.table), str(info["Modified"])


def _recall(cache_dir: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((cache_dir / MEMORY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember(cache_dir: Path, memory: dict[str, dict[str, str]]) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        (cache_dir / MEMORY).write_text(json.dumps(memory, indent=1), encoding="utf-8")
    except OSError:
        pass  # a read-only cache only loses the offline fallback of the addresses


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return f"{type(exc).__name__}: {exc}"[:200]
