"""Agencies and branches (set up by an admin)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    ConfigDict,
    WithJsonSchema,
)

from scheduler.api.schemas.fields import Id, Name, WriteModel

# IANA zones a branch may be in: not the machine's own "localtime", nor tzdata's "Factory".
TIME_ZONES = frozenset(available_timezones() - {"Factory", "localtime", "posixrules"})


def _known_zone(value: str) -> str:
    """Refuse a name that is not an IANA time zone."""
    if value not in TIME_ZONES:
        raise ValueError(f"unknown time zone {value[:64]!r}; use an IANA name like America/Chicago")
    return value


TimeZoneName = Annotated[
    str,
    AfterValidator(_known_zone),
    WithJsonSchema(
        {"type": "string", "enum": sorted(TIME_ZONES), "description": "An IANA time zone name."}
    ),
]


class AgencyCreate(WriteModel):
    """A new agency."""

    id: Id
    name: Name


class AgencyPublic(AgencyCreate):
    """An agency."""

    model_config = ConfigDict(from_attributes=True)


class BranchCreate(WriteModel):
    """A new branch of an agency."""

    id: Id
    agency_id: Id
    name: Name
    timezone: TimeZoneName


class BranchPublic(BranchCreate):
    """A branch."""

    model_config = ConfigDict(from_attributes=True)
