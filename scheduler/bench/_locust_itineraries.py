"""Locust file of ``scheduler bench api-load``: clinicians reading itineraries at a fixed rate.

Run by :func:`scheduler.bench.fixed_rate.run_fixed_rate` as ``locust -f <this file>
--headless``, never imported by the scheduler (importing locust patches the process with
gevent). Each user is one clinician's phone on its own keep-alive connection
(``FastHttpUser``) reading one itinerary every ``1 / rate`` seconds (``constant_throughput``);
the users start spread over that interval, so together they send an even stream. Every
request's send time, latency (Locust's own measure) and error go to a JSON file at the end.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant_throughput, events, task

READERS: list[dict[str, str]] = json.loads(Path(os.environ["BENCH_READERS"]).read_text())
USERS = int(os.environ["BENCH_USERS"])
USER_RATE = float(os.environ["BENCH_USER_RATE"])
RESULTS = Path(os.environ["BENCH_RESULTS"])

_URL = re.compile(r"URL \S+")
_numbers = itertools.count()
_record: dict[str, Any] = {"spawned": None, "sent": [], "answers": []}


class ItineraryReader(FastHttpUser):
    """A clinician reading itineraries in turn, ``USER_RATE`` a second."""

    wait_time = constant_throughput(USER_RATE)
    network_timeout = 10.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        """Start at this user's share of the interval, so users do not send in bursts."""
        self.number = next(_numbers)
        self.turn = self.number
        time.sleep(self.number / USERS / USER_RATE)  # gevent's sleep: locust patched time

    @task
    def read_itinerary(self) -> None:
        """GET the next reader's itinerary with that clinician's token."""
        reader = READERS[self.turn % len(READERS)]
        self.turn += USERS
        sent = time.time()
        _record["sent"].append(sent)
        self.client.get(
            reader["path"],
            headers={"Authorization": f"Bearer {reader['token']}", "Accept": "application/json"},
            name="itinerary",
            context={"sent": sent},
        )


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_: Any) -> None:
    _record["spawned"] = time.time()


@events.request.add_listener
def _answered(
    context: dict[str, Any], response_time: float, exception: Exception | None, **_: Any
) -> None:
    error = None
    if exception is not None:  # its kind, without the URL (each itinerary's own)
        error = f"{type(exception).__name__}: {_URL.sub('URL', str(exception))}"[:120]
    _record["answers"].append((context["sent"], response_time / 1000.0, error))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    RESULTS.write_text(json.dumps(_record))
