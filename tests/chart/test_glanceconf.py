"""The Glance configuration checker itself: it must flag what Glance would not know."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.chart.glanceconf import NAMESPACES, option_data, problems

GOOD = """\
[DEFAULT]
enabled_backends = default_backend:rbd
[glance_store]
default_backend = default_backend
[default_backend]
rbd_store_pool = images
store_description = RBD backend
[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging
[keystone_authtoken]
auth_url = http://keystone:5000
[paste_deploy]
flavor = keystone
"""


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return option_data(tmp_path_factory.mktemp("opts") / "options.yaml")


def test_a_valid_configuration_passes(known: dict) -> None:
    assert problems(GOOD, known) == []


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("[DEFAULT]\nbogus_opt = 1\n", "[DEFAULT] bogus_opt: unknown option"),
        ("[DEFAULT]\nbind_port = 9292\n", "[DEFAULT] bind_port: unknown option"),
        ("[nosuch]\nx = 1\n", "[nosuch] x: unknown option"),
        (
            "[default_backend]\nrbd_pool = x\n",
            "[default_backend] rbd_pool: not an option of the rbd store",
        ),
        ("[os_glance_staging_store]\nrbd_store_pool = x\n", "not an option of the file store"),
    ],
)
def test_unknown_options_are_flagged(known: dict, extra: str, problem: str) -> None:
    assert any(problem in p for p in problems(GOOD + extra, known))


def test_an_unknown_store_driver_is_flagged(known: dict, tmp_path: Path) -> None:
    text = GOOD.replace("default_backend:rbd", "default_backend:floppy")
    assert "[default_backend]: unknown store driver 'floppy'" in problems(text, known)


def validator(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """oslo-config-validator itself, with Glance's namespaces, store sections excluded."""
    conf = tmp_path / "glance-api.conf"
    conf.write_text(text)
    args = [str(Path(sys.executable).with_name("oslo-config-validator")), "--input-file", str(conf)]
    for ns in NAMESPACES:
        args += ["--namespace", ns]
    for group in ("default_backend", "os_glance_staging_store", "os_glance_tasks_store"):
        args += ["--exclude-group", group]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def test_the_checker_agrees_with_oslo_config_validator(known: dict, tmp_path: Path) -> None:
    """The checker is oslo-config-validator's rule, run without its start-up cost per file."""
    assert validator(tmp_path, GOOD).returncode == 0
    bad = GOOD + "[DEFAULT]\nbogus_opt = 1\n"
    result = validator(tmp_path, bad)
    assert result.returncode != 0 and "DEFAULT/bogus_opt is not part of the sample config" in (
        result.stdout + result.stderr
    )
    assert problems(bad, known) == ["[DEFAULT] bogus_opt: unknown option"]
