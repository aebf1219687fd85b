"""A FHIR R4 Bundle as our import records: clinicians, patients and care plans of one branch.

The branch is the request's, or the Bundle's: the Organization its Patients'
``managingOrganization`` and PractitionerRoles' ``organization`` name, else the one
Organization no other is ``partOf`` (an agency's Organization holds its branches); its id is
the Organization's first identifier value (else its id), as for every record.
Patient -> patient (name; home from an address with the geolocation extension, or from the
Location a ServiceRequest of theirs names). Practitioner -> clinician (name, home address with
position, credential from ``qualification``); its PractitionerRoles give the discipline
(``code``), skills (``specialty``) and weekly hours (``availableTime``). ServiceRequest ->
care plan (discipline from ``code``, frequency order, start of care and visit minutes from
``occurrenceTiming``, primary clinician from ``performer``); a CarePlan's ``activity.detail``
likewise from ``scheduledTiming``, those of one discipline being one order's segments. A
record's id is the resource's first identifier value (else its id), so a re-import of the same
Bundle replaces each record with itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scheduler.domain.clinician import Credential, Discipline
from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError
from scheduler.fhir._read import (
    Entry,
    address_position,
    address_text,
    codes,
    human_name,
    read_entries,
    record_id,
)
from scheduler.fhir.timing import as_day, repeat_to_frequency

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALIASES = {"nurse": "SN"}  # the practitioner-role code system's word for our discipline


@dataclass
class BundleRecords:
    """Import records of ``branch_id``, each with the resource it came from (``Patient/p1``)."""

    branch_id: str
    clinicians: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    patients: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    care_plans: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def bundle_to_records(bundle: Any, *, branch_id: str | None) -> BundleRecords:
    """The records a Bundle (parsed JSON) asks for, in ``branch_id`` or the Bundle's branch.

    Raises
    ------
    ProblemError
        Naming the resource (type/id) and field that cannot be read, or when the branch is
        neither given nor in the Bundle, or they differ.
    """
    entries = read_entries(bundle)
    ids = _Ids(entries)
    by_type: dict[str, list[Entry]] = {}
    for entry in entries:
        by_type.setdefault(entry.resource.get_resource_type(), []).append(entry)
    branch_id = _branch(by_type, ids, branch_id)
    records = BundleRecords(branch_id)
    roles = by_type.get("PractitionerRole", [])
    for entry in by_type.get("Practitioner", []):
        own = [role for role in roles if ids.target(role.resource.practitioner) == entry]
        records.clinicians.append((entry.name, _clinician(entry, own, ids, branch_id)))
    for role in roles:
        if ids.target(role.resource.practitioner) is None:
            raise ProblemError(f"{role.name}: practitioner: name a Practitioner of the Bundle")
    homes = _homes_from_locations(by_type, ids)
    for entry in by_type.get("Patient", []):
        records.patients.append((entry.name, _patient(entry, homes, branch_id)))
    for entry in by_type.get("ServiceRequest", []):
        records.care_plans.append((entry.name, _service_request(entry, ids)))
    for entry in by_type.get("CarePlan", []):
        records.care_plans += _care_plan(entry, ids)
    return records


class _Ids:
    """References (``Patient/p1``, a fullUrl, or an identifier) resolved to Bundle entries."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries: dict[str, Entry] = {}
        for entry in entries:
            kind = entry.resource.get_resource_type()
            if entry.resource.id:
                self.entries[f"{kind}/{entry.resource.id}"] = entry
            if entry.full_url:
                self.entries[entry.full_url] = entry
            for identifier in entry.resource.identifier or ():
                self.entries[f"{kind}?{identifier.system}|{identifier.value}"] = entry

    def target(self, reference: Any) -> Entry | None:
        """The entry a Reference names, if it is in the Bundle."""
        if reference is None:
            return None
        if reference.reference:
            return self.entries.get(reference.reference)
        identifier = reference.identifier
        if identifier is not None and reference.type:
            return self.entries.get(f"{reference.type}?{identifier.system}|{identifier.value}")
        return None

    def record(self, reference: Any, kinds: tuple[str, ...], where: str) -> str:
        """Our id of the record a Reference names (an entry, or an identifier of ours)."""
        entry = self.target(reference)
        if entry is not None and entry.resource.get_resource_type() in kinds:
            return record_id(entry)
        if reference is not None and reference.identifier and reference.identifier.value:
            return str(reference.identifier.value)
        raise ProblemError(f"{where}: name a {' or '.join(kinds)} of the Bundle")


