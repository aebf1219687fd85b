"""A calendar feed: several days' itineraries as one RFC 5545 calendar to subscribe to.

Each day is rendered by ``itinerary_to_ics`` (one event per visit, stable UIDs); the feed
gathers the events under one calendar and asks calendar apps to look again every hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from scheduler.render.itinerary import Itinerary
from scheduler.render.itinerary_views import itinerary_to_ics

REFRESH = timedelta(hours=1)  # also X-PUBLISHED-TTL below


def itineraries_to_ics(
    itineraries: Sequence[Itinerary], *, calendar_name: str, stamp: datetime | None = None
) -> str:
    """The visits of ``itineraries`` (at least one, e.g. an empty day) as one calendar.

    Returns the calendar text with CRLF line endings; a visit keeps its UID from day to day,
    so a subscribed calendar moves an event rather than adding one.
    """
    stamp = stamp or datetime.now(UTC)
    first, *rest = itineraries
    calendar = Calendar.from_ical(itinerary_to_ics(first, calendar_name=calendar_name, stamp=stamp))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # Outlook's and Apple's name for it
    for itinerary in rest:
        for event in Calendar.from_ical(itinerary_to_ics(itinerary, stamp=stamp)).walk("VEVENT"):
            calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
