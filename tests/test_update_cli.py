"""``pijplijn update`` end to end: downloads through a mock transport, then imports."""

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.ingest import download as update_module  # where `update` finds its client

runner = CliRunner()
SOURCES = {
    "duo-mbo-deelnemers": ("duo/mbo_deelnemers_2015-2019.csv", "mbo_deelnemers.csv"),
    "duo-ho-eerstejaars": ("duo/hbo_eerstejaars_2015-2019.csv", "hbo_eerstejaars.csv"),
    "cbs": ("cbs/80472ned_vacatures_sbi.csv", "80472ned_vacatures.csv"),
}


@pytest.fixture
def sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lines = ["sources:"]
    for kind, (_, file_name) in SOURCES.items():
        lines += [
            f"  - name: {kind}",
            f"    kind: {kind}",
            f"    url: https://data.example.test/{file_name}",
            f"    file_name: {file_name}",
            "    description: test",
        ]
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("PIJPLIJN_SOURCES_FILE", str(path))
    return path


def serve(shared_data: Path, online: bool = True) -> Callable[[], httpx.Client]:
    files = {f"/{name}": shared_data / real for real, name in SOURCES.values()}

    def handler(request: httpx.Request) -> httpx.Response:
        if not online:
            raise httpx.ConnectError("netwerk onbereikbaar", request=request)
        body = files[request.url.path].read_bytes()
        etag = f'"{len(body)}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=body, headers={"ETag": etag, "Content-Type": "text/csv"})

    return lambda: httpx.Client(transport=httpx.MockTransport(handler))


def datasets(db: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["datasets", "--format", "json", "--database", db])
    assert result.exit_code == 0
    return [d for d in json.loads(result.stdout) if not str(d["source_key"]).startswith("seed")]


def test_update_downloads_imports_then_changes_nothing(
    database_url: str,
    shared_data: Path,
    sources_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    cache = str(tmp_path / "cache")
    monkeypatch.setattr(update_module, "default_client", serve(shared_data))
    first = runner.invoke(app, ["update", "--cache", cache, "--database", database_url])
    assert first.exit_code == 0, first.stdout + first.stderr
    loaded = datasets(database_url)
    assert len(loaded) == len(SOURCES)
    assert all(str(d["source"]).startswith("https://data.example.test/") for d in loaded)
    assert all(d["retrieved_at"] for d in loaded)

    second = runner.invoke(app, ["update", "--cache", cache, "--database", database_url])
    assert second.exit_code == 0 and second.stdout.count("unchanged") == len(SOURCES)
    assert datasets(database_url) == loaded

    monkeypatch.setattr(update_module, "default_client", serve(shared_data, online=False))
    offline = runner.invoke(app, ["update", "--cache", cache, "--database", database_url])
    assert offline.exit_code == 0 and offline.stdout.count("offline") == len(SOURCES)
    assert datasets(database_url) == loaded


def test_update_without_network_or_cache_says_what_failed(
    database_url: str,
    shared_data: Path,
    sources_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    monkeypatch.setattr(update_module, "default_client", serve(shared_data, online=False))
    result = runner.invoke(
        app, ["update", "--cache", str(tmp_path / "leeg"), "--database", database_url]
    )
    assert result.exit_code == 2
    assert result.stdout.count("failed") == len(SOURCES)
    assert "3 van 3 bronnen niet bijgewerkt" in result.stderr
    assert datasets(database_url) == []