def _branch(by_type: dict[str, list[Entry]], ids: _Ids, given: str | None) -> str:
    """The branch: ``given``, or the Bundle's branch Organization (see the module), agreeing."""
    named: dict[str, str] = {}
    for kind, attribute in (
        ("Patient", "managingOrganization"),
        ("PractitionerRole", "organization"),
    ):
        for entry in by_type.get(kind, []):
            reference = getattr(entry.resource, attribute)
            if reference is not None:
                where = f"{entry.name}: {attribute}"
                named.setdefault(ids.record(reference, ("Organization",), where), where)
    if not named:
        organizations = by_type.get("Organization", [])
        targets = (ids.target(o.resource.partOf) for o in organizations)
        parents = {target.name for target in targets if target is not None}
        for entry in (o for o in organizations if o.name not in parents):
            named.setdefault(record_id(entry), f"{entry.name}: identifier")
    if len(named) > 1:
        raise ProblemError(
            f"{' and '.join(sorted(named.values()))}: the Bundle names branches "
            f"{', '.join(sorted(named))}; send one branch's records in a Bundle"
        )
    found, where = next(iter(named.items()), (None, ""))
    if given is not None and found is not None and found != given:
        raise ProblemError(f"{where}: the Bundle's branch is {found!r}, not {given!r}")
    if given is None and found is None:
        raise ProblemError(
            "Organization: give the branch as an Organization (its identifier: the branch id), "
            "or branch_id"
        )
    return given or str(found)


def _clinician(entry: Entry, roles: list[Entry], ids: _Ids, branch_id: str) -> dict[str, Any]:
    home = address_position(entry)
    if home is None:
        raise ProblemError(
            f"{entry.name}: address: give a home address with the geolocation extension"
        )
    credential = _credential(entry, roles)
    skills: set[str] = set()
    hours: dict[int, dict[str, Any]] = {}
    for role in roles:
        skills.update(codes(role.resource.specialty))
        for number, available in enumerate(role.resource.availableTime or ()):
            where = f"{role.name}: availableTime[{number}]"
            for day in available.daysOfWeek or ():
                if day not in WEEKDAYS:
                    raise ProblemError(f"{where}.daysOfWeek: {day!r} is not one of {WEEKDAYS}")
                weekday = WEEKDAYS.index(day)
                if weekday in hours:
                    raise ProblemError(f"{where}.daysOfWeek: {day} is given twice")
                hours[weekday] = _hours(available, weekday, where)
    return {
        "id": record_id(entry),
        "branch_id": branch_id,
        "name": human_name(entry),
        "credential": credential,
        "skills": sorted(skills),
        "home_latitude": home[0],
        "home_longitude": home[1],
        "home_address": home[2],
        "weekly_hours": [hours[day] for day in sorted(hours)],
    }


def _credential(entry: Entry, roles: list[Entry]) -> str:
    """The credential from ``qualification``, else from a role's code; checked against roles."""
    credentials = set(Credential)
    found = [code for q in entry.resource.qualification or () for code in codes(q.code)]
    credential = next((code for code in found if code in credentials), None)
    disciplines = {
        (role.name, ALIASES.get(code, code))
        for role in roles
        for code in codes(role.resource.code)
        if ALIASES.get(code, code) in set(Discipline) or code in credentials
    }
    if credential is None:
        credential = next((code for _, code in disciplines if code in credentials), None)
    if credential is None:
        raise ProblemError(
            f"{entry.name}: qualification.code: give a credential coded "
            f"{', '.join(c.value for c in Credential)}"
        )
    for role_name, code in disciplines:
        discipline = Credential(code).discipline if code in credentials else Discipline(code)
        if discipline != Credential(credential).discipline:
            raise ProblemError(
                f"{role_name}: code: {code} is not the discipline of a {credential} "
                f"({Credential(credential).discipline})"
            )
    return credential


def _hours(available: Any, weekday: int, where: str) -> dict[str, Any]:
    if available.allDay:
        return {"weekday": weekday, "start": "00:00", "end": "23:59"}
    if available.availableStartTime is None or available.availableEndTime is None:
        raise ProblemError(f"{where}: give availableStartTime and availableEndTime, or allDay")
    return {
        "weekday": weekday,
        "start": available.availableStartTime.isoformat(),
        "end": available.availableEndTime.isoformat(),
    }


def _homes_from_locations(
    by_type: dict[str, list[Entry]], ids: _Ids
) -> dict[str, tuple[float, float, str | None]]:
    """Patients' homes from the positioned Locations their ServiceRequests name."""
    homes: dict[str, tuple[float, float, str | None]] = {}
    for request in by_type.get("ServiceRequest", []):
        patient = ids.target(request.resource.subject)
        for reference in request.resource.locationReference or ():
            location = ids.target(reference)
            if patient is None or location is None or location.resource.position is None:
                continue
            position = location.resource.position
            homes.setdefault(
                patient.name,
                (
                    float(position.latitude),
                    float(position.longitude),
                    address_text(location.resource.address),
                ),
            )
    return homes


def _patient(
    entry: Entry, homes: dict[str, tuple[float, float, str | None]], branch_id: str
) -> dict[str, Any]:
    home = address_position(entry) or homes.get(entry.name)
    if home is None:
        raise ProblemError(
            f"{entry.name}: address: give an address with the geolocation extension, or a "
            "ServiceRequest naming a Location with a position"
        )
    return {
        "id": record_id(entry),
        "branch_id": branch_id,
        "name": human_name(entry),
        "latitude": home[0],
        "longitude": home[1],
        "address": home[2],
    }


