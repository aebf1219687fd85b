"""What a new plan version changes against the published one: who gains, loses or moves what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

Slot = tuple[str, datetime]


@dataclass(frozen=True)
class PlanChange:
    """One visit placed differently: before (published) and after (the new version)."""

    visit_id: str
    patient_name: str
    kind: str
    before: str | None
    after: str | None


def plan_changes(
    published: Mapping[str, Slot],
    new: Mapping[str, Slot],
    clinician_names: Mapping[str, str],
    patient_names: Mapping[str, str],
) -> dict[str, list[PlanChange]]:
    """The changes by clinician name (each under every clinician it concerns)."""

    def shown(slot: Slot | None) -> str | None:
        if slot is None:
            return None
        clinician, start = slot
        return f"{clinician_names.get(clinician, clinician)}, {start:%a %d %b %H:%M}"

    by_clinician: dict[str, list[PlanChange]] = {}
    for visit_id in sorted({*published, *new}):
        before, after = published.get(visit_id), new.get(visit_id)
        if before == after:
            continue
        if before is None:
            kind = "added"
        elif after is None:
            kind = "left out"
        else:
            kind = "reassigned" if before[0] != after[0] else "retimed"
        change = PlanChange(
            visit_id, patient_names.get(visit_id, ""), kind, shown(before), shown(after)
        )
        for slot in {before, after} - {None}:
            name = clinician_names.get(slot[0], slot[0])
            if change not in by_clinician.setdefault(name, []):
                by_clinician[name].append(change)
    return dict(sorted(by_clinician.items()))
