"""A real Kubernetes control plane on loopback, in a temporary directory.

etcd, kube-apiserver (RBAC, PodSecurity), kube-controller-manager and kube-scheduler, built by
tools/k8s/build.sh, with KWOK as the kubelet of fake nodes in two zones: pods are scheduled,
become Running and Ready, and Job pods complete, but nothing is executed.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services import (
    HOST,
    REPO,
    ServiceError,
    free_port,
    start_process,
    stop_process,
    tail,
    wait_for,
)

BIN = REPO / "bin"
PROGRAMS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
KUBECTL = BIN / "kubectl"
STAGES = Path(__file__).with_name("kwok-stages.yaml")
ZONES = ("az1", "az2")
NODES_PER_ZONE = 3
# KWOK manages the nodes carrying this annotation, and only those.
FAKE_NODE = ("kwok.x-k8s.io/node", "fake")
STORAGE_CLASSES = ("standard", "fast")
RESTRICTED = {
    f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")
}


def missing_programs() -> list[str]:
    """The control plane binaries bin/ lacks."""
    return [p for p in (*PROGRAMS, "kubectl") if not (BIN / p).is_file()]


def _key() -> ec.EllipticCurvePrivateKey:
    """A new P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    """Write a private key as PKCS#8 PEM."""
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _name(common: str, org: str | None = None) -> x509.Name:
    """An X.509 name with a CN and an optional O (Kubernetes' group)."""
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


