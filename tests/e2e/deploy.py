"""Install the rendered chart on this machine: its Jobs and API pods as real processes.

`render()` runs `helm template` with a values file; `Cluster` runs a Job's container or starts
an API pod (init container, then httpd with mod_wsgi) through sandbox.py, with the files the
Glance and client images carry (`Image`) under the pod's own mounts.

What differs from a pod, and only that (each is what the test may change):
- the images' files come from this machine: Debian's apache2 is /usr/sbin/httpd (started with
  the image's compiled-in ServerRoot /etc/httpd and conf/httpd.conf); /etc/httpd/conf.modules.d
  loads Debian's modules and mod_wsgi built for the venv's Python (PyPI mod_wsgi, with
  WSGIPythonHome pointing at the venv, as the image's mod_wsgi uses the image's Python); the
  venv's glance-api.conf sample, glance-api-paste.ini and metadefs are under /etc/glance; and
  /etc/passwd knows the glance user (uid 42415);
- PATH has the venv's bin first (python3, glance-manage, openstacksdk);
- values point the database, Keystone and memcached at loopback, and the catalog URLs at the
  loopback ports of the API pods (override.service.<endpoint>.endpointURL);
- the rendered httpd.conf listens on 127.0.0.1:<free port> instead of port 9292 (listen_on());
- a pod's own URL (OS_DEFAULT__WORKER_SELF_REFERENCE_URL, its name in the headless Service) is
  its loopback URL, since this machine cannot resolve the cluster's names;
- /root (where pyenv's Python lives) is searchable inside the namespace, as the image's
  Python is for the glance user; a pod that mounts nothing at /var/lib/glance gets the
  image's folder there, owned by glance, of its own.
Everything else, the rendered files, environment, command, user and groups, is the pod's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from chartgen.manifests import objects as manifest_objects
from tests.conftest import CHART, HELMS, helm_env
from tests.e2e import sandbox
from tests.e2e.pod import ContainerView, Pod, find
from tests.services import HOST, free_port, tail

GLANCE_UID = 42415
# The glance user's home in the Glance image, where Glance keeps its staging area.
GLANCE_HOME = "/var/lib/glance"
VENV = Path(sys.executable).parent.parent
DEBIAN_MODULES = Path("/usr/lib/apache2/modules")
# What the Glance image loads from conf.modules.d (besides mod_wsgi), by Debian's file names.
HTTPD_MODULES = {
    "mpm_event_module": "mod_mpm_event.so",
    "authz_core_module": "mod_authz_core.so",
    "mime_module": "mod_mime.so",
    "ssl_module": "mod_ssl.so",
}


class DeployError(RuntimeError):
    """A Job failed or a pod did not become ready."""


def render(values: Mapping[str, Any], workdir: Path) -> list[dict[str, Any]]:
    """`helm template glance chart --namespace openstack -f <values>` -> rendered objects."""
    values_file = workdir / "values.yaml"
    values_file.write_text(yaml.safe_dump(dict(values), sort_keys=False))
    result = subprocess.run(
        [str(HELMS["helm4"]), "template", "glance", str(CHART), "--namespace", "openstack",
         "-f", str(values_file)],
        capture_output=True, text=True, env=helm_env(), check=False, timeout=120,
    )  # fmt: skip
    if result.returncode != 0:
        raise DeployError(f"helm template failed:\n{result.stderr}")
    return manifest_objects(result.stdout)


def mod_wsgi_module() -> Path | None:
    """mod_wsgi built for the venv's Python (PyPI mod_wsgi), if installed."""
    found = sorted((VENV / "lib").glob("python3*/site-packages/mod_wsgi/server/mod_wsgi-py3*.so"))
    return found[0] if found else None


def unsearchable_parents(path: Path) -> list[str]:
    """Folders above a path that other users cannot search (pyenv under /root)."""
    blocked = []
    for parent in Path(os.path.realpath(path)).parents:
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            blocked.append(str(parent))
    return blocked


