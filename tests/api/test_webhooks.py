"""The webhook routes: registration with a one-time secret, reach, and a signed publication.

Host names resolve from a table here (no network): ``ehr.example.com`` is public. Secrets
are sealed with ``KEY`` unless a test's parameters say otherwise.
"""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from cryptography.fernet import Fernet, InvalidToken
from fastapi.testclient import TestClient
from sqlalchemy import JSON, DateTime, String, column, func, insert, select, table, text

from scheduler.api.app import create_app
from scheduler.api.routers.webhooks import host_resolver
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Kpis, Plan
from scheduler.errors import ProblemError
from scheduler.service.webhook_sender import create_webhook, deliver_due
from scheduler.store import models
from scheduler.store.database import MIGRATIONS, make_engine
from scheduler.store.models import Role
from scheduler.store.notifications import queue_plan_event
from scheduler.store.plan_versions import save_plan
from scheduler.store.users import create_user
from tests.api.support import INTERNAL_TARGETS, NAMES, bearer, make_settings
from tests.webhook_support import Receiver, bare_listener, connected, signature_ok
from tests.webhook_support import table as name_table

HOOK_URL = "https://ehr.example.com/hooks/scheduler"
LOOPBACK = pytest.mark.parametrize("client", [{"webhooks_allow_loopback": True}], indirect=True)
KEY = Fernet.generate_key().decode()
UNREADABLE = "secret unreadable: check SCHEDULER_SECRET_KEY"


@pytest.fixture
def client(migrated_url: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The app with ``secret_key`` ``KEY``; indirect parameters override settings."""
    overrides = {"secret_key": KEY} | getattr(request, "param", {})
    app = create_app(make_settings(migrated_url, tmp_path, **overrides))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def names_from_a_table(client: TestClient) -> None:
    """New webhooks' host names resolve from ``NAMES``, not the network."""
    client.app.dependency_overrides[host_resolver] = lambda: name_table(NAMES)


def stored_secret(client: TestClient, hook_id: str) -> str:
    """The webhook's secret column as the database holds it, read with plain SQL."""
    with client.app.state.sessions() as session:
        return session.execute(
            text("SELECT sealed_secret FROM webhooks WHERE id = :id"), {"id": hook_id}
        ).scalar_one()


def queue_event(client: TestClient) -> None:
    """A plan event for branch ``b1``'s webhooks."""
    with client.app.state.sessions.begin() as session:
        queue_plan_event(session, branch_id="b1", event="plan.published", payload={})


def first_attempt(client: TestClient, headers: dict[str, str], hook_id: str) -> dict:
    """The webhook's one delivery once the app's sender has recorded an attempt."""
    path = f"/v1/webhooks/{hook_id}/deliveries"
    client.app.state.webhooks.wake()
    for _ in range(200):
        [delivery] = client.get(path, headers=headers).json()["items"]
        if delivery["attempts"]:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"no attempt recorded for webhook {hook_id}")


def user_headers(client: TestClient, role: Role, **scope: str) -> dict[str, str]:
    """Headers of a new user with ``role`` and ``scope`` made straight in the store."""
    with client.app.state.sessions.begin() as session:
        _, token = create_user(session, name=f"{role} user", role=role, **scope)
    return bearer(token)


@pytest.fixture
def agency_system(client: TestClient, branch: str) -> dict[str, str]:
    """Headers of agency ``a1``'s system."""
    return user_headers(client, Role.AGENCY_SYSTEM, agency_id="a1")


