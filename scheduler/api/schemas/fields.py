"""Field types every write shares (ids, names, places, dates, times) and ``WriteModel``."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


def _not_blank(value: str) -> str:
    """Strip the spaces around a name, and refuse one made of spaces only."""
    if not value.strip():
        raise ValueError("a name needs a character other than spaces")
    return value.strip()


# Python's str.strip() blanks; spelled out so the schema's pattern and the handler agree. A
# name has one character besides them, and no NUL (no database keeps it).
_BLANK = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


Name = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=200, pattern=f"^[^\\x00]*[^{_BLANK}\\x00][^\\x00]*$"
    ),
    AfterValidator(_not_blank),
]


Tag = Annotated[str, StringConstraints(min_length=1, max_length=60)]


def _no_bool(value: object) -> object:
    """Refuse ``true``/``false`` where a number is due (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("give a number, not true or false")
    return value


Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), BeforeValidator(_no_bool)]


Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), BeforeValidator(_no_bool)]


Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]


Minutes = Annotated[int, Field(ge=1, le=24 * 60)]


Address = Annotated[str, StringConstraints(max_length=500)]


GapMinutes = Annotated[int, Field(ge=0, le=24 * 60)]


def _without_offset(value: time) -> time:
    """Refuse a UTC offset: weekly hours and home windows are the branch's wall-clock times."""
    if value.tzinfo is not None:
        raise ValueError("give the branch's local time, without a UTC offset")
    return value


def _iso_date(value: object) -> object:
    """Read text as an ISO 8601 date only (pydantic would read ``"0"`` or ``0`` as Unix time 0)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, date):
        return value
    raise ValueError("give an ISO 8601 date as text, e.g. 2026-11-30")


def _iso_moment(value: object) -> object:
    """Take a moment only as ISO 8601 text (the schema's string), never a number of seconds."""
    if isinstance(value, str | datetime):
        return value
    raise ValueError("give an ISO 8601 date and time with its UTC offset as text")


LocalTime = Annotated[
    time,
    AfterValidator(_without_offset),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "A local time of day, HH:MM[:SS], without a UTC offset.",
            "examples": ["08:30"],
        }
    ),
]


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _date_in_our_era(value: date) -> date:
    """Refuse dates so far out that a horizon or an episode from them overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("give a date between the years 1900 and 2999")
    return value


CareDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    AfterValidator(_date_in_our_era),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$",
            "description": "An ISO 8601 date between the years 1900 and 2999.",
        }
    ),
]


def _in_our_era(value: datetime) -> datetime:
    """Refuse moments so far out that moving them to the branch's zone overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("give a time between the years 1900 and 2999")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(_in_our_era)]


def refuse_unstorable_text(value: object) -> object:
    """Refuse text holding a NUL character or an unpaired surrogate, in any nesting.

    Neither can be stored (PostgreSQL refuses NUL, UTF-8 has no lone surrogates): a 422 here
    instead of a failed write.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain a NUL character (\\u0000)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "text may not contain an unpaired surrogate (\\ud800-\\udfff)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable_text(key)
            refuse_unstorable_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_unstorable_text(item)
    return value


class WriteModel(BaseModel):
    """Base of request bodies: unknown fields are an error, and so is text no store can keep."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        return refuse_unstorable_text(value)
