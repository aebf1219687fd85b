"""Webhook deliveries: signed with the webhook's secret, sent, retried with backoff, recorded.

``notifications.queue_plan_event`` writes pending ``WebhookDelivery`` rows in the transaction
of the change they report (an outbox); ``deliver_due`` sends the ones that are due. Each row is
claimed first with a conditional UPDATE (a lease on ``next_attempt_at``), so two senders never
send one delivery at the same time, on SQLite as on PostgreSQL. A sender that dies mid-send
leaves the row due again once the lease ends: delivery is at least once, and receivers drop
repeats by the ``X-Scheduler-Delivery`` id.

A receiver checks ``X-Scheduler-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's
secret of ``"{X-Scheduler-Timestamp}.{body}"``, and rejects old timestamps. Logs name ids only,
never a payload. The secret is stored sealed (``store/secret_box.py``) and opened for each
attempt; one no key opens is never sent unsigned: the attempt fails ("secret unreadable").

Targets are https URLs of public addresses (``_outbound.py``; http and loopback only with
``allow_loopback``, for tests), checked when registered and again before each attempt: the
name is resolved afresh, every address checked, and the request sent to a checked address.
Redirects are never followed. An attempt's error is a fixed category ("connection failed",
"timed out", "refused: internal address", "HTTP 302 redirect not followed", "HTTP 500",
"secret unreadable: check SCHEDULER_SECRET_KEY"),
never the target's own words: the deliveries list must not map an internal network.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import RefusedTargetError, SecretKeyError
from scheduler.service._outbound import Resolver, resolve_host, resolve_outbound_url
from scheduler.settings import Settings
from scheduler.store.database import transaction
from scheduler.store.models import utc_now
from scheduler.store.secret_box import SecretBox, secret_box_for
from scheduler.store.webhook_deliveries import (
    ClaimedDelivery,
    add_webhook,
    claim_delivery,
    due_delivery_ids,
    mark_delivered,
    mark_failed,
    schedule_retry,
)

log = logging.getLogger("scheduler")

MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
JITTER = 0.1
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 5.0
POLL_SECONDS = 5.0
SECRET_PREFIX = "whsec_"
SECRET_UNREADABLE = "secret unreadable: check SCHEDULER_SECRET_KEY"


def sign_payload(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with ``secret``."""
    text = body.decode() if isinstance(body, bytes) else body
    message = f"{timestamp}.{text}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_webhook_secret() -> str:
    """A fresh random signing secret (``whsec_`` and 43 URL-safe characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_secret_box(settings: Settings) -> SecretBox:
    """The box sealing webhook secrets: ``secret_key``, else the database's key file (SQLite).

    Raises ``ProblemError`` when ``secret_key`` holds something that is not a Fernet key.
    """
    keys = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    return secret_box_for(keys=keys, database_url=settings.database_url)


@dataclass(frozen=True)
class NewWebhook:
    """A webhook just registered, with its signing secret in clear: shown this once."""

    id: str
    agency_id: str
    url: str
    created_at: datetime
    secret: str


def create_webhook(
    session: Session,
    *,
    agency_id: str,
    url: str,
    allow_loopback: bool,
    box: SecretBox,
    resolve: Resolver = resolve_host,
) -> NewWebhook:
    """Register ``url`` for the agency's plan events, with a new secret stored sealed in ``box``.

    Raises ``RefusedTargetError`` unless ``url`` is https (or http, with ``allow_loopback``)
    and its host resolves with ``resolve`` to public addresses only (or loopback, when
    allowed); ``SecretKeyError`` when ``box`` has no key to seal the secret with.
    """
    try:
        resolve_outbound_url(url, allow_loopback=allow_loopback, resolve=resolve)
    except RefusedTargetError as error:
        raise RefusedTargetError(f"webhook {error}", category=error.category) from None
    secret = new_webhook_secret()
    hook = add_webhook(session, agency_id=agency_id, url=url, sealed_secret=box.seal(secret))
    return NewWebhook(hook.id, hook.agency_id, hook.url, hook.created_at, secret)


def retry_delay(attempts: int, *, jitter: float = JITTER) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt.

    10 s doubled per attempt, capped at one hour, plus up to ``jitter`` of it at random so
    many deliveries failing together do not come back together.
    """
    base = min(FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20), MAX_DELAY)
    return base * (1 + random.uniform(0, jitter))  # spread, not security: no secrets module


def deliver_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime | None = None,
    client: httpx.Client,
    allow_loopback: bool,
    box: SecretBox,
    resolve: Resolver = resolve_host,
    limit: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
    lease: timedelta = LEASE,
) -> int:
    """Send up to ``limit`` pending deliveries due at ``now``; returns how many were sent.

    ``now`` (``None``: the clock, read afresh for each delivery) dates the claim, the
    signature's timestamp and the next try; tests pass it to drive time. Each target is
    resolved with ``resolve`` and checked (``allow_loopback``: http and loopback too) just
    before its request, which goes to a checked address. ``box`` opens each webhook's secret.

    A 2xx answer marks a delivery delivered. Any other answer (a redirect too: never
    followed), a refused target, a secret ``box`` cannot open (nothing is sent), a
    connection error or a timeout counts an attempt, records
    the status code and the error's category, and schedules the next try after
    ``retry_delay``; after ``max_attempts`` the delivery is failed. Deliveries another sender
    has claimed are skipped.
    """
    with sessions() as session:
        due = due_delivery_ids(session, now=now or utc_now(), limit=limit)
    sent = 0
    for delivery_id in due:
        moment = now or utc_now()
        with transaction(sessions) as session:
            claimed = claim_delivery(
                session, delivery_id=delivery_id, now=moment, lease_until=moment + lease
            )
        if claimed is None:
            continue
        code, error = _send(
            client, claimed, now=moment, allow_loopback=allow_loopback, box=box, resolve=resolve
        )
        _record(sessions, claimed, code=code, error=error, now=moment, max_attempts=max_attempts)
        sent += 1
    return sent