@pytest.fixture
def other_hook(client: TestClient, admin: dict[str, str]) -> str:
    """A webhook of another agency ``a2``, made by an admin; returns its id."""
    assert client.post("/v1/agencies", json={"id": "a2", "name": "Two"}, headers=admin).is_success
    created = client.post(
        "/v1/webhooks", json={"agency_id": "a2", "url": HOOK_URL + "/two"}, headers=admin
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_an_agency_system_registers_a_webhook_and_sees_the_secret_only_then(client, agency_system):
    """201 with a secret for the caller's agency; the list and deliveries never show it."""
    created = client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=agency_system)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert set(hook) == {"id", "agency_id", "url", "created_at", "secret"}
    assert (hook["agency_id"], hook["url"]) == ("a1", HOOK_URL)
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    listed = client.get("/v1/webhooks", headers=agency_system)
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    assert set(listed.json()["items"][0]) == {"id", "agency_id", "url", "created_at"}
    assert hook["secret"] not in listed.text
    answered = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=agency_system)
    assert answered.json() == {"items": [], "total": 0, "offset": 0, "limit": 100}


def test_another_agencys_webhook_is_out_of_reach(client, admin, agency_system, other_hook):
    """An agency system gets 404 on another agency's webhook and cannot register for it."""
    for method, path in (
        ("GET", f"/v1/webhooks/{other_hook}/deliveries"),
        ("DELETE", f"/v1/webhooks/{other_hook}"),
    ):
        assert client.request(method, path, headers=agency_system).status_code == 404
    listed = client.get("/v1/webhooks", headers=agency_system).json()
    assert listed["total"] == 0
    sneak = {"agency_id": "a2", "url": HOOK_URL}
    assert client.post("/v1/webhooks", json=sneak, headers=agency_system).status_code == 404
    own = {"agency_id": "a1", "url": HOOK_URL}
    assert client.post("/v1/webhooks", json=own, headers=agency_system).status_code == 201
    assert client.get("/v1/webhooks", headers=admin).json()["total"] == 2
    assert client.get(f"/v1/webhooks/{other_hook}/deliveries", headers=admin).status_code == 200


def test_registration_checks_the_body_the_role_and_the_agency(client, admin, agency_system):
    """Bad URLs, unknown fields, a missing or unknown agency and a scheduler are refused."""
    for url in ("ftp://ehr.example.com/x", "https://", "https://u:p@ehr.example.com/x", "x"):
        answer = client.post("/v1/webhooks", json={"url": url}, headers=agency_system)
        assert answer.status_code == 422, url
    too_long = {"url": "https://ehr.example.com/" + "x" * 480}
    assert client.post("/v1/webhooks", json=too_long, headers=agency_system).status_code == 422
    extra = {"url": HOOK_URL, "secret": "mine"}
    assert client.post("/v1/webhooks", json=extra, headers=agency_system).status_code == 422
    assert client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=admin).status_code == 422
    unknown = {"agency_id": "nope", "url": HOOK_URL}
    assert client.post("/v1/webhooks", json=unknown, headers=admin).status_code == 404
    scheduler = user_headers(client, Role.SCHEDULER, branch_id="b1")
    assert client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=scheduler).status_code == 403
    assert client.get("/v1/webhooks", headers=scheduler).status_code == 403


def test_an_agency_may_hold_ten_webhooks(client, agency_system):
    """The eleventh webhook of one agency answers 409."""
    for number in range(10):
        body = {"url": f"{HOOK_URL}/{number}"}
        assert client.post("/v1/webhooks", json=body, headers=agency_system).status_code == 201
    eleventh = client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=agency_system)
    assert eleventh.status_code == 409


def test_removing_a_webhook_removes_its_deliveries(client, agency_system):
    """DELETE answers 204; the webhook and its queued deliveries are gone."""
    hook = client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=agency_system).json()
    with client.app.state.sessions.begin() as session:
        queue_plan_event(session, branch_id="b1", event="plan.published", payload={})
    listed = client.get(
        f"/v1/webhooks/{hook['id']}/deliveries?status=pending", headers=agency_system
    )
    assert listed.json()["total"] == 1
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=agency_system).status_code == 204
    assert (
        client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=agency_system).status_code
        == 404
    )
    with client.app.state.sessions() as session:
        left = session.scalar(select(func.count()).select_from(models.WebhookDelivery))
    assert left == 0


