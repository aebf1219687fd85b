"""What the service keeps about its own work: idempotent answers, webhooks, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models.base import Base, utc_now


class IdempotentRequest(Base):
    """A POST made with an ``Idempotency-Key``: its payload's hash and the stored answer."""

    __tablename__ = "idempotent_requests"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Webhook(Base):
    """Where an agency system wants plan events, and the secret their signature uses.

    The secret is kept sealed (``store/secret_box.py``): the column never holds it.
    """

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    sealed_secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebhookDelivery(Base):
    """One event to one webhook, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who read or wrote which resource, and what they got (refusals included)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    user_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(8))
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[int] = mapped_column(Integer)


class JobLease(Base):
    """Who runs a planning job and until when: the lease its runner renews (a heartbeat).

    ``attempts`` counts claims and fences the runner's writes; ``sent_at`` is when the job was
    last handed to a queue (the broker, or this process's pool), for the sweeper.
    """

    __tablename__ = "job_leases"
    __table_args__ = (Index("ix_job_leases_lease_until", "lease_until"),)
    job_id: Mapped[str] = mapped_column(
        ForeignKey("planning_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    queue: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(default=utc_now)


class JobRequest(Base):
    """What an interactive job (a reschedule, insertion options) is asked, and its answer.

    ``request`` is the job's input (the broker's task carries the job's id only); ``answer``
    its result, or on failure the error's kind and message, for the request waiting on it.
    """

    __tablename__ = "job_requests"
    job_id: Mapped[str] = mapped_column(
        ForeignKey("planning_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    request: Mapped[dict[str, Any]] = mapped_column()
    answer: Mapped[dict[str, Any] | None] = mapped_column()
