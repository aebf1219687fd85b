"""The API under uvicorn in a child process on a free loopback port, for benchmarks.

With a profile folder, the server is the app wrapped by :func:`create_profiled_app`: a request
carrying ``X-Bench-Profile`` is sampled by pyinstrument, its synchronous dependencies and
handler run on the event loop's thread (FastAPI would hand them to its thread pool, where a
sampler started for the request cannot see them). The header's value ``write`` writes the
profile of every such request so far (their times added up) to the folder as text.
Other requests are served as by the plain app.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.error import HTTPError
from urllib.request import urlopen

from scheduler.errors import BenchmarkError

APP_FACTORY = "scheduler.api.app:create_app"
PROFILED_FACTORY = "scheduler.bench.served_api:create_profiled_app"
PROFILE_HEADER = "X-Bench-Profile"
WRITE_PROFILE = b"write"  # the header's value asking for the profile so far to be written
PROFILE_INTERVAL = 0.0005  # seconds between two samples (shorter slows a request tenfold)
_PROFILE_DIR = "SCHEDULER_BENCH_PROFILE_DIR"
_profiling: ContextVar[bool] = ContextVar("bench_profiling", default=False)

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class ApiServer:
    """A running API server: its base URL and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def cpu(self) -> float:
        """CPU seconds of uvicorn and its worker processes so far."""
        return group_cpu(self.process.pid)

    def log_tail(self, *, chars: int = 4000) -> str:
        """The last ``chars`` characters the server wrote."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


@contextmanager
def serve_api(
    database_url: str,
    *,
    workers: int = 1,
    startup_timeout: float = 60.0,
    broker_url: str | None = None,
    profile_dir: Path | None = None,
) -> Iterator[ApiServer]:
    """The API under uvicorn in a child process on a free loopback port, stopped on exit.

    ``broker_url`` makes it queue jobs for workers (never solve); ``profile_dir`` serves the
    profiling wrapper, which writes there.
    """
    port = _free_port()
    factory = APP_FACTORY if profile_dir is None else PROFILED_FACTORY
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", factory),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]
    env = os.environ | {"SCHEDULER_DATABASE_URL": database_url}
    if broker_url is not None:
        env["SCHEDULER_BROKER_URL"] = broker_url
    if profile_dir is not None:
        env[_PROFILE_DIR] = str(profile_dir)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = ApiServer(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_up(server, timeout=startup_timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def group_cpu(group: int) -> float:
    """CPU seconds of the processes of process group ``group`` and their reaped children.

    Read from ``/proc`` (Linux); a process that ends meanwhile is left out.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / ticks


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


def create_profiled_app() -> Asgi:
    """The API wrapped to profile each request carrying ``X-Bench-Profile`` (bench only)."""
    import anyio.to_thread
    from pyinstrument import Profiler

    from scheduler.api.app import create_app

    folder = Path(os.environ[_PROFILE_DIR])
    pooled = anyio.to_thread.run_sync

    async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _profiling.get():
            return func(*args)
        return await pooled(func, *args, **kwargs)

    anyio.to_thread.run_sync = run_sync  # starlette and FastAPI look it up at each call
    app = create_app()
    header = PROFILE_HEADER.lower().encode()
    profiler = Profiler(interval=PROFILE_INTERVAL, async_mode="disabled")

    async def profiled(scope: Scope, receive: Any, send: Any) -> None:
        asked = dict(scope["headers"]).get(header) if scope["type"] == "http" else None
        if asked is None:
            await app(scope, receive, send)
        elif asked == WRITE_PROFILE:
            (folder / "profile.txt").write_text(profiler.output_text(unicode=True, color=False))
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        else:
            token = _profiling.set(True)
            profiler.start()  # the sessions of successive profiled requests are combined
            try:
                await app(scope, receive, send)
            finally:
                profiler.stop()
                _profiling.reset(token)

    return profiled
