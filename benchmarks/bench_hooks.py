"""Time the hook programs against a local MariaDB and Keystone and print the figures.

Run: .venv/bin/python benchmarks/bench_hooks.py [--rounds N]

Registration: wall time, API calls and writes of a first run on a fresh cloud and of a no-op
rerun. Database: db_sync on an empty server and on an already synced database. No assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hooks.helpers import (  # noqa: E402
    METADEFS,
    PASSWORD,
    HookRun,
    db_sync_env,
    run_hook_process,
)
from tests.services import py39  # noqa: E402
from tests.services.keystone import Keystone  # noqa: E402
from tests.services.mariadb import MariaDB  # noqa: E402


def keystone_env(keystone: Keystone, prefix: str) -> dict[str, str]:
    """A registration Job's environment for a service named prefix."""
    return keystone.admin_env(
        SERVICE_USER=prefix,
        SERVICE_PASSWORD=PASSWORD,
        SERVICE_NAME=prefix,
        SERVICE_TYPE=f"image-{prefix}",
        ENDPOINT_PUBLIC_URL=f"http://{prefix}.example.test:9292",
        ENDPOINT_INTERNAL_URL=f"http://{prefix}-internal.openstack.svc:9292",
        REGION="RegionOne",
        REGISTERED_LIMITS='{"image_size_total": 1000, "image_stage_total": 1000, '
        '"image_count_total": 100, "image_count_uploading": 10}',
    )


def registration(keystone: Keystone, python: str, prefix: str) -> tuple[HookRun, HookRun]:
    """Run the registration hook twice: first on a fresh service, then as a rerun."""
    env = keystone_env(keystone, prefix)
    runs = []
    for _ in range(2):
        mark = keystone.mark()
        run = run_hook_process("keystone_register.py", env, python=python)
        run.requests = keystone.requests_since(mark)
        if run.returncode != 0:
            raise SystemExit(f"registration failed:\n{run.stderr}")
        runs.append(run)
    return runs[0], runs[1]


def db_sync(mariadb: MariaDB, confdir: Path, name: str, python: str) -> tuple[HookRun, HookRun]:
    """Run db_sync twice: on an empty server, then on the synced database."""
    env = db_sync_env(mariadb, name, confdir)
    runs = []
    for _ in range(2):
        run = run_hook_process("db_sync.py", env, python=python)
        if run.returncode != 0:
            raise SystemExit(f"db sync failed:\n{run.stderr}")
        runs.append(run)
    return runs[0], runs[1]


def median(values: list[float]) -> float:
    """Median of a list."""
    return statistics.median(values)


def report(title: str, runs: list[tuple[HookRun, HookRun]], calls: bool) -> None:
    """Print one block of figures."""
    print(title)
    for index, label in ((0, "first run"), (1, "rerun    ")):
        seconds = [pair[index].seconds for pair in runs]
        line = f"  {label}  wall {median(seconds):6.2f} s (min {min(seconds):.2f})"
        if calls:
            requests = [len(pair[index].requests) for pair in runs]
            writes = [len(pair[index].writes) for pair in runs]
            line += f"  api calls {median(requests):4.0f}  writes {median(writes):3.0f}"
        print(line)


def main() -> None:
    """Start the services, time the hooks, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (median reported)")
    args = parser.parse_args()
    pythons: list[tuple[str, str]] = [(f"python {sys.version.split()[0]}", sys.executable)]
    if py39.venv_ready():
        pythons.append(("python 3.9, openstacksdk 1.0.1, PyMySQL 1.0.2", str(py39.venv_python())))

    with MariaDB(PASSWORD) as mariadb, Keystone(mariadb, PASSWORD) as keystone:
        confdir = Path(tempfile.mkdtemp(prefix="glance-conf-"))
        (confdir / "00-bench.conf").write_text(f"[DEFAULT]\nmetadata_source_path = {METADEFS}\n")
        print(
            f"MariaDB {mariadb.host}:{mariadb.port}, Keystone {keystone.url}, "
            f"{args.rounds} round(s), medians\n"
        )
        for label, python in pythons:
            tag = "py39" if "3.9" in label else "py"
            runs = [registration(keystone, python, f"bench{tag}{i}") for i in range(args.rounds)]
            report(f"keystone_register.py ({label})", runs, calls=True)
        for label, python in pythons:
            tag = "py39" if "3.9" in label else "py"
            runs = [db_sync(mariadb, confdir, f"bench{tag}{i}", python) for i in range(args.rounds)]
            report(f"db_sync.py ({label}): empty server, then synced", runs, calls=False)


if __name__ == "__main__":
    main()