class Image:
    """The files of the container images the chart relies on, laid out once."""

    def __init__(self, root: Path) -> None:
        """Write the files under root."""
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        passwd, group = root / "passwd", root / "group"
        passwd.write_text(
            Path("/etc/passwd").read_text()
            + f"glance:x:{GLANCE_UID}:{GLANCE_UID}::/var/lib/glance:/sbin/nologin\n"
        )
        group.write_text(Path("/etc/group").read_text() + f"glance:x:{GLANCE_UID}:\n")
        self.base = [("/etc/passwd", passwd, True), ("/etc/group", group, True)]
        self.glance = [
            *self.base,
            # The package's sample: every option commented out.
            ("/etc/glance/glance-api.conf", VENV / "etc/glance/glance-api.conf", True),
            ("/etc/glance/glance-api-paste.ini", VENV / "etc/glance/glance-api-paste.ini", True),
            ("/etc/glance/metadefs", VENV / "etc/glance/metadefs", True),
        ]
        self.wsgi = mod_wsgi_module()
        modules = root / "conf.modules.d"
        modules.mkdir(exist_ok=True)
        lines = [f"LoadModule {name} {DEBIAN_MODULES / so}\n" for name, so in HTTPD_MODULES.items()]
        if self.wsgi is not None:
            lines += [f"LoadModule wsgi_module {self.wsgi}\n", f"WSGIPythonHome {VENV}\n"]
        (modules / "00-base.conf").write_text("".join(lines))
        # The image's httpd has ServerRoot /etc/httpd and conf/httpd.conf compiled in; Debian's
        # apache2 has /etc/apache2/apache2.conf, so /usr/sbin/httpd passes the image's defaults.
        httpd = root / "httpd"
        httpd.write_text(
            '#!/bin/sh\nexec /usr/sbin/apache2 -d /etc/httpd -f conf/httpd.conf "$@"\n'
        )
        httpd.chmod(0o755)
        self.httpd = [
            ("/etc/httpd/conf.modules.d", modules, True),
            ("/usr/sbin/httpd", httpd, True),
        ]
        self.traverse = unsearchable_parents(Path(sys.executable))


@dataclasses.dataclass
class ApiProcess:
    """One API pod's httpd."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    init_output: dict[str, str] = dataclasses.field(default_factory=dict)
    scheme: str = "http"

    @property
    def url(self) -> str:
        """The pod's loopback URL."""
        return f"{self.scheme}://{HOST}:{self.port}"


def _start_session() -> None:
    """Own process group (stopped as one), SIGTERM if the test process dies."""
    os.setsid()
    sandbox._die_with_parent()


