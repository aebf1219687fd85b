"""Reading R4B resources out of a Bundle: validation naming the resource, names, places, ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from scheduler.errors import ProblemError

GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"
READ = (
    "Organization",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "ServiceRequest",
    "CarePlan",
)


@dataclass(frozen=True)
class Entry:
    """One resource of a Bundle, validated, with the name errors give it (``Patient/p1``)."""

    name: str
    resource: Any
    full_url: str | None


def read_entries(bundle: Any) -> list[Entry]:
    """The Bundle's resources of the types we read, each validated by its R4B model.

    Raises
    ------
    ProblemError
        Naming the resource (type/id) and the field the R4B model refused.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ProblemError("resourceType: give a FHIR Bundle")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise ProblemError("Bundle.entry: give a list of entries")
    read: list[Entry] = []
    for number, entry in enumerate(entries):
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
            raise ProblemError(f"Bundle.entry[{number}].resource: give a resource")
        kind = raw["resourceType"]
        name = f"{kind}/{raw.get('id') or f'entry[{number}]'}"
        if kind not in READ:
            continue
        try:
            resource = get_fhir_model_class(kind).model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "resource"
            raise ProblemError(f"{name}: {field}: {first['msg']}") from None
        read.append(Entry(name, resource, entry.get("fullUrl")))
    try:
        Bundle.model_validate({**bundle, "entry": []})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ProblemError(f"Bundle: {field}: {first['msg']}") from None
    return read


def record_id(entry: Entry) -> str:
    """Our record id: the resource's first identifier value, else its logical id."""
    for identifier in entry.resource.identifier or ():
        if identifier.value:
            return str(identifier.value)
    if entry.resource.id:
        return str(entry.resource.id)
    raise ProblemError(f"{entry.name}: identifier: give an identifier (system and value) or an id")


def human_name(entry: Entry) -> str:
    """The first name's text, or its given names and family."""
    for name in entry.resource.name or ():
        text = name.text or " ".join([*(name.given or ()), name.family or ""]).strip()
        if text:
            return text
    raise ProblemError(f"{entry.name}: name: give a name (text, or given and family)")


def address_position(entry: Entry) -> tuple[float, float, str | None] | None:
    """Latitude, longitude and text of the first address with the geolocation extension."""
    for address in entry.resource.address or ():
        for extension in address.extension or ():
            if extension.url != GEOLOCATION:
                continue
            parts = {part.url: part.valueDecimal for part in extension.extension or ()}
            if parts.get("latitude") is None or parts.get("longitude") is None:
                raise ProblemError(
                    f"{entry.name}: address.extension(geolocation): give latitude and longitude"
                )
            return float(parts["latitude"]), float(parts["longitude"]), address_text(address)
    return None


def address_text(address: Any) -> str | None:
    """An address as one line: its text, else its lines, city, state and postal code."""
    if address is None:
        return None
    if address.text:
        return str(address.text)
    parts = [*(address.line or ()), address.city, address.state, address.postalCode]
    return ", ".join(str(part) for part in parts if part) or None


def codes(concepts: Any) -> list[str]:
    """Every coding's code and each concept's text, of one CodeableConcept or a list of them."""
    if concepts is None:
        return []
    found: list[str] = []
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        found += [coding.code for coding in concept.coding or () if coding.code]
        if concept.text:
            found.append(concept.text)
    return found
