"""No region knowledge in the code (issues #16.2 and #18): the code that serves every pack
(``web/``, ``report/``, ``engine/``, ``views/``, ``cli/``) names no shipped pack's region ids,
gemeente codes, labour-market areas or compared regions. Those come from the pack's
``pack.yaml`` and ``regions.yaml``.

The codes are read from the packs themselves, so a new shipped pack is covered at once. The
national frame (the Netherlands, NL01) belongs to the core and is allowed. In Python files
every string literal counts (messages, defaults, help texts) except docstrings; templates and
static files count in full, except Jinja comments."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import pijplijn
from pijplijn.content.loader import NATIONAL, PACKS_ROOT, ContentPack, load_pack

SOURCE = Path(pijplijn.__file__).parent
CHECKED = ("web", "report", "engine", "views", "cli")
TEXT_SUFFIXES = {".html", ".j2", ".jinja", ".md", ".txt", ".css", ".js", ".svg", ".yaml", ".json"}
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def shipped_packs() -> list[ContentPack]:
    return [load_pack(str(p)) for p in sorted(PACKS_ROOT.iterdir()) if (p / "pack.yaml").is_file()]


def pack_literals(pack: ContentPack) -> set[str]:
    """Every code that says where a pack is: its name, region sets and their members, the
    gemeenten and other non-national regions it declares, its labour-market areas, its
    default and compared regions (the national frame, NL01, excepted)."""
    codes = {pack.name, pack.pack.default_region, *pack.compared_regions()}
    for region_set in pack.region_sets:
        codes |= {region_set.code, *region_set.members}
        if region_set.parent:
            codes.add(region_set.parent)
        market = region_set.labour_market
        if market is not None and market.corop:
            codes.add(market.corop)
    codes |= {r.code for r in pack.regions if r.kind not in ("land", "provincie", "landsdeel")}
    return codes - {NATIONAL}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions, and the
    attribute docstrings (a bare string after an assignment)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.add(id(statement.value))
    return found


def python_strings(path: Path) -> list[tuple[int, str]]:
    """Return (line, text) of every string literal of ``path`` but its docstrings."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def text_lines(path: Path) -> list[tuple[int, str]]:
    text = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text("utf-8"))
    return list(enumerate(text.splitlines(), start=1))


def checked_files() -> list[Path]:
    files = []
    for folder in CHECKED:
        for path in sorted((SOURCE / folder).rglob("*")):
            if path.is_file() and (path.suffix == ".py" or path.suffix in TEXT_SUFFIXES):
                files.append(path)
    return files


def find_literals(codes: set[str], files: list[Path]) -> list[str]:
    """Return 'file:line: code' for every code of ``codes`` in ``files``."""
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
        + r")(?![\w-])"
    )
    hits = []
    for path in files:
        pieces = python_strings(path) if path.suffix == ".py" else text_lines(path)
        for line, text in pieces:
            for match in pattern.finditer(text):
                name = path.relative_to(SOURCE) if path.is_relative_to(SOURCE) else path.name
                hits.append(f"{name}:{line}: {match.group(1)}")
    return hits


def test_the_packs_give_codes_to_look_for() -> None:
    packs = {p.name: pack_literals(p) for p in shipped_packs()}
    assert {"twente", "zwolle"} <= set(packs)
    # The codes are the packs' own: read from their files, not typed here.
    twente = load_pack("twente")
    assert set(twente.region_sets[0].members) <= packs["twente"]
    assert twente.pack.compared_regions[1] in packs["twente"]  # its province
    assert NATIONAL not in packs["twente"] | packs["zwolle"]


@pytest.mark.parametrize("pack", [p.name for p in shipped_packs()])
def test_no_pack_literal_in_the_code(pack: str) -> None:
    codes = pack_literals(load_pack(pack))
    hits = find_literals(codes, checked_files())
    assert hits == [], "region knowledge in the code; take it from the pack:\n" + "\n".join(hits)


def test_the_scan_finds_a_literal(tmp_path: Path) -> None:
    """The scan is not blind: a default region, a help text and a template are found, a
    docstring and a Jinja comment are not."""
    code = tmp_path / "page.py"
    code.write_text(
        '"""Twente\'s page (twente)."""\n'
        'def page(region: str = "twente") -> str:\n'
        '    """For twente."""\n'
        '    return f"bijv. {region} of GM0153"\n',
        "utf-8",
    )
    template = tmp_path / "page.html"
    template.write_text('{# twente #}\n<option value="PV23">', "utf-8")
    hits = find_literals(pack_literals(load_pack("twente")), [code, template])
    assert [h.split(":", 1)[1] for h in hits] == ["2: twente", "4: GM0153", "2: PV23"]


def test_the_packs_say_what_the_code_used_to() -> None:
    """What was hard-coded is now in pack.yaml: the compared regions, the default region and
    the headline classification, each a region or classification of the pack."""
    for pack in shipped_packs():
        compared = pack.compared_regions()
        assert compared[0] == pack.pack.default_region
        assert compared[-1] == NATIONAL
        assert pack.classification in {c.name for c in pack.classifications}
