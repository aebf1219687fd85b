"""Locust file of ``scheduler bench api-load``: clinicians reading itineraries at a fixed rate.

Run by :func:`scheduler.bench.fixed_rate.run_fixed_rate` as ``locust -f <this file>
--headless``, never imported by the scheduler (importing locust patches the process with
gevent). Each user is one clinician's phone on its own keep-alive connection
(``FastHttpUser``) reading one itinerary at each of its slots of a fixed schedule: user ``i``
of ``n`` sends at ``epoch + i / rate + k * n / rate``, so together they send an even stream
whatever the answers' times. (Locust's ``constant_throughput`` paces each user from its own
last request: answers slower than its interval set its next request off at once, and after
one slow second the users sent together, in bursts that queued at the server.) A slot passed
while its user still waited for an answer is skipped: the run then says the rate did not
hold. Every request's send time, latency (Locust's own measure) and error go to a JSON file
at the end.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, events, task

READERS: list[dict[str, str]] = json.loads(Path(os.environ["BENCH_READERS"]).read_text())
USERS = int(os.environ["BENCH_USERS"])
USER_RATE = float(os.environ["BENCH_USER_RATE"])
RESULTS = Path(os.environ["BENCH_RESULTS"])

_URL = re.compile(r"URL \S+")
SPAWN_SECONDS = 1.5  # from the first user's start to the epoch: Locust spawns all in 1 s
_numbers = itertools.count()
_epoch: list[float | None] = [None]  # when the first slot of user 0 comes (monotonic)
_record: dict[str, Any] = {"epoch": None, "sent": [], "answers": []}


class ItineraryReader(FastHttpUser):
    """A clinician reading itineraries in turn, at ``USER_RATE`` slots a second."""

    network_timeout = 10.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        """Wait for this user's first slot: its share of the interval after the epoch."""
        self.number = next(_numbers)
        self.turn = self.number
        if _epoch[0] is None:  # the users spawn within a second: all are up by then
            _epoch[0] = time.monotonic() + SPAWN_SECONDS
            _record["epoch"] = time.time() + SPAWN_SECONDS  # the same instant, as sends are
        self.slot = _epoch[0] + self.number / USERS / USER_RATE
        time.sleep(max(0.0, self.slot - time.monotonic()))  # gevent's: locust patched time

    def wait_time(self) -> float:
        """Seconds until this user's next slot; slots already passed are skipped."""
        now = time.monotonic()
        period = 1.0 / USER_RATE
        self.slot += period
        if self.slot < now:
            self.slot += math.ceil((now - self.slot) / period) * period
        return self.slot - now

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
