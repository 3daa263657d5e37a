"""What the Glance installed beside the db sync hook holds, read from its files without
importing it (an import of Glance costs two seconds of CPU; these reads cost milliseconds).

The db sync hook runs on every install, upgrade and Argo CD sync. When the database already
holds what this Glance's migrations end at, and every metadata definition file's namespace,
the hook has nothing to ask of glance-manage. Each function here answers None when it cannot
be sure, and the hook then runs glance-manage as it would otherwise.
Runs on Python 3.9 with the standard library (oslo.config when the image has it).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

MIGRATIONS = ("db", "sqlalchemy", "alembic_migrations", "versions")
# Glance's own default for [DEFAULT] metadata_source_path.
DEFAULT_METADEFS = "/etc/glance/metadefs/"
# The programs whose configuration files glance-manage reads, in its order.
MANAGE_PROGRAMS = ("glance-api", "glance-manage")


# Where an interpreter finds the glance package, printed without importing it.
FIND_GLANCE = (
    "import importlib.util as u; s = u.find_spec('glance'); "
    "print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')"
)


def package(glance_manage: Sequence[str]) -> Optional[Path]:
    """The glance package that the glance-manage command runs, when it is a plain command (no
    arguments, which could name another module) whose script's first line names a Python; else
    None. Another interpreter than this one is asked where it finds glance (a few milliseconds;
    glance-manage's own start costs seconds)."""
    script = shutil.which(glance_manage[0]) if glance_manage else None
    if script is None or len(glance_manage) != 1:
        return None
    try:
        with open(script, "rb") as handle:
            first = handle.readline(512).decode("utf-8", "replace")
    except OSError:
        return None
    words = first[2:].split() if first.startswith("#!") else []
    interpreter = shutil.which(words[0]) if len(words) == 1 else None
    if interpreter is None:
        return None
    if _same_interpreter(interpreter, sys.executable):
        spec = importlib.util.find_spec("glance")  # finds, does not import, a top-level package
        found = list(spec.submodule_search_locations or ()) if spec else []
        return Path(found[0]) if found else None
    if not os.path.basename(interpreter).startswith("python"):
        return None
    try:
        asked = subprocess.run(
            [interpreter, "-c", FIND_GLANCE],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    location = asked.stdout.strip()
    if asked.returncode != 0 or not location or not os.path.isdir(location):
        return None
    return Path(location)


def _same_interpreter(one: str, other: str) -> bool:
    """Whether two paths start the same Python with the same packages: the same binary, from
    the same folder (two virtual environments share a binary, not a folder)."""
    real = os.path.realpath
    return real(one) == real(other) and real(os.path.dirname(one)) == real(os.path.dirname(other))


def _names(node: ast.expr) -> set[str]:
    """The revision names an assignment's value holds (a string, a tuple of them, or None)."""
    value = ast.literal_eval(node)
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value}


def migrated_heads(glance: Path) -> Optional[set[str]]:
    """What alembic_version holds once this Glance has synced and contracted a database: the
    heads of its migrations that no other head depends on. None when they cannot be read."""
    folder = glance.joinpath(*MIGRATIONS)
    parents: dict[str, set[str]] = {}
    try:
        for script in sorted(folder.glob("*.py")):
            fields: dict[str, set[str]] = {}
            for node in ast.parse(script.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name) and target.id in (
                        "revision",
                        "down_revision",
                        "depends_on",
                    ):
                        fields[target.id] = _names(node.value)
            if "revision" in fields:
                (revision,) = fields["revision"]
                parents[revision] = fields.get("down_revision", set()) | fields.get(
                    "depends_on", set()
                )
    except (OSError, SyntaxError, ValueError):
        return None
    if not parents:
        return None
    below: set[str] = set()
    stack = [p for ps in parents.values() for p in ps]
    while stack:
        revision = stack.pop()
        if revision not in below:
            below.add(revision)
            stack.extend(parents.get(revision, ()))
    return set(parents) - below


def metadefs_path(config_dir: Optional[str]) -> Optional[str]:
    """Where glance-manage reads the metadata definitions: oslo.config resolves
    metadata_source_path from the same files glance-manage reads. None without oslo.config."""
    try:
        from oslo_config import cfg
    except ImportError:
        return None
    files: list[str] = []
    dirs: list[str] = []
    for program in MANAGE_PROGRAMS:
        files += cfg.find_config_files(project="glance", prog=program)
        dirs += cfg.find_config_dirs(project="glance", prog=program)
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt("metadata_source_path", default=DEFAULT_METADEFS))
    try:
        conf(
            args=["--config-dir", config_dir] if config_dir else [],
            project="glance",
            default_config_files=files,
            default_config_dirs=dirs,
        )
    except (cfg.Error, OSError):
        return None
    return str(conf.metadata_source_path)


def metadef_namespaces(path: str) -> Optional[set[str]]:
    """The namespaces of the definition files glance-manage would load from path (every
    *.json file in it, or the file itself); None when one cannot be read."""
    try:
        if os.path.isfile(path):
            files = [path]
        else:
            files = [
                os.path.join(path, name)
                for name in os.listdir(path)
                if name.endswith(".json") and os.path.isfile(os.path.join(path, name))
            ]
        namespaces = set()
        for file in files:
            with open(file, encoding="utf-8") as handle:
                namespace = json.load(handle).get("namespace")
            if not isinstance(namespace, str):
                return None
            namespaces.add(namespace)
    except (OSError, ValueError, AttributeError):
        return None
    return namespaces or None
