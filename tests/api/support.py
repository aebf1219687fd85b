"""Helpers and data of the API tests that several test files (and conftest.py) use."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scheduler.settings import Settings

DAY = "2026-12-07"  # a Monday in New York
NURSE = {
    "id": "c1",
    "branch_id": "b1",
    "name": "Ann Nurse",
    "credential": "RN",
    "home_latitude": 39.96,
    "home_longitude": -83.0,
    "weekly_hours": [
        {
            "weekday": 0,
            "start": "08:00",
            "end": "17:00",
            "lunch_start": "11:30",
            "lunch_end": "13:30",
            "lunch_minutes": 30,
        }
    ],
}

# Host names of the webhook tests' resolver table (no network): ehr.example.com is public.
NAMES = {
    "ehr.example.com": ["93.184.216.34"],
    "rebound.example.com": ["127.0.0.1"],
    "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
    "gone.example.com": [],
}
# Webhook targets refused, each with (a part of) the reason the API gives.
INTERNAL_TARGETS = [
    ("http://127.0.0.1:8080/hook", "http is not https"),
    ("http://ehr.example.com/hook", "http is not https"),
    ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://metadata.google.internal/computeMetadata/v1/", "is a cloud metadata host"),
    ("https://metadata/computeMetadata/v1/", "metadata is a cloud metadata host"),
    ("https://instance-data/latest/", "instance-data is a cloud metadata host"),
    ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
    ("https://172.16.0.1/hook", "172.16.0.1 is a private address"),
    ("https://192.168.1.1/hook", "192.168.1.1 is a private address"),
    ("https://100.64.0.1/hook", "100.64.0.1 is not a public address"),
    ("https://[fc00::1]/hook", "fc00::1 is a private address"),
    ("https://[fe80::1]/hook", "fe80::1 is a link-local address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ("https://[::ffff:127.0.0.1]/hook", "is a loopback address"),
    ("https://2130706433/hook", "2130706433 (127.0.0.1) is a loopback address"),
    ("https://0x7f000001/hook", "0x7f000001 (127.0.0.1) is a loopback address"),
    ("https://0177.0.0.1/hook", "0177.0.0.1 (127.0.0.1) is a loopback address"),
    ("https://127.1/hook", "127.1 (127.0.0.1) is a loopback address"),
    ("https://localhost/hook", "localhost is an internal name"),
    ("https://rebound.example.com/hook", "resolves to 127.0.0.1, a loopback address"),
    ("https://mixed.example.com/hook", "resolves to 10.0.0.5, a private address"),
    ("https://gone.example.com/hook", "gone.example.com does not resolve"),
]


def wait_for_job(client: TestClient, job_id: str, headers: dict[str, str]) -> dict:
    """Poll a planning job until it ends (at most two minutes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/v1/planning-jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"planning job {job_id} did not end")


BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
"""An API test run on SQLite, the embedded default, as well as PostgreSQL."""


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test app: its own database and data folder, one search process.

    Solves default to 3 s (the product's 20 s is for real branches): the test instances are
    small, and a search that runs to its limit would cost each test seconds.
    """
    values = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "cache_dir": tmp_path / "cache",
        "solve_workers": 1,
        "solve_time_limit": 3.0,
    }
    return Settings(**(values | overrides))


def bearer(token: str) -> dict[str, str]:
    """Authorization headers for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def window(start: str, end: str) -> list[dict[str, str]]:
    """One window on the Monday, local New York times."""
    return [{"start": f"{DAY}T{start}:00-05:00", "end": f"{DAY}T{end}:00-05:00"}]
