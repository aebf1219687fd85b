"""Admission: at most so many requests in the app at once, so none waits for a lost connection.

A request takes a database connection at its first query (its token's lookup) and holds it
until it answers, while its sync dependencies and handler each wait for a thread of the
shared pool. With more requests in flight than connections, every thread can be waiting for
a connection (other requests' authentication) while every connection waits for a thread
(its request's next step): nothing moves until the pool's timeout. Admitting at most half the
pool's connections (a request may hold two: its session and a short transaction of its own)
less one (the audit writer's) keeps a connection free for whoever asks; the others wait
outside, on the event loop, holding nothing.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

CONNECTIONS_PER_REQUEST = 2  # the request's session, and a transaction of its own at most
OTHER_CONNECTIONS = 1  # the audit writer's


def requests_at_once(pool_connections: int) -> int:
    """How many requests a pool of ``pool_connections`` serves at once without a wait on it."""
    return max(1, (pool_connections - OTHER_CONNECTIONS) // CONNECTIONS_PER_REQUEST)


class Admission:
    """ASGI middleware letting at most ``limit`` HTTP requests in at once (others wait)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on once a slot is free; lifespan events pass at once."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
