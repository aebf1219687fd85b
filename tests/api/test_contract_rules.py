"""Rules the OpenAPI schema states are the rules the handlers keep (found by Schemathesis)."""

from __future__ import annotations

from typing import Any

import pytest

CARE_PLAN: dict[str, Any] = {
    "id": "cp1",
    "patient_id": "p1",
    "discipline": "SN",
    "frequency": "3W2",
    "start_of_care": "2026-12-07",
    "visit_minutes": 45,
}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/care-plans", CARE_PLAN | {"episode_start": 0}),
        ("/v1/care-plans", CARE_PLAN | {"referral_at": 0}),
        ("/v1/planning-jobs", {"branch_id": "b1", "start_date": 0}),
        ("/v1/care-plans", CARE_PLAN | {"discipline": "OT", "referral_at": "2026-12-01T09:00Z"}),
        ("/v1/care-plans", CARE_PLAN | {"discipline": "OT", "resumed_at": "2026-12-01T09:00Z"}),
        (
            "/v1/care-plans",
            CARE_PLAN | {"referral_at": "2026-12-01T09:00Z", "resumed_at": "2026-12-02T09:00Z"},
        ),
        ("/v1/agencies", {"id": "a9", "name": "\x1c"}),
        ("/v1/agencies", {"id": "a9", "name": "A\x00B"}),
    ],
)
def test_numbers_for_dates_and_rules_the_schema_states_are_422(client, admin, path, body) -> None:
    """Numbers for dates, a due admission off an SN/PT plan or two at once, bad names: 422."""
    assert client.post(path, json=body, headers=admin).status_code == 422


def test_booleans_are_strict_and_if_match_has_the_etag_shape(client, admin) -> None:
    """0 is not false, and an If-Match that is no ETag is refused by the schema's pattern."""
    me = client.get("/v1/me", headers=admin).json()["id"]
    assert client.patch(f"/v1/users/{me}", json={"disabled": 0}, headers=admin).status_code == 422
    published = client.post("/v1/plans/x/publish", headers=admin | {"If-Match": "0"})
    assert published.status_code == 422
    assert (
        client.post("/v1/plans/x/publish", headers=admin | {"If-Match": '"r1"'}).status_code == 404
    )


@pytest.mark.parametrize("client", [{"max_job_seconds": 5.0}], indirect=True)
def test_a_planning_job_over_the_servers_time_limit_is_422_not_silently_cut(
    client, admin, branch
) -> None:
    """Above ``max_job_seconds`` the answer says the limit; no job is queued."""
    body = {"branch_id": branch, "start_date": "2026-12-07", "time_limit_seconds": 6}
    answer = client.post("/v1/planning-jobs", json=body, headers=admin)
    assert answer.status_code == 422 and "at most 5 s" in answer.text
    assert (
        client.post(
            "/v1/planning-jobs", json=body | {"time_limit_seconds": 5}, headers=admin
        ).json()["time_limit"]
        == 5
    )
