"""Webhook test helpers: a real HTTP receiver on loopback, listeners, signatures, name tables.

Shared by the webhook tests of the API (tests/api) and of the sender (tests/service).
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers scripted status codes.

    ``codes`` are answered in turn, then 200; ``delay`` seconds pass before each answer;
    ``location`` goes in a ``Location`` header (a redirect's target).
    """

    def __init__(
        self, codes: list[int] | None = None, *, delay: float = 0.0, location: str | None = None
    ):
        self.codes = list(codes or [])
        self.delay = delay
        self.location = location
        self.requests: list[Received] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._arrived:
                    receiver.requests.append(
                        Received(
                            "POST",
                            self.path,
                            {key.lower(): value for key, value in self.headers.items()},
                            body,
                        )
                    )
                    code = receiver.codes.pop(0) if receiver.codes else 200
                    receiver._arrived.notify_all()
                time.sleep(receiver.delay)
                self.send_response(code)
                if receiver.location is not None:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where the receiver listens."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/scheduler"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Received]:
        """The requests once ``count`` have arrived (fails after ``timeout`` seconds)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            assert arrived, f"{len(self.requests)} of {count} requests arrived in {timeout} s"
            return list(self.requests)


def closed_port_url() -> str:
    """A loopback URL where nothing listens (a port taken and let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@contextmanager
def bare_listener() -> Iterator[socket.socket]:
    """A listening socket on 127.0.0.1 that never answers (see ``connected``)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def connected(server: socket.socket, *, wait: float = 0.3) -> bool:
    """Whether a connection reached ``server`` (it waits in the backlog until accepted)."""
    server.settimeout(wait)
    try:
        peer, _ = server.accept()
    except TimeoutError:
        return False
    peer.close()
    return True


def signature_ok(secret: str, request: Received) -> bool:
    """Whether the request's signature is the HMAC of its timestamp and body, recomputed."""
    timestamp = request.headers["x-scheduler-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request.headers["x-scheduler-signature"], f"sha256={expected}")


def table(names: dict[str, list[str]]) -> Callable[[str], list[str]]:
    """A resolver answering from ``names`` (a name not in it does not resolve)."""
    return lambda host: names.get(host, [])
