"""Ids scoped per agency: clinicians, patients, care plans and visits keyed by (agency, id).

Revision ID: 0006
Revises: 0005

Each of those tables (and the visit links and users that point at them) gains ``agency_id``,
filled from the row's branch (a link's from its visit, a clinician's user from the
clinician), and its primary key and foreign keys become composite. The tables are rebuilt the
same way on SQLite and PostgreSQL: copy the rows aside, drop the tables children first (so no
cascade fires and no row is lost), create them anew, copy the rows back. Alembic's batch mode
would rebuild one table at a time, and dropping a parent there deletes its children's rows
through the foreign keys SQLite enforces. Going down refuses while two agencies share an id.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHILDREN_FIRST = ("visit_links", "visits", "care_plans", "users", "patients", "clinicians")
CLINICIAN_COLUMNS = ("pinned_clinician_id", "preferred_clinician_id", "clinician_id")


class Shape(NamedTuple):
    """A table's keys: primary key, foreign keys (columns, target table, columns, on delete)."""

    key: tuple[str, ...]
    foreign: tuple[tuple[tuple[str, ...], str, tuple[str, ...], str | None], ...]
    indexes: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 (never changed)
    unique: tuple[tuple[str, ...], ...] = ()


SCOPED = {
    "clinicians": Shape(
        ("agency_id", "id"),
        ((("agency_id",), "agencies", ("id",), None), (("branch_id",), "branches", ("id",), None)),
        {"ix_clinicians_branch_id": ("branch_id",)},
    ),
    "patients": Shape(
        ("agency_id", "id"),
        ((("agency_id",), "agencies", ("id",), None), (("branch_id",), "branches", ("id",), None)),
        {"ix_patients_branch_id": ("branch_id",)},
    ),
    "care_plans": Shape(
        ("agency_id", "id"),
        (
            (("agency_id",), "agencies", ("id",), None),
            (("branch_id",), "branches", ("id",), None),
            (("agency_id", "patient_id"), "patients", ("agency_id", "id"), "CASCADE"),
            (("agency_id", "primary_clinician_id"), "clinicians", ("agency_id", "id"), None),
        ),
        {
            "ix_care_plans_branch_id": ("branch_id",),
            "ix_care_plans_patient": ("agency_id", "patient_id"),
        },
    ),
    "visits": Shape(
        ("agency_id", "id"),
        (
            (("agency_id",), "agencies", ("id",), None),
            (("branch_id",), "branches", ("id",), None),
            (("agency_id", "patient_id"), "patients", ("agency_id", "id"), "CASCADE"),
            (("agency_id", "care_plan_id"), "care_plans", ("agency_id", "id"), None),
            *(
                (("agency_id", column), "clinicians", ("agency_id", "id"), None)
                for column in CLINICIAN_COLUMNS
            ),
        ),
        {
            "ix_visits_branch_id": ("branch_id",),
            "ix_visits_first_day": ("first_day",),
            "ix_visits_patient": ("agency_id", "patient_id"),
            "ix_visits_clinician": ("agency_id", "clinician_id"),
        },
    ),
    "visit_links": Shape(
        ("agency_id", "second_visit_id"),
        (
            (("agency_id",), "agencies", ("id",), None),
            (("agency_id", "second_visit_id"), "visits", ("agency_id", "id"), "CASCADE"),
            (("agency_id", "first_visit_id"), "visits", ("agency_id", "id"), "CASCADE"),
        ),
        unique=(("agency_id", "first_visit_id"),),
    ),
    "users": Shape(
        ("id",),
        (
            (("agency_id",), "agencies", ("id",), None),
            (("branch_id",), "branches", ("id",), None),
            (("agency_id", "clinician_id"), "clinicians", ("agency_id", "id"), None),
        ),
        unique=(("token_hash",),),
    ),
}
GLOBAL = {
    "clinicians": Shape(
        ("id",), ((("branch_id",), "branches", ("id",), None),), SCOPED["clinicians"].indexes
    ),
    "patients": Shape(
        ("id",), ((("branch_id",), "branches", ("id",), None),), SCOPED["patients"].indexes
    ),
    "care_plans": Shape(
        ("id",),
        (
            (("patient_id",), "patients", ("id",), "CASCADE"),
            (("branch_id",), "branches", ("id",), None),
            (("primary_clinician_id",), "clinicians", ("id",), None),
        ),
        {"ix_care_plans_branch_id": ("branch_id",), "ix_care_plans_patient_id": ("patient_id",)},
    ),
    "visits": Shape(
        ("id",),
        (
            (("patient_id",), "patients", ("id",), "CASCADE"),
            (("branch_id",), "branches", ("id",), None),
            (("care_plan_id",), "care_plans", ("id",), "SET NULL"),
            *(((column,), "clinicians", ("id",), None) for column in CLINICIAN_COLUMNS),
        ),
        {
            "ix_visits_branch_id": ("branch_id",),
            "ix_visits_clinician_id": ("clinician_id",),
            "ix_visits_first_day": ("first_day",),
            "ix_visits_patient_id": ("patient_id",),
        },
    ),
    "visit_links": Shape(
        ("second_visit_id",),
        (
            (("first_visit_id",), "visits", ("id",), "CASCADE"),
            (("second_visit_id",), "visits", ("id",), "CASCADE"),
        ),
        unique=(("first_visit_id",),),
    ),
    "users": Shape(
        ("id",),
        (
            (("agency_id",), "agencies", ("id",), None),
            (("branch_id",), "branches", ("id",), None),
            (("clinician_id",), "clinicians", ("id",), None),
        ),
        unique=(("token_hash",),),
    ),
}
# Each table's agency on the way up, from its old rows (``o``) and their snapshots.
AGENCY_OF = {
    "clinicians": "JOIN branches b ON b.id = o.branch_id",
    "patients": "JOIN branches b ON b.id = o.branch_id",
    "care_plans": "JOIN branches b ON b.id = o.branch_id",
    "visits": "JOIN branches b ON b.id = o.branch_id",
    "visit_links": "JOIN _old_visits v ON v.id = o.second_visit_id "
    "JOIN branches b ON b.id = v.branch_id",
    "users": "LEFT JOIN _old_clinicians c ON c.id = o.clinician_id "
    "LEFT JOIN branches b ON b.id = c.branch_id",
}


