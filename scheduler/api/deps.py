"""Dependencies every router shares: the database session, the settings, paging and agency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from scheduler.api.schemas.fields import Id
from scheduler.settings import Settings


def open_session(request: Request) -> Iterator[Session]:
    """A session committed as the endpoint returns (before the response), else rolled back.

    A route that only reads (``ReadsOnly``) gets a session without a transaction: each
    statement sees the latest committed rows, and no BEGIN or COMMIT goes to the database.
    """
    if getattr(request.state, "reads_only", False):
        with request.app.state.read_sessions() as session:
            yield session
        return
    with request.app.state.sessions() as session, session.begin():
        yield session


async def _reads_only(request: Request) -> None:
    request.state.reads_only = True


ReadsOnly = Depends(_reads_only)
"""A router's dependency marking its routes as reading only (before their session opens)."""


async def current_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(open_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(current_settings)]

MAX_PAGE = 500
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page (1..{MAX_PAGE}).")]
AgencyId = Annotated[
    Id | None,
    Query(
        description="The agency whose ids the path and body name: for admins, needed when "
        "several agencies use an id (409 otherwise); for other roles their own agency."
    ),
]
