"""A fixed rate of itinerary reads from Locust, an established load generator, run headless.

Locust runs in a process of its own (``_locust_itineraries.py``): one user per request a
second asked, each on its own keep-alive connection (``FastHttpUser``, cheap in CPU), each
sending at its own slots of one even schedule. The measured window starts at the schedule's
first slot. A user waits for its answer before its next request and skips a slot passed
meanwhile: the run says whether the rate held (the rate achieved within 2 % of the rate
asked, and no answer slower than a user's interval).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scheduler.errors import BenchmarkError

LOCUSTFILE = Path(__file__).with_name("_locust_itineraries.py")
USER_RATE = 1.0  # requests a second of one simulated clinician: an answer may take up to 1 s
HELD = 0.98  # the share of the asked rate the generator must achieve to have held it
STOP_TIMEOUT = 15.0  # seconds Locust gives a request under way to end when the run ends
TAIL = 5.0  # seconds the load goes on after the measured window, so its last requests end
INSTALL = "pip install -e '.[bench]'"


@dataclass(frozen=True)
class Reader:
    """One request of the cycle: a clinician reading their own itinerary of one day."""

    token: str
    clinician_id: str
    day: str

    @property
    def path(self) -> str:
        """The itinerary's URL path."""
        return f"/v1/itineraries/{self.clinician_id}/{self.day}"


@dataclass(frozen=True)
class LoadResult:
    """One fixed-rate run: the requests Locust started in the measured window and their answers.

    A request is an error when it is not answered 200 (other status, connection error,
    timeout after 10 s, or never answered); ``error_kinds`` counts them by kind.
    """

    rate: float
    seconds: float
    users: int
    requests: int
    sent: int  # every request of the Locust process, ramp and end included
    errors: int
    latencies: tuple[float, ...]
    generator_cpu: float  # CPU seconds of the Locust process, its start-up included
    generator_wall: float  # seconds the Locust process ran
    load_average: float  # the machine's 1-minute load at the run's end (others' work too)
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_rate(self) -> float:
        """Requests started a second in the measured window."""
        return self.requests / self.seconds

    @property
    def held(self) -> bool:
        """Whether Locust held the rate: within 2 %, no answer slower than a user's interval."""
        slowest = max(self.latencies, default=0.0)
        return self.achieved_rate >= HELD * self.rate and slowest < self.users / self.rate

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0-100, nearest rank) in seconds (0 with no answer)."""
        if not self.latencies:
            return 0.0
        return float(np.percentile(self.latencies, q, method="inverted_cdf"))

    @property
    def percentiles(self) -> dict[str, float]:
        """p50, p95, p99 and max latency in seconds."""
        named = {"p50": 50, "p95": 95, "p99": 99, "max": 100}
        return {name: self.percentile(q) for name, q in named.items()}

    @property
    def generator_cores(self) -> float:
        """Cores the Locust process used on average while it ran."""
        return self.generator_cpu / self.generator_wall


def check_locust() -> None:
    """Fail with how to install Locust when it is missing.

    Raises
    ------
    BenchmarkError
        When the ``locust`` package cannot be imported by this Python.
    """
    if importlib.util.find_spec("locust") is None:
        raise BenchmarkError(
            f"the load generator Locust is not installed in {sys.prefix}; install the bench "
            f"extra: {INSTALL} (or pip install 'locust>=2.40,<3')"
        )


def run_fixed_rate(
    base_url: str,
    readers: Sequence[Reader],
    *,
    rate: float,
    seconds: float,
    log: Path,
) -> LoadResult:
    """Read the readers' itineraries in turn, ``rate`` a second for ``seconds``, with Locust.

    The measured window starts once every user sent its first request (about one interval
    after Locust started them) and the load goes on ``TAIL`` seconds after it, so the
    window's last requests are answered under the same load; Locust's own output goes to
    ``log``.

    Raises
    ------
    BenchmarkError
        Without Locust, or when it ended without writing its results.
    """
    check_locust()
    if not readers:
        raise BenchmarkError("no itineraries to read: the demo branch has no clinicians")
    if rate <= 0 or seconds <= 0:
        raise BenchmarkError(f"rate and seconds must be positive, got {rate} and {seconds}")
    users = max(1, math.ceil(rate / USER_RATE))
    user_rate = rate / users
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as folder:
        work = Path(folder)
        readers_file = work / "readers.json"  # tokens: readable by this user only
        readers_file.touch(mode=0o600)
        readers_file.write_text(
            json.dumps([{"path": reader.path, "token": reader.token} for reader in readers])
        )
        (work / "locust.conf").write_text("")
        results = work / "results.json"
        env = os.environ | {
            "BENCH_READERS": str(readers_file),
            "BENCH_USERS": str(users),
            "BENCH_USER_RATE": repr(user_rate),
            "BENCH_RESULTS": str(results),
        }
        run_time = math.ceil(1 / user_rate + seconds + TAIL)
        command = [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--config", "locust.conf"),
            *("--headless", "--host", base_url, "--only-summary"),
            *("--users", str(users), "--spawn-rate", str(users), "--run-time", f"{run_time}s"),
            *("--stop-timeout", f"{STOP_TIMEOUT:g}", "--exit-code-on-error", "0"),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        with log.open("ab") as sink:
            code = subprocess.run(
                command, cwd=work, env=env, stdout=sink, stderr=subprocess.STDOUT, check=False
            ).returncode
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not results.exists():
            raise BenchmarkError(f"Locust ended ({code}) without its results; see {log}")
        record = json.loads(results.read_text())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return _result(record, rate=rate, seconds=seconds, users=users, cpu=(cpu, wall))


def _result(
    record: dict, *, rate: float, seconds: float, users: int, cpu: tuple[float, float]
) -> LoadResult:
    """The measured window's requests from Locust's record of every request.

    A request sent in the window with no answer recorded (Locust stopped while it waited)
    is an error: ``unanswered``.
    """
    if record["epoch"] is None:
        raise BenchmarkError("Locust never started its users")
    start = record["epoch"]  # the even schedule's first slot
    end = start + seconds
    window = [answer for answer in record["answers"] if start <= answer[0] < end]
    kinds: dict[str, int] = {}
    for _start, _latency, error in window:
        if error is not None:
            kinds[error] = kinds.get(error, 0) + 1
    answered = {answer[0] for answer in window}
    unanswered = sum(1 for sent in record["sent"] if start <= sent < end and sent not in answered)
    if unanswered:
        kinds["unanswered"] = unanswered
    return LoadResult(
        rate=rate,
        seconds=seconds,
        users=users,
        requests=len(window) + unanswered,
        sent=len(record["sent"]),
        errors=sum(kinds.values()),
        latencies=tuple(latency for _start, latency, _error in window),
        generator_cpu=cpu[0],
        generator_wall=cpu[1],
        load_average=os.getloadavg()[0],
        error_kinds=kinds,
    )


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """Min, median and max of ``values``."""
    return min(values), float(np.median(values)), max(values)
