"""Open-loop load: requests leave on a fixed schedule whatever the answers take.

A slow answer cannot hold back the next request, and each latency is measured from the time
its request was due, so delays are not hidden by coordinated omission.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

from scheduler.errors import BenchmarkError

CONNECTIONS = 64


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
    """A constant-rate run: every request's latency from its due time, and how late each left.

    A request is an error when it is not answered 200 (other status, exception, timeout, or
    still unanswered at the end of the run); ``error_kinds`` counts them by kind.
    """

    rate: float
    seconds: float
    requests: int
    sent: int
    errors: int
    send_seconds: float
    latencies: tuple[float, ...]
    lags: tuple[float, ...]
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_rate(self) -> float:
        """Requests sent a second, from the first due time to the last send."""
        return self.sent / self.send_seconds if self.send_seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0-100, nearest rank) in seconds."""
        return float(np.percentile(self.latencies, q, method="inverted_cdf"))

    @property
    def percentiles(self) -> dict[str, float]:
        """p50, p95, p99 and max latency in seconds."""
        named = {"p50": 50, "p95": 95, "p99": 99, "max": 100}
        return {name: self.percentile(q) for name, q in named.items()}

    @property
    def max_lag(self) -> float:
        """Longest delay between a request's due time and its send (the generator's lateness)."""
        return max(self.lags, default=0.0)


def run_load(
    base_url: str,
    readers: Sequence[Reader],
    *,
    rate: float,
    seconds: float,
    timeout: float = 10.0,
    connections: int = CONNECTIONS,
) -> LoadResult:
    """Read the readers' itineraries in turn, ``rate`` a second for ``seconds`` (open loop).

    Request ``k`` is due at ``k / rate`` seconds; ``connections`` senders, each on its own
    keep-alive connection, take due requests in order, so a request may wait for a free sender
    (counted in its latency) but the schedule never waits. The client is a minimal HTTP/1.1
    one on asyncio streams: httpx spends ten times the CPU per request (1.6-2.3 ms against
    0.2 ms here), which on a small machine is taken from the server under test, and its shared
    pool does O(connections x queued) work per request once requests queue
    (encode/httpcore#1035), so the client, not the server, would set the latency.

    Every reader is read once first (not measured), which fails early on a refused request.
    The measured part ends at most ``timeout`` + 1 s after the last request is due; requests
    unanswered by then count as errors.
    """
    if not readers:
        raise BenchmarkError("no itineraries to read: the demo branch has no clinicians")
    if rate <= 0 or seconds <= 0 or connections < 1:
        raise BenchmarkError(
            f"rate, seconds and connections must be positive, got {rate}, {seconds}, {connections}"
        )
    address = urlsplit(base_url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    requests = [
        (
            f"GET {reader.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {reader.token}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        for reader in readers
    ]
    run = _Run(requests=requests, start=0.0, interval=1.0 / rate, timeout=timeout)
    return asyncio.run(_drive(run, host, port, rate=rate, seconds=seconds, connections=connections))


@dataclass
class _Run:
    """The schedule and what happened to each request ``k``, on the event loop's clock."""

    requests: list[bytes]
    start: float
    interval: float
    timeout: float
    sent: dict[int, float] = field(default_factory=dict)
    answered: dict[int, tuple[float, str | None]] = field(default_factory=dict)

    def due(self, k: int) -> float:
        """When request ``k`` should leave."""
        return self.start + k * self.interval


class _Connection:
    """One keep-alive HTTP/1.1 connection, reopened after any failure."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def status(self, request: bytes, *, timeout: float) -> int:
        """Send ``request``, read the whole answer, return its status code."""
        try:
            async with asyncio.timeout(timeout):
                return await self._exchange(request)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, request: bytes) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(request)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        lines = head.split("\r\n")
        headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        if "chunked" in headers.get("transfer-encoding", ""):
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
        else:
            await reader.readexactly(int(headers.get("content-length", "0")))
        if "close" in headers.get("connection", ""):
            self.close()
        return int(lines[0].split()[1])

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _drive(
    run: _Run, host: str, port: int, *, rate: float, seconds: float, connections: int
) -> LoadResult:
    total = max(1, round(rate * seconds))
    loop = asyncio.get_running_loop()
    links = [_Connection(host, port) for _ in range(connections)]
    for request in run.requests:
        answer = await links[0].status(request, timeout=run.timeout)
        if answer != 200:
            path = request.split(b" ", 2)[1].decode()
            raise BenchmarkError(f"GET {path} answered {answer} before the load started")
    queue: asyncio.Queue[int] = asyncio.Queue()
    run.start = loop.time() + run.interval
    senders = [asyncio.create_task(_send(link, queue, run)) for link in links]
    for k in range(total):
        pause = run.due(k) - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        queue.put_nowait(k)
    with suppress(TimeoutError):
        await asyncio.wait_for(queue.join(), timeout=run.timeout + 1.0)
    ended = loop.time()
    for sender in senders:
        sender.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    for link in links:
        link.close()
    kinds: dict[str, int] = {}
    latencies = []
    for k in range(total):
        done, error = run.answered.get(k, (ended, "unanswered"))
        latencies.append(done - run.due(k))
        if error is not None:
            kinds[error] = kinds.get(error, 0) + 1
    return LoadResult(
        rate=rate,
        seconds=seconds,
        requests=total,
        sent=len(run.sent),
        errors=sum(kinds.values()),
        send_seconds=max(run.sent.values(), default=run.start) - run.start + run.interval,
        latencies=tuple(latencies),
        lags=tuple(sent - run.due(k) for k, sent in run.sent.items()),
        error_kinds=kinds,
    )


async def _send(link: _Connection, queue: asyncio.Queue[int], run: _Run) -> None:
    """Send due requests one at a time on ``link`` until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        k = await queue.get()
        try:
            run.sent[k] = loop.time()
            try:
                answer = await link.status(run.requests[k % len(run.requests)], timeout=run.timeout)
                error = None if answer == 200 else f"HTTP {answer}"
            except Exception as failure:  # a failed request is counted, never raised
                error = type(failure).__name__
            run.answered[k] = (loop.time(), error)
        finally:
            queue.task_done()
