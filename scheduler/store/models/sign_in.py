"""People signing in to the board: a login name with a password hash, web sessions, feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models.base import Base, utc_now


class UserPassword(Base):
    """A user's board sign-in: a unique login name and an argon2 hash of the password."""

    __tablename__ = "user_passwords"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    login: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is kept, with its CSRF token."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column()


class CalendarFeed(Base):
    """A user's calendar feed address: only the SHA-256 of its secret token is kept.

    One per user; resetting it replaces the token (the old address is dead at once).
    """

    __tablename__ = "calendar_feeds"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
