"""A benchmark CSV that grows one instance at a time, so a long run can stop and resume.

Each finished instance's row is appended at once; a rerun reads the instances already in
the file and runs only the others. The header is the first run's columns; a later row is
written under that header (empty cells for columns it lacks, extra columns dropped).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from scheduler.bench.report import Cell


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows already in ``path`` (none when it does not exist)."""
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def done_instances(path: Path) -> set[str]:
    """Names of the instances that have a row in ``path``."""
    return {row["instance"] for row in read_rows(path)}


def append_rows(path: Path, rows: Sequence[Mapping[str, Cell]], columns: Sequence[str]) -> None:
    """Append rows to ``path``, writing the header first when the file is new or empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header: Sequence[str] = columns
    if path.is_file() and path.stat().st_size > 0:
        with path.open(newline="") as handle:
            header = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="", extrasaction="ignore")
        if header is columns:
            writer.writeheader()
        writer.writerows(rows)
