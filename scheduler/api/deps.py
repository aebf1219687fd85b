"""Dependencies every router shares: the database session and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from scheduler.settings import Settings


def open_session(request: Request) -> Iterator[Session]:
    """A session committed as the endpoint returns (before the response), else rolled back."""
    with request.app.state.sessions() as session, session.begin():
        yield session


def current_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(open_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(current_settings)]
