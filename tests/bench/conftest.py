"""The official UHHC validator, installed once from ../shared into a virtual environment of its own.

The environment is cached in the temporary folder under the toolbox's version, so only the
first run of a machine installs it; a lock keeps parallel test workers from installing it twice.
It sees the test environment's packages through a ``.pth`` file, so pip installs only the
toolbox and what the test environment lacks (openpyxl), not pandas, numpy and matplotlib again.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.settings import Settings

TOOLBOX = Settings().shared_dir / "tools" / "uhhc-toolbox"


@pytest.fixture(scope="session")
def uhhc_validator() -> Iterator[Path]:
    """The ``uhhc-toolbox`` executable of the shared toolbox, installed on first use."""
    if not TOOLBOX.is_dir():
        pytest.skip(f"the UHHC toolbox is not in the shared folder ({TOOLBOX})")
    version = tomllib.loads((TOOLBOX / "pyproject.toml").read_text())["tool"]["poetry"]["version"]
    home = Path(tempfile.gettempdir()) / f"scheduler-uhhc-toolbox-{version}"
    executable = home / "bin" / "uhhc-toolbox"
    with (Path(tempfile.gettempdir()) / f"scheduler-uhhc-toolbox-{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not executable.is_file():
            _install(home)
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield executable


def _install(home: Path) -> None:
    """Create the environment and install the toolbox into it, failing loudly on error."""
    shutil.rmtree(home, ignore_errors=True)
    python = str(home / "bin" / "python")
    for command in (
        [sys.executable, "-m", "venv", "--without-pip", str(home)],
        [python, "-c", _SEE_TEST_PACKAGES],
        [python, "-m", "pip", "install", "--quiet", str(TOOLBOX)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            pytest.fail(f"installing the UHHC validator failed: {' '.join(command)}\n{done.stderr}")


# Run by the new environment's Python: a .pth naming the test environment's site-packages
# (after its own, so what pip installs there comes first), pip included.
_SEE_TEST_PACKAGES = (
    "import pathlib, sysconfig; "
    "pathlib.Path(sysconfig.get_paths()['purelib'], 'test_packages.pth')"
    f".write_text({sysconfig.get_paths()['purelib']!r})"
)
