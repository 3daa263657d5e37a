"""The images' Python: a 3.9 interpreter, and a cached 3.9 venv with what the hook images ship.

`python -m tests.services.py39` creates the venv (it needs PyPI); the tests only use it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

# What the default hook images carry (OpenStack 2023.1 era): openstacksdk 1.0, PyMySQL 1.0, and
# the Glance image's oslo.config 9.1 (the db sync hook reads glance-manage's configuration
# with it).
REQUIREMENTS = (
    "openstacksdk==1.0.1",
    "keystoneauth1==5.1.2",
    "PyMySQL==1.0.2",
    "oslo.config==9.1.1",
)
# Beside the project's own venv, so `make clean`-style removal and CI caching treat it alike.
VENV = Path(__file__).resolve().parents[2] / ".venv-py39"
HINT = "`make test` prepares it (python -m tests.services.py39)"


def find_python39() -> str | None:
    """Return a working Python 3.9: $PYTHON39, a pyenv 3.9, or python3.9 on PATH."""
    candidates = [os.environ.get("PYTHON39", "")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.9*/bin/python")))
    candidates += [shutil.which("python3.9") or ""]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and _is_39(candidate):
            return candidate
    return None


def _is_39(python: str) -> bool:
    """Tell whether an interpreter runs and is 3.9 (pyenv shims may not)."""
    probe = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2] == (3, 9))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() == "True"


def venv_python() -> Path:
    """Return the venv's interpreter path (which may not exist yet)."""
    return VENV / "bin" / "python"


def venv_ready() -> bool:
    """Tell whether the venv exists with the pinned packages importable."""
    python = venv_python()
    if not python.exists():
        return False
    check = subprocess.run(
        [str(python), "-c", "import openstack, keystoneauth1, pymysql, oslo_config"],
        capture_output=True,
        check=False,
    )
    return check.returncode == 0


def ensure() -> Path:
    """Create the venv if needed and return its interpreter."""
    if venv_ready():
        return venv_python()
    python = find_python39()
    if python is None:
        raise SystemExit("no Python 3.9 found (set PYTHON39 or install one with pyenv)")
    subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    return venv_python()


if __name__ == "__main__":
    print(ensure())
    sys.exit(0)
