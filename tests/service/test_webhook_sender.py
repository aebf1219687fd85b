"""Webhook deliveries against a real HTTP receiver on loopback: signed, retried, claimed once."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import RefusedTargetError
from scheduler.service.webhook_sender import (
    MAX_ATTEMPTS,
    WebhookSender,
    create_webhook,
    deliver_due,
    retry_delay,
    sign_payload,
)
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import utc_now
from scheduler.store.notifications import queue_plan_event
from scheduler.store.secret_box import SecretBox
from tests.webhook_support import (
    Receiver,
    bare_listener,
    closed_port_url,
    connected,
    signature_ok,
    table,
)

BOX = SecretBox([Fernet.generate_key()])


@pytest.fixture
def sessions(migrated: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on a migrated database holding agency ``a1`` with branch ``b1``."""
    with transaction(migrated) as session:
        session.add(models.Agency(id="a1", name="A"))
        session.flush()
        session.add(models.Branch(id="b1", agency_id="a1", name="B", timezone="UTC"))
    return migrated


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """An HTTP client with the sender's short timeout."""
    with httpx.Client(timeout=5.0) as client:
        yield client


def add_webhook(sessions: sessionmaker[Session], url: str) -> models.Webhook:
    """A webhook of agency ``a1``."""
    with transaction(sessions) as session:
        return create_webhook(session, agency_id="a1", url=url, allow_loopback=True, box=BOX)


def queue_events(sessions: sessionmaker[Session], count: int = 1, **payload: object) -> None:
    """Queue ``count`` plan events for branch ``b1``, each in its own transaction."""
    for number in range(count):
        with transaction(sessions) as session:
            queue_plan_event(
                session,
                branch_id="b1",
                event="plan.published",
                payload={"plan_id": f"p{number}", **payload},
            )


def deliveries(sessions: sessionmaker[Session]) -> list[models.WebhookDelivery]:
    """Every delivery row, oldest first."""
    with sessions() as session:
        query = select(models.WebhookDelivery).order_by(
            models.WebhookDelivery.created_at, models.WebhookDelivery.id
        )
        return list(session.scalars(query).all())


def test_sign_payload_matches_an_independent_hmac():
    """The signature equals OpenSSL's HMAC-SHA256 of "timestamp.body" (a fixed vector)."""
    body = '{"event":"plan.published"}'
    expected = "8bb4a9d7d21a600a2346cc96458b10271974598d265a6a1bdd91553f99b9eaea"
    assert sign_payload("whsec_test", 1700000000, body) == expected
    assert sign_payload("whsec_test", "1700000000", body.encode()) == expected
    assert sign_payload("whsec_other", 1700000000, body) != expected


def test_a_queued_event_arrives_signed_with_its_headers(sessions, http):
    """One due delivery is POSTed once, JSON, signed, with event, id and timestamp headers."""
    with Receiver() as receiver:
        hook = add_webhook(sessions, receiver.url)
        queue_events(sessions)
        now = utc_now()
        assert deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX) == 1
        assert deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX) == 0
        [request] = receiver.wait_for(1)
    [row] = deliveries(sessions)
    assert request.path == "/hooks/scheduler"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-scheduler-event"] == "plan.published"
    assert request.headers["x-scheduler-delivery"] == row.id
    assert request.headers["x-scheduler-timestamp"] == str(int(now.timestamp()))
    assert signature_ok(hook.secret, request)
    assert not signature_ok("whsec_wrong", request)
    assert json.loads(request.body) == row.payload
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.delivered_at == now and row.last_error is None


def test_two_failures_then_success_take_three_attempts_with_growing_waits(sessions, http):
    """500, 500, 200: three attempts, the wait doubling (10 s then 20 s, +10% jitter), delivered."""
    with Receiver([500, 500, 200]) as receiver:
        hook = add_webhook(sessions, receiver.url)
        queue_events(sessions)
        now, waits = utc_now(), []
        for attempt in (1, 2):
            assert deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX) == 1
            [row] = deliveries(sessions)
            assert (row.status, row.attempts, row.last_status_code) == ("pending", attempt, 500)
            assert row.last_error == "HTTP 500"
            waits.append((row.next_attempt_at - now).total_seconds())
            early = row.next_attempt_at - timedelta(seconds=1)
            assert deliver_due(sessions, now=early, client=http, allow_loopback=True, box=BOX) == 0
            now = row.next_attempt_at
        assert deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX) == 1
        requests = receiver.wait_for(3)
    [row] = deliveries(sessions)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert 10 <= waits[0] <= 11 and 20 <= waits[1] <= 22
    assert len({request.headers["x-scheduler-delivery"] for request in requests}) == 1
    assert all(signature_ok(hook.secret, request) for request in requests)
    assert len({request.headers["x-scheduler-timestamp"] for request in requests}) == 3


