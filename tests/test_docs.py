"""Documentation that must keep up with the code."""

from pathlib import Path

from pijplijn import vocabulary
from pijplijn.cli import app
from pijplijn.ingest.issues import ISSUE_TYPES
from pijplijn.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = (DOCS.parent / "README.md").read_text(encoding="utf-8")


def test_every_issue_code_is_documented() -> None:
    text = (DOCS / "import-issues.md").read_text(encoding="utf-8")
    missing = [t.code for t in ISSUE_TYPES if f"`{t.code}`" not in text]
    assert missing == []


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"PIJPLIJN_{n.upper()}" not in text]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    missing = [n for n in names if f"pijplijn {n}" not in README]
    assert names and missing == []


def test_vocabularies_are_documented() -> None:
    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    terms = [
        *vocabulary.MEASURES,
        *vocabulary.STAGES,
        *vocabulary.PATHWAYS,
        *vocabulary.FLAGS,
        *vocabulary.UNITS,
    ]
    assert [t for t in terms if f"`{t}`" not in text] == []


def test_glossary_explains_the_terms_of_art() -> None:
    text = (DOCS / "glossary.md").read_text(encoding="utf-8").lower()
    terms = [
        "vmbo-bb",
        "vmbo-kb",
        "vmbo-gl",
        "vmbo-tl",
        "mbo niveau",
        "bol",
        "bbl",
        "crebo",
        "croho",
        "brin",
        "vervangingsvraag",
        "doorstroom",
        "htsm",
    ]
    assert [t for t in terms if t not in text] == []