class CertificateAuthority:
    """A throwaway CA that signs the serving and client certificates of the cluster."""

    def __init__(self, directory: Path) -> None:
        """Create the CA key and certificate in directory (ca.crt, ca.key)."""
        self.directory = directory
        self.key = _key()
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("test-kubernetes-ca"))
            .issuer_name(_name("test-kubernetes-ca"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.cert_path = directory / "ca.crt"
        self.cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        _write_key(self.key, directory / "ca.key")

    @classmethod
    def load(cls, directory: Path) -> CertificateAuthority:
        """The CA another process created in directory."""
        ca = cls.__new__(cls)
        ca.directory = directory
        ca.cert_path = directory / "ca.crt"
        ca.cert = x509.load_pem_x509_certificate(ca.cert_path.read_bytes())
        key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        ca.key = key
        return ca

    def issue(
        self, name: str, common: str, org: str | None = None, hosts: tuple[str, ...] = ()
    ) -> tuple[Path, Path]:
        """Sign a certificate for a client (no hosts) or a server; return (cert, key) paths."""
        key = _key()
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common, org))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if hosts:
            sans: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    sans.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        usage = x509.ExtendedKeyUsageOID.SERVER_AUTH if hosts else None
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([usage or x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        cert = builder.sign(self.key, hashes.SHA256())
        cert_path, key_path = self.directory / f"{name}.crt", self.directory / f"{name}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        return cert_path, key_path


class Cluster:
    """etcd, the three control plane programs and KWOK, each a child process of the tests."""

    def __init__(self) -> None:
        """Prepare the work directory; nothing runs until start()."""
        missing = missing_programs()
        if missing:
            raise ServiceError(
                f"bin/ has no {', '.join(missing)}: run `make k8s-tools` (tools/k8s/build.sh)"
            )
        parent = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.workdir = Path(tempfile.mkdtemp(prefix="kubernetes-", dir=parent))
        self.pki = self.workdir / "pki"
        self.pki.mkdir()
        self.kubeconfig = self.workdir / "kubeconfig"
        self.port = 0
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_in = 0.0
        self._ssl: ssl.SSLContext | None = None
        self.ca: CertificateAuthority | None = None

    @classmethod
    def attach(cls, workdir: Path) -> Cluster:
        """The cluster another process started in workdir (the test processes share one)."""
        cluster = cls.__new__(cls)
        cluster.workdir = workdir
        cluster.pki = workdir / "pki"
        cluster.kubeconfig = workdir / "kubeconfig"
        config = yaml.safe_load(cluster.kubeconfig.read_text())
        cluster.port = int(config["clusters"][0]["cluster"]["server"].rsplit(":", 1)[1])
        cluster.processes = {}
        cluster.started_in = 0.0
        cluster.ca = CertificateAuthority.load(cluster.pki)
        cluster._ssl = ssl.create_default_context(cafile=str(cluster.ca.cert_path))
        cluster._ssl.load_cert_chain(str(cluster.pki / "admin.crt"), str(cluster.pki / "admin.key"))
        return cluster

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> Cluster:
        """Start every component, wait until pods can run, and create the fake nodes."""
        begin = time.monotonic()
        ca = self.ca = CertificateAuthority(self.pki)
        hosts = (HOST, "10.96.0.1", "localhost", "kubernetes", "kubernetes.default")
        serving = ca.issue("apiserver", "kube-apiserver", hosts=hosts)
        admin = ca.issue("admin", "kubernetes-admin", org="system:masters")
        sa_key, sa_pub = self.pki / "sa.key", self.pki / "sa.pub"
        signing = _key()
        sa_key.write_bytes(
            signing.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        sa_pub.write_bytes(
            signing.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        self.port = free_port()
        self._write_kubeconfig(ca.cert_path, *admin)
        self._ssl = ssl.create_default_context(cafile=str(ca.cert_path))
        self._ssl.load_cert_chain(*map(str, admin))

        etcd_port, peer_port = free_port(), free_port()
        etcd_url = f"http://{HOST}:{etcd_port}"
        self._spawn(
            "etcd",
            "--name=default",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls=http://{HOST}:{peer_port}",
            f"--initial-advertise-peer-urls=http://{HOST}:{peer_port}",
            f"--initial-cluster=default=http://{HOST}:{peer_port}",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        )
        self._spawn(
            "kube-apiserver",
            f"--etcd-servers={etcd_url}",
            f"--bind-address={HOST}",
            f"--advertise-address={HOST}",
            f"--secure-port={self.port}",
            f"--cert-dir={self.pki}",
            f"--tls-cert-file={serving[0]}",
            f"--tls-private-key-file={serving[1]}",
            f"--client-ca-file={ca.cert_path}",
            f"--service-account-key-file={sa_pub}",
            f"--service-account-signing-key-file={sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=RBAC",
            "--enable-admission-plugins=PodSecurity,DefaultStorageClass",
            # As kubeadm and kind run it: Pod Security admission decides who may be privileged.
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
        )
        self._wait(self._ready, timeout, "kube-apiserver")
        common = (
            f"--kubeconfig={self.kubeconfig}",
            f"--authentication-kubeconfig={self.kubeconfig}",
            f"--authorization-kubeconfig={self.kubeconfig}",
            f"--bind-address={HOST}",
            "--leader-elect=false",
            "--kube-api-qps=200",
            "--kube-api-burst=400",
        )
        self._spawn(
            "kube-controller-manager",
            *common,
            f"--secure-port={free_port()}",
            f"--service-account-private-key-file={sa_key}",
            f"--root-ca-file={ca.cert_path}",
            "--use-service-account-credentials=false",
            "--concurrent-statefulset-syncs=10",
        )
        self._spawn("kube-scheduler", *common, f"--secure-port={free_port()}")
        kwok_port = free_port()
        self._spawn(
            "kwok",
            f"--kubeconfig={self.kubeconfig}",
            f"--config={STAGES}",
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={'='.join(FAKE_NODE)}",
            f"--node-ip={HOST}",
            f"--node-port={kwok_port}",
            f"--server-address={HOST}:{kwok_port}",
            "--node-lease-duration-seconds=40",
        )
        self.apply(self._nodes() + self._storage_classes())
        self.kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=60s")
        # The ServiceAccount controller works once the default namespace has its account.
        self._wait(
            lambda: self.get("/api/v1/namespaces/default/serviceaccounts/default") is not None,
            timeout,
            "kube-controller-manager",
        )
        self.started_in = time.monotonic() - begin
        return self

    def stop(self) -> None:
        """Stop the processes this object started, newest first, and remove the work dir."""
        for name in reversed(list(self.processes)):
            stop_process(self.processes.pop(name))
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _spawn(self, name: str, *args: str) -> None:
        """Start one component, logging to <workdir>/<name>.log."""
        self.processes[name] = start_process(
            [str(BIN / name), *args], self.workdir / f"{name}.log", cwd=self.workdir
        )

    def _wait(self, check: Callable[[], bool], timeout: float, name: str) -> None:
        """Poll check until it is true; fail with the log of component name when it times out
        or when any component has exited."""
        deadline = time.monotonic() + timeout
        while not check():
            dead = [n for n, p in self.processes.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                name = dead[0] if dead else name
                log = self.workdir / f"{name}.log"
                state = "exited" if dead else f"not ready after {timeout:.0f} s"
                raise ServiceError(f"{name} {state}; the end of {log}:\n{tail(log)}")
            time.sleep(0.25)

    def _write_kubeconfig(self, ca: Path, cert: Path, key: Path) -> None:
        """A kubeconfig for the admin (system:masters) user."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "test",
                    "cluster": {
                        "server": f"https://{HOST}:{self.port}",
                        "certificate-authority": str(ca),
                    },
                }
            ],
            "users": [
                {"name": "admin", "user": {"client-certificate": str(cert), "client-key": str(key)}}
            ],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
            "current-context": "test",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config))

    def _ready(self) -> bool:
        """Tell whether the API server answers /readyz with ok."""
        try:
            with urllib.request.urlopen(self._url("/readyz"), context=self._ssl, timeout=2) as r:
                return r.read() == b"ok"
        except (OSError, urllib.error.URLError):
            return False

    @staticmethod
    def _nodes() -> list[dict[str, Any]]:
        """The fake nodes, NODES_PER_ZONE in each zone."""
        resources = {"cpu": "32", "memory": "256Gi", "pods": "110"}
        nodes = []
        for zone in ZONES:
            for i in range(NODES_PER_ZONE):
                name = f"kwok-{zone}-{i}"
                nodes.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Node",
                        "metadata": {
                            "name": name,
                            "annotations": {FAKE_NODE[0]: FAKE_NODE[1]},
                            "labels": {
                                "kubernetes.io/hostname": name,
                                "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64",
                                "topology.kubernetes.io/zone": zone,
                                "type": "kwok",
                            },
                        },
                        "status": {"allocatable": resources, "capacity": resources},
                    }
                )
        return nodes

    @staticmethod
    def _storage_classes() -> list[dict[str, Any]]:
        """Two StorageClasses without a provisioner (the first is the default): volumes are
        the static PersistentVolumes the tests create for each claim."""
        return [
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {
                    "name": name,
                    "annotations": {
                        "storageclass.kubernetes.io/is-default-class": str(i == 0).lower()
                    },
                },
                "provisioner": "kubernetes.io/no-provisioner",
                "allowVolumeExpansion": True,
                "volumeBindingMode": "Immediate",
                "reclaimPolicy": "Retain",
            }
            for i, name in enumerate(STORAGE_CLASSES)
        ]

    def ca_pem(self) -> str:
        """The cluster CA certificate, PEM."""
        assert self.ca is not None, "the cluster is not started"
        return self.ca.cert_path.read_text()

    def serving_pair(self) -> tuple[str, str]:
        """A serving certificate and key (PEM) for Services of any test namespace."""
        assert self.ca is not None, "the cluster is not started"
        cert, key = self.ca.issue("services", "glance", hosts=("*.svc", "*.svc.cluster.local"))
        return cert.read_text(), key.read_text()

    # -- client ------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment entries that point kubectl and helm at this cluster."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    def _url(self, path: str) -> str:
        """The API server URL of a path."""
        return f"https://{HOST}:{self.port}{path}"

    def request(self, method: str, path: str, body: Any = None, content_type: str = "") -> Any:
        """One REST call as the admin; returns the decoded JSON, None on 404."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self._url(path), data=data, method=method)
        req.add_header("Content-Type", content_type or "application/json")
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise ServiceError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc

    def get(self, path: str) -> Any:
        """GET a path; None when it does not exist."""
        return self.request("GET", path)

    def watch(self, path: str, seconds: int) -> Iterator[dict[str, Any]]:
        """The watch events of a collection path ({type, object}) for `seconds`."""
        query = urllib.parse.urlencode({"watch": "1", "timeoutSeconds": str(seconds)})
        req = urllib.request.Request(self._url(f"{path}?{query}"))
        with urllib.request.urlopen(req, context=self._ssl, timeout=seconds + 30) as stream:
            for line in stream:
                if line.strip():
                    yield json.loads(line)

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run bin/kubectl against the cluster; raise with its output when check and it fails."""
        result = subprocess.run(
            [str(KUBECTL), f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise ServiceError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result

    def apply(self, objects: list[dict[str, Any]], namespace: str | None = None) -> None:
        """Create or update objects (server-side apply)."""
        args = ["apply", "--server-side", "--force-conflicts", "-f", "-"]
        if namespace:
            args += ["-n", namespace]
        self.kubectl(*args, stdin=yaml.safe_dump_all(objects))

    def create_namespace(self, name: str) -> None:
        """A namespace enforcing Pod Security "restricted", once its default account exists."""
        self.apply(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": name, "labels": RESTRICTED},
                }
            ]
        )
        wait_for(
            lambda: self.get(f"/api/v1/namespaces/{name}/serviceaccounts/default") is not None,
            30,
            f"the default ServiceAccount of namespace {name}",
            interval=0.2,
        )
