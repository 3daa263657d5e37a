"""The Glance configuration checker itself: it must flag what Glance would not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.glanceconf import option_data, problems

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
