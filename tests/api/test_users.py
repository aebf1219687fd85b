"""Users' lifecycle: admins list, change and delete users; tokens expire, rotate and revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from scheduler.store import models
from scheduler.store.models import utc_now
from tests.api.support import bearer

NURSE = {
    "id": "c1",
    "branch_id": "b1",
    "name": "Ann Nurse",
    "credential": "RN",
    "home_latitude": 39.96,
    "home_longitude": -83.0,
}
SCOPES = {
    "scheduler": {"branch_id": "b1"},
    "clinician": {"clinician_id": "c1"},
    "agency_system": {"agency_id": "a1"},
}


@pytest.fixture
def people(client: TestClient, admin: dict[str, str], branch: str) -> dict[str, dict]:
    """A user of each role made through the API: its id, headers and answer, by role."""
    assert client.post("/v1/clinicians", json=NURSE, headers=admin).status_code == 201
    made = {"admin": {"id": client.get("/v1/me", headers=admin).json()["id"], "headers": admin}}
    for role, scope in SCOPES.items():
        answer = client.post(
            "/v1/users", json={"name": f"{role} user", "role": role} | scope, headers=admin
        )
        assert answer.status_code == 201, answer.text
        body = answer.json()
        made[role] = {"id": body["id"], "headers": bearer(body["token"]), "answer": body}
    return made


def stored_user(client: TestClient, user_id: str) -> models.User | None:
    """The user's row as the database holds it now."""
    with client.app.state.sessions() as session:
        return session.get(models.User, user_id)


def change_stored_user(client: TestClient, user_id: str, **values: object) -> None:
    """Set columns of the user's row straight in the database."""
    with client.app.state.sessions.begin() as session:
        user = session.get(models.User, user_id)
        for key, value in values.items():
            setattr(user, key, value)


