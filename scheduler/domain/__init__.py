"""The pure domain model: plain frozen dataclasses and functions, no framework."""

from scheduler.domain.care_plan import CarePlan, CareRules
from scheduler.domain.clinician import Clinician, Credential, Discipline, LunchBreak, Shift
from scheduler.domain.incumbent import Assignment, Incumbent
from scheduler.domain.kpis import ClinicianKpis, clinician_kpis, compute_kpis
from scheduler.domain.location import Location
from scheduler.domain.patient import Availability, Patient
from scheduler.domain.plan import Kpis, Plan, ReasonCode, Route, Stop, Unassigned
from scheduler.domain.problem import Horizon, Problem
from scheduler.domain.qualification import competence_gap, qualification_gap
from scheduler.domain.rush_hours import RushHour, RushHours, parse_rush_hours
from scheduler.domain.time_window import DAY, HOUR, MINUTE, TimeWindow, format_clock
from scheduler.domain.travel import TravelMatrix
from scheduler.domain.visit import Visit, VisitType
from scheduler.domain.visit_link import LinkKind, VisitLink

__all__ = [
    "DAY",
    "HOUR",
    "MINUTE",
    "Assignment",
    "Availability",
    "CarePlan",
    "CareRules",
    "Clinician",
    "ClinicianKpis",
    "Credential",
    "Discipline",
    "Horizon",
    "Incumbent",
    "Kpis",
    "LinkKind",
    "Location",
    "LunchBreak",
    "Patient",
    "Plan",
    "Problem",
    "ReasonCode",
    "Route",
    "RushHour",
    "RushHours",
    "Shift",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "Unassigned",
    "Visit",
    "VisitLink",
    "VisitType",
    "clinician_kpis",
    "competence_gap",
    "compute_kpis",
    "format_clock",
    "parse_rush_hours",
    "qualification_gap",
]
