"""Secrets sealed at rest: Fernet keys from the settings, a key file beside SQLite, rotation."""

from __future__ import annotations

import stat
import threading

import pytest
from cryptography.fernet import Fernet

from scheduler.errors import ProblemError, SecretKeyError
from scheduler.store.secret_box import SecretBox, is_sealed, secret_box_for

SECRET = "whsec_" + "s" * 43


def test_a_sealed_secret_is_not_the_secret_and_opens_only_with_its_key():
    """Sealing gives a Fernet token without the secret; another key cannot open it (clear error)."""
    key = Fernet.generate_key()
    sealed = SecretBox([key]).seal(SECRET)
    assert SECRET not in sealed and is_sealed(sealed)
    assert SecretBox([key]).unseal(sealed) == SECRET
    with pytest.raises(SecretKeyError, match="does not open with SCHEDULER_SECRET_KEY"):
        SecretBox([Fernet.generate_key()]).unseal(sealed)


def test_keys_rotate_the_first_seals_each_opens_and_reseal_moves_to_the_first():
    """With "new,old", old tokens open; reseal re-encrypts them under new, and new ones stay."""
    old, new = Fernet.generate_key(), Fernet.generate_key()
    under_old = SecretBox([old]).seal(SECRET)
    both = SecretBox([new, old])
    assert both.unseal(under_old) == SECRET
    moved = both.reseal(under_old)
    assert moved is not None and SecretBox([new]).unseal(moved) == SECRET
    assert both.reseal(moved) is None
    assert SecretBox([new]).unseal(both.reseal(SECRET)) == SECRET  # clear text gets sealed


def test_a_malformed_key_is_refused_without_showing_it():
    """A key that is not 32 url-safe base64 bytes: ProblemError naming which, never its text."""
    with pytest.raises(ProblemError, match="key 2 of SCHEDULER_SECRET_KEY") as raised:
        secret_box_for(keys=f"{Fernet.generate_key().decode()},hunter2", database_url="sqlite://")
    assert "hunter2" not in str(raised.value)


def test_sqlite_keeps_one_key_file_made_once_owner_only(tmp_path):
    """Eight boxes racing to seal on one database make one 0600 key file, and all open it all."""
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    boxes = [secret_box_for(keys=None, database_url=url) for _ in range(8)]
    sealed: list[str] = []
    threads = [threading.Thread(target=lambda b=b: sealed.append(b.seal(SECRET))) for b in boxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    key_file = tmp_path / "scheduler.db.key"
    assert [path.name for path in tmp_path.iterdir()] == ["scheduler.db.key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert all(SecretBox([key_file.read_bytes().strip()]).unseal(s) == SECRET for s in sealed)


def test_without_a_key_file_or_a_key_nothing_opens_and_the_error_says_what_to_set(tmp_path):
    """A sealed secret with its key file gone, or PostgreSQL without a key: SecretKeyError."""
    sealed = SecretBox([Fernet.generate_key()]).seal(SECRET)
    gone = secret_box_for(keys=None, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(SecretKeyError, match="no key file"):
        gone.unseal(sealed)
    assert not (tmp_path / "x.db.key").exists()
    postgres = secret_box_for(keys=None, database_url="postgresql+psycopg://h/db")
    assert not postgres.has_key
    for attempt in (lambda: postgres.seal(SECRET), lambda: postgres.unseal(sealed)):
        with pytest.raises(SecretKeyError, match="set SCHEDULER_SECRET_KEY"):
            attempt()
    assert postgres.unseal(SECRET) == SECRET  # clear text from before sealing reads as it is
