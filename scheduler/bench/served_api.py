"""The API under uvicorn in a child process on a free loopback port, for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO
from urllib.error import HTTPError
from urllib.request import urlopen

from scheduler.errors import BenchmarkError

APP_FACTORY = "scheduler.api.app:create_app"


@dataclass(frozen=True)
class ApiServer:
    """A running API server: its base URL and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def log_tail(self, *, chars: int = 4000) -> str:
        """The last ``chars`` characters the server wrote."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


@contextmanager
def serve_api(
    database_url: str, *, workers: int = 1, startup_timeout: float = 60.0
) -> Iterator[ApiServer]:
    """The API under uvicorn in a child process on a free loopback port, stopped on exit."""
    port = _free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]
    env = os.environ | {"SCHEDULER_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = ApiServer(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_up(server, timeout=startup_timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(server: ApiServer, *, timeout: float) -> None:
    """Poll the server until it answers; fail with its output if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"the API server exited with code {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urlopen(f"{server.url}/openapi.json", timeout=2.0):
                return
        except HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise BenchmarkError(
        f"the API server did not answer within {timeout:g} s:\n{server.log_tail()}"
    )
