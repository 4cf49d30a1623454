"""The raw-code scan (issue 16.5): every public page, in Dutch and in English, on the demo and
on the real data, shows names, not codes. A person reads the page's text, its accessible names
and its charts' titles, axis titles and legend entries; what is exempt is what a reader opens
on purpose to see the codes: the data tabs (elements with ``class="data-tab"``), tooltips
(``title`` attributes) and the chart's inline data (only the legend's values are read).

The codes it fails on: gemeente codes ``GM\\d{4}``, province codes ``PV\\d\\d``, ``NL01``, BRIN
codes (the pattern and the pack's institutions), the pack's region ids where they differ from
the region's name, snake_case tokens, and in Dutch pages the cube's English vocabulary."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from pijplijn.settings import Settings
from pijplijn.web.app import create_app

PACK = "src/pijplijn/content/twente"
CODES = [
    re.compile(r"\bGM\d{4}\b"),
    re.compile(r"\bPV\d\d\b"),
    re.compile(r"\bNL01\b"),
    re.compile(r"\b\d\d[A-Z]{2}\b"),  # a BRIN code
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # snake_case
]
ENGLISH_IN_DUTCH = re.compile(
    r"\b(suppressed|missing|enrolled|first_year|exam_candidates|current|match)\b"
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
READ_ATTRIBUTES = ("aria-label", "alt", "placeholder")
"""Attributes a person (or a screen reader) reads; ``title`` is the tooltip, exempt."""


class _Text(HTMLParser):
    """The text a reader sees: element text and read attributes, outside the data tabs and
    scripts; the chart specs (``<script type="application/json" id="...-spec">``) apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.specs: list[str] = []
        self._skip: list[str] = []  # the tags of open skipped elements, innermost last
        self._spec: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if self._skip:
            if tag not in VOID:
                self._skip.append(tag)
            return
        if tag == "script":
            if named.get("type") == "application/json" and (named.get("id") or "").endswith(
                "-spec"
            ):
                self._spec = []
            self._skip.append(tag)
            return
        if tag == "style" or "data-tab" in (named.get("class") or "").split():
            if tag not in VOID:
                self._skip.append(tag)
            return
        self.parts += [named[a] or "" for a in READ_ATTRIBUTES if a in named]

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip.pop()
            if not self._skip and self._spec is not None:
                self.specs.append("".join(self._spec))
                self._spec = None

    def handle_data(self, data: str) -> None:
        if self._spec is not None:
            self._spec.append(data)
        elif not self._skip:
            self.parts.append(data)


