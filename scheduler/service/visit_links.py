"""Linking two visits of one patient: the rules a stored link must keep."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.domain import VisitLink
from scheduler.errors import NotFoundError, ProblemError
from scheduler.store import models
from scheduler.store.branch_problem import OPEN_STATUSES
from scheduler.store.records import get_record
from scheduler.store.visit_links import add_visit_link, delete_visit_link, visit_links


def replace_visit_link(
    session: Session, *, agency_id: str, visit_id: str, link: VisitLink | None
) -> None:
    """Make ``link`` the link whose second visit is the agency's ``visit_id``; ``None`` unlinks.

    Both visits are the agency's (ids are scoped per agency).

    A link is written on its second visit: a link in which ``visit_id`` is the first visit
    stays as it is (it belongs to its second visit).

    Raises
    ------
    NotFoundError
        For an unknown ``visit_id``.
    ProblemError
        When ``link`` does not have ``visit_id`` as its second visit, names a visit that is not
        an open visit given one by one for the same patient, or either visit is already in
        another link.
    """
    visit = get_record(session, models.Visit, (agency_id, visit_id))
    if visit is None:
        raise NotFoundError(f"no visit {visit_id!r}")
    delete_visit_link(session, agency_id=agency_id, second_visit_id=visit_id)
    if link is None:
        return
    if link.second != visit_id:
        raise ProblemError(f"a link written on visit {visit_id!r} needs it as its second visit")
    partner = get_record(session, models.Visit, (agency_id, link.first))
    if partner is None or partner.branch_id != visit.branch_id:
        raise ProblemError(
            f"no visit {link.first!r} in branch {visit.branch_id!r} to link visit {visit_id!r} to"
        )
    if partner.patient_id != visit.patient_id:
        raise ProblemError(
            f"visit {link.first!r} is for another patient than visit {visit_id!r}; "
            "a link joins two visits of one patient"
        )
    for row in (partner, visit):
        if row.care_plan_id is not None:
            raise ProblemError(
                f"visit {row.id!r} comes from care plan {row.care_plan_id!r}; "
                "only visits given one by one can be linked"
            )
        if row.status not in OPEN_STATUSES:
            raise ProblemError(
                f"visit {row.id!r} is {row.status}; only planned or published visits can be linked"
            )
    taken = visit_links(session, agency_id=agency_id, visit_ids=link.visit_ids)
    for linked_id in link.visit_ids:
        if linked_id in taken:
            held = taken[linked_id]
            raise ProblemError(
                f"visit {linked_id!r} is already linked with visit {held.partner_of(linked_id)!r}; "
                f"replace visit {held.second!r} without a link to unlink them first"
            )
    add_visit_link(session, link=link, agency_id=agency_id)
