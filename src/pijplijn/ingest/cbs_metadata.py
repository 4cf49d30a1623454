"""CBS StatLine metadata: the code lists that give the keys of StatLine tables their titles.

A table's metadata export holds blocks ``TableInfos``, ``DataProperties`` and one per
dimension, each a small CSV under a line naming it; a plain ``Key,Title`` list is one code
list. Both yield code labels (e.g. SBI ``T001081`` → *A-U Alle economische activiteiten*), and
no observations.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pijplijn.ingest.cbs import LANDSDEEL, LICENCE, ODATA, TABLE_ID
from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import (
    CellTypeIssue,
    DuplicateRowIssue,
    ImportReport,
    MissingColumnIssue,
    RowIssue,
    RowLengthIssue,
    RowPosition,
    TableIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import (
    CodeLabelRecord,
    DatasetInfo,
    ParsedSource,
    RegionRecord,
    sha256_of,
)
from pijplijn.ingest.text import TextTable, decode, open_table

NAME = "cbs-metadata"
_SCHEMES = {
    "Bedrijfskenmerken": "sbi2008",
    "BedrijfstakkenBranchesSBI2008": "sbi2008",
    "Regios": "cbs-regio",
    "Perioden": "cbs-periode",
}
_SCHEME_TITLES = {"sbi2008": "SBI 2008", "cbs-regio": "regio's", "cbs-periode": "perioden"}
_REGION_KEY = re.compile(r"^(NL|LD|PV|GM|CR|AM|RE|WK|BU)\d+$")
_SBI_KEY = re.compile(r"^(T\d{6}|\d{6}|WP\d{5})$")
_DIMENSION_TYPES = ("Dimension", "TimeDimension", "GeoDimension", "GeoDetail")
_BLOCK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def matches_metadata(header: list[str], file_name: str) -> bool:
    """True for a StatLine metadata export (first line ``"TableInfos"``) or a Key,Title list."""
    return header == ["TableInfos"] or header[:2] == ["Key", "Title"]


def parse_metadata(path: Path, context: ImportContext) -> ParsedSource:
    """Parse a metadata file into code labels (scheme ``sbi2008``, ``cbs-regio``,
    ``cbs-periode``...), plus RegionRecords for landsdelen; it has no observations."""
    report = ImportReport(file=path.name)
    parsed = ParsedSource(info=_metadata_info(path), report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    if len(table.header) == 1 and _BLOCK_NAME.match(table.header[0]):
        text = decode(path.read_bytes(), report) or ""
        table_id, title, labels = _block_labels(read_blocks(text, report), report)
        parsed.info = _metadata_info(path, table_id=table_id, title=title)
    else:
        labels = _code_list(table, path.name, report)
        scheme = labels[0].scheme if labels else ""
        parsed.info = _metadata_info(path, scheme=scheme)
    if not labels and report.valid:
        report.add(TableIssue(file=report.file, note="het bestand bevat geen codes met titels"))
    report.stats["labels"] = len(labels)
    if report.valid:
        parsed.code_labels = labels
        parsed.regions = [
            RegionRecord(label.code, label.label.removesuffix(" (LD)"), "landsdeel", "NL01")
            for label in labels
            if label.scheme == "cbs-regio" and LANDSDEEL.match(label.code)
        ]
    return parsed


def _metadata_info(
    path: Path, *, table_id: str = "", title: str = "", scheme: str = ""
) -> DatasetInfo:
    """Provenance: ``cbs-metadata:<table id>`` for a table's metadata export (the id from its
    TableInfos, else from the file name), ``cbs-metadata:<scheme>`` for a plain code list."""
    if not (scheme or table_id) and (found := TABLE_ID.search(path.name)):
        table_id = found[1].lower()
    if table_id:
        key, source = table_id, ODATA + table_id
        title = f"{title or 'CBS StatLine-tabel ' + table_id} (metadata)"
    else:
        key, source = scheme or path.stem, f"CBS StatLine-metadata, bestand {path.name}"
        title = f"CBS-codelijst {_SCHEME_TITLES.get(key, key)}"
    return DatasetInfo(
        source_key=f"{NAME}:{key}",
        publisher="CBS",
        title=title,
        source=source,
        loader=f"{NAME}@1",
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def _code_list(table: TextTable, file_name: str, report: ImportReport) -> list[CodeLabelRecord]:
    """Return the labels of a plain Key,Title file; its scheme comes from a third column
    naming the dimension (``Regios``), else from the keys' form, else from the file name."""
    for name in ("Key", "Title"):
        if name not in table.header:
            report.add(MissingColumnIssue(file=report.file, column=name))
    if not report.valid:
        return []
    key_at, title_at = table.header.index("Key"), table.header.index("Title")
    pairs = [(at, cells[key_at], cells[title_at]) for at, cells in table.rows(report)]
    named = [_SCHEMES[h] for h in table.header[2:] if h in _SCHEMES]
    keys = [key for _, key, _ in pairs]
    if named:
        scheme = named[0]
    elif keys and all(_REGION_KEY.match(k) for k in keys):
        scheme = "cbs-regio"
    elif (keys and all(_SBI_KEY.match(k) for k in keys)) or "sbi" in file_name.lower():
        scheme = "sbi2008"
    else:
        report.add(
            TableIssue(
                file=report.file,
                note="onbekende codelijst: verwacht SBI- of regiosleutels, of een derde kolom "
                "die de dimensie noemt (bijv. Regios)",
            )
        )
        return []
    return _labels(scheme, pairs, "", report)


