"""``scheduler user set-password``: a user gets a board login; bad requests are refused."""

from __future__ import annotations

from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.store.database import make_engine, session_factory, transaction
from scheduler.store.models import Role
from scheduler.store.users import create_user
from scheduler.store.web_sessions import user_by_password

PASSPHRASE = "a long passphrase"


def set_password(user_id: str, password: str):
    """Run the command for ``user_id``, typing ``password`` twice."""
    command = ["user", "set-password", user_id, "--login", "sam"]
    return CliRunner().invoke(app, command, input=f"{password}\n{password}\n")


def test_a_password_set_on_the_command_line_signs_the_user_in(tmp_path, monkeypatch):
    """The command stores a hash the login and password match; unknown users, short refused."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", url)
    assert set_password("nobody", PASSPHRASE).exit_code == 2
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            user, _ = create_user(session, name="Sam", role=Role.SCHEDULER)
        short = set_password(user.id, "short")
        assert short.exit_code == 2 and "12 characters" in short.output
        given = set_password(user.id, PASSPHRASE)
        assert given.exit_code == 0, given.output
        with sessions() as session:
            signed_in = user_by_password(session, login="sam", password=PASSPHRASE)
            assert signed_in is not None and signed_in.id == user.id
            assert user_by_password(session, login="sam", password="wrong") is None
            assert user_by_password(session, login="nobody", password=PASSPHRASE) is None
    finally:
        engine.dispose()
