"""The Schemathesis CLI against `scheduler serve --demo`: the README's command, 0 failures.

The served app runs in a subprocess on a free port and a scratch data folder; Schemathesis reads
the committed ``schemathesis.toml`` (the expected answers to rules no schema can state). Fewer
examples than the README's 25 keep it shorter; ``SCHEMATHESIS_EXAMPLES`` raises them. Its
coverage phase alone takes about two minutes on 2 cores, so it runs when
``SCHEDULER_SCHEMATHESIS_CLI=1`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "5")

pytestmark = [
    pytest.mark.skipif(
        not SCHEMATHESIS.exists() and shutil.which("schemathesis") is None,
        reason="the schemathesis CLI is not installed",
    ),
    pytest.mark.skipif(
        os.environ.get("SCHEDULER_SCHEMATHESIS_CLI") != "1",
        reason="about 2 minutes: set SCHEDULER_SCHEMATHESIS_CLI=1 to run the Schemathesis CLI",
    ),
]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_schemathesis_cli_finds_no_failure_against_the_served_demo(tmp_path: Path) -> None:
    """`schemathesis run` with every default check passes against the served demo."""
    port = free_port()
    env = os.environ | {
        "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "SCHEDULER_DATA_DIR": str(tmp_path),
        "SCHEDULER_SOLVE_WORKERS": "1",
        # The ignored_auth check sends many wrong tokens from one address on purpose.
        "SCHEDULER_AUTH_FAILURES_PER_MINUTE": "0",
    }
    command = [sys.executable, "-m", "scheduler.cli", "serve", "--demo", "--port", str(port)]
    command += ["--clinicians", "4", "--patients", "20", "--time-limit", "3"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise AssertionError("the API did not start")
        admin = json.loads((tmp_path / "demo" / "tokens.json").read_text())["admin"]
        cli = str(SCHEMATHESIS) if SCHEMATHESIS.exists() else "schemathesis"
        run = subprocess.run(
            [
                cli,
                "run",
                f"{base}/openapi.json",
                "-H",
                f"Authorization: Bearer {admin}",
                "--max-examples",
                EXAMPLES,
                "--workers",
                "1",
                "--seed",
                "1",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert run.returncode == 0, run.stdout[-6000:]
