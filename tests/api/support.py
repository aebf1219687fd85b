"""Helpers of the API tests that several test files use."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient


def wait_for_job(client: TestClient, job_id: str, headers: dict[str, str]) -> dict:
    """Poll a planning job until it ends (at most two minutes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/v1/planning-jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"planning job {job_id} did not end")
