"""The previous Glance release, Glance 26 (OpenStack 2023.1, Python 3.9), as a test service.

`python -m tests.services.glance26` builds the cached venv .venv-glance26 from
glance26-requirements.txt (it needs PyPI); the tests only use it: `manage()` runs its
glance-manage, `running_api()` its eventlet API server on loopback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.services import (
    HOST,
    REPO,
    ServiceError,
    free_port,
    scrubbed_env,
    start_process,
    stop_process,
    tail,
    wait_for,
)
from tests.services.keystone import Keystone
from tests.services.py39 import find_python39

REQUIREMENTS = Path(__file__).with_name("glance26-requirements.txt")
# Beside the project's own venv, like .venv-py39.
VENV = REPO / ".venv-glance26"
# The hash of the requirements the venv was built from; written last, so a broken build rebuilds.
STAMP = VENV / ".requirements-sha256"
HINT = "`make glance26` builds it (python -m tests.services.glance26)"
# The migration heads of Glance 26 (glance/db/sqlalchemy/alembic_migrations/versions). The
# contract head depends on the expand one, so a synced database records the contract head alone.
EXPAND_HEAD = "2023_1_expand01"
CONTRACT_HEAD = "2023_1_contract01"
# Prints the head of each branch of the installed Glance's migrations.
_SCRIPT_HEADS = """
import os
from alembic.script import ScriptDirectory
from glance.db.sqlalchemy import alembic_migrations
revisions = ScriptDirectory(os.path.dirname(alembic_migrations.__file__)).revision_map
print(revisions.get_current_head("expand"), revisions.get_current_head("contract"))
"""


# Where the Glance image keeps its state, and the shell step that puts a folder there (a tmpfs
# over /var/lib first, so nothing of this machine's /var/lib shows or changes).
GLANCE_HOME = "/var/lib/glance"
HOME_MOUNT = (
    f'mount -t tmpfs glance26 /var/lib && mkdir {GLANCE_HOME} && mount --bind "$0" {GLANCE_HOME}'
    ' && exec "$@"'
)


def requirements_hash() -> str:
    """Return the SHA-256 of the requirements file."""
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def venv_ready() -> bool:
    """Tell whether the venv exists and was built from the current requirements."""
    python = VENV / "bin" / "python"
    try:
        return python.exists() and STAMP.read_text().strip() == requirements_hash()
    except FileNotFoundError:
        return False


def ensure() -> Path:
    """Build the venv unless it is already there with the same requirements; return its Python."""
    if venv_ready():
        return VENV / "bin" / "python"
    python = find_python39()
    if python is None:
        raise SystemExit("no Python 3.9 found (set PYTHON39 or install one with pyenv)")
    subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    subprocess.run([*pip, "check"], check=True, stdout=subprocess.DEVNULL)
    STAMP.write_text(requirements_hash() + "\n")
    return VENV / "bin" / "python"


def program(name: str) -> str:
    """Return the path of a Glance 26 console script, or raise with the build hint."""
    if not venv_ready():
        raise ServiceError(f"the Glance 26 venv {VENV} is missing or stale: {HINT}")
    return str(VENV / "bin" / name)


def manage(
    args: Sequence[str], database_url: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run Glance 26's `glance-manage <args>` on database_url (given as OS_DATABASE__CONNECTION,
    which oslo.config reads); an empty config file keeps any /etc/glance out of it."""
    with tempfile.TemporaryDirectory(prefix="glance26-manage-") as tmp:
        conf = Path(tmp) / "glance-manage.conf"
        conf.write_text("")
        return subprocess.run(
            [program("glance-manage"), "--config-file", str(conf), *args],
            capture_output=True,
            text=True,
            env=scrubbed_env(OS_DATABASE__CONNECTION=database_url),
            timeout=timeout,
            check=False,
        )


def script_heads() -> tuple[str, str]:
    """Return the (expand, contract) heads of the installed Glance 26's migration scripts."""
    found = subprocess.run(
        [program("python"), "-c", _SCRIPT_HEADS],
        capture_output=True,
        text=True,
        env=scrubbed_env(),
        check=True,
    )
    expand, contract = found.stdout.split()
    return expand, contract


def _ini_value(value: str) -> str:
    """Escape a value for oslo.config, which substitutes $name references."""
    if "\n" in value or value != value.strip():
        raise ValueError("oslo.config cannot hold a value with newlines or outer blanks")
    return value.replace("$", "$$")


