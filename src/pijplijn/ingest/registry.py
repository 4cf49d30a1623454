"""Every source kind ``pijplijn import`` knows, and detection of a file's kind."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pijplijn.errors import PijplijnError
from pijplijn.ingest import cbs, cbs_metadata, duo_ho, duo_mbo, duo_vo, gemeenten, roa, template
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.layout_reader import layout_kinds
from pijplijn.ingest.layouts import unknown_header_message

KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        gemeenten.KIND,
        template.KIND,
        duo_mbo.KIND,
        *duo_ho.KINDS,
        duo_vo.KIND,
        cbs.KIND,
        cbs.ODATA_KIND,
        cbs_metadata.KIND,
        roa.AIS_KIND,
        roa.BRC_KIND,
        *layout_kinds(),
    )
}


class KindError(PijplijnError):
    """The kind of a file is unknown, ambiguous, or not a kind pijplijn knows."""


def kind_named(name: str) -> SourceKind:
    """Return the kind ``name``; raise KindError listing the known kinds."""
    if name not in KINDS:
        raise KindError(f"onbekende soort '{name}'; kies uit {', '.join(KINDS)}")
    return KINDS[name]


def sniff_header(path: Path) -> tuple[list[str], bool]:
    """Return (column names, is_json) read from the start of the file; ([], False) if none."""
    head = path.read_bytes()[:65536]
    text = _decode(head).lstrip("\ufeff \r\n\t")
    if text.startswith("[") or (text.startswith("{") and '"value"' in text):
        return _json_keys(path), True
    # splitlines: a lone carriage return also ends a line (csv refuses one inside a field).
    first = next(iter(text.splitlines()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])], False
    except csv.Error:
        return [], False  # no header we can read: detection then names the file


def detect(path: Path) -> SourceKind:
    """Return the one kind whose header matches the file; raise KindError otherwise."""
    header, is_json = sniff_header(path)
    found = [k for k in KINDS.values() if k.json == is_json and k.matches(header, path.name)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise KindError(unknown_header_message(path.name, header))
    raise KindError(
        f"{path.name}: past bij meerdere soorten ({', '.join(k.name for k in found)}); "
        "kies er een met --kind"
    )


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def _json_keys(path: Path) -> list[str]:
    try:
        records = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return []
    if isinstance(records, dict) and isinstance(records.get("value"), list):
        records = records["value"]  # an OData response (CBS TypedDataSet)
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return [str(key).strip() for key in records[0]]
    return []
