"""Downloading the publishers' files into the cache (``pijplijn update``), without a network.

A fake publisher (``httpx.MockTransport``) serves the real files in ../shared/data at the URLs
in the pack's sources.yaml, with ETags, and answers 304 to a matching If-None-Match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pijplijn.content.loader import load_pack
from pijplijn.errors import ContentError
from pijplijn.ingest.download import (
    SOURCE_KINDS,
    FetchResult,
    Source,
    default_cache_dir,
    fetch,
    load_sources,
)
from pijplijn.ingest.registry import KINDS as IMPORT_KINDS

SOURCES_FILE = load_pack("twente").root / "sources.yaml"
KINDS = {
    "duo-mbo-deelnemers",
    "duo-ho-eerstejaars",
    "duo-ho-ingeschrevenen",
    "duo-ho-gediplomeerden",
    "duo-vo-examens",
    "cbs",
    "cbs-metadata",
}
REAL_COPIES = {
    "duo-mbo-deelnemers": "duo/mbo_deelnemers_2015-2019.csv",
    "duo-hbo-eerstejaars": "duo/hbo_eerstejaars_2015-2019.csv",
    "duo-wo-eerstejaars": "duo/wo_eerstejaars_2015-2019.csv",
    "duo-vo-examens": "duo/vo_examenkandidaten_2019-2024.csv",
    "cbs-80472ned-vacatures": "cbs/80472ned_vacatures_sbi.csv",
    "cbs-80472ned-metadata": "cbs/80472ned_vacatures_metadata.csv",
}
"""Source name → the real published file in ../shared/data served at its URL. Sources without
a real copy there are served a small synthetic body."""

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class Publisher:
    """A fake web server holding one body per URL; records every request it gets."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.requests: list[httpx.Request] = []

    @staticmethod
    def etag(body: bytes) -> str:
        return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = self.bodies.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        etag = self.etag(body)
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        headers = {
            "ETag": etag,
            "Last-Modified": "Sat, 01 Mar 2025 08:00:00 GMT",
            "Content-Type": "text/csv",
        }
        return httpx.Response(200, content=body, headers=headers)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def run(
    sources: list[Source],
    cache: Path,
    client: httpx.Client,
    at: datetime = T0,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> dict[str, FetchResult]:
    with client:
        results = fetch(sources, cache, client, progress, retry_pause=0, clock=lambda: at)
    return {r.source.name: r for r in results}


def statuses(results: dict[str, FetchResult]) -> dict[str, str]:
    return {name: r.status for name, r in results.items()}


def cache_listing(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return load_sources(SOURCES_FILE)


@pytest.fixture
def bodies(shared_data: Path, sources: list[Source]) -> dict[str, bytes]:
    """URL → body: the real file for the sources that have one, else a synthetic CSV."""
    assert set(REAL_COPIES) <= {s.name for s in sources}
    served = {}
    for source in sources:
        copy = REAL_COPIES.get(source.name)
        body = (shared_data / copy).read_bytes() if copy else b"SYNTHETIC;TEST\r\n1;2\r\n"
        served[source.url] = body
    return served


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def filled(sources: list[Source], bodies: dict[str, bytes], cache: Path) -> Publisher:
    """A cache after one successful fetch of every source; returns the publisher."""
    publisher = Publisher(dict(bodies))
    results = run(sources, cache, publisher.client())
    assert set(statuses(results).values()) == {"downloaded"}
    publisher.requests.clear()
    return publisher


# --- the sources file -------------------------------------------------------------------------


def test_shipped_sources_validate(sources: list[Source]) -> None:
    # A source may name any import kind; the fixed-address ones are the older releases.
    assert set(SOURCE_KINDS) == set(IMPORT_KINDS) >= KINDS
    assert {s.kind for s in sources} <= KINDS
    assert len({s.name for s in sources}) == len(sources)
    hosts = {httpx.URL(s.url).host for s in sources}
    assert hosts == {"duo.nl", "opendata.cbs.nl"}
    # hbo and wo files share a header; the file name tells them apart.
    for source in sources:
        if source.kind.startswith("duo-ho-"):
            assert source.file_name.split("_")[0] in {"hbo", "wo"}, source.name
        assert source.file_name.endswith(".csv")


BASE = "  - {name: a, kind: cbs, url: 'https://x.nl/a.csv', file_name: a.csv, description: A}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "sources:\n  - {name: a, kind: cbs-tabel, url: 'https://x.nl/a.csv', "
            "file_name: a.csv, description: A}\n",
            "sleutel 'sources.0.kind'",
        ),
        (
            "sources:\n  - {name: a, kind: cbs, file_name: a.csv, description: A}\n",
            "sleutel 'sources.0.url'",
        ),
        (
            "sources:\n  - {name: a, kind: cbs, url: 'ftp://x.nl/a.csv', "
            "file_name: a.csv, description: A}\n",
            "sleutel 'sources.0.url'",
        ),
        (
            "sources:\n  - {name: a, kind: cbs, url: 'https://x.nl/a.csv', "
            "file_name: ../a.csv, description: A}\n",
            "sleutel 'sources.0.file_name'",
        ),
        (
            f"sources:\n{BASE}  - {{name: b, kind: cbs, url: 'https://x.nl/b.csv', "
            "file_name: b.csv, description: B, colour: red}\n",
            "sleutel 'sources.1.colour'",
        ),
        (f"sources:\n{BASE}{BASE}", "sleutel 'sources.1.name'"),
        ("sources: []\n", "sleutel 'sources'"),
        ("", "sleutel 'sources'"),
        ("sources: [\n", "niet te lezen als YAML"),
    ],
)
def test_a_malformed_sources_file_names_the_file_and_key(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "bronnen.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_sources(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_the_default_cache_is_in_the_user_cache_directory() -> None:
    assert "pijplijn" in default_cache_dir().parts


# --- fetching ---------------------------------------------------------------------------------


def test_first_fetch_downloads_everything_and_writes_sidecars(
    sources: list[Source], bodies: dict[str, bytes], cache: Path
) -> None:
    publisher = Publisher(bodies)
    seen: dict[str, tuple[int, int | None]] = {}
    results = run(
        sources, cache, publisher.client(), progress=lambda n, b, t: seen.update({n: (b, t)})
    )

    assert set(statuses(results).values()) == {"downloaded"}
    assert all("If-None-Match" not in r.headers for r in publisher.requests)
    for source in sources:
        body = bodies[source.url]
        result = results[source.name]
        assert result.path == cache / source.file_name
        assert result.path.read_bytes() == body
        assert result.fetched_at == T0 and result.changed
        assert source.name in result.message and source.url in result.message
        assert seen[source.name] == (len(body), len(body))
        meta = json.loads((cache / f"{source.file_name}.meta.json").read_text(encoding="utf-8"))
        assert meta["url"] == source.url
        assert meta["etag"] == Publisher.etag(body)
        assert meta["last_modified"] == "Sat, 01 Mar 2025 08:00:00 GMT"
        assert meta["sha256"] == hashlib.sha256(body).hexdigest() == result.sha256
        assert datetime.fromisoformat(meta["fetched_at"]) == T0
    expected = sorted(
        [s.file_name for s in sources] + [f"{s.file_name}.meta.json" for s in sources]
    )
    assert cache_listing(cache) == expected


def test_second_fetch_is_conditional_and_rewrites_nothing(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    before = {s.name: (cache / s.file_name).stat() for s in sources}
    results = run(sources, cache, filled.client(), at=T0 + timedelta(days=1))

    assert set(statuses(results).values()) == {"unchanged"}
    sent = {str(r.url): r.headers.get("If-None-Match") for r in filled.requests}
    assert sent == {s.url: Publisher.etag(bodies[s.url]) for s in sources}
    for source in sources:
        result = results[source.name]
        after = result.path.stat() if result.path else None
        assert after is not None
        assert (after.st_ino, after.st_mtime_ns) == (
            before[source.name].st_ino,
            before[source.name].st_mtime_ns,
        )
        assert result.fetched_at == T0 and result.checked_at == T0 + timedelta(days=1)
        assert not result.changed and source.url in result.message


def test_a_changed_file_is_downloaded_again(
    sources: list[Source], cache: Path, filled: Publisher
) -> None:
    mbo = next(s for s in sources if s.kind == "duo-mbo-deelnemers")
    new_body = filled.bodies[mbo.url] + b"\r\n"
    filled.bodies[mbo.url] = new_body
    results = run(sources, cache, filled.client())

    assert statuses(results)[mbo.name] == "downloaded"
    assert {r.status for n, r in results.items() if n != mbo.name} == {"unchanged"}
    assert (cache / mbo.file_name).read_bytes() == new_body
    meta = json.loads((cache / f"{mbo.file_name}.meta.json").read_text(encoding="utf-8"))
    assert meta["etag"] == Publisher.etag(new_body)


def test_no_connection_uses_the_cached_copy_and_says_how_old_it_is(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        raise httpx.ConnectError("Name or service not known", request=request)

    results = run(sources, cache, client_for(refuse), at=T0 + timedelta(days=3))

    assert set(statuses(results).values()) == {"offline"}
    # One retry per host; the other sources on an unreachable host are not tried again.
    assert sorted(calls) == ["duo.nl", "duo.nl", "opendata.cbs.nl", "opendata.cbs.nl"]
    for source in sources:
        result = results[source.name]
        assert result.path is not None and result.path.read_bytes() == bodies[source.url]
        assert source.name in result.message and source.url in result.message
        assert "3 dagen geleden" in result.message
        assert result.fetched_at == T0


def test_no_connection_and_no_cache_fails(sources: list[Source], cache: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    results = run(sources, cache, client_for(refuse))

    assert set(statuses(results).values()) == {"failed"}
    for source in sources:
        result = results[source.name]
        assert result.path is None and result.fetched_at is None
        assert source.name in result.message and source.url in result.message
        assert "geen verbinding" in result.message or "onbereikbaar" in result.message
    assert cache_listing(cache) == []


def test_one_failed_connection_is_retried(
    sources: list[Source], bodies: dict[str, bytes], cache: Path
) -> None:
    publisher = Publisher(bodies)
    refused: set[str] = set()

    def flaky(request: httpx.Request) -> httpx.Response:
        if str(request.url) not in refused:
            refused.add(str(request.url))
            raise httpx.ConnectError("Connection reset", request=request)
        return publisher.handle(request)

    results = run(sources[:1], cache, client_for(flaky))

    assert statuses(results) == {sources[0].name: "downloaded"}


class BreaksMidStream(httpx.SyncByteStream):
    """A body that sends some bytes and then loses the connection."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise httpx.ReadError("Connection reset by peer")


def test_a_failure_mid_stream_keeps_the_previous_copy(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    mbo = next(s for s in sources if s.kind == "duo-mbo-deelnemers")
    listing = cache_listing(cache)
    new_body = b"BRIN NUMMER;" + bodies[mbo.url]

    def breaks(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=BreaksMidStream(new_body[:100_000]))

    results = run([mbo], cache, client_for(breaks))

    result = results[mbo.name]
    assert result.status == "offline"
    assert "afgebroken" in result.message and mbo.url in result.message
    assert (cache / mbo.file_name).read_bytes() == bodies[mbo.url]
    assert cache_listing(cache) == listing  # no temporary file left behind


def test_a_failure_mid_stream_without_cache_leaves_nothing(
    sources: list[Source], cache: Path
) -> None:
    def breaks(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=BreaksMidStream(b"ID;Perioden\r\n" * 1000))

    results = run(sources[:1], cache, client_for(breaks))

    assert statuses(results) == {sources[0].name: "failed"}
    assert cache_listing(cache) == []


def test_a_body_shorter_than_announced_keeps_the_previous_copy(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    source = sources[0]

    def short(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Length": "5000"}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b"x" * 100))

    result = run([source], cache, client_for(short))[source.name]

    assert result.status == "offline" and "100 van de 5000 bytes" in result.message
    assert (cache / source.file_name).read_bytes() == bodies[source.url]


@pytest.mark.parametrize("code", [404, 500])
def test_an_http_error_is_offline_with_a_cache(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher, code: int
) -> None:
    results = run(sources, cache, client_for(lambda request: httpx.Response(code)))

    assert set(statuses(results).values()) == {"offline"}
    for source in sources:
        assert f"HTTP {code}" in results[source.name].message
        assert (cache / source.file_name).read_bytes() == bodies[source.url]


@pytest.mark.parametrize("code", [404, 500])
def test_an_http_error_fails_without_a_cache(sources: list[Source], cache: Path, code: int) -> None:
    results = run(sources, cache, client_for(lambda request: httpx.Response(code)))

    assert set(statuses(results).values()) == {"failed"}
    for source in sources:
        message = results[source.name].message
        assert f"HTTP {code}" in message and source.name in message and source.url in message


def test_a_web_page_instead_of_data_is_not_cached(sources: list[Source], cache: Path) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html><body>Pagina niet gevonden</body></html>")

    results = run(sources[:1], cache, client_for(page))

    assert statuses(results) == {sources[0].name: "failed"}
    assert "webpagina" in results[sources[0].name].message
    assert cache_listing(cache) == []


def test_identical_bytes_without_validators_count_as_unchanged(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    source = sources[0]
    before = (cache / source.file_name).stat()

    def no_validators(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies[source.url])

    result = run([source], cache, client_for(no_validators))[source.name]

    assert result.status == "unchanged"
    after = (cache / source.file_name).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_tampered_cached_copy_is_downloaded_in_full(
    sources: list[Source], bodies: dict[str, bytes], cache: Path, filled: Publisher
) -> None:
    source = sources[0]
    (cache / source.file_name).write_bytes(b"edited by hand")

    result = run([source], cache, filled.client())[source.name]

    assert "If-None-Match" not in filled.requests[0].headers
    assert result.status == "downloaded"
    assert (cache / source.file_name).read_bytes() == bodies[source.url]