@dataclasses.dataclass
class Api:
    """A running Glance 26 API: its URL, port, config, log and process."""

    url: str
    port: int
    config: Path
    log: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop it: SIGTERM, then SIGKILL if it lingers."""
        stop_process(self.process, timeout=30)


def write_config(
    workdir: Path,
    port: int,
    keystone: Keystone,
    user: str,
    password: str,
    project: str,
    region: str,
    memcached: str | None,
    images: Path | None = None,
) -> Path:
    """Write glance-api.conf (file store under workdir, or at images as the API sees it;
    Keystone auth) and return its path."""
    stores = {name: workdir / name for name in ("images", "staging", "tasks")}
    for path in stores.values():
        path.mkdir(parents=True, exist_ok=True)
    if images is not None:
        stores["images"] = images
    paste = VENV / "etc" / "glance" / "glance-api-paste.ini"
    if not paste.exists():
        raise ServiceError(f"{paste} missing: the glance wheel installs it; {HINT}")
    config = workdir / "glance-api.conf"
    config.write_text(
        "[DEFAULT]\n"
        f"bind_host = {HOST}\n"
        f"bind_port = {port}\n"
        # 0: the eventlet server runs in the launching process, no forked workers.
        "workers = 0\n"
        "enabled_backends = default_backend:file\n"
        "debug = false\n"
        "use_stderr = true\n"
        "[glance_store]\n"
        "default_backend = default_backend\n"
        "[default_backend]\n"
        f"filesystem_store_datadir = {stores['images']}\n"
        # Glance makes its files 0640. Pods of both releases run as the glance user, who can
        # read them all; this process runs as root, so its files are made readable to that user.
        + ("filesystem_store_file_perm = 644\n" if images is not None else "")
        + "[os_glance_staging_store]\n"
        f"filesystem_store_datadir = {stores['staging']}\n"
        "[os_glance_tasks_store]\n"
        f"filesystem_store_datadir = {stores['tasks']}\n"
        "[oslo_concurrency]\n"
        f"lock_path = {workdir / 'locks'}\n"
        "[keystone_authtoken]\n"
        f"www_authenticate_uri = {keystone.auth_url}\n"
        f"auth_url = {keystone.auth_url}\n"
        "auth_type = password\n"
        f"username = {_ini_value(user)}\n"
        f"password = {_ini_value(password)}\n"
        f"project_name = {_ini_value(project)}\n"
        "user_domain_name = Default\n"
        "project_domain_name = Default\n"
        f"region_name = {_ini_value(region)}\n"
        "service_token_roles_required = true\n"
        + (f"memcached_servers = {memcached}\n" if memcached else "")
        + "[paste_deploy]\n"
        "flavor = keystone\n"
        f"config_file = {paste}\n"
    )
    return config


def _healthy(api: Api) -> bool:
    """Tell whether the API answers /healthcheck (and has not died)."""
    if api.process.poll() is not None:
        raise ServiceError(f"Glance 26 API exited ({api.process.returncode}):\n{tail(api.log)}")
    try:
        with urllib.request.urlopen(f"{api.url}/healthcheck", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextlib.contextmanager
def running_api(
    database_url: str,
    keystone: Keystone,
    workdir: Path,
    port: int | None = None,
    *,
    password: str,
    user: str = "glance",
    project: str = "service",
    region: str = "RegionOne",
    memcached: str | None = None,
    home: Path | None = None,
    timeout: float = 120,
) -> Iterator[Api]:
    """Glance 26's glance-api on 127.0.0.1 (port: a free one unless given) for the block.

    It validates tokens as `user` (password, project, region) against keystone, keeps images
    under workdir, logs to workdir/glance-api.log and is stopped at exit; memcached is the
    host:port of a token cache, if any. With home, it runs in a private mount namespace that
    has home at /var/lib/glance and keeps images in /var/lib/glance/images, where the Glance
    image keeps them: the locations it records are then those a pod of the chart reads.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    images = Path(GLANCE_HOME) / "images" if home else None
    config = write_config(
        workdir, port, keystone, user, password, project, region, memcached, images
    )
    log = workdir / "glance-api.log"
    command = [program("glance-api"), "--config-file", str(config)]
    if home:
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", HOME_MOUNT,
                   str(home), *command]  # fmt: skip
    process = start_process(
        command,
        log,
        env=scrubbed_env(OS_DATABASE__CONNECTION=database_url),
        cwd=workdir,
    )
    api = Api(f"http://{HOST}:{port}", port, config, log, process)
    try:
        wait_for(lambda: _healthy(api), timeout, "Glance 26 API", interval=0.25)
        yield api
    finally:
        api.stop()


if __name__ == "__main__":
    print(ensure())
    sys.exit(0)