def _send(
    client: httpx.Client,
    claimed: ClaimedDelivery,
    *,
    now: datetime,
    allow_loopback: bool,
    box: SecretBox,
    resolve: Resolver,
) -> tuple[int | None, str]:
    """POST the signed body to a checked address; the status code and an error category.

    The status code is ``None`` without an answer; the category is ``""`` for a 2xx.
    """
    try:
        secret = box.unseal(claimed.sealed_secret)
    except SecretKeyError as error:
        log.error("webhook %s delivery %s not sent: %s", claimed.webhook_id, claimed.id, error)
        return None, SECRET_UNREADABLE
    try:
        target = resolve_outbound_url(claimed.url, allow_loopback=allow_loopback, resolve=resolve)
    except RefusedTargetError as refused:
        if refused.category == "does not resolve":
            return None, "connection failed"
        return None, f"refused: {refused.category}"
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Scheduler-Event": claimed.event,
        "X-Scheduler-Delivery": claimed.id,
        "X-Scheduler-Timestamp": timestamp,
        "X-Scheduler-Signature": "sha256=" + sign_payload(secret, timestamp, claimed.body),
        # The URL names the checked address: Host (and TLS, below) keep the name; a fresh
        # connection each time, so none made for one name carries another's request.
        "Host": target.host_header,
        "Connection": "close",
    }
    extensions = {"sni_hostname": target.host} if target.is_name else {}
    try:
        response = client.post(
            target.pinned_url(),
            content=claimed.body.encode(),
            headers=headers,
            extensions=extensions,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return None, "timed out"
    except httpx.HTTPError:
        return None, "connection failed"
    code = response.status_code
    if 200 <= code < 300:
        return code, ""
    if 300 <= code < 400:
        return code, f"HTTP {code} redirect not followed"
    return code, f"HTTP {code}"


def _record(
    sessions: sessionmaker[Session],
    claimed: ClaimedDelivery,
    *,
    code: int | None,
    error: str,
    now: datetime,
    max_attempts: int,
) -> None:
    """Write the attempt's outcome, if the claim is still this sender's."""
    attempts = claimed.attempts + 1
    with transaction(sessions) as session:
        if not error:
            assert code is not None  # a 2xx answer
            mark_delivered(session, claimed=claimed, attempts=attempts, status_code=code, now=now)
            outcome = f"delivered ({code})"
        elif attempts >= max_attempts:
            mark_failed(session, claimed=claimed, attempts=attempts, status_code=code, error=error)
            outcome = f"failed after {attempts} attempts ({error})"
        else:
            schedule_retry(
                session,
                claimed=claimed,
                attempts=attempts,
                status_code=code,
                error=error,
                next_attempt_at=now + retry_delay(attempts),
            )
            outcome = f"attempt {attempts} failed ({error}), retrying"
    log.info("webhook %s delivery %s: %s", claimed.webhook_id, claimed.id, outcome)


class WebhookSender:
    """Runs ``deliver_due`` in a background thread every ``interval`` seconds.

    ``start`` and ``stop`` bracket its life (the API's lifespan, the batch process);
    ``wake`` asks for a round now rather than at the next tick. ``allow_loopback`` (the
    ``webhooks_allow_loopback`` setting, for tests) lets http and loopback targets through;
    ``box`` opens the webhooks' secrets.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        allow_loopback: bool,
        box: SecretBox,
        resolve: Resolver = resolve_host,
        interval: float = POLL_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
        limit: int = 50,
    ):
        self._sessions = sessions
        self._allow_loopback = allow_loopback
        self._box = box
        self._resolve = resolve
        self._interval = interval
        self._timeout = timeout
        self._limit = limit
        self._stopping = threading.Event()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run a round as soon as the current one ends."""
        self._woken.set()

    def stop(self, *, wait: float = 10.0) -> None:
        """Stop after the delivery in flight (its timeout bounds the wait)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._woken.set()
        thread.join(wait)

    def _run(self) -> None:
        # trust_env off: no proxy between us and the checked address, no .netrc credentials.
        with httpx.Client(timeout=self._timeout, follow_redirects=False, trust_env=False) as client:
            while not self._stopping.is_set():
                self._woken.clear()
                try:
                    sent = deliver_due(
                        self._sessions,
                        client=client,
                        allow_loopback=self._allow_loopback,
                        box=self._box,
                        resolve=self._resolve,
                        limit=self._limit,
                    )
                except Exception:
                    log.exception(
                        "webhook deliveries failed; trying again in %.0f s", self._interval
                    )
                    sent = 0
                if sent < self._limit:
                    self._woken.wait(self._interval)
