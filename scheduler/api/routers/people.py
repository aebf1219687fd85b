"""Clinicians, patients and care plans: the records a branch keeps."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.api.crud import Resource, resource_router
from scheduler.api.schemas.people import (
    CarePlanCreate,
    CarePlanPublic,
    CarePlanUpdate,
    ClinicianCreate,
    ClinicianPublic,
    ClinicianUpdate,
    PatientCreate,
    PatientPublic,
    PatientUpdate,
)
from scheduler.store import models
from scheduler.store.users import delete_users_of_clinician


def withdraw_clinician_access(session: Session, clinician: models.Clinician) -> None:
    """Delete a clinician, and with them their users in the same transaction.

    The clinician's user accounts are deleted (not just disabled), so their tokens answer 401
    from the next call and nobody keeps reading patients through them. Visits and care plans
    still naming the clinician keep the delete refused (409).
    """
    delete_users_of_clinician(session, agency_id=clinician.agency_id, clinician_id=clinician.id)


CLINICIANS = Resource(
    name="clinicians",
    label="clinician",
    model=models.Clinician,
    create=ClinicianCreate,
    update=ClinicianUpdate,
    public=ClinicianPublic,
    clinicians_named=lambda payload: set(),
    before_delete=withdraw_clinician_access,
)
PATIENTS = Resource(
    name="patients",
    label="patient",
    model=models.Patient,
    create=PatientCreate,
    update=PatientUpdate,
    public=PatientPublic,
    clinicians_named=lambda payload: {*payload.preferred_clinicians, *payload.excluded_clinicians},
)
CARE_PLANS = Resource(
    name="care-plans",
    label="care plan",
    model=models.CarePlan,
    create=CarePlanCreate,
    update=CarePlanUpdate,
    public=CarePlanPublic,
    clinicians_named=lambda payload: {payload.primary_clinician_id} - {None},
    parent=models.Patient,
)

clinicians = resource_router(CLINICIANS)
patients = resource_router(PATIENTS)
care_plans = resource_router(CARE_PLANS)