@LOOPBACK
def test_a_published_plan_reaches_the_receiver_signed_with_the_secret(client, admin, agency_system):
    """Publishing over the API queues plan.published; the app's sender posts it signed."""
    with Receiver() as receiver:
        created = client.post("/v1/webhooks", json={"url": receiver.url}, headers=agency_system)
        hook = created.json()
        problem = generate_agency_week(clinicians=2, patients=4)
        empty = Plan((), (), Kpis(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0.0, 1.0))
        with client.app.state.sessions.begin() as session:
            plan = save_plan(
                session,
                branch_id="b1",
                problem=problem,
                plan=empty,
                itineraries={},
                solver_status="solved",
            )
        published = client.post(f"/v1/plans/{plan.id}/publish", headers=admin)
        assert published.status_code == 200, published.text
        client.app.state.webhooks.wake()
        [request] = receiver.wait_for(1)
    assert signature_ok(hook["secret"], request)
    body = json.loads(request.body)
    assert body["event"] == request.headers["x-scheduler-event"] == "plan.published"
    assert (body["plan_id"], body["branch_id"], body["version"]) == (plan.id, "b1", 1)
    path = f"/v1/webhooks/{hook['id']}/deliveries"
    for _ in range(100):  # the sender records the answer just after the receiver has it
        [delivery] = client.get(path, headers=agency_system).json()["items"]
        if delivery["status"] != "pending":
            break
        time.sleep(0.05)
    assert delivery["id"] == request.headers["x-scheduler-delivery"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert "payload" not in delivery


def test_internal_targets_are_refused_with_the_reason_and_none_is_kept(client, agency_system):
    """Every internal form answers 422 saying why; of all those tried, none is registered."""
    tried = 0
    for url, why in INTERNAL_TARGETS:
        answer = client.post("/v1/webhooks", json={"url": url}, headers=agency_system)
        tried += 1
        assert answer.status_code == 422, (url, answer.text)
        detail = answer.json()["detail"]
        assert detail.startswith("webhook URL must be https and reach a public address; "), url
        assert why in detail, (url, detail)
    assert tried == len(INTERNAL_TARGETS) == 24
    assert client.get("/v1/webhooks", headers=agency_system).json()["total"] == 0


@LOOPBACK
def test_the_loopback_setting_admits_http_and_loopback_only(client, agency_system):
    """With webhooks_allow_loopback on, http and loopback pass; private and metadata stay 422."""
    for url, code in (
        ("http://127.0.0.1:9/hook", 201),
        ("http://ehr.example.com/hook", 201),
        ("http://10.0.0.5/hook", 422),
        ("http://169.254.169.254/latest/meta-data/", 422),
        ("http://metadata.google.internal/", 422),
    ):
        answer = client.post("/v1/webhooks", json={"url": url}, headers=agency_system)
        assert answer.status_code == code, (url, answer.text)


def test_a_stored_loopback_target_is_refused_at_delivery_without_connecting(client, agency_system):
    """A row the API check never saw, naming localhost, is refused by the sender: no socket."""
    with bare_listener() as server:
        with client.app.state.sessions.begin() as session:
            hook = create_webhook(
                session,
                agency_id="a1",
                url=f"https://localhost:{server.getsockname()[1]}/hook",
                allow_loopback=True,
                box=client.app.state.secret_box,
            )
            hook_id = hook.id
            queue_plan_event(session, branch_id="b1", event="plan.published", payload={})
        delivery = first_attempt(client, agency_system, hook_id)
        assert not connected(server)
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", None)
    assert delivery["last_error"] == "refused: internal address"


@LOOPBACK
def test_a_redirect_to_an_internal_address_is_not_followed(client, agency_system):
    """A receiver answering 302 to another internal address: recorded, never followed."""
    with Receiver() as inside, Receiver([302], location=inside.url) as outside:
        created = client.post("/v1/webhooks", json={"url": outside.url}, headers=agency_system)
        assert created.status_code == 201, created.text
        with client.app.state.sessions.begin() as session:
            queue_plan_event(session, branch_id="b1", event="plan.published", payload={})
        delivery = first_attempt(client, agency_system, created.json()["id"])
        outside.wait_for(1)
    assert inside.requests == []
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", 302)
    assert delivery["last_error"] == "HTTP 302 redirect not followed"


def test_the_stored_secret_column_never_holds_the_secret(client, agency_system, database_url):
    """The row holds a Fernet token opening to the secret with KEY; SQLite's files never hold it."""
    hook = client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=agency_system).json()
    stored = stored_secret(client, hook["id"])
    assert stored.startswith("gAAAAA") and hook["secret"] not in stored
    assert Fernet(KEY).decrypt(stored.encode()).decode() == hook["secret"]
    with client.app.state.sessions() as session:
        row = session.execute(text("SELECT * FROM webhooks")).mappings().one()
    assert not any(hook["secret"] in str(value) for value in row.values())
    if database_url.startswith("sqlite"):
        folder = Path(database_url.split("///", 1)[1]).parent
        files = list(folder.glob("scheduler.db*"))
        assert files and not any(hook["secret"].encode() in file.read_bytes() for file in files)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "client", [{"secret_key": None, "webhooks_allow_loopback": True}], indirect=True
)
def test_without_a_key_sqlite_keeps_one_in_an_owner_only_file_beside_the_database(
    client, agency_system, database_url, tmp_path
):
    """No secret_key on SQLite: scheduler.db.key (0600) is made on first use; a restart signs."""
    key_file = tmp_path / "scheduler.db.key"
    assert not key_file.exists()
    with Receiver() as receiver:
        created = client.post("/v1/webhooks", json={"url": receiver.url}, headers=agency_system)
        assert created.status_code == 201, created.text
        hook = created.json()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        stored = stored_secret(client, hook["id"])
        assert hook["secret"] not in stored
        assert (
            Fernet(key_file.read_bytes().strip()).decrypt(stored.encode()).decode()
            == (hook["secret"])
        )
        client.app.state.webhooks.stop()
        settings = make_settings(database_url, tmp_path, webhooks_allow_loopback=True)
        with TestClient(create_app(settings)) as restarted:
            queue_event(restarted)
            restarted.app.state.webhooks.wake()
            [request] = receiver.wait_for(1)
    assert signature_ok(hook["secret"], request)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("client", [{"secret_key": None}], indirect=True)
