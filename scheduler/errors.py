"""Domain exceptions. Only ``api/`` and ``cli/`` turn them into HTTP or exit codes."""


class SchedulerError(Exception):
    """Base class of every error this package raises on purpose."""


class ProblemError(SchedulerError, ValueError):
    """A problem, plan or input file is malformed: the message says what and how to fix it."""


class TravelError(SchedulerError, ValueError):
    """Travel times cannot be computed for the given locations or settings."""


class BenchmarkError(SchedulerError, FileNotFoundError):
    """A benchmark set or instance is missing or unreadable."""


class NotFoundError(SchedulerError, LookupError):
    """A named record does not exist (or is not visible to the caller)."""


class ConflictError(SchedulerError, ValueError):
    """The request contradicts the stored state (a duplicate id, a plan already published)."""


class StaleError(ConflictError):
    """The caller's view is out of date: someone changed the record since they read it."""


class OutdatedPlanError(ConflictError):
    """A plan's stops no longer match the records: visits deleted, made or changed since.

    ``stops`` lists each planned stop that no longer holds, with a reason code and a sentence.
    """

    def __init__(self, message: str, stops: list[dict[str, str]]):
        super().__init__(message)
        self.stops = stops


class WorkerTimeoutError(SchedulerError, TimeoutError):
    """No worker answered an interactive job (a reschedule) in time: it was cancelled unmade."""


class RefusedTargetError(ProblemError):
    """An outbound URL (a webhook's) is not https or does not reach a public address.

    ``category`` names the broken rule in fixed words ("internal address", "not https", "bad
    URL", "does not resolve"): safe to record where the message, naming hosts, is not.
    """

    def __init__(self, message: str, *, category: str):
        super().__init__(message)
        self.category = category


class SecretKeyError(SchedulerError, RuntimeError):
    """No key set can seal or open a stored secret: a setting is missing or wrong (says which)."""