def test_a_receiver_that_is_down_fails_the_delivery_after_the_most_attempts(sessions, http):
    """Connection refused every time: each attempt recorded, waits doubling, then failed."""
    add_webhook(sessions, closed_port_url())
    queue_events(sessions)
    now, waits = utc_now(), []
    for _ in range(MAX_ATTEMPTS):
        assert deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX) == 1
        [row] = deliveries(sessions)
        assert row.last_status_code is None and row.last_error == "connection failed"
        if row.status == "pending":
            waits.append((row.next_attempt_at - now).total_seconds())
            now = row.next_attempt_at
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert (
        deliver_due(
            sessions, now=now + timedelta(days=1), client=http, allow_loopback=True, box=BOX
        )
        == 0
    )
    assert len(waits) == MAX_ATTEMPTS - 1
    for number, wait in enumerate(waits):
        assert 10 * 2**number <= wait <= 11 * 2**number


def test_a_slow_receiver_times_out_and_counts_an_attempt(sessions):
    """An answer later than the client's timeout is an attempt with a timeout error."""
    with Receiver(delay=1.5) as receiver, httpx.Client(timeout=0.2) as quick:
        add_webhook(sessions, receiver.url)
        queue_events(sessions)
        started = time.monotonic()
        assert deliver_due(sessions, client=quick, allow_loopback=True, box=BOX) == 1
        elapsed = time.monotonic() - started
    [row] = deliveries(sessions)
    assert elapsed < 1.0
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, None)
    assert row.last_error == "timed out"


def test_retry_waits_double_from_ten_seconds_and_stop_at_an_hour():
    """Backoff: 10 s x 2^(n-1) plus at most 10% jitter, never over an hour plus jitter."""
    for attempts in range(1, 30):
        base = min(10 * 2 ** (attempts - 1), 3600)
        wait = retry_delay(attempts).total_seconds()
        assert base <= wait <= base * 1.1
    assert retry_delay(1, jitter=0).total_seconds() == 10
    assert retry_delay(12, jitter=0).total_seconds() == 3600


def test_two_senders_at_once_deliver_each_event_exactly_once(sessions):
    """Two threads running deliver_due together on 40 due deliveries: 40 requests, none twice."""
    with Receiver(delay=0.01) as receiver:
        add_webhook(sessions, receiver.url)
        add_webhook(sessions, receiver.url)
        queue_events(sessions, 20)
        now, start, sent = utc_now(), threading.Barrier(2), [0, 0]

        def run(slot: int) -> None:
            with httpx.Client(timeout=5.0) as client:
                start.wait()
                sent[slot] = deliver_due(
                    sessions, now=now, client=client, allow_loopback=True, box=BOX
                )

        threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        requests = receiver.wait_for(40)
    ids = [request.headers["x-scheduler-delivery"] for request in requests]
    assert sum(sent) == 40 and len(ids) == 40 and len(set(ids)) == 40
    rows = deliveries(sessions)
    assert {(row.status, row.attempts) for row in rows} == {("delivered", 1)}
    assert {row.id for row in rows} == set(ids)


def test_the_background_sender_delivers_and_stops(sessions):
    """WebhookSender's thread delivers a queued event by itself and ends on stop."""
    with Receiver() as receiver:
        add_webhook(sessions, receiver.url)
        sender = WebhookSender(sessions, allow_loopback=True, box=BOX, interval=0.05, timeout=2.0)
        sender.start()
        try:
            queue_events(sessions)
            receiver.wait_for(1)
        finally:
            sender.stop()
    assert not any(thread.name == "webhook-sender" for thread in threading.enumerate())
    [row] = deliveries(sessions)
    assert (row.status, row.attempts) == ("delivered", 1)


def test_logs_name_ids_and_never_the_payload(sessions, http, caplog):
    """Log lines carry webhook and delivery ids, not payload contents (here a patient name)."""
    caplog.set_level(logging.INFO, logger="scheduler")
    with Receiver([500]) as receiver:
        hook = add_webhook(sessions, receiver.url)
        queue_events(sessions, patient_name="Jane Roe", address="12 Elm St")
        now = utc_now()
        deliver_due(sessions, now=now, client=http, allow_loopback=True, box=BOX)
        deliver_due(
            sessions, now=now + timedelta(minutes=1), client=http, allow_loopback=True, box=BOX
        )
    [row] = deliveries(sessions)
    assert row.status == "delivered"
    assert hook.id in caplog.text and row.id in caplog.text
    assert "Jane Roe" not in caplog.text and "Elm St" not in caplog.text


