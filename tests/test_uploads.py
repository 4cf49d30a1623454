"""Uploads through the web: preview first (nothing written), then confirm; the size limit
before parsing; zip bombs and huge sheets refused; folder parts of file names ignored; the
upload bound to the session; participation from the partner template; a real DUO file
through the CLI's parsers."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from admin_helpers import EMAILS, World, log_in, world_fixture
from conftest import _fresh_url
from pijplijn.engine.version import data_version
from pijplijn.store.db import session_scope
from pijplijn.store.models import Dataset
from pijplijn.store.register_models import AuditRecord, Participation
from pijplijn.web.admin import uploads
from pijplijn.web.admin.upload_store import (
    TextLimits,
    UploadRefused,
    check_text,
    safe_name,
    without_paths,
)

_UPLOAD_ID = re.compile(r"/(?:upload|bestanden)/([A-Za-z0-9_-]{20,64})/bevestigen")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("uploads")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


def _state(world: World) -> tuple[int, int, int, str]:
    """Counts that any write would change, and the data version."""
    with session_scope(world.engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Participation)) or 0),
            int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(Dataset)) or 0),
            data_version(session),
        )


def _kept(world: World) -> set[Path]:
    """The files in the upload folder."""
    return {p for p in world.upload_dir.rglob("*") if p.is_file()}


def _template_csv(rows: list[str]) -> bytes:
    return (
        "organisation,project,period,role,pupils,students,teachers,companies,note\n"
        + "\n".join(rows)
        + "\n"
    ).encode("utf-8")


def _post_file(
    client: TestClient, url: str, csrf: str, name: str, content: bytes, **fields: str
) -> object:
    return client.post(
        url,
        data={"csrf": csrf, **fields},
        files={"file": (name, content, "application/octet-stream")},
    )


def test_safe_name_drops_folders_and_odd_characters() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\windows\\system32\\evil.csv") == "evil.csv"
    assert safe_name("/abs/path/deelname 2024.csv") == "deelname_2024.csv"
    assert safe_name("..") == "upload"
    assert safe_name("") == "upload"
    assert safe_name("\x00\n.csv") == "csv"


def test_participation_preview_writes_nothing_and_confirm_writes_all(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["redacteur_own"])
        before = _state(world)
        body = _template_csv(
            [
                "12345678,jetnet,2024,gastbedrijf,120,,4,1,Open dag",
                "12345678,technasia,2024-2025,,,,,,",
            ]
        )
        preview = _post_file(
            client, "/beheer/deelname/upload", csrf, "../../etc/deelname.csv", body
        )
        assert preview.status_code == 200, preview.text
        assert "deelname.csv" in preview.text and "etc/deelname" not in preview.text
        assert _state(world) == before  # nothing written by the preview
        upload_id = _UPLOAD_ID.search(preview.text)
        assert upload_id is not None
        # The upload belongs to this session: another session cannot confirm it.
        with world.client() as other:
            other_csrf = log_in(other, EMAILS["redacteur_own"])
            stolen = other.post(
                f"/beheer/deelname/upload/{upload_id.group(1)}/bevestigen",
                data={"csrf": other_csrf},
            )
            assert stolen.status_code == 404
        assert _state(world) == before
        confirmed = client.post(
            f"/beheer/deelname/upload/{upload_id.group(1)}/bevestigen", data={"csrf": csrf}
        )
        assert confirmed.status_code == 200, confirmed.text
        # The confirm page tells the truth: stored, not "nothing stored yet".
        assert "Het bestand is in orde en opgeslagen." in confirmed.text
        assert "nog niets opgeslagen" not in confirmed.text
        after = _state(world)
        assert after[0] == before[0] + 2 and after[1] == before[1] + 2
        # Confirming twice finds nothing: the kept file is gone.
        again = client.post(
            f"/beheer/deelname/upload/{upload_id.group(1)}/bevestigen", data={"csrf": csrf}
        )
        assert again.status_code == 404 and _state(world) == after


def test_participation_upload_with_errors_names_row_and_column(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["redacteur_own"])
        before = _state(world)
        body = _template_csv(
            ["12345678,jetnet,2024,,veel,,,,", "Het Stedelijk Lyceum,jetnet,2024,,,,,,"]
        )
        preview = _post_file(client, "/beheer/deelname/upload", csrf, "fout.csv", body)
        assert preview.status_code == 400
        assert "rij 2" in preview.text and "pupils" in preview.text
        # The school is organisation B: not this redacteur's to upload for.
        assert "rij 3" in preview.text and "uw eigen organisatie" in preview.text
        assert "bevestigen" not in preview.text
        assert _state(world) == before


def test_over_size_is_refused_before_parsing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*_: object, **__: object) -> None:
        raise AssertionError("parsed a file over the limit")

    monkeypatch.setattr(uploads, "parse_participation", must_not_parse)
    kept = _kept(world)
    with world.client(upload_max_bytes=4096) as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        big = _template_csv(["12345678,jetnet,2024,,1,,,,"] * 400)
        declared = _post_file(client, "/beheer/deelname/upload", csrf, "groot.csv", big)
        assert declared.status_code == 413 and "te groot" in declared.text
        # Without a Content-Length (chunked): the stream is cut off at the limit.
        boundary = "grens"
        parts = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="g.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + big
            + f"\r\n--{boundary}--\r\n".encode()
        )

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(parts), 1000):
                yield parts[start : start + 1000]

        streamed = client.post(
            "/beheer/deelname/upload",
            content=chunks(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert streamed.status_code == 413
    assert _state(world) == before
    assert _kept(world) == kept


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def _huge_sheet(tmp_path: Path) -> bytes:
    path = tmp_path / "groot.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write(0, 0, "gemeente")
    sheet.write(999_999, 0, "laatste")
    workbook.close()
    return path.read_bytes()


def test_zip_bomb_and_huge_sheet_are_refused_cleanly(world: World, tmp_path: Path) -> None:
    bomb, huge = _zip_bomb(), _huge_sheet(tmp_path)
    kept = _kept(world)
    assert len(bomb) < 100_000  # 20 MB of zeros packs tiny: the ratio gives it away
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        refused = _post_file(client, "/beheer/bestanden", csrf, "bom.xlsx", bomb)
        assert refused.status_code == 400 and "zipbom" in refused.text
        sheet = _post_file(client, "/beheer/bestanden", csrf, "groot.xlsx", huge)
        assert sheet.status_code == 400 and "1,000,000 rijen" in sheet.text
        as_template = _post_file(client, "/beheer/deelname/upload", csrf, "bom.csv", bomb)
        assert as_template.status_code == 400
    assert _state(world) == before
    assert _kept(world) == kept


def test_a_duo_file_previews_its_findings_and_imports_on_confirm(
    world: World, shared_data: Path
) -> None:
    content = (shared_data / "duo" / "hbo_eerstejaars_2015-2019.csv").read_bytes()
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        preview = _post_file(
            client, "/beheer/bestanden", csrf, "hbo_eerstejaars_2015-2019.csv", content
        )
        assert preview.status_code == 200, preview.text[-2000:]
        assert "duo-ho" in preview.text or "hbo" in preview.text
        assert _state(world) == before
        upload_id = _UPLOAD_ID.search(preview.text)
        assert upload_id is not None
        kind = re.search(r'name="kind" value="([^"]*)"', preview.text)
        assert kind is not None
        confirmed = client.post(
            f"/beheer/bestanden/{upload_id.group(1)}/bevestigen",
            data={"csrf": csrf, "kind": kind.group(1)},
        )
        assert confirmed.status_code == 200, confirmed.text[-2000:]
        assert "loaded" in confirmed.text
        assert "nog niets opgeslagen" not in confirmed.text
    after = _state(world)
    assert after[2] == before[2] + 1 and after[3] != before[3]


def test_an_unrecognised_file_is_reported_not_imported(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        response = _post_file(client, "/beheer/bestanden", csrf, "x.csv", b"a;b;c\n1;2;3\n")
        assert response.status_code == 400 and "soort niet herkend" in response.text
    assert _state(world) == before


@pytest.mark.parametrize(("chosen", "stored"), [("", "protected"), ("open", "open")])
def test_a_partner_file_gets_the_disclosure_policy_chosen_in_the_form(
    world: World, chosen: str, stored: str
) -> None:
    # Synthetic figures in the long-format template; a distinct file per case.
    content = f"measure,period,region,value\nenrolled,2019,GM0153,{12 + len(chosen)}\n".encode()
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        form = client.get("/beheer/bestanden")
        assert 'name="disclosure"' in form.text and "Openbaarheid" in form.text
        preview = _post_file(
            client, "/beheer/bestanden", csrf, f"partner-{stored}.csv", content, disclosure=chosen
        )
        assert preview.status_code == 200, preview.text[-2000:]
        policy = re.search(r'name="disclosure" value="([^"]*)"', preview.text)
        assert policy is not None and policy.group(1) == stored
        upload_id = _UPLOAD_ID.search(preview.text)
        assert upload_id is not None
        confirmed = client.post(
            f"/beheer/bestanden/{upload_id.group(1)}/bevestigen",
            data={"csrf": csrf, "kind": "", "disclosure": policy.group(1)},
        )
        assert confirmed.status_code == 200, confirmed.text[-2000:]
    with session_scope(world.engine) as session:
        newest = session.scalars(select(Dataset).order_by(Dataset.id.desc())).first()
        assert newest is not None and newest.disclosure == stored


def test_an_unknown_disclosure_policy_in_the_form_is_refused(world: World) -> None:
    content = b"measure,period,region,value\nenrolled,2019,GM0153,30\n"  # synthetic
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        response = _post_file(
            client, "/beheer/bestanden", csrf, "partner.csv", content, disclosure="geheim"
        )
        assert response.status_code == 400 and "openbaarheidsbeleid" in response.text
    assert _state(world) == before


def test_messages_never_name_the_server_upload_folder(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    kept = folder / "AbCdEfGhIjKlMnOpQrStUv12" / "cijfers.csv"
    message = f"{kept}: kolom 3 is geen getal; zie ook {folder}"
    public = without_paths(message, folder)
    assert public == "cijfers.csv: kolom 3 is geen getal; zie ook uploads"
    assert str(tmp_path) not in public


def _duo_like_csv(rows: int, columns: int = 12) -> bytes:
    header = ";".join(f"KOLOM {n}" for n in range(columns)) + "\n"
    line = ";".join(["0363", "AMSTERDAM", "2019", "12"] + ["7"] * (columns - 4)) + "\n"
    return (header + line * rows).encode("utf-8")


def test_a_large_csv_is_refused_before_parsing_within_time_and_memory(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 49 MB CSV of issue #13 blocked a worker for 25 s: a text upload is now scanned
    in a stream and refused by bytes, lines or width before any parser reads it whole.
    (The worker's memory under the same file: tests/test_live_server.py.)"""

    def must_not_parse(*_: object, **__: object) -> None:
        raise AssertionError("parsed a file over the limit")

    monkeypatch.setattr(uploads, "parse_participation", must_not_parse)
    monkeypatch.setattr(uploads, "plan_kinds", must_not_parse)
    huge = _duo_like_csv(1_250_000)  # about 49 MB
    many_rows = _duo_like_csv(600_000, columns=2)  # under the byte limit, over the lines
    wide = _duo_like_csv(10, columns=600)
    assert 45e6 < len(huge) < 50 * 1024 * 1024 and len(many_rows) < 20 * 1024 * 1024
    kept = _kept(world)
    answers = {}
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        before = _state(world)
        cases = [
            ("groot.csv", "/beheer/bestanden", huge),
            ("lang.csv", "/beheer/bestanden", many_rows),
            ("breed.csv", "/beheer/bestanden", wide),
            ("lang-deelname.csv", "/beheer/deelname/upload", many_rows),
        ]
        for name, url, content in cases:
            started = time.monotonic()
            response = _post_file(client, url, csrf, name, content)
            answers[name] = (response.status_code, response.text, time.monotonic() - started)
    print({name: round(a[2], 2) for name, a in answers.items()})  # seconds, for the record
    assert answers["groot.csv"][0] == 400
    assert "te groot om te lezen" in answers["groot.csv"][1]
    assert "20,971,520 bytes" in answers["groot.csv"][1]
    for name in ("lang.csv", "lang-deelname.csv"):
        assert answers[name][0] == 400 and "meer dan 500,000 regels" in answers[name][1]
    assert answers["breed.csv"][0] == 400 and "600 kolommen" in answers["breed.csv"][1]
    assert all(seconds < 2.0 for _, _, seconds in answers.values()), answers
    assert _state(world) == before
    assert _kept(world) == kept


def test_the_text_scan_bounds_lines_width_and_time(tmp_path: Path) -> None:
    limits = TextLimits(max_bytes=10_000_000, max_rows=100, max_columns=5, max_seconds=5)
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n" + "1,2,3\n" * 100, encoding="utf-8")  # 101 lines
    with pytest.raises(UploadRefused, match="meer dan 100 regels"):
        check_text(path, limits)
    path.write_text("a;b\n1;2;3;4;5;6", encoding="utf-8")  # the last line, unterminated
    with pytest.raises(UploadRefused, match="6 kolommen"):
        check_text(path, limits)
    path.write_text("a,b,c\n" + "1,2,3\n" * 99, encoding="utf-8")
    check_text(path, limits)  # exactly at the limits: accepted
    slow = TextLimits(max_bytes=10_000_000, max_rows=10**9, max_columns=5, max_seconds=1e-9)
    path.write_bytes(b"a,b\n" + b"1,2\n" * 200_000)
    with pytest.raises(UploadRefused, match="te zwaar"):
        check_text(path, slow)
