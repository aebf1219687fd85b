"""One place for configuration; values are read once and passed down explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scheduler.domain import CareRules, RushHours, parse_rush_hours
from scheduler.errors import ProblemError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Service settings, overridable by ``SCHEDULER_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULER_", env_file=".env", extra="ignore")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where demo data and plans go.")
    shared_dir: Path = Field(
        PROJECT_ROOT.parent / "shared", description="Read-only benchmarks and OSM extracts."
    )
    geodesic_circuity: float = Field(
        1.3, gt=1.0, le=3.0, description="Road distance over straight-line distance."
    )
    geodesic_speed_kmh: float = Field(
        35.0, gt=0.0, le=130.0, description="Average door-to-door driving speed."
    )
    solve_time_limit: float = Field(
        20.0, gt=0.0, description="Default wall-clock seconds for one solve."
    )
    travel_provider: str = Field(
        "geodesic", description="Travel times: 'geodesic' or 'road' (needs road_network)."
    )
    road_network: Path | None = Field(
        None, description="OSM (.osm, .osm.gz, .osm.bz2) or .graphml file of the road network."
    )
    road_access_speed_kmh: float = Field(
        5.0, gt=0.0, description="Speed between a place and its nearest road (a walk)."
    )
    rush_hours: Annotated[RushHours, NoDecode] = Field(
        RushHours(),
        description="Slower legs by departure time, e.g. '07:00-09:00 x1.3, 16:00-18:30 x1.3' "
        "(empty: off).",
    )
    cache_dir: Path = Field(
        PROJECT_ROOT / "data" / "cache", description="Prepared networks and travel matrices."
    )
    geocoding_online: bool = Field(
        False, description="Send addresses to the geocoder (opt-in; offline uses the cache)."
    )
    geocoder: str = Field("nominatim", description="geopy geocoder service name.")
    geocoder_user_agent: str = Field(
        "home-health-scheduler", description="User agent the geocoder asks for."
    )
    geocoding_delay: float = Field(
        1.0, ge=0.0, description="Seconds between two online lookups (Nominatim's policy)."
    )
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'data' / 'scheduler.db'}",
        description="SQLAlchemy URL (SQLite file by default; postgresql+psycopg://...).",
    )
    max_body_bytes: int = Field(
        5_000_000, gt=0, description="Largest request body the API accepts."
    )
    max_visits_per_job: int = Field(
        5_000, gt=0, description="Most visits one planning job may hold."
    )
    max_job_seconds: float = Field(
        3600.0,
        gt=0.0,
        description="Longest solve a planning job, a nightly run or the CLI may ask for.",
    )
    solve_workers: int = Field(
        2, ge=1, le=64, description="Search processes per solve (one per core helps most)."
    )
    solve_metaheuristic: str = Field(
        "GUIDED_LOCAL_SEARCH",
        description="OR-Tools local search of planning jobs and nightly runs; GREEDY_DESCENT "
        "stops at the first local optimum, so a day's solve does a fixed amount of work (the "
        "fleet bench) instead of searching until its time limit.",
    )
    webhooks_allow_loopback: bool = Field(
        False,
        description="Tests only: allow http and loopback webhook targets (else https to "
        "public addresses only).",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts webhook signing secrets at rest; several, "
        "comma-separated, rotate keys (the first encrypts, each decrypts). Unset: a SQLite "
        "database keeps a generated key in '<database file>.key' beside it (mode 0600); on "
        "PostgreSQL new webhooks are refused (503) until it is set.",
    )
    assessment_minutes: int = Field(
        90,
        ge=15,
        le=480,
        description="Minutes a start of care or recertification visit (the OASIS assessment) "
        "lasts at least; routine visits last their care plan's duration.",
    )
    token_days_person: int = Field(
        90, ge=1, le=3650, description="Days an admin's, scheduler's or clinician's token lives."
    )
    token_days_system: int | None = Field(
        None, ge=1, le=3650, description="Days an agency system's token lives (unset: no expiry)."
    )
    auth_failures_per_minute: int = Field(
        10,
        ge=0,
        description="Wrong API tokens one address may send in a minute before its further wrong "
        "ones get 429 for a doubling time (0: no limit). Each API process counts on its own.",
    )
    broker_url: str | None = Field(
        None,
        description="Redis URL of the Celery broker (redis://host:6379/0): planning jobs and "
        "nightly runs then go to `scheduler worker` processes. Unset: they run in the API's "
        "own process (the embedded demo).",
    )
    job_lease_seconds: float = Field(
        60.0,
        ge=1.0,
        description="Seconds a job's runner holds it unrenewed (renewed every quarter); a "
        "runner that died is replaced this long after.",
    )
    interactive_wait_seconds: float = Field(
        30.0,
        gt=0.0,
        description="Seconds an API request waits for a worker's answer (a reschedule, "
        "insertion options) beyond its own search time; then the job is cancelled and the "
        "request answered 503.",
    )
    job_sweep_seconds: float = Field(
        15.0, gt=0.0, description="Seconds between two sweeps for jobs to send again."
    )
    job_unpicked_seconds: float = Field(
        10.0,
        gt=0.0,
        description="Seconds after its sending that a job nobody took, no longer in the "
        "broker (e.g. Redis restarted), is sent again.",
    )

    board_session_hours: float = Field(
        12.0,
        gt=0.0,
        le=24.0 * 30,
        description="Hours a board sign-in lasts (a disabled user's session ends at once).",
    )

    def resolve_time_limit(self, requested: float | None) -> float:
        """The solve seconds for a ``requested`` limit (``None``: ``solve_time_limit``).

        Raises
        ------
        ProblemError
            When ``requested`` is not positive or above ``max_job_seconds``.
        """
        limit = self.solve_time_limit if requested is None else requested
        if not 0 < limit <= self.max_job_seconds:
            raise ProblemError(
                f"a time limit of {limit:g} s is out of range: give more than 0 and at most "
                f"{self.max_job_seconds:g} s (SCHEDULER_MAX_JOB_SECONDS)"
            )
        return limit

    def care_rules(self) -> CareRules:
        """The agency's care plan rules these settings set."""
        return CareRules(assessment_duration=self.assessment_minutes * 60)

    @field_validator("rush_hours", mode="before")
    @classmethod
    def _read_rush_hours(cls, value: object) -> object:
        """Parse ``HH:MM-HH:MM xFACTOR, ...`` text (as the environment gives it)."""
        return parse_rush_hours(value) if isinstance(value, str) else value


def get_settings() -> Settings:
    """Read settings from the environment (and ``.env``)."""
    return Settings()
