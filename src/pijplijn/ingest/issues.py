"""Typed import issues with their position, collected into one report.

The hierarchy follows frictionless-py: ``Issue → FileIssue → TableIssue → RowIssue →
CellIssue``. Every class has a stable kebab-case ``code``, a Dutch ``title`` and a message
``template``. Row numbers are physical lines of the file; the header is row 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Issue:
    """Something wrong with an input, wherever it stands."""

    code: ClassVar[str] = "issue"
    title: ClassVar[str] = "Probleem"
    template: ClassVar[str] = "probleem met de invoer{note}"

    file: str | None = None
    note: str = ""

    def message(self) -> str:
        """Return the one-line Dutch message, with the position first."""
        values = asdict(self)
        values["note"] = f"; {self.note}" if self.note else ""
        text = self.template.format(**values)
        return f"{self.position()}: {text}" if self.position() else text

    def position(self) -> str:
        """Return 'file, rij N, kolom C' as far as it is known."""
        return self.file or ""

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as plain data for JSON output and the API."""
        return {"code": self.code, "title": self.title, "message": self.message(), **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class FileIssue(Issue):
    """The file as a whole cannot be used."""

    code: ClassVar[str] = "file-error"
    title: ClassVar[str] = "Bestand onbruikbaar"


@dataclass(frozen=True, kw_only=True)
class EmptyFileIssue(FileIssue):
    code: ClassVar[str] = "empty-file"
    title: ClassVar[str] = "Leeg bestand"
    template: ClassVar[str] = "het bestand is leeg (0 bytes); verwacht een CSV-bestand met kopregel"


@dataclass(frozen=True, kw_only=True)
class BinaryFileIssue(FileIssue):
    code: ClassVar[str] = "binary-file"
    title: ClassVar[str] = "Binair bestand"
    template: ClassVar[str] = "dit is geen tekstbestand ({note}); verwacht CSV-tekst"


@dataclass(frozen=True, kw_only=True)
class TableIssue(FileIssue):
    """The table's structure is wrong: its header, its kind."""

    code: ClassVar[str] = "table-error"
    title: ClassVar[str] = "Tabel onjuist"


@dataclass(frozen=True, kw_only=True)
class MissingColumnIssue(TableIssue):
    code: ClassVar[str] = "missing-column"
    title: ClassVar[str] = "Kolom ontbreekt"
    template: ClassVar[str] = "de kolom '{column}' ontbreekt in de kopregel{note}"

    column: str
    row: int = 1
    """The header row, where the column should stand."""

    def position(self) -> str:
        return f"{self.file}, rij {self.row}" if self.file else f"rij {self.row}"


@dataclass(frozen=True, kw_only=True)
class UnusedColumnIssue(TableIssue):
    """A column the importer does not load: a warning, so nothing is silently dropped."""

    code: ClassVar[str] = "unused-column"
    title: ClassVar[str] = "Kolom niet geladen"
    template: ClassVar[str] = "de kolom '{column}' wordt niet geladen{note}"

    column: str


@dataclass(frozen=True, kw_only=True)
class UnmappedMeasureIssue(TableIssue):
    """A measure column the content pack does not map to a cube measure: it is loaded under
    its CBS name (a warning, so the import report says so)."""

    code: ClassVar[str] = "unmapped-measure"
    title: ClassVar[str] = "Maat onder CBS-naam geladen"
    template: ClassVar[str] = (
        "de kolom '{column}' is geen maat van het contentpakket; geladen als '{measure}'{note}"
    )

    column: str
    measure: str


@dataclass(frozen=True, kw_only=True)
class RowIssue(TableIssue):
    """One row is wrong as a whole."""

    code: ClassVar[str] = "row-error"
    title: ClassVar[str] = "Rij onjuist"

    row: int

    def position(self) -> str:
        return f"{self.file}, rij {self.row}" if self.file else f"rij {self.row}"


@dataclass(frozen=True, kw_only=True)
class RowLengthIssue(RowIssue):
    code: ClassVar[str] = "row-length"
    title: ClassVar[str] = "Verkeerd aantal velden"
    template: ClassVar[str] = (
        "de rij heeft {found} velden, verwacht {expected} (is het bestand afgekapt?){note}"
    )

    found: int
    expected: int


@dataclass(frozen=True, kw_only=True)
class DuplicateRowIssue(RowIssue):
    code: ClassVar[str] = "duplicate-row"
    title: ClassVar[str] = "Dubbele rij"
    template: ClassVar[str] = "deze rij herhaalt de cel van rij {first_row}{note}"

    first_row: int


@dataclass(frozen=True, kw_only=True)
class CellIssue(RowIssue):
    """One cell is wrong: it names its column, the value found and what was expected."""

    code: ClassVar[str] = "cell-error"
    title: ClassVar[str] = "Cel onjuist"
    template: ClassVar[str] = "waarde '{value}' is onjuist, verwacht {expected}{note}"

    column: str
    value: str
    expected: str

    @classmethod
    def from_row(
        cls, row: RowPosition, column: str, value: str, expected: str, note: str = ""
    ) -> CellIssue:
        """Return an issue of this class positioned at ``row`` and ``column``."""
        return cls(
            file=row.file, row=row.row, column=column, value=value, expected=expected, note=note
        )

    def position(self) -> str:
        return f"{super().position()}, kolom '{self.column}'"


@dataclass(frozen=True, kw_only=True)
class CellTypeIssue(CellIssue):
    code: ClassVar[str] = "cell-type"
    title: ClassVar[str] = "Verkeerd type"
    template: ClassVar[str] = "waarde '{value}' is geen {expected}{note}"


@dataclass(frozen=True, kw_only=True)
class CellRangeIssue(CellIssue):
    code: ClassVar[str] = "cell-range"
    title: ClassVar[str] = "Onmogelijke waarde"
    template: ClassVar[str] = "waarde '{value}' is onmogelijk, verwacht {expected}{note}"


@dataclass(frozen=True, kw_only=True)
class UnknownCodeIssue(CellIssue):
    code: ClassVar[str] = "unknown-code"
    title: ClassVar[str] = "Onbekende code"
    template: ClassVar[str] = "'{value}' is onbekend, verwacht {expected}{note}"


@dataclass(frozen=True, kw_only=True)
class MissingKeyIssue(CellIssue):
    """A JSON record lacks a key that the first record has."""

    code: ClassVar[str] = "missing-key"
    title: ClassVar[str] = "Sleutel ontbreekt"
    template: ClassVar[str] = "het record mist de sleutel '{column}'{note}"


@dataclass(frozen=True, kw_only=True)
class TotalMismatchIssue(CellIssue):
    """A totals column disagrees with its parts: a data-quality finding, not a failure."""

    code: ClassVar[str] = "total-mismatch"
    title: ClassVar[str] = "Totaal klopt niet"
    template: ClassVar[str] = "totaal '{value}' wijkt af van de som van de delen, {expected}{note}"


@dataclass(frozen=True)
class RowPosition:
    """Where a row stands: the one source of positions for issues."""

    file: str
    row: int


ISSUE_TYPES: tuple[type[Issue], ...] = (
    FileIssue,
    EmptyFileIssue,
    BinaryFileIssue,
    TableIssue,
    MissingColumnIssue,
    UnusedColumnIssue,
    UnmappedMeasureIssue,
    RowIssue,
    RowLengthIssue,
    DuplicateRowIssue,
    CellIssue,
    CellTypeIssue,
    CellRangeIssue,
    UnknownCodeIssue,
    MissingKeyIssue,
    TotalMismatchIssue,
)
"""Every issue type; ``docs/import-issues.md`` lists each code (a test checks it)."""

DEFAULT_ISSUE_CAP = 1000


@dataclass
class ImportReport:
    """What a parser found: errors block the import, warnings are data-quality findings."""

    file: str
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    partial: bool = False
    cap: int = DEFAULT_ISSUE_CAP

    @property
    def valid(self) -> bool:
        """True when nothing blocks the import."""
        return not self.issues

    def add(self, issue: Issue) -> None:
        """Record a blocking issue; past the cap, mark the report partial instead."""
        if len(self.issues) >= self.cap:
            self.partial = True
            return
        self.issues.append(issue)

    def warn(self, issue: Issue) -> None:
        """Record a data-quality finding that does not block the import."""
        if len(self.warnings) >= self.cap:
            self.partial = True
            return
        self.warnings.append(issue)

    def flatten(self, keys: list[str]) -> list[list[Any]]:
        """Return the blocking issues as lists of the named attributes (for compact tests)."""
        return [[issue.to_dict().get(key) for key in keys] for issue in self.issues]

    def summary(self) -> str:
        """Return the first blocking issue's message, with a count of the others."""
        if self.valid:
            return f"{self.file}: geen fouten"
        first = self.issues[0].message()
        more = len(self.issues) - 1
        if more == 0:
            return first
        return f"{first} (en nog {more}{'+' if self.partial else ''} andere fouten)"

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data: the one shape every renderer uses."""
        return {
            "file": self.file,
            "valid": self.valid,
            "partial": self.partial,
            "stats": dict(self.stats),
            "issues": [issue.to_dict() for issue in self.issues],
            "warnings": [issue.to_dict() for issue in self.warnings],
        }
