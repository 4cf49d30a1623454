"""Robust reading of delimited text as the publishers ship it.

Handles: UTF-8 with or without BOM, and Latin-1/cp1252 (how DUO publishes); ``;``, ``,`` or
tab separators, sniffed from the header; CRLF; quoted fields; blank padding; empty lines.
Rows are numbered by physical line (the header is row 1). Rows with the wrong number of
fields are reported and skipped, never guessed at.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pijplijn.ingest.issues import (
    BinaryFileIssue,
    EmptyFileIssue,
    ImportReport,
    RowIssue,
    RowLengthIssue,
    RowPosition,
)

_BINARY_SIGNATURES = {
    b"PK\x03\x04": "een zip- of XLSX-bestand",
    b"%PDF": "een PDF-bestand",
    b"\x89PNG": "een PNG-afbeelding",
    b"\x1f\x8b": "een gzip-bestand",
    b"\xd0\xcf\x11\xe0": "een oud Excel/Office-bestand",
    b"SQLite format 3": "een SQLite-database",
}
_DELIMITERS = (";", ",", "\t")


@dataclass
class TextTable:
    """An opened delimited text file: its header and a stream of its data rows."""

    file: str
    header: list[str]
    encoding: str
    delimiter: str
    _text: str

    def rows(self, report: ImportReport) -> Iterator[tuple[RowPosition, list[str]]]:
        """Yield (position, stripped cells) per non-empty data row.

        Rows of the wrong length, and a file that ends inside a quoted field, are reported
        to ``report`` and skipped.
        """
        reader = csv.reader(
            io.StringIO(self._text, newline=""), delimiter=self.delimiter, strict=True
        )
        width = len(self.header)
        try:
            next(reader)
            for cells in reader:
                position = RowPosition(self.file, reader.line_num)
                if len(cells) == 1 and not cells[0].strip() or not cells:
                    continue
                if len(cells) != width:
                    if not any(c.strip() for c in cells):
                        continue
                    report.add(
                        RowLengthIssue(
                            file=self.file, row=position.row, found=len(cells), expected=width
                        )
                    )
                    continue
                yield position, [cell.strip() for cell in cells]
        except csv.Error as exc:
            report.add(
                RowIssue(
                    file=self.file,
                    row=reader.line_num,
                    note=f"het bestand is hier afgekapt of beschadigd ({exc})",
                )
            )


def open_table(path: Path, report: ImportReport) -> TextTable | None:
    """Return the file as a TextTable, or None after reporting why it cannot be read."""
    raw = path.read_bytes()
    text = decode(raw, report)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    header = next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter), [])
    return TextTable(
        file=report.file,
        header=[h.strip() for h in header],
        encoding=_encoding_of(raw),
        delimiter=delimiter,
        _text=text,
    )


def decode(raw: bytes, report: ImportReport) -> str | None:
    """Return the text of ``raw`` (UTF-8, else cp1252, else Latin-1), or None after reporting
    an empty or binary file."""
    if not raw.strip():
        report.add(EmptyFileIssue(file=report.file))
        return None
    for signature, what in _BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            report.add(BinaryFileIssue(file=report.file, note=f"het is {what}"))
            return None
    if b"\x00" in raw[:65536]:
        report.add(BinaryFileIssue(file=report.file, note="het bevat NUL-bytes"))
        return None
    return raw.decode(_encoding_of(raw))


def _encoding_of(raw: bytes) -> str:
    try:
        raw.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"