@dataclass
class Block:
    """One block of a metadata export: its name, its header and its records."""

    name: str
    header: list[str] | None = None
    records: list[tuple[RowPosition, dict[str, str]]] = field(default_factory=list)


def read_blocks(text: str, report: ImportReport) -> list[Block]:
    """Return the blocks of a StatLine metadata export.

    Each block is a line holding only its name (``"DataProperties"``), a header line and
    records, some spanning lines (quoted descriptions). Rows are numbered by the physical line
    on which the record starts.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    second = lines[1] if len(lines) > 1 else ""
    delimiter = max((";", ","), key=second.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    blocks: list[Block] = []
    current: Block | None = None
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            first = cells[0].strip()
            if len(cells) == 1 and _BLOCK_NAME.match(first) and (current is None or current.header):
                current = Block(first)
                blocks.append(current)
            elif current is None:
                note = 'verwacht eerst een regel met de bloknaam, zoals "TableInfos"'
                report.add(RowIssue(file=report.file, row=start, note=note))
                return blocks
            elif current.header is None:
                current.header = [cell.strip() for cell in cells]
            elif len(cells) != len(current.header):
                report.add(
                    RowLengthIssue(
                        file=report.file,
                        row=start,
                        found=len(cells),
                        expected=len(current.header),
                        note=f"blok {current.name}",
                    )
                )
            else:
                record = dict(zip(current.header, cells, strict=True))
                current.records.append((RowPosition(report.file, start), record))
    except csv.Error as exc:
        note = f"het bestand is hier afgekapt of beschadigd ({exc})"
        report.add(RowIssue(file=report.file, row=reader.line_num, note=note))
    return blocks


def _block_labels(
    blocks: list[Block], report: ImportReport
) -> tuple[str, str, list[CodeLabelRecord]]:
    """Return (table id, table title, labels) of a metadata export's dimension blocks."""
    by_name = {block.name: block for block in blocks}
    info = by_name.get("TableInfos")
    table_id = title = ""
    if info and info.records:
        table_id = info.records[0][1].get("Identifier", "").lower()
        title = info.records[0][1].get("Title", "")
    properties = by_name.get("DataProperties")
    if properties:
        dimensions = [
            record["Key"]
            for _, record in properties.records
            if record.get("Type") in _DIMENSION_TYPES and record.get("Key")
        ]
    else:
        dimensions = [name for name in by_name if name not in ("TableInfos", "DataProperties")]
    labels: list[CodeLabelRecord] = []
    for name in dimensions:
        block = by_name.get(name)
        if block is None:
            report.warn(TableIssue(file=report.file, note=f"het blok '{name}' ontbreekt"))
            continue
        absent = [c for c in ("Key", "Title") if c not in (block.header or [])]
        for column in absent:
            report.add(MissingColumnIssue(file=report.file, column=column, note=f"blok {name}"))
        if absent:
            continue
        pairs = [(at, r["Key"], r["Title"]) for at, r in block.records]
        scheme = _SCHEMES.get(name, f"cbs-{name.lower()}")
        labels += _labels(scheme, pairs, name, report)
    return table_id, title, labels


def _labels(
    scheme: str, pairs: list[tuple[RowPosition, str, str]], block: str, report: ImportReport
) -> list[CodeLabelRecord]:
    """Return the labels of (position, key, title) triples, reporting blank and repeated keys."""
    note = f"blok {block}" if block else ""
    labels: list[CodeLabelRecord] = []
    seen: dict[str, int] = {}
    for at, key, title in pairs:
        key, title = key.strip(), title.strip()
        if not key:
            report.add(CellTypeIssue.from_row(at, "Key", key, "een code", note))
            continue
        if not title:
            report.add(CellTypeIssue.from_row(at, "Title", title, "een omschrijving", note))
            continue
        if key in seen:
            report.add(DuplicateRowIssue(file=at.file, row=at.row, first_row=seen[key], note=note))
            continue
        seen[key] = at.row
        labels.append(CodeLabelRecord(scheme=scheme, code=key, label=title))
    return labels


KIND = SourceKind(
    name=NAME,
    description="CBS StatLine-metadata: codes en titels van SBI, regio's en perioden",
    parse=parse_metadata,
    matches=matches_metadata,
)