def test_a_name_that_now_resolves_inside_is_refused_before_connecting(sessions, http):
    """DNS rebinding: public at registration, internal at delivery: refused, nothing connects."""
    with bare_listener() as server:
        url = f"https://hooks.example.com:{server.getsockname()[1]}/hook"
        with transaction(sessions) as session:
            create_webhook(
                session,
                agency_id="a1",
                url=url,
                allow_loopback=False,
                box=BOX,
                resolve=table({"hooks.example.com": ["93.184.216.34"]}),
            )
        queue_events(sessions)
        later = utc_now()
        for answer in (["127.0.0.1"], ["93.184.216.34", "10.0.0.5"], ["::ffff:127.0.0.1"]):
            later += timedelta(days=1)
            resolve = table({"hooks.example.com": answer})
            assert deliver_due(
                sessions, now=later, client=http, allow_loopback=False, box=BOX, resolve=resolve
            )
            [row] = deliveries(sessions)
            assert (row.last_status_code, row.last_error) == (None, "refused: internal address")
        assert not connected(server)
    assert (row.status, row.attempts) == ("pending", 3)


def test_a_loopback_name_is_refused_at_delivery_when_loopback_is_off(sessions, http):
    """A stored https://localhost target (the setting was on) is refused once it is off."""
    with bare_listener() as server:
        add_webhook(sessions, f"https://localhost:{server.getsockname()[1]}/hook")
        queue_events(sessions)
        assert deliver_due(sessions, client=http, allow_loopback=False, box=BOX) == 1
        assert not connected(server)
    [row] = deliveries(sessions)
    assert (row.attempts, row.last_status_code) == (1, None)
    assert row.last_error == "refused: internal address"


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(sessions, http):
    """The sender connects to the address it checked (no second lookup), Host naming the name."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        add_webhook(sessions, receiver.url)
        with transaction(sessions) as session:
            hook = session.scalars(select(models.Webhook)).one()
            hook.url = f"http://hooks.example.com:{port}/hooks/scheduler"
        queue_events(sessions)
        resolve = table({"hooks.example.com": ["127.0.0.1"]})
        assert (
            deliver_due(sessions, client=http, allow_loopback=True, box=BOX, resolve=resolve) == 1
        )
        [request] = receiver.wait_for(1)
    assert request.headers["host"] == f"hooks.example.com:{port}"
    assert request.path == "/hooks/scheduler"
    [row] = deliveries(sessions)
    assert (row.status, row.last_status_code) == ("delivered", 200)


def test_a_name_that_stops_resolving_is_a_connection_failure(sessions, http):
    """A target whose name no longer resolves records "connection failed", not the lookup's text."""
    add_webhook(sessions, "https://93.184.216.34/hook")
    with transaction(sessions) as session:
        session.scalars(select(models.Webhook)).one().url = "https://gone.example.com/hook"
    queue_events(sessions)
    assert deliver_due(sessions, client=http, allow_loopback=False, box=BOX, resolve=table({})) == 1
    [row] = deliveries(sessions)
    assert (row.attempts, row.last_status_code, row.last_error) == (1, None, "connection failed")


def test_a_redirect_is_recorded_and_never_followed(sessions):
    """A 302 to an internal address is a failed attempt with its code, even if clients follow."""
    with Receiver() as inside, Receiver([302], location=inside.url) as outside:
        add_webhook(sessions, outside.url)
        queue_events(sessions)
        with httpx.Client(timeout=5.0, follow_redirects=True) as following:
            assert deliver_due(sessions, client=following, allow_loopback=True, box=BOX) == 1
        outside.wait_for(1)
    assert inside.requests == []
    [row] = deliveries(sessions)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 302)
    assert row.last_error == "HTTP 302 redirect not followed"


def test_registration_refuses_an_internal_target_and_keeps_nothing(sessions):
    """create_webhook raises "webhook URL must be https ..." naming why; no row is kept."""
    for url, why in (
        ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("https://hooks.example.com/hook", "hooks.example.com resolves to 127.0.0.1"),
        ("https://gone.example.com/hook", "gone.example.com does not resolve"),
        ("http://93.184.216.34/hook", "http is not https"),
    ):
        with (
            pytest.raises(RefusedTargetError, match=r"^webhook URL must be https") as refused,
            transaction(sessions) as session,
        ):
            create_webhook(
                session,
                agency_id="a1",
                url=url,
                allow_loopback=False,
                box=BOX,
                resolve=table({"hooks.example.com": ["127.0.0.1"]}),
            )
        assert why in str(refused.value)
    with sessions() as session:
        assert session.scalars(select(models.Webhook)).all() == []