def _discipline(concept: Any, where: str) -> str:
    for code in codes(concept):
        if code in set(Discipline):
            return code
        if code in set(Credential):
            return Credential(code).discipline.value
    raise ProblemError(f"{where}: give a discipline coded {', '.join(d.value for d in Discipline)}")


def _plan(
    *,
    plan_id: str,
    patient_id: str,
    discipline: str,
    timing: Any,
    fallback_start: Any,
    performer: str | None,
    where: str,
) -> dict[str, Any]:
    """A care plan record from a discipline and a Timing."""
    if timing is None:
        raise ProblemError(f"{where}: give a Timing with repeat")
    frequency, start, minutes = repeat_to_frequency(timing.repeat, where=where)
    start = start or fallback_start
    if start is None:
        raise ProblemError(f"{where}.repeat.boundsPeriod.start: give the first day of care")
    if minutes is None:
        raise ProblemError(f"{where}.repeat.duration: give each visit's length (min or h)")
    record = {
        "id": plan_id,
        "patient_id": patient_id,
        "discipline": discipline,
        "frequency": frequency,
        "start_of_care": start.isoformat(),
        "visit_minutes": minutes,
    }
    if performer is not None:
        record["primary_clinician_id"] = performer
    return record


def _performer(references: Any, ids: _Ids) -> str | None:
    """The clinician a performer names (a Practitioner, or a PractitionerRole's)."""
    for reference in references or ():
        entry = ids.target(reference)
        if entry is None:
            continue
        kind = entry.resource.get_resource_type()
        if kind == "PractitionerRole":
            entry = ids.target(entry.resource.practitioner)
            kind = entry.resource.get_resource_type() if entry else ""
        if entry is not None and kind == "Practitioner":
            return record_id(entry)
    return None


def _active(entry: Entry) -> None:
    """Refuse an order that is not ``active`` (a care plan here is one to plan visits for)."""
    if entry.resource.status != "active":
        raise ProblemError(
            f"{entry.name}: status: {entry.resource.status} is not active; send only active "
            "orders (delete a stopped care plan through /v1/care-plans)"
        )


def _service_request(entry: Entry, ids: _Ids) -> dict[str, Any]:
    _active(entry)
    request = entry.resource
    return _plan(
        plan_id=record_id(entry),
        patient_id=ids.record(request.subject, ("Patient",), f"{entry.name}: subject"),
        discipline=_discipline(request.code, f"{entry.name}: code"),
        timing=request.occurrenceTiming,
        fallback_start=as_day(request.authoredOn),
        performer=_performer(request.performer, ids),
        where=f"{entry.name}: occurrenceTiming",
    )


def _care_plan(entry: Entry, ids: _Ids) -> list[tuple[str, dict[str, Any]]]:
    """One care plan per discipline of the ``activity.detail`` with a ``scheduledTiming``.

    Details of one discipline, in order, are the segments of one order (``3W2, 2W3``): each
    starts where the one before ends (its own ``boundsPeriod.start``, if given, must say so),
    at the same visit length. The care plan's id is the CarePlan's and the discipline
    (``CP-77.SN``). Activities referring to a ServiceRequest add nothing (it is read itself).
    """
    _active(entry)
    plan = entry.resource
    first = as_day(plan.period.start) if plan.period else None
    records: dict[str, dict[str, Any]] = {}
    for number, activity in enumerate(plan.activity or ()):
        detail = activity.detail
        if detail is None:
            continue
        where = f"{entry.name}: activity[{number}].detail"
        discipline = _discipline(detail.code, f"{where}.code")
        earlier = records.get(discipline)
        expected = first
        if earlier is not None:
            expected = date.fromisoformat(earlier["start_of_care"]) + timedelta(
                days=parse_frequency(earlier["frequency"]).days
            )
        record = _plan(
            plan_id=f"{record_id(entry)}.{discipline}",
            patient_id=ids.record(plan.subject, ("Patient",), f"{entry.name}: subject"),
            discipline=discipline,
            timing=detail.scheduledTiming,
            fallback_start=expected,
            performer=_performer(detail.performer, ids),
            where=f"{where}.scheduledTiming",
        )
        if earlier is None:
            records[discipline] = record
            continue
        if record["start_of_care"] != expected.isoformat():
            raise ProblemError(
                f"{where}.scheduledTiming.repeat.boundsPeriod.start: the {discipline} order's "
                f"next segment starts {record['start_of_care']}, its previous one ends the day "
                f"before {expected.isoformat()}: give consecutive segments"
            )
        if record["visit_minutes"] != earlier["visit_minutes"]:
            raise ProblemError(
                f"{where}.scheduledTiming.repeat.duration: every {discipline} segment of a "
                f"CarePlan is one order with one visit length ({earlier['visit_minutes']} min)"
            )
        earlier["frequency"] += f", {record['frequency']}"
    return [(entry.name, record) for record in records.values()]
