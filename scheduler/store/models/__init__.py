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
    "UtcDateTime",
    "Visit",
    "VisitLink",
    "VisitStatus",
    "Webhook",
    "WebhookDelivery",
    "utc_now",
]
