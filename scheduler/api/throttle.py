"""Throttling of wrong API tokens per client address, so tokens cannot be guessed at speed.

Only wrong tokens count and only they are refused: a working token is always served, so an
agency system sharing an address with a guesser is never locked out. The counts live in the
memory of each API process, which counts on its own (with N processes an address may try N
times the limit); a restart forgets them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Client:
    """What one address has done lately: failure times, blocks so far, blocked until when."""

    failures: deque[float] = field(default_factory=deque)
    blocks: int = 0
    blocked_until: float = 0.0
    last_failure: float = 0.0


class FailedAuthThrottle:
    """Counts wrong tokens per client and refuses a client's failing attempts for a while.

    After ``limit`` failures within ``window`` seconds, the client's further failing attempts
    are refused for ``block`` seconds, doubling with each block up to ``max_block``; a client
    without failures for ``max_block`` seconds starts afresh; a ``limit`` of 0 refuses none.
    At most ``max_clients`` clients
    are remembered (the least recently failing are forgotten first), so memory stays bounded.
    Safe to use from many threads.
    """

    def __init__(
        self,
        *,
        limit: int = 10,
        window: float = 60.0,
        block: float = 60.0,
        max_block: float = 3600.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.window = window
        self.block = block
        self.max_block = max_block
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many clients are remembered."""
        return len(self._clients)

    def fail(self, client: str) -> int | None:
        """Note a wrong token from ``client``: seconds it must wait (refuse), or ``None``.

        While the client is blocked the attempt is refused and not counted; otherwise it is
        counted (``None``: answer it as usual), and the ``limit``-th within the window starts
        a block for the attempts after it.
        """
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            entry = self._clients.pop(client, None) or _Client()
            self._clients[client] = entry  # the most recently failing go last
            if entry.blocked_until > now:
                return math.ceil(entry.blocked_until - now)
            if now - entry.last_failure >= self.max_block:
                entry.blocks = 0
            entry.last_failure = now
            while entry.failures and entry.failures[0] <= now - self.window:
                entry.failures.popleft()
            entry.failures.append(now)
            if len(entry.failures) >= self.limit:
                entry.failures.clear()
                entry.blocked_until = now + min(self.block * 2**entry.blocks, self.max_block)
                entry.blocks += 1
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            return None
