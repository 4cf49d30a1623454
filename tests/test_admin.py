"""The register forms through the web: the acceptance walk of issue 7 ("as a new user"), two
editors on one record, field problems next to the fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from admin_helpers import EMAILS, PASSWORD, SECRET, World, log_in, world_fixture
from conftest import _fresh_url
from pijplijn.cli import app as cli
from pijplijn.content.loader import load_pack
from pijplijn.register import service
from pijplijn.register.audit import history
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.register_models import Organisation, Participation
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app
from register_helpers import project_id

GOAL = "tt-bedrijvenparticipatie-register"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("admin")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


def _goal(client: TestClient) -> dict[str, object]:
    body = client.get(f"/api/v1/goals/{GOAL}").json()
    return dict(body["data"][0]["latest"] or {})


def _goal_article(client: TestClient) -> str:
    page = client.get("/doelen").text
    start = page.index(f'id="{GOAL}"')
    return page[start : page.index("</article>", start)]


def test_acceptance_as_a_new_user(database_url: str, tmp_path: Path) -> None:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    jetnet = project_id(engine, "jetnet")
    # 1. A beheerder from the command line.
    made = CliRunner().invoke(
        cli,
        ["users", "add", "regie@example.nl", "--role", "beheerder", "--password-stdin"]
        + ["--database", database_url],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    settings = Settings(database_url=database_url, secret_key=SECRET, upload_dir=tmp_path)
    with TestClient(create_app(settings)) as beheer, TestClient(create_app(settings)) as public:
        assert _goal(public) == {} or _goal(public).get("value") is None
        before_article = _goal_article(public)
        etag = public.get(f"/api/v1/goals/{GOAL}").headers["etag"]
        indicator = "/indicatoren/bedrijvenparticipatie-register"
        assert '"period": "2024"' not in public.get(indicator).text
        # 2. Log in.
        csrf = log_in(beheer, "regie@example.nl")
        # 3. An organisation and its redacteur.
        company = {
            "name": "Twentse Precisie B.V.",
            "kind": "ondernemers",
            "size_class": "50-249",
            "sector": "HTSM",
            "gemeente_code": "GM0153",
            "kvk": "87654321",
            "csrf": csrf,
        }
        created = beheer.post("/beheer/organisaties", data=company, follow_redirects=False)
        assert created.status_code == 303, created.text[-1500:]
        organisation = int(created.headers["location"].split("opgeslagen=")[1])
        user = beheer.post(
            "/beheer/gebruikers",
            data={
                "email": "redactie@twentseprecisie.nl",
                "role": "redacteur",
                "organisation_id": str(organisation),
                "password": PASSWORD,
                "csrf": csrf,
            },
            follow_redirects=False,
        )
        assert user.status_code == 303, user.text[-1500:]
        # 4. As the redacteur, register participation in a project.
        with TestClient(create_app(settings)) as redactie:
            red_csrf = log_in(redactie, "redactie@twentseprecisie.nl")
            form = redactie.get("/beheer/deelname/nieuw").text
            assert f'<option value="{organisation}" selected>' in form
            posted = redactie.post(
                "/beheer/deelname",
                data={
                    "organisation_id": str(organisation),
                    "project_id": str(jetnet),
                    "period": "2024",
                    "role": "gastbedrijf",
                    "pupils": "120",
                    "csrf": red_csrf,
                },
                follow_redirects=False,
            )
            assert posted.status_code == 303, posted.text[-1500:]
            record_id = int(posted.headers["location"].split("opgeslagen=")[1])
            # A later correction by the redacteur: 150 pupils.
            edit = redactie.get(f"/beheer/deelname/{record_id}").text
            version = re.search(r'name="expected_version" value="(\d+)"', edit)
            assert version is not None
            corrected = redactie.post(
                f"/beheer/deelname/{record_id}",
                data={
                    "organisation_id": str(organisation),
                    "project_id": str(jetnet),
                    "period": "2024",
                    "role": "gastbedrijf",
                    "pupils": "150",
                    "expected_version": version.group(1),
                    "csrf": red_csrf,
                },
                follow_redirects=False,
            )
            assert corrected.status_code == 303
        # 5. The company-participation indicator changes on the goal page (through the
        # engine: one HTSM company of the denominator now takes part in 2024).
        latest = _goal(public)
        assert latest["period"] == "2024" and isinstance(latest["value"], float)
        assert latest["value"] > 0
        after_article = _goal_article(public)
        assert after_article != before_article and "2024:" in after_article
        assert public.get(f"/api/v1/goals/{GOAL}").headers["etag"] != etag
        page = public.get(indicator).text
        # The chart names the region (charts.localise), its code stays in the data tab.
        assert '"period": "2024", "region": "Twente"' in page
        # 6. As the beheerder: the audit trail, and restore the earlier value (120).
        trail = beheer.get(f"/beheer/audit?entity=participation&id={record_id}")
        assert trail.status_code == 200
        assert "redactie@twentseprecisie.nl" in trail.text and "<del>120</del>" in trail.text
        with session_scope(engine) as session:
            first = history(session, "participation", record_id)[-1]  # the create
            current = service.get(session, "participation", record_id).version
            assert first.action == "create"
        reverted = beheer.post(
            f"/beheer/audit/{first.id}/terugzetten",
            data={"csrf": csrf, "expected_version": str(current)},
            follow_redirects=False,
        )
        assert reverted.status_code == 303, reverted.text[-1500:]
        with session_scope(engine) as session:
            record = session.get(Participation, record_id)
            assert record is not None and record.pupils == 120
            actions = [a.action for a in history(session, "participation", record_id)]
            assert actions == ["revert", "update", "create"]
        # The figure comes from the engine each time: a second HTSM company doubles it.
        second = beheer.post(
            "/beheer/organisaties",
            data={**company, "name": "Hengelo Mechatronica", "kvk": "11223344"},
            follow_redirects=False,
        )
        other = int(second.headers["location"].split("opgeslagen=")[1])
        beheer.post(
            "/beheer/deelname",
            data={
                "organisation_id": str(other),
                "project_id": str(jetnet),
                "period": "2024",
                "csrf": csrf,
            },
        )
        assert _goal(public)["value"] == pytest.approx(2 * latest["value"])
    engine.dispose()


def _edit(client: TestClient, world: World, csrf: str, version: str, pupils: str) -> object:
    return client.post(
        f"/beheer/deelname/{world.participation_a}",
        data={
            "organisation_id": str(world.org_a),
            "project_id": str(world.project),
            "period": "2023",
            "pupils": pupils,
            "note": f"door {pupils}",
            "expected_version": version,
            "csrf": csrf,
        },
        follow_redirects=False,
    )


def test_two_editors_the_second_gets_a_conflict_and_loses_nothing(world: World) -> None:
    with world.client() as first, world.client() as second:
        first_csrf = log_in(first, EMAILS["redacteur_own"])
        second_csrf = log_in(second, EMAILS["beheerder"])
        url = f"/beheer/deelname/{world.participation_a}"
        version = re.search(r'name="expected_version" value="(\d+)"', first.get(url).text)
        assert version is not None
        assert second.get(url).status_code == 200  # both opened the same version
        assert _edit(first, world, first_csrf, version.group(1), "55").status_code == 303
        clash = _edit(second, world, second_csrf, version.group(1), "66")
        assert clash.status_code == 409  # type: ignore[attr-defined]
        text = clash.text  # type: ignore[attr-defined]
        assert "intussen door iemand anders gewijzigd" in text
        assert 'name="pupils" value="66"' in text  # what the second editor typed is kept
        assert "<td>55</td><td>66</td>" in text  # next to what is stored now
        with session_scope(world.engine) as session:
            record = session.get(Participation, world.participation_a)
            assert record is not None and record.pupils == 55 and record.note == "door 55"
        # The form now carries the current version: saving again is a deliberate overwrite.
        new_version = re.search(r'name="expected_version" value="(\d+)"', text)
        assert new_version is not None and new_version.group(1) != version.group(1)
        assert _edit(second, world, second_csrf, new_version.group(1), "66").status_code == 303
        with session_scope(world.engine) as session:
            record = session.get(Participation, world.participation_a)
            assert record is not None and record.pupils == 66
            # Both changes are in the trail: nothing was lost silently.
            updates = [a for a in history(session, "participation", world.participation_a)]
            assert [a.action for a in updates[:2]] == ["update", "update"]


def test_field_problems_are_shown_next_to_the_fields(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        response = client.post(
            "/beheer/organisaties",
            data={"name": "  ", "kind": "ondernemers", "kvk": "12ab", "csrf": csrf},
        )
        assert response.status_code == 400
        text = response.text
        assert 'id="err-name"' in text and "mag niet leeg zijn" in text
        assert 'id="err-kvk"' in text and "8 cijfers" in text
        assert 'value="12ab"' in text
        with session_scope(world.engine) as session:
            names = session.scalars(select(Organisation.name)).all()
            assert "" not in names


def test_a_redacteur_cannot_post_for_another_organisation(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["redacteur_own"])
        response = client.post(
            "/beheer/deelname",
            data={
                "organisation_id": str(world.org_b),
                "project_id": str(world.project),
                "period": "2024",
                "csrf": csrf,
            },
        )
        assert response.status_code == 403
        # And the list shows only the own organisation's records.
        listing = client.get("/beheer/deelname").text
        with session_scope(world.engine) as session:
            school = session.get(Organisation, world.org_b)
            assert school is not None
            assert school.name not in listing


def test_a_role_change_applies_at_once_and_is_audited(world: World) -> None:
    from pijplijn.accounts.rights import SYSTEM
    from pijplijn.accounts.users import create_user

    with session_scope(world.engine) as session:
        user_id = create_user(session, SYSTEM, "wordt-redacteur@example.nl", PASSWORD, "lezer").id
    with world.client() as beheer, world.client() as person:
        csrf = log_in(beheer, EMAILS["beheerder"])
        log_in(person, "wordt-redacteur@example.nl")
        assert person.get("/beheer/deelname/nieuw").status_code == 403  # a lezer
        refused = beheer.post(
            f"/beheer/gebruikers/{user_id}/rol", data={"role": "redacteur", "csrf": csrf}
        )
        assert refused.status_code == 400 and "hoort bij een organisatie" in refused.text
        changed = beheer.post(
            f"/beheer/gebruikers/{user_id}/rol",
            data={"role": "redacteur", "organisation_id": str(world.org_a), "csrf": csrf},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        # The old session (signed for the lezer) has ended; a new login has the new rights.
        assert person.get("/beheer", follow_redirects=False).status_code == 303
        log_in(person, "wordt-redacteur@example.nl")
        assert person.get("/beheer/deelname/nieuw").status_code == 200
    with session_scope(world.engine) as session:
        last = history(session, "user", user_id)[0]
        assert last.action == "update" and '"role": "redacteur"' in (last.after or "")


def test_admin_pages_speak_english_on_request(world: World) -> None:
    with world.client() as client:
        log_in(client, EMAILS["beheerder"])
        page = client.get("/beheer/organisaties/nieuw?lang=en").text
        assert "Organisation" in page and "Save" in page and "Opslaan" not in page
        assert "Log out" in client.get("/beheer/audit").text  # the choice is remembered
