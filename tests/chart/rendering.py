"""Render the chart with a pinned helm and read back the objects.

Renders are cached for the whole test run, keyed by (helm binary, values, values files and their
content, extra arguments): each distinct case runs helm once however many tests read it, in
memory and, when the run has one (tests/conftest.py: RENDERS_ENV), in a folder the processes of
a parallel run share. Tests that must render afresh (determinism) call
`helm_template(..., fresh=True)`.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from chartgen.manifests import objects as manifest_objects
from tests.conftest import CHART, RENDERS_ENV, run_helm

NAMESPACE = "openstack"
_RENDERS: dict[tuple[Any, ...], subprocess.CompletedProcess[str]] = {}
_OBJECTS: dict[tuple[Any, ...], list[dict]] = {}


def _key(
    helm: Path, values: dict[str, Any] | None, files: Sequence[Path], extra: Sequence[str]
) -> tuple[Any, ...]:
    """What a render depends on: the binary, the values, the files' paths and contents."""
    contents = tuple((str(f), hashlib.sha256(Path(f).read_bytes()).hexdigest()) for f in files)
    return (str(helm), json.dumps(values, sort_keys=True), contents, tuple(extra))


def helm_template(
    helm: Path,
    values: dict[str, Any] | None = None,
    files: Sequence[Path] = (),
    extra: Sequence[str] = (),
    fresh: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`helm template glance chart --namespace openstack -f <files> -f <values> <extra>`."""
    key = _key(helm, values, files, extra)
    if fresh:
        return _run_template(helm, values, files, extra)
    if key not in _RENDERS:
        _RENDERS[key] = _shared_render(key, lambda: _run_template(helm, values, files, extra))
    return _RENDERS[key]


def _shared_render(
    key: tuple[Any, ...], run: Callable[[], subprocess.CompletedProcess[str]]
) -> subprocess.CompletedProcess[str]:
    """A render through the run's shared folder, when it has one: the first process to need a
    case renders it under a lock while the others wait, then read its file."""
    folder = os.environ.get(RENDERS_ENV)
    if not folder:
        return run()
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    with open(Path(folder) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = Path(folder) / f"{name}.json"
        if stored.is_file():
            return subprocess.CompletedProcess(**json.loads(stored.read_text()))
        result = run()
        fields = ("args", "returncode", "stdout", "stderr")
        stored.write_text(json.dumps({f: getattr(result, f) for f in fields}))
        return result


def _run_template(
    helm: Path, values: dict[str, Any] | None, files: Sequence[Path], extra: Sequence[str]
) -> subprocess.CompletedProcess[str]:
    """Run `helm template` for a case."""
    args = ["template", "glance", str(CHART), "--namespace", NAMESPACE]
    for f in files:
        args += ["-f", str(f)]
    with tempfile.TemporaryDirectory() as tmp:
        if values is not None:
            path = Path(tmp) / "values.yaml"
            path.write_text(yaml.safe_dump(values))
            args += ["-f", str(path)]
        return run_helm(helm, *args, *extra)


def render_text(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> str:
    """The manifest helm template prints for a release named glance."""
    result = helm_template(helm, values, files)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> list[dict]:
    """Every object of the manifest (parsed once per case; do not modify them)."""
    key = _key(helm, values, files, ())
    if key not in _OBJECTS:
        _OBJECTS[key] = manifest_objects(render_text(helm, values, *files))
    return list(_OBJECTS[key])


def secret_data(secret: dict) -> dict[str, str]:
    """A Secret's content as text, whether given as data or stringData."""
    out = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    out.update(secret.get("stringData") or {})
    return out


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    """(kind/name, pod spec) of every workload, hooks and CronJobs included."""
    out = []
    for obj in objects:
        spec = obj.get("spec") or {}
        kind = obj["kind"]
        if kind == "Pod":
            pod = spec
        elif kind in ("StatefulSet", "Deployment", "DaemonSet", "Job", "ReplicaSet"):
            pod = spec["template"]["spec"]
        elif kind == "CronJob":
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        else:
            continue
        out.append((f"{kind}/{obj['metadata']['name']}", pod))
    return out


def config_secrets(objects: list[dict]) -> dict[str, dict[str, str]]:
    """The Glance configuration Secrets by name: those holding 00-config.conf."""
    out = {}
    for obj in objects:
        if obj["kind"] == "Secret":
            data = secret_data(obj)
            if "00-config.conf" in data:
                out[obj["metadata"]["name"]] = data
    return out
