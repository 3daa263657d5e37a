"""Shared pieces of the hook tests: the awkward password, a glance-manage that notes its calls,
and running a hook like a Job does."""

from __future__ import annotations

import dataclasses
import functools
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.services import REPO, scrubbed_env
from tests.services.keystone import Request
from tests.services.mariadb import MariaDB

HOOKS = REPO / "hooks"
POD = REPO / "pod"
# What the hook scripts ConfigMap holds beside the hooks' own files.
SHARED_WITH_PODS = ("dburl.py",)
# Every character that breaks naive URL, SQL or shell handling; used for every password here.
PASSWORD = "p@ss:w/rd?#%' x"
METADEFS = Path(sys.executable).parent.parent / "etc" / "glance" / "metadefs"
GLANCE_MANAGE = Path(sys.executable).parent / "glance-manage"


@dataclasses.dataclass
class HookRun:
    """Outcome of one hook process."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    requests: list[Request] = dataclasses.field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """Return the log lines (stderr)."""
        return self.stderr.splitlines()

    @property
    def errors(self) -> list[str]:
        """Return the error lines."""
        return [line for line in self.lines if " level=error " in line]

    @property
    def writes(self) -> list[Request]:
        """Return the requests that changed Keystone."""
        return [r for r in self.requests if r.is_write]

    def explain(self) -> str:
        """Describe the run for an assertion message."""
        calls = "\n".join(f"  {r.method} {r.path} {r.status}" for r in self.requests)
        return f"exit {self.returncode} in {self.seconds:.1f}s\n{self.stderr}\nrequests:\n{calls}"


HookRunner = Callable[..., HookRun]


def counting_glance_manage(folder: Path, interpreter: str = sys.executable) -> Path:
    """A glance-manage that notes each call's action in folder/calls (and, on this interpreter,
    its environment in folder/environ, as JSON), then runs Glance's own. Its first line names
    `interpreter`, as a packaged glance-manage names its Python."""
    script = folder / "glance-manage"
    calls = folder / "calls"
    if interpreter == sys.executable:
        body = (
            "import json, os, sys\n"
            f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[-2:]) + '\\n')\n"
            f"open({str(folder / 'environ')!r}, 'w').write(json.dumps(dict(os.environ)))\n"
            "from glance.cmd.manage import main\n"
            "sys.exit(main())\n"
        )
    else:  # a shell script: glance-manage runs on another interpreter than the hook
        body = f'echo "${{@: -2}}" >> {calls}\nexec {GLANCE_MANAGE} "$@"\n'
    script.write_text(f"#!{interpreter}\n{body}")
    script.chmod(0o755)
    calls.write_text("")
    return script


def calls(script: Path) -> list[str]:
    """The actions the counting glance-manage ran since the last look, and forget them."""
    path = script.with_name("calls")
    actions = path.read_text().splitlines()
    path.write_text("")
    return actions


@functools.cache
def mounted_scripts() -> Path:
    """A folder laid out as the hook Jobs mount the hook scripts ConfigMap: the hooks, and the
    pods' modules they share (copies: Python looks for a script's siblings where a link
    points)."""
    folder = Path(tempfile.mkdtemp(prefix="hook-scripts-"))
    for source in [*HOOKS.glob("*.py"), *(POD / name for name in SHARED_WITH_PODS)]:
        shutil.copy2(source, folder / source.name)
    return folder


def run_hook_process(
    script: str,
    env: Mapping[str, str],
    python: str = sys.executable,
    timeout: float = 300,
) -> HookRun:
    """Run hooks/<script> the way a Job does: its own process, settings in the environment."""
    started = time.monotonic()
    result = subprocess.run(
        [python, str(mounted_scripts() / script)],
        env=scrubbed_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
        check=False,
    )
    return HookRun(result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def db_sync_env(mariadb: MariaDB, name: str, config_dir: Path, **extra: str) -> dict[str, str]:
    """A db_sync Job environment for a database and account called `name` on `mariadb`."""
    env = {
        "DB_HOST": mariadb.host,
        "DB_PORT": str(mariadb.port),
        "DB_NAME": name,
        "DB_USER": name,
        "DB_PASSWORD": PASSWORD,
        "DB_PASSWORD_KEY": "GlanceDatabasePassword",
        "DB_CREATE": "true",
        "DB_ROOT_USER": "root",
        "DB_ROOT_PASSWORD": PASSWORD,
        "DB_WAIT_SECONDS": "30",
        "GLANCE_MANAGE": str(GLANCE_MANAGE),
        "GLANCE_CONFIG_DIR": str(config_dir),
    }
    env.update(extra)
    return env
