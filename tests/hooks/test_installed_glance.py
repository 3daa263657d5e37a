"""installed_glance.py, and the db sync hook's use of it: a settled database is recognised from
Glance's files, with no glance-manage, and anything less runs glance-manage as before."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import installed_glance
import pytest

from tests.hooks.helpers import GLANCE_MANAGE, METADEFS, calls, counting_glance_manage
from tests.services import glance26
from tests.services.mariadb import MariaDB


def test_heads_read_from_the_files_are_alembic_s_own(glance_head: str) -> None:
    """The parse of the migration scripts agrees with alembic, for Glance 33 (on this
    interpreter) and Glance 26 (on the Python 3.9 of its venv, which is asked where it is)."""
    glance = installed_glance.package([str(GLANCE_MANAGE)])
    assert glance is not None
    assert installed_glance.migrated_heads(glance) == {glance_head}
    if not glance26.venv_ready():
        pytest.fail(f"no Glance 26 venv: {glance26.HINT}", pytrace=False)
    old = installed_glance.package([glance26.program("glance-manage")])
    assert old is not None and old != glance
    assert installed_glance.migrated_heads(old) == {glance26.CONTRACT_HEAD}


def test_what_glance_manage_runs_on_is_not_guessed(tmp_path: Path, venv39: str) -> None:
    """A glance-manage that is no Python script, takes arguments, is missing, or whose Python
    has no glance, tells nothing: the hook then asks glance-manage itself."""
    shell = counting_glance_manage(tmp_path, interpreter="/bin/bash")
    assert installed_glance.package([str(shell)]) is None
    assert installed_glance.package(["/nonexistent/glance-manage"]) is None
    assert installed_glance.package([str(GLANCE_MANAGE), "--debug"]) is None
    without = tmp_path / "without-glance"
    without.write_text(f"#!{venv39}\nimport glance\n")
    without.chmod(0o755)
    assert installed_glance.package([str(without)]) is None


def test_metadefs_path_is_resolved_as_glance_manage_resolves_it(tmp_path: Path) -> None:
    """Glance's default without a setting; the last file of the config dir that sets it wins."""
    assert installed_glance.metadefs_path(None) == installed_glance.DEFAULT_METADEFS
    (tmp_path / "00-first.conf").write_text("[DEFAULT]\nmetadata_source_path = /first/\n")
    (tmp_path / "10-second.conf").write_text("[DEFAULT]\nmetadata_source_path = /second/\n")
    assert installed_glance.metadefs_path(str(tmp_path)) == "/second/"
    assert installed_glance.metadefs_path(str(tmp_path / "missing")) is None


def test_metadefs_path_is_unknown_without_oslo_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """An image without oslo.config: where glance-manage reads the definitions is not guessed
    (the hook then runs `glance-manage db load_metadefs`)."""
    monkeypatch.setitem(sys.modules, "oslo_config", None)
    assert installed_glance.metadefs_path(None) is None


def test_metadef_namespaces_are_those_of_the_files(tmp_path: Path) -> None:
    """Every *.json file's namespace; None when one cannot be read, or none is there."""
    found = installed_glance.metadef_namespaces(str(METADEFS))
    assert found is not None and "OS::Compute::Hypervisor" in found
    assert len(found) == len(list(METADEFS.glob("*.json")))
    assert installed_glance.metadef_namespaces(str(tmp_path)) is None
    (tmp_path / "broken.json").write_text("{")
    assert installed_glance.metadef_namespaces(str(tmp_path)) is None


def test_a_settled_database_needs_no_glance_manage(
    mariadb: MariaDB,
    migrated: Callable[[str], None],
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    run_contract_hook: Any,
    tmp_path: Path,
) -> None:
    """What every Argo CD sync and helm upgrade of an unchanged release meets: the rerun starts
    no glance-manage, in any phase. A definition file the database lacks is loaded."""
    definitions = tmp_path / "metadefs"
    shutil.copytree(METADEFS, definitions)
    conf = tmp_path / "conf.d"
    conf.mkdir()
    (conf / "00-test.conf").write_text(f"[DEFAULT]\nmetadata_source_path = {definitions}\n")
    manage = counting_glance_manage(tmp_path)
    # A finished install's database; the account is made again (no glance-manage for that).
    migrated("settled")
    env = db_env("settled", GLANCE_MANAGE=str(manage), GLANCE_CONFIG_DIR=str(conf))
    first = run_db_hook(env)
    assert first.returncode == 0, first.stderr
    assert calls(manage) == []

    for hook, said in (
        (run_db_hook, "unchanged: metadata definitions (every namespace already present)"),
        (run_contract_hook, "unchanged: schema of settled already contracted, nothing to do"),
    ):
        again = hook(env)
        assert again.returncode == 0, again.stderr
        assert calls(manage) == []
        assert said in again.stderr
        assert "changed: nothing" in again.lines[-1]

    added = {"namespace": "Test::Added", "display_name": "Added", "visibility": "public"}
    (definitions / "test-added.json").write_text(json.dumps(added))
    loaded = run_db_hook(env)
    assert loaded.returncode == 0, loaded.stderr
    assert calls(manage) == ["db load_metadefs"]
    assert "changed: metadefs" in loaded.lines[-1]
    assert mariadb.query(
        "SELECT display_name FROM metadef_namespaces WHERE namespace = 'Test::Added'",
        database="settled",
    ) == [("Added",)]


def test_another_interpreter_s_glance_manage_still_runs(
    migrated: Callable[[str], None],
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    tmp_path: Path,
) -> None:
    """When the hook cannot read the Glance that glance-manage runs, it asks glance-manage,
    even of a settled database."""
    manage = counting_glance_manage(tmp_path, interpreter="/bin/bash")
    migrated("asks")
    run = run_db_hook(db_env("asks", GLANCE_MANAGE=str(manage)))
    assert run.returncode == 0, run.stderr
    assert calls(manage) == ["db expand", "db load_metadefs"]
    # Only the account the copy lacks was made: glance-manage changed nothing.
    assert "changed: account, grants;" in run.lines[-1]
