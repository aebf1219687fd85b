"""Linked visits in a replan: a visit whose partner is frozen is timed and staffed from it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from scheduler.domain import Patient, ReasonCode, TimeWindow, Unassigned, Visit, VisitLink


@dataclass(frozen=True)
class BoundVisits:
    """The visits to replan once bound to their frozen partners.

    ``visits``: to plan, each with a frozen partner starting only within the link's gap of it;
    ``left_out``: those with no start left in that gap; ``patients``: each patient avoiding the
    clinicians of their frozen linked visits (so the pair stays two people).
    """

    visits: tuple[Visit, ...]
    left_out: tuple[tuple[Visit, Unassigned], ...]
    patients: tuple[Patient, ...]


def bind_to_frozen(
    to_plan: Sequence[Visit],
    links: Iterable[VisitLink],
    frozen: dict[str, tuple[str, int]],
    patients: Sequence[Patient],
) -> BoundVisits:
    """Bind each visit to plan whose linked visit is frozen to that visit.

    Parameters
    ----------
    to_plan
        The visits to replan.
    links
        The links of the day.
    frozen
        Clinician and start second of each frozen visit (under way or made).
    patients
        The patients of the day.
    """
    bound_to = {
        visit_id: (link, link.partner_of(visit_id))
        for link in links
        for visit_id in link.visit_ids
        if link.partner_of(visit_id) in frozen
    }
    visits, left_out, apart = [], [], {}
    for visit in to_plan:
        if visit.id not in bound_to:
            visits.append(visit)
            continue
        link, partner = bound_to[visit.id]
        clinician, start = frozen[partner]
        apart.setdefault(visit.patient_id, set()).add(clinician)
        low, high = start + link.min_gap, start + link.max_gap
        if visit.id == link.first:
            low, high = start - link.max_gap, start - link.min_gap
        windows = tuple(
            TimeWindow(max(w.start, low), min(w.end, high))
            for w in visit.windows
            if max(w.start, low) <= min(w.end, high)
        )
        if windows:
            visits.append(replace(visit, windows=windows))
            continue
        reason = Unassigned(
            visit.id,
            ReasonCode.LINKED_VISIT_LEFT_OUT,
            f"Its linked visit {partner} is under way or made, and no start within the link's "
            "gap of it fits this visit's windows.",
        )
        left_out.append((visit, reason))
    return BoundVisits(
        tuple(visits),
        tuple(left_out),
        tuple(
            replace(p, excluded_clinicians=p.excluded_clinicians | apart[p.id])
            if p.id in apart
            else p
            for p in patients
        ),
    )


def links_among(links: Iterable[VisitLink], visits: Iterable[Visit]) -> tuple[VisitLink, ...]:
    """The links both of whose visits are among ``visits``."""
    ids = {visit.id for visit in visits}
    return tuple(link for link in links if set(link.visit_ids) <= ids)