def upgrade() -> None:
    """Apply this revision."""
    columns = _set_aside()
    for name in reversed(CHILDREN_FIRST):
        extra = [] if name == "users" else [sa.Column("agency_id", sa.String(64), nullable=False)]
        _create(name, extra + columns[name], SCOPED[name])
        names = ", ".join(column.name for column in columns[name])
        copied = ", ".join(f"o.{column.name}" for column in columns[name])
        if name == "users":
            agency = "CASE WHEN o.clinician_id IS NULL THEN o.agency_id ELSE b.agency_id END"
            copied_names = [column.name for column in columns[name]]
            selected = ", ".join(
                agency if column == "agency_id" else f"o.{column}" for column in copied_names
            )
            op.execute(
                f"INSERT INTO users ({', '.join(copied_names)}) "
                f"SELECT {selected} FROM _old_users o {AGENCY_OF[name]}"
            )
            continue
        op.execute(
            f"INSERT INTO {name} (agency_id, {names}) "
            f"SELECT b.agency_id, {copied} FROM _old_{name} o {AGENCY_OF[name]}"
        )
    _drop_aside()


def downgrade() -> None:
    """Revert this revision (refused while two agencies hold the same id)."""
    bind = op.get_bind()
    for name in ("clinicians", "patients", "care_plans", "visits"):
        shared = bind.execute(
            sa.text(f"SELECT id FROM {name} GROUP BY id HAVING COUNT(*) > 1 LIMIT 1")
        ).first()
        if shared is not None:
            raise RuntimeError(
                f"{name} {shared[0]!r} is held by several agencies: global ids cannot hold "
                "them; rename or delete one before going down"
            )
    columns = _set_aside()
    for name in reversed(CHILDREN_FIRST):
        kept = [column for column in columns[name] if column.name != "agency_id"]
        if name == "users":
            kept = columns[name]
        _create(name, kept, GLOBAL[name])
        names = ", ".join(column.name for column in kept)
        op.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM _old_{name}")
    _drop_aside()


def _set_aside() -> dict[str, list[sa.Column]]:
    """Copy each table's rows aside and drop the tables (children first); their columns."""
    bind = op.get_bind()
    meta = sa.MetaData()
    columns = {}
    for name in CHILDREN_FIRST:
        table = sa.Table(name, meta, autoload_with=bind)
        columns[name] = [
            sa.Column(
                column.name,
                column.type,
                nullable=column.nullable and column.name not in ("id",),
                server_default=column.server_default.arg
                if column.server_default is not None
                else None,
            )
            for column in table.columns
            if not (name != "users" and column.name == "agency_id")
        ]
        op.execute(f"CREATE TABLE _old_{name} AS SELECT * FROM {name}")
    for name in CHILDREN_FIRST:
        op.drop_table(name)
    return columns


def _create(name: str, columns: list[sa.Column], shape: Shape) -> None:
    """Create table ``name`` with ``columns`` and the keys and indexes of ``shape``."""
    for column in columns:
        if column.name in shape.key:
            column.nullable = False
    op.create_table(
        name,
        *columns,
        sa.PrimaryKeyConstraint(*shape.key),
        *(
            sa.ForeignKeyConstraint(
                list(mine), [f"{target}.{other}" for other in theirs], ondelete=on_delete
            )
            for mine, target, theirs, on_delete in shape.foreign
        ),
        *(sa.UniqueConstraint(*unique) for unique in shape.unique),
    )
    for index, indexed in shape.indexes.items():
        op.create_index(index, name, list(indexed), unique=False)


def _drop_aside() -> None:
    for name in CHILDREN_FIRST:
        op.drop_table(f"_old_{name}")
