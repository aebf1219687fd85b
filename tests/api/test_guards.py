"""The audit trail: answers given before any route authenticates still name a working caller."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler.store import models
from tests.api.support import bearer


def audit_rows(client: TestClient) -> dict[str, tuple[str | None, str | None, int]]:
    """Each audited path with its user id, role and status."""
    client.app.state.audit.flush()
    with client.app.state.sessions() as session:
        rows = session.execute(
            select(
                models.AuditEntry.path,
                models.AuditEntry.user_id,
                models.AuditEntry.role,
                models.AuditEntry.status_code,
            )
        ).all()
    return {path: (user, role, code) for path, user, role, code in rows}


def test_unknown_routes_and_early_refusals_name_the_caller_of_a_working_token(
    client: TestClient, admin
):
    """404, 405, 413 and NUL-URL 422 rows name a working token's user; a wrong token, no one."""
    me = client.get("/v1/me", headers=admin).json()["id"]
    assert client.get("/v1/nowhere", headers=admin).status_code == 404
    basic = ("any name", admin["Authorization"].removeprefix("Bearer "))
    assert client.get("/v1/nowhere/deeper", auth=basic).status_code == 404
    assert client.delete("/v1/branches", headers=admin).status_code == 405
    big = client.post("/v1/imports", content=b"x" * 6_000_000, headers=admin)
    assert big.status_code == 413
    assert client.get("/v1/x%00", headers=admin).status_code == 422
    assert client.get("/v1/stranger", headers=bearer("hhs_wrong")).status_code == 404
    rows = audit_rows(client)
    for path, code in [
        ("/v1/nowhere", 404),
        ("/v1/nowhere/deeper", 404),
        ("/v1/branches", 405),
        ("/v1/imports", 413),
        ("/v1/x%00", 422),
    ]:
        assert rows[path] == (me, "admin", code), path
    assert rows["/v1/stranger"] == (None, None, 404)