def test_without_a_key_postgresql_refuses_new_webhooks_saying_what_to_set(
    client, agency_system, caplog
):
    """No secret_key on PostgreSQL: 503 naming SCHEDULER_SECRET_KEY (documented), nothing kept."""
    caplog.set_level(logging.ERROR, logger="scheduler")
    answer = client.post("/v1/webhooks", json={"url": HOOK_URL}, headers=agency_system)
    assert answer.status_code == 503, answer.text
    assert "SCHEDULER_SECRET_KEY" in answer.json()["detail"]
    assert "set SCHEDULER_SECRET_KEY to a Fernet key" in caplog.text
    assert client.get("/v1/webhooks", headers=agency_system).json()["total"] == 0
    register = client.app.openapi()["paths"]["/v1/webhooks"]["post"]
    assert "503" in register["responses"]


@LOOPBACK
def test_a_wrong_key_fails_deliveries_clearly_and_the_old_key_listed_second_restores_them(
    client, agency_system, database_url, tmp_path, caplog
):
    """Another key: nothing sent, "secret unreadable", no 500; "new,old" re-seals and signs."""
    new_key = Fernet.generate_key().decode()
    caplog.set_level(logging.INFO, logger="scheduler")
    with Receiver() as receiver:
        hook = client.post("/v1/webhooks", json={"url": receiver.url}, headers=agency_system).json()
        client.app.state.webhooks.stop()
        wrong = make_settings(
            database_url, tmp_path, secret_key=new_key, webhooks_allow_loopback=True
        )
        with TestClient(create_app(wrong)) as restarted:
            queue_event(restarted)
            delivery = first_attempt(restarted, agency_system, hook["id"])
            restarted.app.state.webhooks.stop()
            for path in ("/v1/webhooks", f"/v1/webhooks/{hook['id']}/deliveries"):
                assert restarted.get(path, headers=agency_system).status_code == 200
        assert (delivery["status"], delivery["last_status_code"]) == ("pending", None)
        assert delivery["last_error"] == UNREADABLE
        assert receiver.requests == []
        assert f"webhook {hook['id']}: its secret does not open" in caplog.text
        assert "does not open with SCHEDULER_SECRET_KEY" in caplog.text
        for secret in (KEY, new_key, hook["secret"]):
            assert secret not in caplog.text
        rotated = make_settings(
            database_url, tmp_path, secret_key=f"{new_key},{KEY}", webhooks_allow_loopback=True
        )
        with TestClient(create_app(rotated)) as restarted:
            stored = stored_secret(restarted, hook["id"])
            assert Fernet(new_key).decrypt(stored.encode()).decode() == hook["secret"]
            with pytest.raises(InvalidToken):
                Fernet(KEY).decrypt(stored.encode())
            restarted.app.state.webhooks.stop()  # its retry is due in 10 s: send it now
            with httpx.Client(timeout=5.0) as http:
                sent = deliver_due(
                    restarted.app.state.sessions,
                    now=datetime.now(UTC) + timedelta(minutes=5),
                    client=http,
                    allow_loopback=True,
                    box=restarted.app.state.secret_box,
                )
            assert sent == 1
            [request] = receiver.wait_for(1)
    assert signature_ok(hook["secret"], request)


