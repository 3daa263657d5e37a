"""End-to-end fixtures: MariaDB, Keystone and memcached once per session, and the Ceph clusters
of the tests that use them; Glance per module.

`deploy(values)` renders the chart with loopback addresses for the database, Keystone and
memcached, then installs it the way Helm would: the db sync Job, the API pods (init container,
then httpd), the Keystone registration Job. Every process is stopped when the scope ends.

Run as root (private mount namespaces): `make e2e`. Besides the venv's glance, keystone and
openstacksdk it needs Debian's mariadb-server, apache2, apache2-dev, memcached, the Ceph
daemons and qemu-utils, and in the venv PyPI mod_wsgi (built against the venv's Python with
apache2-dev's apxs), python-memcached and python-binary-memcached (keystonemiddleware's
memcache pools, plain and TLS, which the Glance image carries) and Debian's rados and rbd
bindings (linked by `make e2e-deps`).
GLANCE_E2E_KEEP=1 keeps the pods' files and logs (under /var/tmp/glance-e2e-*).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.deploy import ApiProcess, Cluster, DeployError, render, stop_api, work_root
from tests.services import (
    HOST,
    ServiceError,
    free_port,
    port_open,
    start_process,
    stop_process,
    tail,
    wait_for,
)
from tests.services.ceph import CephCluster, running_clusters
from tests.services.certs import CertificateAuthority
from tests.services.fixtures import running_keystone, running_mariadb
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB, ServerTLS

REGION = "RegionOne"
SECRET_NAME = "osp-secret"
# The user's Secret, keyed as osp-secret is: values with every character that breaks a URL, an
# INI file or a shell.
SECRET = {
    "GlancePassword": "gl@nce:p/w?#%' x$y",
    "GlanceDatabasePassword": "p@ss:w/rd?#%' x$y",
    "AdminPassword": "@dm1n:p/w?#%' x$y",
    "DbRootPassword": "r00t@:p/w?#%' x$y",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The OpenStack libraries' deprecation warnings are noise here."""
    for item in items:
        if "tests/e2e/" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))
        item.add_marker(pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"))


RUNNING: list[ApiProcess] = []
# Figures a test measured (one line each), printed at the end of the run.
FIGURES: list[str] = []
MISSING_HINT = {
    "mod_wsgi": "pip install mod_wsgi (needs apache2-dev)",
    "memcache": "pip install python-memcached",
    "bmemcached": "pip install python-binary-memcached",
    "rados": "Debian's rados and rbd bindings (`make e2e-deps` links them)",
}
# The sites of the edge topology, each with a Ceph cluster of its own; the central one also
# serves the single-site Ceph scenario.
CEPH_SITES = ("central", "az1", "az2")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test shows the end of each running Glance API's log."""
    report = yield
    if report.failed:
        for api in RUNNING:
            report.sections.append((f"{api.name} log ({api.log})", tail(api.log, 40)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the end-to-end tests measured."""
    for line in FIGURES:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session", autouse=True)
def _requirements() -> None:
    """Fail once, with the fix, without root (private mount namespaces) or when the venv lacks
    what the Glance image would carry."""
    if os.geteuid() != 0:
        pytest.fail("end-to-end tests mount file systems: run them as root", pytrace=False)
    missing = [
        hint for module, hint in MISSING_HINT.items() if importlib.util.find_spec(module) is None
    ]
    if missing:
        pytest.fail("the venv lacks: " + "; ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def test_ca() -> CertificateAuthority:
    """The CA of the session's certificates: the services' and the releases'."""
    return CertificateAuthority()


@pytest.fixture(scope="session")
def mariadb(
    test_ca: CertificateAuthority, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MariaDB]:
    """MariaDB whose root password is the Secret's DbRootPassword. It takes TLS connections
    too (a certificate for 127.0.0.1 from test_ca), and requires them only when a test says so
    (require_secure_transport); the tests' own present a client certificate."""
    folder = tmp_path_factory.mktemp("mariadb-tls")
    cert, key = test_ca.issue("mariadb", HOST).write(folder, "server")
    tls = ServerTLS(test_ca.write(folder / "ca.pem"), cert, key)
    client = test_ca.issue("tests", client=True).write(folder, "client")
    with running_mariadb(SECRET["DbRootPassword"], tls, client) as server:
        yield server


@pytest.fixture(scope="session")
def keystone(mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keystone]:
    """Keystone whose admin password is the Secret's AdminPassword."""
    workdir = tmp_path_factory.mktemp("keystone")
    with running_keystone(mariadb, SECRET["AdminPassword"], workdir, region=REGION) as server:
        yield server


@contextlib.contextmanager
def running_memcached(workdir: Path, tls: ServerTLS | None = None) -> Iterator[str]:
    """memcached on loopback (keystonemiddleware's token cache): yields host:port. With tls it
    speaks TLS only, and takes only clients with a certificate tls.ca verifies."""
    program = shutil.which("memcached") or shutil.which("memcached", path="/usr/bin:/usr/sbin")
    if program is None:
        raise DeployError("memcached is not installed: `make services` installs it")
    port = free_port()
    options = []
    if tls is not None:
        # ssl_verify_mode 2: a client certificate is required.
        options = ["-Z", "-o", f"ssl_chain_cert={tls.cert},ssl_key={tls.key},"
                   f"ssl_ca_cert={tls.ca},ssl_verify_mode=2"]  # fmt: skip
    process = start_process(
        [program, "-l", HOST, "-p", str(port), "-U", "0", "-u", "nobody", "-m", "16", *options],
        workdir / "memcached.log",
    )
    try:
        wait_for(lambda: port_open(port), 30, "memcached")
        yield f"{HOST}:{port}"
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def memcached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """memcached on loopback: yields host:port."""
    try:
        with running_memcached(tmp_path_factory.mktemp("memcached")) as server:
            yield server
    except DeployError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """Where the rendered pods run; the user's Secret is osp-secret."""
    with work_root() as root:
        yield Cluster(root, {SECRET_NAME: SECRET})


@pytest.fixture(scope="session")
def ceph_sites() -> Iterator[dict[str, CephCluster]]:
    """A one-node Ceph cluster per site, started at once, with the pools images (Glance's)
    and vms (the clones Nova makes); stopped when the session ends."""
    try:
        with running_clusters(CEPH_SITES, pools=("images", "vms")) as clusters:
            yield clusters
    except ServiceError as exc:
        pytest.fail(f"could not start Ceph: {exc}", pytrace=False)


@dataclasses.dataclass
class Deployment:
    """An installed release: its rendered objects, API processes and catalog URLs; `others`
    holds the pods of the APIs started besides the published one, by API name."""

    objects: list[dict[str, Any]]
    apis: dict[str, ApiProcess]
    endpoints: dict[str, str]
    replicas: dict[str, list[ApiProcess]]
    db_sync: subprocess.CompletedProcess[str]
    registration: subprocess.CompletedProcess[str]
    others: dict[str, list[ApiProcess]] = dataclasses.field(default_factory=dict)

    def restart(self, cluster: Cluster, instance: str = "single") -> ApiProcess:
        """What a rolling restart does to an instance's first pod: it stops, and a new one
        starts with the same rendered objects on its port (reading the Secrets anew)."""
        old = self.replicas[instance][0]
        stop_api(old)
        new = cluster.start_api(self.objects, old.name.rsplit("-", 1)[0], old.port)
        self.replicas[instance][0] = self.apis[instance] = new
        return new

    def cronjobs(self, component: str) -> list[str]:
        """Names of the rendered CronJobs of a component (db-purge, cache-cleaner, …)."""
        return [
            obj["metadata"]["name"]
            for obj in self.objects
            if obj["kind"] == "CronJob"
            and obj["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]


def loopback_values(
    mariadb: MariaDB, keystone: Keystone, memcached: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """values plus what points the release at the loopback services (nothing else changes)."""
    merged = copy.deepcopy(dict(values))
    merged.setdefault("database", {}).update(host=HOST, port=mariadb.port)
    merged.setdefault("keystone", {}).update(authURL=keystone.url, region=REGION)
    merged.setdefault("memcached", {}).update(servers=[memcached])
    return merged


def install(
    cluster: Cluster,
    services: tuple[MariaDB, Keystone, str],
    values: Any,
    started: list[ApiProcess],
    api: str = "default",
    scheme: str = "http",
    others: Sequence[str] = (),
) -> Deployment:
    """Install a release on the loopback services (MariaDB, Keystone, memcached host:port).

    values: a dict, or a function of the catalog URLs ({"public": …, "internal": …}). The API
    named `api` is published on loopback: its catalog URLs are set with
    override.service.<endpoint>.endpointURL, an ordinary setting, and its pods listen on those
    ports (free ones on 127.0.0.1). Pods run one WSGI daemon process unless `values` sets
    wsgi.processes. A single API's pod serves both URLs on one port, as two names: the public
    URL is 127.0.0.1, the internal one localhost. The first replica of an instance listens on
    its endpoint's port, the others on ports of their own. The pods of the APIs named in
    `others` (edge APIs, say) start too, each on a port of its own. Each API process is added
    to `started` as soon as it runs, for the caller to stop.
    """
    build = values if callable(values) else (lambda _: values)
    ports = {"public": free_port(), "internal": free_port()}
    endpoints = {name: f"{scheme}://{HOST}:{port}" for name, port in ports.items()}
    # With no glanceAPIs the chart deploys one single API named default.
    default_apis = {api: {"type": "single"}}
    api_type = (build(endpoints).get("glanceAPIs") or default_apis)[api].get("type", "split")
    if api_type == "single":
        ports["internal"] = ports["public"]
        endpoints["internal"] = f"{scheme}://localhost:{ports['public']}"
    settings = copy.deepcopy(dict(build(endpoints)))
    apis = settings.get("glanceAPIs") or settings.setdefault("glanceAPIs", default_apis)
    apis[api].setdefault("override", {}).setdefault("service", {})
    for each in apis.values():
        # Each daemon process loads Glance at start: one per pod, unless a test says otherwise,
        # keeps a two-core machine from spending its time importing.
        each.setdefault("wsgi", {}).setdefault("processes", 1)
    for name, url in endpoints.items():
        apis[api]["override"]["service"].setdefault(name, {})["endpointURL"] = url
    objects = render(loopback_values(*services, settings), cluster.root)
    cluster.claims.clear()  # a fresh install: new volume claims
    db_sync = cluster.run_job(objects, "glance-db-sync", cluster.image.glance)
    replicas: dict[str, list[ApiProcess]] = {}
    other_pods: dict[str, list[ApiProcess]] = {}
    for obj in objects:
        if obj["kind"] != "StatefulSet":
            continue
        labels = obj["metadata"]["labels"]
        name = labels.get("glance.openstack.org/api")
        if name in others:
            for replica in range(int(obj["spec"].get("replicas", 1))):
                process = cluster.start_api(
                    objects, obj["metadata"]["name"], free_port(), replica=replica
                )
                started.append(process)
                other_pods.setdefault(name, []).append(process)
        if name != api:
            continue
        instance = labels.get("glance.openstack.org/api-instance") or "single"
        port = ports["internal"] if instance == "internal" else ports["public"]
        for replica in range(int(obj["spec"].get("replicas", 1))):
            process = cluster.start_api(
                objects, obj["metadata"]["name"], port if replica == 0 else free_port(),
                replica=replica,
            )  # fmt: skip
            started.append(process)
            replicas.setdefault(instance, []).append(process)
    registration = cluster.run_job(objects, "glance-keystone", cluster.image.base)
    processes = {instance: pods[0] for instance, pods in replicas.items()}
    return Deployment(objects, processes, endpoints, replicas, db_sync, registration, other_pods)


@contextlib.contextmanager
def deployer(
    cluster: Cluster, services: tuple[MariaDB, Keystone, str]
) -> Iterator[Callable[..., Deployment]]:
    """Install releases from values on the services (see install()); their API processes stop
    when the block ends, and a failed test shows the end of their logs."""
    started: list[ApiProcess] = []

    def deploy_(
        values: Any, api: str = "default", scheme: str = "http", others: Sequence[str] = ()
    ) -> Deployment:
        count = len(started)
        try:
            return install(cluster, services, values, started, api, scheme, others)
        finally:
            RUNNING.extend(started[count:])

    try:
        yield deploy_
    finally:
        for process in started:
            RUNNING.remove(process)
            with contextlib.suppress(Exception):
                stop_api(process)


@pytest.fixture(scope="module")
def deploy(
    mariadb: MariaDB, keystone: Keystone, memcached: str, cluster: Cluster
) -> Iterator[Callable[..., Deployment]]:
    """Install a release from values on the session's services (see deployer())."""
    with deployer(cluster, (mariadb, keystone, memcached)) as deploy_:
        yield deploy_
