"""Domain exceptions. Only ``api/`` and ``cli.py`` turn them into HTTP or exit codes."""


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
