"""A problem as API import records: a link is written on its second visit."""

from __future__ import annotations

from dataclasses import replace

from scheduler.demo.agency import generate_agency
from scheduler.domain import HOUR, LinkKind, VisitLink
from scheduler.service.problem_records import problem_to_records


def test_links_go_on_their_second_visits_with_gaps_in_minutes():
    """The sequential link carries its gaps, the simultaneous one none; first visits no link."""
    agency = generate_agency(clinicians=2, patients=2)
    nurse, lift = agency.visits[:2]
    aide, helper = (replace(visit, id=f"{visit.id}-b") for visit in (nurse, lift))
    problem = replace(
        agency,
        visits=(*agency.visits, aide, helper),
        links=(
            VisitLink(nurse.id, aide.id, LinkKind.SEQUENTIAL, HOUR, 2 * HOUR),
            VisitLink(lift.id, helper.id, LinkKind.SIMULTANEOUS),
        ),
    )
    records = problem_to_records(problem, branch_id="b")["visits"]
    links = {record["id"]: record["link"] for record in records}
    assert links[aide.id] == {
        "visit_id": nurse.id,
        "kind": "sequential",
        "min_gap_minutes": 60,
        "max_gap_minutes": 120,
    }
    assert links[helper.id] == {
        "visit_id": lift.id,
        "kind": "simultaneous",
        "min_gap_minutes": None,
        "max_gap_minutes": None,
    }
    assert links[nurse.id] is None and links[lift.id] is None
