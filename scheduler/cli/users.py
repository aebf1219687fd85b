"""``scheduler user set-password``: a login name and password for the board."""

from __future__ import annotations

from typing import Annotated

import typer

from scheduler.cli._console import console, fail
from scheduler.errors import NotFoundError
from scheduler.settings import get_settings
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.users import get_user
from scheduler.store.web_sessions import set_password

MIN_LENGTH = 12


def set_password_command(
    user_id: Annotated[str, typer.Argument(help="The user's id (GET /v1/users lists them).")],
    login: Annotated[str, typer.Option(help="The name to sign in with (unique).")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="SCHEDULER_NEW_PASSWORD",
            help=f"At least {MIN_LENGTH} characters (asked when not given).",
        ),
    ],
) -> None:
    """Let a user sign in to the board at /board (their API token keeps working).

    A new password signs the user out of every browser.
    """
    if len(password) < MIN_LENGTH:
        raise fail(ValueError(f"a password needs at least {MIN_LENGTH} characters"))
    engine = make_engine(get_settings().database_url)
    try:
        upgrade_schema(engine)
        with transaction(session_factory(engine)) as session:
            if get_user(session, user_id=user_id) is None:
                raise fail(NotFoundError(f"no user {user_id!r}"))
            set_password(session, user_id=user_id, login=login, password=password)
    finally:
        engine.dispose()
    console.print(f"user {user_id} signs in to the board as {login!r}")
