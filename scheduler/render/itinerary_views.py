"""A clinician's itinerary as a person sees it: an ICS calendar, or a printable HTML page.

Pure: no I/O. Itineraries carry patient names and addresses, so they are for the clinician's
eyes, never for logs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

from icalendar import Calendar, Event

from scheduler.render.itinerary import Itinerary, ItineraryStop, LinkedVisit

PRODID = "-//home-health-scheduler//itinerary//EN"
UID_DOMAIN = "home-health-scheduler"


def itinerary_to_ics(
    itinerary: Itinerary, *, calendar_name: str | None = None, stamp: datetime | None = None
) -> str:
    """The itinerary as an RFC 5545 calendar: one event per visit, times in UTC.

    Parameters
    ----------
    itinerary
        The day to export.
    calendar_name
        Calendar display name; ``None`` uses the clinician's name and the date.
    stamp
        DTSTAMP of the events (aware); ``None`` uses the current time.

    Returns
    -------
    str
        The calendar text with CRLF line endings. Event UIDs are stable per visit, so
        re-importing an updated itinerary replaces the events.
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    name = calendar_name or f"{itinerary.clinician_name} - {itinerary.date.isoformat()}"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", itinerary.timezone)
    for stop in itinerary.stops:
        event = Event()
        event.add("uid", f"{stop.visit_id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", stop.start.astimezone(UTC))
        event.add("dtend", stop.end.astimezone(UTC))
        event.add("summary", f"{stop.discipline} {stop.visit_type} visit - {stop.patient_name}")
        event.add("location", stop.address or f"{stop.latitude:.6f}, {stop.longitude:.6f}")
        event.add("geo", (stop.latitude, stop.longitude))
        event.add("description", _describe(stop, itinerary.date))
        event.add("categories", [str(stop.discipline)])
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def itinerary_to_html(itinerary: Itinerary, *, map_svg: str) -> str:
    """The itinerary as a printable, self-contained HTML page with the map of the day.

    Parameters
    ----------
    itinerary
        The day to print.
    map_svg
        An inline ``<svg>`` element (see ``route_map.route_map_svg``), inserted as is: it must
        come from trusted code, never from user input.

    Returns
    -------
    str
        A complete HTML document; it fetches nothing.
    """
    day = itinerary.date
    title = f"{itinerary.clinician_name} ({itinerary.credential}) - {day.isoformat()}"
    facts = [("Clinician", f"{itinerary.clinician_name} ({itinerary.credential})")]
    facts.append(("Date", f"{day.strftime('%A')} {day.isoformat()} ({itinerary.timezone})"))
    if itinerary.leave is not None and itinerary.back is not None:
        back = f"{_clock(itinerary.leave, day)} / {_clock(itinerary.back, day)}"
        facts.append(("Leave / back", back))
    if itinerary.lunch_start is not None and itinerary.lunch_end is not None:
        lunch = f"{_clock(itinerary.lunch_start, day)}-{_clock(itinerary.lunch_end, day)}"
        facts.append(("Lunch", lunch))
    facts.append(
        (
            "Totals",
            f"{len(itinerary.stops)} visits, {itinerary.travel_minutes} min and "
            f"{itinerary.travel_km:.1f} km driving (way back included)",
        )
    )
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    rows = "".join(
        "<tr>"
        f'<td class="num">{stop.number}</td>'
        f"<td>{escape(_clock(stop.window_start, day))}-{escape(_clock(stop.window_end, day))}</td>"
        f"<td>{escape(_clock(stop.arrival, day))}</td>"
        f"<td>{escape(_clock(stop.start, day))}-{escape(_clock(stop.end, day))}</td>"
        f"<td>{escape(stop.patient_name)}</td>"
        f"<td>{escape(stop.address or f'{stop.latitude:.5f}, {stop.longitude:.5f}')}</td>"
        f"<td>{escape(f'{stop.discipline} {stop.visit_type}')}"
        f"{f'<br>{escape(_link_note(stop.linked, day))}' if stop.linked else ''}</td>"
        f'<td class="num">{stop.travel_minutes} min</td>'
        "</tr>"
        for stop in itinerary.stops
    )
    table = (
        '<table class="stops"><thead><tr><th>#</th><th>Window</th><th>Arrive</th>'
        "<th>Visit</th><th>Patient</th><th>Address</th><th>Service</th><th>Drive</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if itinerary.stops
        else '<p class="empty">No visits planned this day.</p>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 16px; color: #111; }}
h1 {{ font-size: 1.3em; margin: 0 0 8px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }}
th, td {{ padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }}
.summary th {{ color: #555; font-weight: normal; }}
.num {{ text-align: right; }}
.map svg {{ max-width: 100%; height: auto; border: 1px solid #999; }}
@media print {{
  body {{ margin: 0; font-size: 10pt; }}
  .stops tr {{ break-inside: avoid; }}
  .map {{ break-before: page; }}
}}
</style></head><body>
<h1>{escape(title)}</h1>
<table class="summary">{summary}</table>
{table}
<div class="map">{map_svg}</div>
</body></html>
"""


def _link_note(linked: LinkedVisit, day: date) -> str:
    """E.g. ``With Jane Doe (joint visit)``, ``After Jane Doe's RN visit at 09:00``."""
    if linked.relation == "joint":
        return f"With {linked.clinician_name} (joint visit)"
    name, at = linked.clinician_name, _clock(linked.start, day)
    return f"{linked.relation.capitalize()} {name}'s {linked.credential} visit at {at}"


def _clock(moment: datetime, day: date) -> str:
    """``HH:MM``, with the date in front when ``moment`` falls on another day than ``day``."""
    return moment.strftime("%H:%M" if moment.date() == day else "%Y-%m-%d %H:%M")


def _describe(stop: ItineraryStop, day: date) -> str:
    """The event description: window, planned times, drive and visit id."""
    return "\n".join(
        [
            f"Arrive between {_clock(stop.window_start, day)} and {_clock(stop.window_end, day)}.",
            f"Planned arrival {_clock(stop.arrival, day)}, visit {_clock(stop.start, day)}-"
            f"{_clock(stop.end, day)}.",
            f"Drive {stop.travel_minutes} min ({stop.travel_km:.1f} km).",
            *([f"{_link_note(stop.linked, day)}."] if stop.linked else []),
            f"Visit id: {stop.visit_id}",
        ]
    )
