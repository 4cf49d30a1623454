"""``pijplijn update`` against the portals: addresses resolved through DUO's CKAN API and
CBS's OData API, replayed from recorded (synthetic) responses in tests/fixtures/portal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.errors import ContentError
from pijplijn.ingest import download as update_module  # where `update` finds its client
from pijplijn.ingest.portal import CkanRef, ODataRef, PortalSource, load_portal, resolve

RECORDED = Path(__file__).parent / "fixtures" / "portal"
LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
PACKAGE_SHOW = RECORDED / "synthetic_ckan_package_show_instromende-mbo-studenten.json"
TABLE_INFOS = RECORDED / "synthetic_cbs_tableinfos_80472ned.json"
CKAN = "https://ckan.example.test/api/3/action"
ODATA = "https://odata.example.test/ODataApi/odata"
INSTROOM = PortalSource(
    name="instroom",
    kind="duo-mbo-instroom",
    ckan=CkanRef(package="instromende-mbo-studenten", resource="instelling", api=CKAN),
    file_name="mbo_instroom_{year}.csv",
    description="test",
)
VACANCIES = PortalSource(
    name="vacatures",
    kind="cbs",
    odata=ODataRef(table="80472ned", api=ODATA),
    file_name="vacatures.csv",
    description="test",
)


def portal(online: bool = True) -> Callable[[httpx.Request], httpx.Response]:
    """A fake DUO/CBS: package_show and TableInfos as recorded, the data files they name."""
    files = {
        "/instroom/instroom_mbo_instelling_2023.csv": LAYOUTS / "synthetic_mbo_instroom_2023.csv"
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if not online:
            raise httpx.ConnectError("netwerk onbereikbaar", request=request)
        url = request.url
        if str(url).startswith(f"{CKAN}/package_show"):
            assert url.params["id"] == "instromende-mbo-studenten"
            return httpx.Response(200, content=PACKAGE_SHOW.read_bytes())
        if str(url).startswith(f"{ODATA}/80472ned/TableInfos"):
            return httpx.Response(200, content=TABLE_INFOS.read_bytes())
        if url.path in files:
            body = files[url.path].read_bytes()
            return httpx.Response(200, content=body, headers={"Content-Type": "text/csv"})
        return httpx.Response(404)

    return handle


def client(online: bool = True) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(portal(online)))


def test_the_newest_matching_resource_is_chosen(tmp_path: Path) -> None:
    recorded = json.loads(PACKAGE_SHOW.read_text(encoding="utf-8"))["result"]["resources"]
    matching = [r for r in recorded if r["format"] == "CSV" and "instelling" in r["name"]]
    newest = max(matching, key=lambda r: r["last_modified"])
    with client() as http:
        [found] = resolve([INSTROOM], tmp_path, http)
    assert found.source is not None and not found.offline
    assert found.source.url == newest["url"]
    assert found.source.file_name == "mbo_instroom_2023.csv"
    assert newest["last_modified"] in found.message


def test_cbs_tables_are_confirmed_through_odata(tmp_path: Path) -> None:
    modified = json.loads(TABLE_INFOS.read_text(encoding="utf-8"))["value"][0]["Modified"]
    with client() as http:
        [found] = resolve([VACANCIES], tmp_path, http)
    assert found.source is not None
    assert found.source.url == "https://opendata.cbs.nl/CsvDownload/csv/80472ned/UntypedDataSet"
    assert modified in found.message


def test_offline_the_last_known_address_is_used(tmp_path: Path) -> None:
    with client() as http:
        [first] = resolve([INSTROOM], tmp_path, http)
    with client(online=False) as http:
        [again] = resolve([INSTROOM], tmp_path, http)
        [never] = resolve([VACANCIES], tmp_path / "empty", http)
    assert again.offline and again.source == first.source
    assert "laatst bekende adres" in again.message
    assert never.source is None and "niet op te vragen" in never.message


def test_the_shipped_portal_entries_validate() -> None:
    entries = load_portal(load_pack("twente").root / "sources.yaml")
    assert {e.ckan.package for e in entries if e.ckan} >= {
        "p02ho1ejrs",
        "p01hoinges",
        "p04hogdipl",
        "mbo-studenten-per-instelling",
        "instromende-mbo-studenten",
    }


def test_a_bad_portal_entry_names_its_key(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {name: a, kind: cbs, url: 'https://x.nl/a.csv', file_name: a.csv, "
        "description: A}\nportal:\n  - {name: b, kind: cbs, file_name: b.csv, description: B}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="sleutel 'portal.0'"):
        load_portal(path)


def test_update_resolves_downloads_and_imports(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {name: gemeenten, kind: gemeenten, url: 'https://files.example.test/gm.csv', "
        "file_name: gemeenten.csv, description: test}\n"
        "portal:\n"
        f"  - name: instroom\n    kind: duo-mbo-instroom\n"
        f"    ckan: {{package: instromende-mbo-studenten, resource: instelling, api: '{CKAN}'}}\n"
        "    file_name: 'mbo_instroom_{year}.csv'\n    description: test\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIJPLIJN_SOURCES_FILE", str(sources))
    handle = portal()

    def with_gemeenten(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gm.csv":
            body = (LAYOUTS / "synthetic_gemeenten.csv").read_bytes()
            return httpx.Response(200, content=body, headers={"Content-Type": "text/csv"})
        return handle(request)

    monkeypatch.setattr(
        update_module,
        "default_client",
        lambda: httpx.Client(transport=httpx.MockTransport(with_gemeenten)),
    )
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    cache = str(tmp_path / "cache")
    result = runner.invoke(app, ["update", "--cache", cache, "--database", database_url])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "nieuwste versie 2024-03-04T09:00:00" in result.stdout
    query = runner.invoke(
        app,
        ["query", "-m", "transitions", "--format", "json", "--database", database_url],
    )
    expected = sum(
        int(line.split(";")[12])
        for line in (LAYOUTS / "synthetic_mbo_instroom_2023.csv").read_text().splitlines()[1:]
        if line.split(";")[12].isdigit()
    )
    assert [(r["period"], r["value"]) for r in json.loads(query.stdout)] == [("2023", expected)]
    again = runner.invoke(app, ["update", "--cache", cache, "--database", database_url])
    assert again.exit_code == 0 and "geladen als dataset" not in again.stdout
