"""Optimistic concurrency on a branch's schedule: its revision is the ETag, If-Match checks it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from pydantic import WithJsonSchema

from scheduler.api.schemas.answers import ErrorMessage
from scheduler.errors import StaleError

_ETAG = r'^ *(\*|(W/)?"r[0-9]{1,18}") *$'
IfMatch = Annotated[
    str | None,
    # Optional, but when sent a string of the ETag's shape (never JSON null).
    WithJsonSchema({"type": "string", "pattern": _ETAG}),
    Header(
        alias="If-Match",
        pattern=_ETAG,
        description="The schedule's ETag (or *); a stale one answers 412.",
    ),
]
# The answer a route taking ``IfMatch`` documents besides the shared ones.
STALE_SCHEDULE: dict[int | str, dict[str, object]] = {
    412: {"model": ErrorMessage, "description": "If-Match names a stale or unknown schedule ETag"}
}


def schedule_etag(revision: int) -> str:
    """The ETag of a branch's schedule at ``revision``."""
    return f'"r{revision}"'


def expected_revision(if_match: str | None) -> int | None:
    """The revision an ``If-Match`` header names (``None`` without one or for ``*``)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.startswith("r") and tag[1:].isdigit()):
        raise StaleError(f"If-Match {if_match!r} is not a schedule ETag; read the schedule again")
    return int(tag[1:])
