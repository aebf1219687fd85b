"""Initial schema: agencies, people, care plans, visits, plans, jobs, users, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agencies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_table(
        "branches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_branches_agency_id"), "branches", ["agency_id"], unique=False)
    op.create_table(
        "clinicians",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credential", sa.String(length=8), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("home_latitude", sa.Float(), nullable=False),
        sa.Column("home_longitude", sa.Float(), nullable=False),
        sa.Column("home_address", sa.Text(), nullable=True),
        sa.Column("end_latitude", sa.Float(), nullable=True),
        sa.Column("end_longitude", sa.Float(), nullable=True),
        sa.Column("end_address", sa.Text(), nullable=True),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("max_visits_per_day", sa.Integer(), nullable=True),
        sa.Column("max_work_minutes_per_day", sa.Integer(), nullable=True),
        sa.Column("max_points_per_day", sa.Integer(), nullable=True),
        sa.Column("max_visits_per_week", sa.Integer(), nullable=True),
        sa.Column("max_work_minutes_per_week", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_clinicians_branch_id"), "clinicians", ["branch_id"], unique=False)
    op.create_table(
        "patients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("preferred_clinicians", sa.JSON(), nullable=False),
        sa.Column("excluded_clinicians", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_patients_branch_id"), "patients", ["branch_id"], unique=False)
    op.create_table(
        "plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("solver_status", sa.String(length=20), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("solution", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("branch_id", "version"),
    )
    op.create_index(op.f("ix_plans_branch_id"), "plans", ["branch_id"], unique=False)
    op.create_table(
        "care_plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("discipline", sa.String(length=8), nullable=False),
        sa.Column("frequency", sa.String(length=200), nullable=False),
        sa.Column("start_of_care", sa.Date(), nullable=False),
        sa.Column("visit_minutes", sa.Integer(), nullable=False),
        sa.Column("primary_clinician_id", sa.String(length=64), nullable=True),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("visits_made", sa.JSON(), nullable=False),
        sa.Column("referral_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("episode_start", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["primary_clinician_id"],
            ["clinicians.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_care_plans_branch_id"), "care_plans", ["branch_id"], unique=False)
    op.create_index(op.f("ix_care_plans_patient_id"), "care_plans", ["patient_id"], unique=False)
    op.create_table(
        "plan_routes",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("clinician_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("travel_seconds", sa.Integer(), nullable=False),
        sa.Column("itinerary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "clinician_id", "day"),
    )
    op.create_table(
        "plan_stops",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("clinician_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "visit_id"),
    )
    op.create_index(
        "ix_plan_stops_clinician_day", "plan_stops", ["clinician_id", "day"], unique=False
    )
    op.create_table(
        "plan_unassigned",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "visit_id"),
    )
    op.create_table(
        "planning_jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_planning_jobs_branch_id"), "planning_jobs", ["branch_id"], unique=False
    )
    op.create_table(
        "published_days",
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
        ),
        sa.PrimaryKeyConstraint("branch_id", "day"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("branch_id", sa.String(length=64), nullable=True),
        sa.Column("clinician_id", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.String(length=64), nullable=False),
        sa.Column("care_plan_id", sa.String(length=64), nullable=True),
        sa.Column("discipline", sa.String(length=8), nullable=False),
        sa.Column("visit_type", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.Column("pinned_clinician_id", sa.String(length=64), nullable=True),
        sa.Column("pinned_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("preferred_clinician_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("clinician_id", sa.String(length=64), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
        ),
        sa.ForeignKeyConstraint(["care_plan_id"], ["care_plans.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["pinned_clinician_id"],
            ["clinicians.id"],
        ),
        sa.ForeignKeyConstraint(
            ["preferred_clinician_id"],
            ["clinicians.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_visits_branch_id"), "visits", ["branch_id"], unique=False)
    op.create_index(op.f("ix_visits_clinician_id"), "visits", ["clinician_id"], unique=False)
    op.create_index(op.f("ix_visits_first_day"), "visits", ["first_day"], unique=False)
    op.create_index(op.f("ix_visits_patient_id"), "visits", ["patient_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_visits_patient_id"), table_name="visits")
    op.drop_index(op.f("ix_visits_first_day"), table_name="visits")
    op.drop_index(op.f("ix_visits_clinician_id"), table_name="visits")
    op.drop_index(op.f("ix_visits_branch_id"), table_name="visits")
    op.drop_table("visits")
    op.drop_table("users")
    op.drop_table("published_days")
    op.drop_index(op.f("ix_planning_jobs_branch_id"), table_name="planning_jobs")
    op.drop_table("planning_jobs")
    op.drop_table("plan_unassigned")
    op.drop_index("ix_plan_stops_clinician_day", table_name="plan_stops")
    op.drop_table("plan_stops")
    op.drop_table("plan_routes")
    op.drop_index(op.f("ix_care_plans_patient_id"), table_name="care_plans")
    op.drop_index(op.f("ix_care_plans_branch_id"), table_name="care_plans")
    op.drop_table("care_plans")
    op.drop_index(op.f("ix_plans_branch_id"), table_name="plans")
    op.drop_table("plans")
    op.drop_index(op.f("ix_patients_branch_id"), table_name="patients")
    op.drop_table("patients")
    op.drop_index(op.f("ix_clinicians_branch_id"), table_name="clinicians")
    op.drop_table("clinicians")
    op.drop_index(op.f("ix_branches_agency_id"), table_name="branches")
    op.drop_table("branches")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("agencies")