def test_an_admin_lists_reads_renames_and_deletes_users(client, admin, people):
    """Users are listed in pages, read, renamed, and deleted (their token then gets 401)."""
    listed = client.get("/v1/users", params={"limit": 2, "offset": 1}, headers=admin).json()
    assert listed["total"] == 4 and listed["offset"] == 1 and len(listed["items"]) == 2
    everyone = client.get("/v1/users", headers=admin).json()["items"]
    assert {user["id"] for user in everyone} == {person["id"] for person in people.values()}
    nurse = people["clinician"]["id"]
    read = client.get(f"/v1/users/{nurse}", headers=admin).json()
    assert read["clinician_id"] == "c1" and read["disabled"] is False
    renamed = client.patch(f"/v1/users/{nurse}", json={"name": "Ann"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Ann"
    assert client.delete(f"/v1/users/{nurse}", headers=admin).status_code == 204
    assert client.get(f"/v1/users/{nurse}", headers=admin).status_code == 404
    assert client.get("/v1/me", headers=people["clinician"]["headers"]).status_code == 401
    assert client.patch("/v1/users/nobody", json={}, headers=admin).status_code == 404


def test_only_an_admin_manages_users(client, people):
    """A scheduler, a clinician and an agency system get 403 on every user-managing route."""
    target = people["admin"]["id"]
    calls = [
        ("GET", "/v1/users", None),
        ("GET", f"/v1/users/{target}", None),
        ("PATCH", f"/v1/users/{target}", {"disabled": True}),
        ("DELETE", f"/v1/users/{target}", None),
        ("POST", f"/v1/users/{target}/token", None),
        ("DELETE", f"/v1/users/{target}/token", None),
    ]
    for role in SCOPES:
        for method, path, body in calls:
            answer = client.request(method, path, json=body, headers=people[role]["headers"])
            assert answer.status_code == 403, (role, method, path)
    assert client.get("/v1/me", headers=people["admin"]["headers"]).status_code == 200


def test_user_answers_show_the_token_state_but_never_its_hash(client, admin, people):
    """A user answer has disabled, expires_at, revoked_at and last_used_at, never the hash."""
    body = client.get(f"/v1/users/{people['scheduler']['id']}", headers=admin).json()
    assert {"disabled", "expires_at", "revoked_at", "last_used_at"} <= set(body)
    assert "token_hash" not in body and "token" not in body
    stored = stored_user(client, people["scheduler"]["id"])
    assert stored.token_hash not in client.get("/v1/users", headers=admin).text


def test_a_revoked_token_is_refused_on_the_next_call(client, admin, people):
    """200, then the admin revokes the token, then 401 saying so; the user stays."""
    nurse = people["clinician"]
    assert client.get("/v1/me", headers=nurse["headers"]).status_code == 200
    assert client.delete(f"/v1/users/{nurse['id']}/token", headers=admin).status_code == 204
    refused = client.get("/v1/me", headers=nurse["headers"])
    assert refused.status_code == 401 and "token revoked on" in refused.json()["detail"]
    assert client.get(f"/v1/users/{nurse['id']}", headers=admin).json()["revoked_at"]


def test_a_rotated_token_kills_the_old_one_at_once(client, admin, people):
    """Rotation by an admin, or by the user themselves: the old token 401, the new one 200."""
    nurse = people["clinician"]
    client.delete(f"/v1/users/{nurse['id']}/token", headers=admin)
    rotated = client.post(f"/v1/users/{nurse['id']}/token", headers=admin)
    assert rotated.status_code == 200 and rotated.json()["revoked_at"] is None
    assert client.get("/v1/me", headers=nurse["headers"]).status_code == 401
    new = bearer(rotated.json()["token"])
    assert client.get("/v1/me", headers=new).status_code == 200
    mine = client.post("/v1/me/token", headers=new)
    assert mine.status_code == 200 and mine.json()["id"] == nurse["id"]
    assert client.get("/v1/me", headers=new).status_code == 401
    assert client.get("/v1/me", headers=bearer(mine.json()["token"])).status_code == 200


def test_tokens_expire_as_the_settings_say(client, people):
    """A person's token lives 90 days by default; an agency system's never expires."""
    soon = utc_now() + timedelta(days=90)
    for role in ("scheduler", "clinician"):
        expires = stored_user(client, people[role]["id"]).expires_at
        assert abs(expires - soon) < timedelta(minutes=1)
        assert people[role]["answer"]["expires_at"] is not None
    assert stored_user(client, people["agency_system"]["id"]).expires_at is None


def test_an_expired_token_is_refused_with_its_date(client, admin, people):
    """A token past its expiry gets 401 naming the date; rotating gives a working one."""
    nurse = people["clinician"]
    change_stored_user(client, nurse["id"], expires_at=utc_now() - timedelta(seconds=1))
    refused = client.get("/v1/me", headers=nurse["headers"])
    assert refused.status_code == 401
    assert "token expired on" in refused.json()["detail"]
    assert "ask an admin to rotate it" in refused.json()["detail"]
    rotated = client.post(f"/v1/users/{nurse['id']}/token", headers=admin).json()
    assert client.get("/v1/me", headers=bearer(rotated["token"])).status_code == 200


def test_a_disabled_user_is_refused_and_works_again_when_enabled(client, admin, people):
    """Disabled: 401 on the next call; enabled again: 200 with the same token."""
    scheduler = people["scheduler"]
    assert client.get("/v1/patients", headers=scheduler["headers"]).status_code == 200
    disabled = client.patch(f"/v1/users/{scheduler['id']}", json={"disabled": True}, headers=admin)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    refused = client.get("/v1/patients", headers=scheduler["headers"])
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]
    client.patch(f"/v1/users/{scheduler['id']}", json={"disabled": False}, headers=admin)
    assert client.get("/v1/patients", headers=scheduler["headers"]).status_code == 200


def test_last_use_is_written_on_first_use_and_at_most_once_a_minute(client, people):
    """The first call sets last_used_at; a second within a minute leaves it; later ones move it."""
    system = people["agency_system"]
    assert stored_user(client, system["id"]).last_used_at is None
    client.get("/v1/me", headers=system["headers"])
    first = stored_user(client, system["id"]).last_used_at
    assert first is not None and utc_now() - first < timedelta(minutes=1)
    client.get("/v1/me", headers=system["headers"])
    assert stored_user(client, system["id"]).last_used_at == first
    change_stored_user(client, system["id"], last_used_at=first - timedelta(minutes=2))
    client.get("/v1/me", headers=system["headers"])
    assert stored_user(client, system["id"]).last_used_at > first


def test_deleting_a_clinician_deletes_their_user(client, admin, people):
    """The clinician goes (204) with their user, whose token then gets 401."""
    nurse = people["clinician"]
    assert client.get("/v1/me", headers=nurse["headers"]).status_code == 200
    assert client.delete("/v1/clinicians/c1", headers=admin).status_code == 204
    assert client.get("/v1/visits", headers=nurse["headers"]).status_code == 401
    assert stored_user(client, nurse["id"]) is None


def test_an_admin_cannot_lock_themselves_out(client, admin, people):
    """Disabling, deleting, revoking or rotating oneself (not via /v1/me) is a 409; token works."""
    me = people["admin"]["id"]
    for method, path, body in (
        ("PATCH", f"/v1/users/{me}", {"disabled": True}),
        ("DELETE", f"/v1/users/{me}", None),
        ("DELETE", f"/v1/users/{me}/token", None),
        ("POST", f"/v1/users/{me}/token", None),
    ):
        refused = client.request(method, path, json=body, headers=admin)
        assert refused.status_code == 409, (method, path)
        assert "you cannot" in refused.json()["detail"]
    assert client.get("/v1/me", headers=admin).json()["disabled"] is False
    renamed = client.patch(f"/v1/users/{me}", json={"name": "root 2"}, headers=admin)
    assert renamed.status_code == 200
