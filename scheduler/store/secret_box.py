"""Secrets kept at rest encrypted (webhook signing secrets): Fernet under a key from the settings.

A sealed secret is a Fernet token (AES-128-CBC and HMAC-SHA256, url-safe text starting
``gAAAAA``): the column holding it never holds the secret. The key comes from
``SCHEDULER_SECRET_KEY`` (several keys, comma-separated, rotate: the first seals, each opens);
unset, a SQLite database file keeps its key in a file beside it (``<database>.key``, created
owner-only on first use), an in-memory SQLite database a key of the process, and PostgreSQL
has none: sealing then raises ``SecretKeyError`` saying what to set.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import ProblemError, SecretKeyError
from scheduler.store import models

log = logging.getLogger("scheduler")

CLEAR_PREFIX = "whsec_"  # how a clear-text webhook secret (from before sealing) begins
WRONG_KEY = (
    "a stored secret does not open with SCHEDULER_SECRET_KEY: the key that sealed it is not "
    "among the keys set (to change keys, set the new one first and the old one after it, "
    "comma-separated, and restart)"
)
HOW_TO_MAKE_A_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretBox:
    """Seals and opens secrets with the first of its keys (opening tries each).

    ``keys`` are Fernet keys (32 url-safe base64 bytes); with none, ``key_file`` holds the
    key, read (or made, mode 0600) on first use. With neither, sealing and opening raise
    ``SecretKeyError``.

    Raises
    ------
    ProblemError
        When a key is not a Fernet key (the message never shows the key).
    """

    def __init__(self, keys: Sequence[str | bytes] = (), *, key_file: Path | None = None):
        self._fernets = _fernets(keys, source="SCHEDULER_SECRET_KEY") if keys else []
        self._key_file = None if keys else key_file
        self._lock = threading.Lock()

    @property
    def has_key(self) -> bool:
        """Whether secrets can be sealed (a key is set, or a key file may be made)."""
        return bool(self._fernets) or self._key_file is not None

    def seal(self, secret: str) -> str:
        """``secret`` encrypted: text to store in its place."""
        return self._keys(make=True)[0].encrypt(secret.encode()).decode("ascii")

    def unseal(self, stored: str) -> str:
        """The secret ``stored`` holds (a clear-text one from before sealing as it is).

        Raises
        ------
        SecretKeyError
            When no key is set, or no key set opens it (the key that sealed it is gone).
        """
        if not is_sealed(stored):
            return stored
        try:
            return MultiFernet(self._keys(make=False)).decrypt(stored.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise SecretKeyError(WRONG_KEY) from None

    def reseal(self, stored: str) -> str | None:
        """``stored`` sealed with the first key, or ``None`` when it already is.

        A clear-text secret is sealed; one sealed with a later key is sealed again.
        Raises ``SecretKeyError`` like ``unseal``.
        """
        if not is_sealed(stored):
            return self.seal(stored)
        keys = self._keys(make=True)
        token = stored.encode("ascii", "replace")
        try:
            keys[0].decrypt(token)
            return None
        except InvalidToken:
            pass
        try:
            return MultiFernet(keys).rotate(token).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(WRONG_KEY) from None

    def _keys(self, *, make: bool) -> list[Fernet]:
        """The keys, the sealing one first (read from the key file on first use)."""
        if self._fernets:
            return self._fernets
        if self._key_file is None:
            raise SecretKeyError(
                "webhook signing secrets are kept encrypted and no key is set: set "
                f"SCHEDULER_SECRET_KEY to a Fernet key (make one with {HOW_TO_MAKE_A_KEY}) "
                "and restart"
            )
        with self._lock:
            if not self._fernets:
                key = _read_key_file(self._key_file, make=make)
                try:
                    self._fernets = _fernets([key], source=str(self._key_file))
                except ProblemError as error:
                    raise SecretKeyError(str(error)) from None
        return self._fernets


def is_sealed(stored: str) -> bool:
    """Whether a stored secret is sealed (not clear text from before sealing)."""
    return not stored.startswith(CLEAR_PREFIX)


def secret_box_for(*, keys: str | None, database_url: str) -> SecretBox:
    """The box for ``keys`` (comma-separated Fernet keys) or, unset, for the database.

    Unset: a SQLite file keeps its key beside it (``scheduler.db.key``), an in-memory SQLite
    database a key of this process; any other database has no key (sealing raises).
    """
    if keys and keys.strip():
        return SecretBox([key.strip() for key in keys.split(",") if key.strip()])
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1].split("?", 1)[0]
        if "///" not in database_url or path in ("", ":memory:"):
            return SecretBox([Fernet.generate_key()])
        return SecretBox(key_file=Path(path).with_name(Path(path).name + ".key"))
    return SecretBox()


def seal_stored_secrets(sessions: sessionmaker[Session], box: SecretBox) -> tuple[int, int]:
    """Seal clear-text webhook secrets and re-seal ones under a later key, at start-up.

    Returns how many were (re)sealed and how many no key opens; logs what to do about each
    (ids only). Without a key, clear-text secrets stay as they are, with a warning.
    """
    table = models.Webhook
    with sessions() as session:
        rows = session.execute(select(table.id, table.sealed_secret)).all()
    if not rows:
        return 0, 0
    if not box.has_key:
        clear = sum(not is_sealed(stored) for _, stored in rows)
        if clear:
            log.warning(
                "%d webhook secrets are stored in clear text: set SCHEDULER_SECRET_KEY and "
                "restart to encrypt them (new webhooks are refused until then)",
                clear,
            )
        return 0, 0
    resealed = unreadable = 0
    with sessions() as session, session.begin():
        for hook_id, stored in rows:
            try:
                fresh = box.reseal(stored)
            except SecretKeyError:
                unreadable += 1
                log.error(
                    "webhook %s: its secret does not open with SCHEDULER_SECRET_KEY; its "
                    "deliveries fail until the key that sealed it is set again",
                    hook_id,
                )
                continue
            if fresh is not None:
                session.execute(
                    update(table)
                    .where(table.id == hook_id, table.sealed_secret == stored)
                    .values(sealed_secret=fresh)
                    .execution_options(synchronize_session=False)
                )
                resealed += 1
    if resealed:
        log.info("sealed %d webhook secrets with the first SCHEDULER_SECRET_KEY", resealed)
    return resealed, unreadable


def _fernets(keys: Sequence[str | bytes], *, source: str) -> list[Fernet]:
    """The keys, read; a malformed key is a ``ProblemError`` that does not show it."""
    fernets = []
    for number, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ProblemError(
                f"key {number} of {source} is not a Fernet key (32 url-safe base64-encoded "
                f"bytes, 44 characters); make one with {HOW_TO_MAKE_A_KEY}"
            ) from None
    return fernets


def _read_key_file(path: Path, *, make: bool) -> bytes:
    """The key in ``path``; made first (owner-only, atomically) if missing and ``make``.

    Raises ``SecretKeyError`` when it is missing (and not ``make``) or cannot be read or made.
    """
    try:
        return _checked_key_file(path)
    except FileNotFoundError:
        if not make:
            raise SecretKeyError(
                f"no key file {path}: the secrets of this database were sealed with a key "
                "kept elsewhere; put it back or set SCHEDULER_SECRET_KEY"
            ) from None
    except OSError as error:
        raise SecretKeyError(f"cannot read the key file {path}: {error.strerror}") from None
    try:
        return _make_key_file(path)
    except OSError as error:
        raise SecretKeyError(f"cannot make the key file {path}: {error.strerror}") from None


def _make_key_file(path: Path) -> bytes:
    """A new key in ``path`` (mode 0600), unless another process made it first: its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)  # never replaces a key another process made meanwhile
            log.info("made the secret key file %s (keep it with the database)", path)
        except FileExistsError:
            pass
    finally:
        draft.unlink(missing_ok=True)
    return _checked_key_file(path)


def _checked_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the secret key file %s is readable by others: chmod 600 it", path)
    return path.read_bytes().strip()
