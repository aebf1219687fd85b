"""Who may make a visit: discipline, credential, skills, exclusions and pins."""

from __future__ import annotations

from scheduler.domain.clinician import Clinician
from scheduler.domain.patient import Patient
from scheduler.domain.visit import Visit


def competence_gap(clinician: Clinician, visit: Visit) -> str | None:
    """What the clinician lacks to make the visit (discipline, credential, skills), if anything.

    Returns
    -------
    str or None
        A short phrase such as ``"is PT, visit needs SN"``, or ``None`` when competent.
    """
    if clinician.discipline != visit.discipline:
        return f"is {clinician.discipline}, visit needs {visit.discipline}"
    if visit.credentials and clinician.credential not in visit.credentials:
        allowed = "/".join(sorted(visit.credentials))
        return f"is {clinician.credential}, visit needs {allowed}"
    missing = visit.required_skills - clinician.skills
    if missing:
        return f"lacks {', '.join(sorted(missing))}"
    return None


def qualification_gap(clinician: Clinician, visit: Visit, patient: Patient) -> str | None:
    """Why ``clinician`` may not make ``visit``: competence, exclusion or pin; else ``None``."""
    gap = competence_gap(clinician, visit)
    if gap is not None:
        return gap
    if clinician.id in patient.excluded_clinicians:
        return "is excluded by the patient"
    if visit.pinned_clinician is not None and visit.pinned_clinician != clinician.id:
        return f"visit is pinned to {visit.pinned_clinician}"
    return None