class Cluster:
    """Runs rendered Jobs and API pods against the user's Secrets."""

    def __init__(self, root: Path, secrets: dict[str, Mapping[str, str]]) -> None:
        """root: work directory (outside /tmp, /etc, /var/lib, /run: those get mounted over);
        secrets: the user's Secrets by name (a test may add its own)."""
        self.root = root
        self.secrets = secrets
        self.image = Image(root / "image")
        self.claims: dict[str, Path] = {}
        self._count = 0

    @contextlib.contextmanager
    def rotated(self, secret: str, key: str) -> Iterator[None]:
        """A new value of one key of a Secret for the block (pods and Jobs started in it read
        it); the old Secret after."""
        old = dict(self.secrets[secret])
        self.secrets[secret] = {**old, key: f"rotated {key}: p@ss/w?rd"}
        try:
            yield
        finally:
            self.secrets[secret] = old

    def _workdir(self, name: str) -> Path:
        self._count += 1
        path = self.root / f"{self._count:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def pod(
        self, objects: Sequence[Mapping[str, Any]], kind: str, name: str, pod_name: str = ""
    ) -> Pod:
        """The pod of a rendered workload, its volumes laid out in a fresh directory."""
        workload = find(objects, kind, name)
        return Pod(
            workload,
            objects,
            self.secrets,
            self._workdir(pod_name or name),
            name=pod_name or None,
            claims=self.claims,
        )

    def _spec(
        self, view: ContainerView, pod: Pod, image: Sequence[tuple[str, Path, bool]], workdir: Path
    ) -> dict[str, Any]:
        home = "/var/lib/glance" if view.uid == GLANCE_UID else "/"
        return sandbox.build_spec(
            workdir,
            [*image, *((m.target, m.source, m.read_only) for m in view.mounts)],
            view.command,
            sandbox.container_env(view.env, hostname=pod.name, home=home),
            view.uid,
            view.gid,
            view.groups,
            traverse=self.image.traverse,
            writable_only=(
                [m.target for m in view.mounts if not m.read_only] if view.read_only_root else None
            ),
        )

    def run(
        self,
        pod: Pod,
        container: str,
        image: Sequence[tuple[str, Path, bool]],
        timeout: float = 600,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a container of a pod to completion (env: variables that replace the rendered
        ones, for what only a cluster provides)."""
        view = pod.container(container)
        view.env.update(env or {})
        workdir = self._workdir(f"{pod.name}-{container}")
        return sandbox.run(self._spec(view, pod, image, workdir), workdir / "spec.json", timeout)

    def run_job(
        self,
        objects: Sequence[Mapping[str, Any]],
        job: str,
        image: Sequence[Any],
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a rendered Job's (only) container; raise DeployError if it fails."""
        pod = self.pod(objects, "Job", job)
        (container,) = pod.containers()
        result = self.run(pod, container["name"], image, env=env)
        if result.returncode != 0:
            raise DeployError(
                f"Job {job} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def run_cronjob(
        self, objects: Sequence[Mapping[str, Any]], cronjob: str, image: Sequence[Any]
    ) -> subprocess.CompletedProcess[str]:
        """Run one Job of a rendered CronJob now: its init containers, then its container."""
        pod = self.pod(objects, "CronJob", cronjob)
        for spec in [*pod.containers(init=True), *pod.containers()]:
            result = self.run(pod, spec["name"], image)
            if result.returncode != 0:
                raise DeployError(
                    f"CronJob {cronjob}: {spec['name']} exited {result.returncode}:\n"
                    f"{result.stdout}\n{result.stderr}"
                )
        return result

    def start_api(
        self,
        objects: Sequence[Mapping[str, Any]],
        statefulset: str,
        port: int,
        timeout: float = 240,
        replica: int = 0,
        wait: bool = True,
    ) -> ApiProcess:
        """Run an API pod (replica `replica` of the StatefulSet): its init containers, then
        httpd serving the rendered WSGI script; with wait, return once its readiness probe
        answers 200."""
        if self.image.wsgi is None:
            raise DeployError("mod_wsgi for the venv's Python is missing: pip install mod_wsgi")
        pod = self.pod(objects, "StatefulSet", statefulset, f"{statefulset}-{replica}")
        init_output = {}
        for init in pod.containers(init=True):
            result = self.run(pod, init["name"], self.image.glance, timeout=120)
            init_output[init["name"]] = result.stdout
            if result.returncode != 0:
                raise DeployError(f"init container {init['name']} of {pod.name} failed:\n"
                                  f"{result.stdout}\n{result.stderr}")  # fmt: skip
        (container,) = pod.containers()
        probe = container["readinessProbe"]["httpGet"]
        scheme = probe.get("scheme", "HTTP").lower()
        view = pod.container(container["name"])
        image = [*self.image.glance, *self.image.httpd]
        if GLANCE_HOME not in view.files:
            # The image's own folder, in the container's root filesystem (read-only or not).
            home = pod.root / "image-glance-home"
            home.mkdir()
            os.chown(home, GLANCE_UID, GLANCE_UID)
            image.append((GLANCE_HOME, home, view.read_only_root))
        if "OS_DEFAULT__WORKER_SELF_REFERENCE_URL" in view.env:
            view.env["OS_DEFAULT__WORKER_SELF_REFERENCE_URL"] = f"{scheme}://{HOST}:{port}"
        httpd_conf = "/etc/httpd/conf/httpd.conf"
        edited = pod.root / "httpd.conf"
        edited.write_text(listen_on(view.mount(httpd_conf).source.read_text(), port))
        view.replace(httpd_conf, edited)
        workdir = self._workdir(f"{pod.name}-{view.name}")
        spec = self._spec(view, pod, image, workdir)
        spec_file = sandbox.write_spec(spec, workdir / "spec.json")
        log = workdir / "httpd.log"
        log.touch()
        # httpd reopens /dev/stderr, i.e. this file, as the container's user.
        os.chown(log, view.uid, view.gid)
        with open(log, "ab") as out:
            process = subprocess.Popen(
                sandbox.launcher_argv(spec_file),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_start_session,
            )
        api = ApiProcess(pod.name, port, process, log, init_output, scheme)
        if wait:
            try:
                wait_ready(api, probe["path"], timeout)
            except Exception:
                stop_api(api)
                raise
        return api


def listen_on(httpd_conf: str, port: int) -> str:
    """The rendered httpd.conf on 127.0.0.1:<port> instead of the pod's port 9292."""
    text = re.sub(r"(?m)^Listen 9292$", f"Listen {HOST}:{port}", httpd_conf)
    text = text.replace("<VirtualHost *:9292>", f"<VirtualHost *:{port}>")
    if f"Listen {HOST}:{port}" not in text:
        raise DeployError("the rendered httpd.conf no longer has `Listen 9292`")
    return text


def glance_loads(log: str) -> set[str]:
    """The processes of an httpd log that loaded Glance (its first log line at import)."""
    return set(re.findall(r"\d{2}:\d{2}:\d{2}\.\d+ (\d+) INFO glance.async_ ", log))


def wait_ready(api: ApiProcess, path: str, timeout: float) -> None:
    """Poll the readiness probe's path until it answers 200; a 5xx but 503 (its store does not
    answer yet) means the pod never will. Like the kubelet, an HTTPS probe does not verify the
    certificate."""
    deadline = time.monotonic() + timeout
    unverified = ssl._create_unverified_context()
    while True:
        if api.process.poll() is not None:
            raise DeployError(f"{api.name} exited ({api.process.returncode}):\n{tail(api.log, 60)}")
        try:
            with urllib.request.urlopen(api.url + path, timeout=5, context=unverified) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 and exc.code != 503:
                raise DeployError(
                    f"{api.name}: GET {path} answered {exc.code}:\n{tail(api.log, 60)}"
                ) from None
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise DeployError(f"{api.name} not ready after {timeout:.0f} s:\n{tail(api.log, 60)}")
        time.sleep(0.2)


def liveness_window(objects: Sequence[Mapping[str, Any]], pod: ApiProcess) -> tuple[int, int]:
    """Seconds from a pod's start to the liveness probe's last failure before the kubelet
    restarts it, and the readiness probe's timeout, as the chart renders them."""
    statefulset = find(objects, "StatefulSet", pod.name.rsplit("-", 1)[0])
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    live = container["livenessProbe"]
    window = live["initialDelaySeconds"] + live["periodSeconds"] * (live["failureThreshold"] - 1)
    return window, container["readinessProbe"]["timeoutSeconds"]


def healthcheck(api: ApiProcess, timeout: float, path: str = "/healthcheck") -> int | None:
    """The status of GET path (/healthcheck, what the liveness probe asks; /healthcheck/store,
    what the readiness probe asks), None when the pod did not answer within timeout seconds."""
    try:
        with urllib.request.urlopen(f"{api.url}{path}", timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@contextlib.contextmanager
def another_pod(
    cluster: Cluster, objects: Sequence[Mapping[str, Any]], pod: ApiProcess
) -> Iterator[ApiProcess]:
    """A second replica of a running pod's StatefulSet on a free port, started without waiting
    for it to be ready (as a pod that is added or rescheduled starts); stopped when the block
    ends."""
    statefulset = pod.name.rsplit("-", 1)[0]
    new = cluster.start_api(objects, statefulset, free_port(), replica=1, wait=False)
    try:
        yield new
    finally:
        stop_api(new)


def stop_api(api: ApiProcess) -> None:
    """Stop httpd (SIGTERM, as the kubelet does), then anything left in its process group."""
    process = api.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    # mod_wsgi's daemon processes are in httpd's process group; none may outlive the test.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def work_root() -> Iterator[Path]:
    """A work directory outside the folders the pods mount over, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="glance-e2e-", dir="/var/tmp"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        # GLANCE_E2E_KEEP=1 keeps the pods' files and logs for a look afterwards.
        if os.environ.get("GLANCE_E2E_KEEP") != "1":
            shutil.rmtree(path, ignore_errors=True)
