"""The UHHC format's official solution validator, run as it ships, and its verdict read back.

``uhhc-toolbox validator solution INSTANCE SOLUTION`` (``../shared/tools/uhhc-toolbox``,
installed in a virtual environment of its own) prints each broken rule and each component
whose value disagrees with the solution's ``cost_components`` in red, and its recomputed
components and their weighted ``Total``. It prints colours to a terminal only, so it runs
on a pseudo-terminal: a red line is a violation, whatever its wording. A solution is valid
when the validator exits 0, reaches "Solution correcly validated" and prints no red line.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import BenchmarkError

RED = "\x1b[31m"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VALIDATED = "Solution correcly validated"  # the validator's own spelling
COST_LINE = re.compile(r"^(?P<name>\w+)\.*\s+(?P<value>-?[\d.e+-]+)\s+\.{5}")


@dataclass(frozen=True)
class ValidatorVerdict:
    """What the official validator said about one solution.

    ``components`` are the weighted values it recomputed, by its own names
    (``traveled_distance``, ``max_tardiness``, ...); ``total`` their sum; ``problems`` its red
    lines.
    """

    valid: bool
    total: float | None
    components: dict[str, float]
    problems: tuple[str, ...]


def run_validator(executable: Path, instance: Path, solution: Path) -> ValidatorVerdict:
    """Run the official validator on one solution file.

    Raises
    ------
    BenchmarkError
        When the executable is missing (saying how to install it) or does not finish.
    """
    if not executable.is_file():
        raise BenchmarkError(
            f"UHHC validator not found at {executable}; install it with `python3 -m venv "
            "/tmp/uhhc && /tmp/uhhc/bin/pip install ../shared/tools/uhhc-toolbox` and pass "
            "/tmp/uhhc/bin/uhhc-toolbox"
        )
    output, code = _run_on_terminal(
        [str(executable), "validator", "solution", str(instance), str(solution)]
    )
    return read_verdict(output, exit_code=code)


def read_verdict(output: str, *, exit_code: int) -> ValidatorVerdict:
    """The verdict in the validator's coloured output."""
    lines = output.replace("\r\n", "\n").split("\n")
    problems = tuple(ANSI.sub("", line).strip() for line in lines if RED in line)
    plain = [ANSI.sub("", line).strip() for line in lines]
    components = {
        match["name"]: float(match["value"])
        for match in (COST_LINE.match(line) for line in plain)
        if match is not None
    }
    total = components.pop("Total", None)
    valid = exit_code == 0 and VALIDATED in plain and not problems and total is not None
    return ValidatorVerdict(valid, total, components, problems)


def _run_on_terminal(command: list[str], *, timeout: float = 600.0) -> tuple[str, int]:
    """Run a command with its output on a pseudo-terminal; its output and exit code."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, close_fds=True
        )
    finally:
        os.close(follower)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        process.kill()
        raise BenchmarkError(f"the UHHC validator did not finish in {timeout:g} s") from error
    finally:
        os.close(leader)
    return b"".join(chunks).decode(errors="replace"), code