def test_a_malformed_key_stops_the_app_at_start_without_showing_it(database_url, tmp_path):
    """A secret_key that is not Fernet keys: ProblemError naming the setting, never the key."""
    for wrong in ("hunter2-not-a-key", f"{KEY},hunter2-not-a-key"):
        with pytest.raises(
            ProblemError, match="of SCHEDULER_SECRET_KEY is not a Fernet key"
        ) as raised:
            create_app(make_settings(database_url, tmp_path, secret_key=wrong))
        assert "hunter2" not in str(raised.value) and KEY not in str(raised.value)


@LOOPBACK
def test_clear_text_secrets_from_before_sealing_are_sealed_at_start_and_still_sign(
    client, branch, database_url, tmp_path
):
    """0004 rows with a clear secret: the upgrade keeps them, the start seals it, it still signs."""
    client.app.state.webhooks.stop()
    old = "whsec_" + "o" * 43
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    hooks = table(
        "webhooks",
        column("id", String),
        column("agency_id", String),
        column("url", String),
        column("secret", String),
        column("created_at", DateTime(timezone=True)),
    )
    deliveries = table(
        "webhook_deliveries",
        *(column(name, String) for name in ("id", "webhook_id", "event", "status")),
        column("payload", JSON),
        column("attempts"),
        column("next_attempt_at", DateTime(timezone=True)),
        column("created_at", DateTime(timezone=True)),
    )
    with Receiver() as receiver:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
            connection.execute(
                insert(hooks).values(
                    id="old", agency_id="a1", url=receiver.url, secret=old, created_at=now
                )
            )
            connection.execute(
                insert(deliveries).values(
                    id="d1",
                    webhook_id="old",
                    event="plan.published",
                    status="pending",
                    payload={"event": "plan.published"},
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        engine.dispose()
        settings = make_settings(
            database_url, tmp_path, secret_key=KEY, webhooks_allow_loopback=True
        )
        with TestClient(create_app(settings)) as restarted:
            stored = stored_secret(restarted, "old")
            assert old not in stored
            assert Fernet(KEY).decrypt(stored.encode()).decode() == old
            restarted.app.state.webhooks.wake()
            [request] = receiver.wait_for(1)
    assert request.headers["x-scheduler-delivery"] == "d1"
    assert signature_ok(old, request)
