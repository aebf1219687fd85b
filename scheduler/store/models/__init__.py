"""The database tables as SQLAlchemy 2 typed ORM models, one module per kind of table.

Nested value objects (weekly hours, availability, windows, skills) are JSON columns: they are
read and written whole with their owner and never queried on their own. Instants are stored
in UTC; dates are the branch's local calendar dates.
"""

from scheduler.store.models.base import (
    Base,
    BatchRunStatus,
    JobStatus,
    PlanStatus,
    Role,
    UtcDateTime,
    VisitStatus,
    utc_now,
)
from scheduler.store.models.operations import (
    AuditEntry,
    IdempotentRequest,
    JobLease,
    JobRequest,
    Webhook,
    WebhookDelivery,
)
from scheduler.store.models.plans import (
    BatchRun,
    Plan,
    PlanningJob,
    PlanRoute,
    PlanStop,
    PlanUnassigned,
    PublishedDay,
)
from scheduler.store.models.records import (
    Agency,
    Branch,
    CarePlan,
    Clinician,
    Patient,
    User,
    Visit,
    VisitLink,
)
from scheduler.store.models.sign_in import UserPassword, WebSession

__all__ = [
    "Agency",
    "AuditEntry",
    "Base",
    "BatchRun",
    "BatchRunStatus",
    "Branch",
    "CarePlan",
    "Clinician",
    "IdempotentRequest",
    "JobLease",
    "JobRequest",
    "JobStatus",
    "Patient",
    "Plan",
    "PlanRoute",
    "PlanStatus",
    "PlanStop",
    "PlanUnassigned",
    "PlanningJob",
    "PublishedDay",
    "Role",
    "User",
    "UserPassword",
    "UtcDateTime",
    "Visit",
    "VisitLink",
    "VisitStatus",
    "WebSession",
    "Webhook",
    "WebhookDelivery",
    "utc_now",
]