def _spec_texts(spec: Any, datasets: dict[str, list[Any]]) -> Iterator[str]:
    """Titles, descriptions, axis and legend titles, mark texts, and the values of every
    field a legend lists (colour, dash, shape)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key in ("title", "description", "text") and isinstance(value, str):
                yield value
            if key in ("title", "subtitle") and isinstance(value, dict | list):
                yield from (v for v in _flat(value) if isinstance(v, str))
            if key in ("color", "strokeDash", "shape") and isinstance(value, dict):
                field = value.get("field")
                if isinstance(field, str) and value.get("legend", {}) is not None:
                    for rows in datasets.values():
                        yield from (
                            str(r[field])
                            for r in rows
                            if isinstance(r, dict) and r.get(field) is not None
                        )
            yield from _spec_texts(value, datasets)
    elif isinstance(spec, list):
        for item in spec:
            yield from _spec_texts(item, datasets)


def _flat(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _flat(v)
    elif isinstance(value, list):
        for v in value:
            yield from _flat(v)
    else:
        yield value


def visible_text(html: str) -> list[str]:
    """The text of a page a person reads, as separate pieces (page text, then each chart's)."""
    parser = _Text()
    parser.feed(html)
    texts = [" ".join(parser.parts)]
    for raw in parser.specs:
        spec = json.loads(raw)
        texts += list(_spec_texts(spec, spec.get("datasets", {})))
    return texts


def _pack_codes() -> tuple[list[str], list[str]]:
    """The pack's BRIN codes, and its region ids that are not the region's name."""
    with open(f"{PACK}/institutions.yaml", encoding="utf-8") as handle:
        brins = [i["brin"] for i in yaml.safe_load(handle)["institutions"]]
    with open(f"{PACK}/regions.yaml", encoding="utf-8") as handle:
        regions = yaml.safe_load(handle)
    listed = [*regions["regions"], *regions.get("region_sets", [])]
    return brins, [r["code"] for r in listed if r["code"] != r["name"]]


def raw_codes(text: str, lang: str, extra: list[str]) -> list[str]:
    """Return every raw code in ``text`` (with a little context, to find it)."""
    found: list[str] = []
    patterns = [*CODES, *(re.compile(rf"(?<![\w/-]){re.escape(c)}(?![\w/-])") for c in extra)]
    if lang == "nl":
        patterns.append(ENGLISH_IN_DUTCH)
    seen: set[tuple[int, int]] = set()
    for pattern in patterns:
        for match in pattern.finditer(text):
            if match.span() in seen:
                continue  # exam_candidates is snake_case and English: one finding
            seen.add(match.span())
            start, end = max(0, match.start() - 40), match.end() + 40
            found.append(f"{match.group(0)!r} in …{' '.join(text[start:end].split())}…")
    return found


def page_paths(client: TestClient) -> list[str]:
    """Every public page of the app's route list, with real ids: every indicator with each of
    its breakdowns, every gemeente and partner page the app has; and one 400 page."""
    from pijplijn.content.loader import load_pack

    pack = load_pack("twente")
    indicators = client.get("/api/v1/indicators").json()
    records = indicators["data"] if isinstance(indicators, dict) else indicators
    fill: dict[str, list[str]] = {"indicator_id": [r["id"] for r in records]}
    paths: list[str] = []
    app = client.app
    for route in app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if "GET" not in methods or path.startswith(("/api", "/static", "/beheer", "/embed")):
            continue
        if path.endswith((".yaml", ".csv", ".ico", ".json", ".svg", ".png", ".xlsx")):
            continue
        if path in ("/inloggen", "/account", "/uitloggen"):
            continue  # account pages: no figures, and /account needs a login
        params = re.findall(r"{(\w+)(?::\w+)?}", path)
        if not params:
            paths.append(path)
            continue
        (param,) = params
        if param == "indicator_id":
            values = fill[param]
        elif path.startswith("/gemeenten"):
            values = [g.name for g in _gemeenten(pack)]
        elif path.startswith("/partners"):
            values = _partners(client)
        elif path.startswith("/instellingen"):
            values = _institutions(client)
        else:
            pytest.fail(f"the raw-code scan does not know how to fill {path}")
        for value in values:
            paths.append(re.sub(r"{\w+(?::\w+)?}", value, path))
    for record in records:
        for by in record.get("breakdowns", []):
            paths.append(f"/indicatoren/{record['id']}?by={by}")
    paths.append("/pijplijn?stage=geen-fase")  # a 400 page: its message in the page's language
    return paths


def _gemeenten(pack: Any) -> list[Any]:
    return list(getattr(pack, "gemeenten", []) or [])[:3]


def _partners(client: TestClient) -> list[str]:
    return []


def _institutions(client: TestClient) -> list[str]:
    """The pack's institutions that the store holds (their factsheet pages)."""
    brins, _ = _pack_codes()
    return [b for b in brins if client.get(f"/instellingen/{b}.json").status_code == 200][:3]


def _scan(url: str) -> list[str]:
    brins, region_ids = _pack_codes()
    failures: list[str] = []
    with TestClient(create_app(Settings(database_url=url))) as client:
        for path in page_paths(client):
            for lang in ("nl", "en"):
                sep = "&" if "?" in path else "?"
                response = client.get(f"{path}{sep}lang={lang}")
                assert response.status_code in (200, 400), (path, response.status_code)
                for text in visible_text(response.text):
                    failures += [
                        f"{path} [{lang}]: {c}"
                        for c in raw_codes(text, lang, [*brins, *region_ids])
                    ]
    return failures


def test_the_scan_finds_codes_and_skips_the_data_tab() -> None:
    html = (
        '<main><p title="GM0153">Enschede</p><p>27YU heeft exam_candidates</p>'
        '<details class="data-tab"><table><tr><td>GM0141</td></tr></table></details>'
        '<script type="application/json" id="x-spec">{"title": "PV23", "encoding": '
        '{"color": {"field": "region"}}, "datasets": {"table": [{"region": "NL01", '
        '"code": "GM0164"}]}}</script><p>missing</p></main>'
    )
    found = [c.split(" in ")[0] for t in visible_text(html) for c in raw_codes(t, "nl", [])]
    assert sorted(found) == sorted(["'27YU'", "'exam_candidates'", "'missing'", "'PV23'", "'NL01'"])
    assert raw_codes("missing data", "en", []) == []


def test_no_page_shows_raw_codes_on_the_demo(demo_url: str) -> None:
    failures = _scan(demo_url)
    assert failures == [], "\n".join(failures[:60]) + f"\n({len(failures)} in all)"


def test_no_page_shows_raw_codes_on_the_real_data(real_url: str) -> None:
    failures = _scan(real_url)
    assert failures == [], "\n".join(failures[:60]) + f"\n({len(failures)} in all)"


def test_the_400_page_speaks_the_page_language(demo_url: str) -> None:
    """A validation error in the page's language, saying what was expected (pydantic's own
    text is English: "Input should be 'vmbo-bb'...")."""
    from pijplijn.vocabulary import STAGES

    with TestClient(create_app(Settings(database_url=demo_url))) as client:
        dutch = client.get("/pijplijn?stage=geen-fase&lang=nl")
        english = client.get("/pijplijn?stage=geen-fase&lang=en")
    assert (dutch.status_code, english.status_code) == (400, 400)
    dutch_text, english_text = (
        " ".join(visible_text(dutch.text)),
        " ".join(visible_text(english.text)),
    )
    assert "ongeldige parameter 'stage': verwacht een van" in dutch_text
    assert "Ongeldig verzoek" in dutch_text and "Input should be" not in dutch_text
    assert "invalid parameter 'stage': expected one of" in english_text
    assert all(f"'{stage}'" in dutch_text for stage in STAGES)
