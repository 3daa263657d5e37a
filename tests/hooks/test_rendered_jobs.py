"""The hook Jobs as the chart renders them, run against the real MariaDB and Keystone.

Command, environment and mounted scripts come from `helm template` output: the scripts are the
rendered ConfigMap's items, written where the pod mounts them (under a temporary prefix), and
each secretKeyRef is read from a test Secret. The only changes: that path prefix, loopback
addresses in the values, the venv's interpreter for `python3` and its bin/ on PATH (where the
image has glance-manage), and the metadata definitions' folder, which the image has at
/etc/glance/metadefs.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.chart.rendering import render
from tests.hooks.helpers import METADEFS, PASSWORD, HookRun
from tests.services import scrubbed_env
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB

SECRET = {
    "GlancePassword": PASSWORD + " svc",
    "GlanceDatabasePassword": PASSWORD + " db",
    "AdminPassword": PASSWORD,
    "DbRootPassword": PASSWORD,
}


def values(mariadb: MariaDB, keystone: Keystone, **extra: Any) -> dict[str, Any]:
    """Values of an ordinary install, with the services on loopback."""
    out: dict[str, Any] = {
        "database": {"host": mariadb.host, "port": mariadb.port, "name": "rendered"},
        "databaseAccount": "rendered",
        "serviceUser": "rendered",
        "keystone": {"authURL": keystone.auth_url, "region": keystone.region},
        # A split API needs a store its two instances share (the hooks do not use it).
        "customServiceConfig": "[DEFAULT]\nenabled_backends = default_backend:swift\n",
        "glanceAPIs": {
            "default": {
                "type": "split",
                "override": {
                    "service": {"public": {"endpointURL": "http://image.example.test:9292"}}
                },
            }
        },
    }
    out.update(extra)
    return out


def job_process(
    objects: list[dict], component: str, secret: dict[str, str], root: Path
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of a rendered hook Job's (or test Pod's) container, its
    ConfigMap files laid out under root."""
    hooks = [o for o in objects if o["kind"] in ("Job", "Pod")]
    hook = next(
        h for h in hooks if h["metadata"]["labels"]["app.kubernetes.io/component"] == component
    )
    pod = hook["spec"] if hook["kind"] == "Pod" else hook["spec"]["template"]["spec"]
    [container] = pod["containers"]
    configmaps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        source = volumes[mount["name"]]
        if "configMap" in source and source["configMap"]["name"] in configmaps:
            for key, text in configmaps[source["configMap"]["name"]]["data"].items():
                (target / key).write_text(text)
    env = {}
    for var in container["env"]:
        if "valueFrom" in var:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = secret[ref["key"]]
        else:
            env[var["name"]] = var["value"]
    command = list(container["command"])
    assert command[0] == "python3"
    argv = [sys.executable, str(root / command[1].lstrip("/")), *command[2:]]
    return argv, env


def run_job(objects: list[dict], component: str, tmp_path: Path, **extra_env: str) -> HookRun:
    """Run one rendered hook Job's container command to completion."""
    argv, env = job_process(objects, component, SECRET, tmp_path / component)
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    env.update(extra_env)
    result = subprocess.run(
        argv, env=scrubbed_env(**env), capture_output=True, text=True, timeout=300, check=False
    )
    return HookRun(result.returncode, result.stdout, result.stderr, 0.0)


def test_rendered_db_sync_job_prepares_the_database(
    helm: Path, mariadb: MariaDB, keystone: Keystone, tmp_path: Path, glance_head: str
) -> None:
    objects = render(helm, values(mariadb, keystone))
    metadefs = {"OS_DEFAULT__METADATA_SOURCE_PATH": str(METADEFS)}
    first = run_job(objects, "db-sync", tmp_path, **metadefs)
    assert first.returncode == 0, first.stderr
    assert mariadb.query("SELECT version_num FROM alembic_version", database="rendered") == [
        (glance_head,)
    ]
    assert mariadb.query("SELECT COUNT(*) FROM metadef_namespaces", database="rendered")[0][0] > 0
    again = run_job(objects, "db-sync", tmp_path / "again", **metadefs)
    assert again.returncode == 0, again.stderr


def test_rendered_keystone_job_registers_then_writes_nothing(
    helm: Path, mariadb: MariaDB, keystone: Keystone, tmp_path: Path
) -> None:
    # A service user of each Helm's own, so that each first run registers something.
    user = f"rendered-{helm.name}"
    objects = render(
        helm, values(mariadb, keystone, serviceUser=user, quotas={"imageCountTotal": 3})
    )
    mark = keystone.mark()
    first = run_job(objects, "keystone-register", tmp_path)
    assert first.returncode == 0, first.stderr
    assert any(r.is_write for r in keystone.requests_since(mark))
    [service] = keystone.get("/services", "services", name="glance", type="image")
    urls = {
        e["interface"]: e["url"]
        for e in keystone.get("/endpoints", "endpoints", service_id=service["id"])
    }
    assert urls == {
        "public": "http://image.example.test:9292",
        "internal": "http://glance-default-internal.openstack.svc:9292",
    }
    limits = keystone.get("/registered_limits", "registered_limits", service_id=service["id"])
    assert {x["resource_name"]: x["default_limit"] for x in limits}["image_count_total"] == 3
    # The service user logs in with the password of the Secret.
    keystone.token(user=user, password=SECRET["GlancePassword"], project="service")
    mark = keystone.mark()
    again = run_job(objects, "keystone-register", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert [r for r in keystone.requests_since(mark) if r.is_write] == []


def test_rendered_release_check_passes_then_catches_a_wrong_catalog(
    helm: Path, mariadb: MariaDB, keystone: Keystone, tmp_path: Path
) -> None:
    """`helm test`'s program, as the pod runs it, on a registered cloud whose APIs answer."""
    with healthcheck_server() as port:
        endpoint = f"http://127.0.0.1:{port}"
        api = {"type": "single", "override": {"service": {"public": {"endpointURL": endpoint}}}}
        objects = render(helm, values(mariadb, keystone, glanceAPIs={"default": api}))
        assert run_job(objects, "keystone-register", tmp_path / "register").returncode == 0
        argv, env = job_process(objects, "test-healthcheck", SECRET, tmp_path / "pod")
        # The pod reaches each API Service by its cluster name; here they are all one server.
        env["CHECKS"] = re.sub(r"https?://[^/]+", endpoint, env["CHECKS"])
        env["RETRIES"] = "0"
        passed = subprocess.run(argv, env=scrubbed_env(**env), capture_output=True, text=True)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert passed.stdout.count("ok   http://127.0.0.1") == 2
        assert "ok   catalog lists image" in passed.stdout
        wrong = dict(env, CATALOG=env["CATALOG"].replace(endpoint, "http://elsewhere:9292"))
        failed = subprocess.run(argv, env=scrubbed_env(**wrong), capture_output=True, text=True)
        assert failed.returncode == 1
        assert "FAIL public endpoint in RegionOne: want http://elsewhere:9292" in failed.stdout


@contextlib.contextmanager
def healthcheck_server() -> Iterator[int]:
    """A loopback HTTP server answering 200 on /healthcheck, like a healthy Glance."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            self.send_response(200 if self.path == "/healthcheck" else 404)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
