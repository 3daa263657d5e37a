"""Every connection of a release over TLS, each server verified against the CA the test made:
examples/tls.yaml (with a client certificate for the database) on MariaDB with
require_secure_transport=ON and root and Glance's account required to present a certificate
(REQUIRE X509: this PyMySQL would otherwise go TLS unasked, unverified, as the image's does not),
memcached speaking TLS only and asking for a client certificate, Keystone over https only, and
Glance's two endpoints over https. A connection in plain text, or one that skipped its
certificate, would have been refused: the release installs, serves and passes helm test, and
the tokens it caches in memcached cannot be read there.
"""

from __future__ import annotations

import json
import socket
import ssl
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
import yaml

from tests.conftest import ROOT
from tests.e2e.conftest import (
    REGION,
    SECRET,
    SECRET_NAME,
    Deployment,
    deployer,
    running_memcached,
)
from tests.e2e.deploy import Cluster, DeployError
from tests.e2e.users import connect, project_user, upload
from tests.services import HOST
from tests.services import keystone as keystone_db
from tests.services.certs import CertificateAuthority
from tests.services.fixtures import running
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB, ServerTLS

PROJECT, USER = "project-tls", "project-tls-member"
ACCOUNT = "glance"
X509_ACCOUNTS = ("root", ACCOUNT)
CA_BUNDLE = "combined-ca-bundle"
DATABASE_CLIENT = "cert-glance-database-client"
VALUES = yaml.safe_load((ROOT / "examples" / "tls.yaml").read_text())
VALUES["database"]["tls"]["clientCertSecretName"] = DATABASE_CLIENT


@pytest.fixture(scope="module")
def tls_dir(
    tmp_path_factory: pytest.TempPathFactory, cluster: Cluster, test_ca: CertificateAuthority
) -> Iterator[Path]:
    """The Secrets examples/tls.yaml names, with certificates the session's CA signed (the
    public endpoint's for 127.0.0.1, the internal one's for localhost), and the memcached
    secret key in osp-secret; a folder with the CA bundle."""
    folder = tmp_path_factory.mktemp("tls")
    names = VALUES["glanceAPIs"]["default"]["tls"]["api"]
    for endpoint, host in (("public", "127.0.0.1"), ("internal", "localhost")):
        issued = test_ca.issue(f"glance {endpoint}", host)
        cluster.secrets[names[endpoint]["secretName"]] = issued.secret()
    for secret, subject in (
        (VALUES["memcached"]["tls"]["clientCertSecretName"], "glance memcached client"),
        (DATABASE_CLIENT, "glance database client"),
    ):
        cluster.secrets[secret] = test_ca.issue(subject, client=True).secret()
    cluster.secrets[CA_BUNDLE] = {"tls-ca-bundle.pem": test_ca.pem}
    test_ca.write(folder / "ca.pem")
    with cluster.rotated(SECRET_NAME, "MemcacheSecretKey"):
        yield folder


@pytest.fixture(scope="module")
def secure_mariadb(mariadb: MariaDB) -> Iterator[MariaDB]:
    """The session's MariaDB refusing every connection that is not TLS, and root and Glance's
    account refused without a client certificate the CA signed; as before once the module
    ends."""
    mariadb.query(
        "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s",
        [ACCOUNT, SECRET["GlanceDatabasePassword"]],
    )
    for account in X509_ACCOUNTS:
        mariadb.query("ALTER USER %s@'%%' REQUIRE X509", [account])
    mariadb.require_secure_transport(True)
    try:
        yield mariadb
    finally:
        mariadb.require_secure_transport(False)
        for account in X509_ACCOUNTS:
            mariadb.query("ALTER USER %s@'%%' REQUIRE NONE", [account])


@pytest.fixture(scope="module")
def https_keystone(
    secure_mariadb: MariaDB,
    keystone: Keystone,
    tls_dir: Path,
    test_ca: CertificateAuthority,
) -> Iterator[Keystone]:
    """A Keystone serving https only (a copy of the session's, on its own database)."""
    cert, key = test_ca.issue("keystone", HOST).write(tls_dir, "keystone")
    server = Keystone(
        secure_mariadb,
        SECRET["AdminPassword"],
        region=REGION,
        workdir=tls_dir / "keystone",
        db_name="keystone_tls",
        tls=ServerTLS(tls_dir / "ca.pem", cert, key),
    )
    with running(server.setup_copy(keystone), "Keystone over https") as started:
        yield started


@pytest.fixture(scope="module")
def tls_memcached(tls_dir: Path, test_ca: CertificateAuthority) -> Iterator[str]:
    """memcached over TLS only, asking for a client certificate: host:port."""
    cert, key = test_ca.issue("memcached", HOST).write(tls_dir, "memcached")
    with running_memcached(tls_dir, ServerTLS(tls_dir / "ca.pem", cert, key)) as server:
        yield server


@pytest.fixture(scope="module")
def release(
    cluster: Cluster,
    secure_mariadb: MariaDB,
    https_keystone: Keystone,
    tls_memcached: str,
) -> Iterator[Deployment]:
    """examples/tls.yaml installed on the TLS services; a member of project-tls."""
    with deployer(cluster, (secure_mariadb, https_keystone, tls_memcached)) as deploy:
        installed = deploy(VALUES, scheme="https")
        project_user(https_keystone, PROJECT, USER, "member")
        yield installed


def test_plain_connections_are_refused(secure_mariadb: MariaDB, https_keystone: Keystone) -> None:
    """What the release passes: MariaDB refuses an account in plain text that it takes over
    TLS (Keystone's), and root and Glance's account over TLS without a client certificate.
    (MariaDB says "Access denied" for both.)"""
    assert secure_mariadb.tls is not None
    verified = {"ssl": {"ca": str(secure_mariadb.tls.ca)}}
    refused = []
    for user, password, tls in (
        (keystone_db.DB_USER, keystone_db.DB_PASSWORD, {"ssl_disabled": True}),
        (keystone_db.DB_USER, keystone_db.DB_PASSWORD, verified),
        ("root", SECRET["DbRootPassword"], verified),
        (ACCOUNT, SECRET["GlanceDatabasePassword"], verified),
    ):
        try:
            pymysql.connect(
                host=HOST, port=secure_mariadb.port, user=user, password=password, **tls
            ).close()
        except pymysql.err.OperationalError as exc:
            assert exc.args[0] == 1045, exc
            refused.append((user, "ssl_disabled" not in tls))
    assert refused == [("keystone", False), ("root", True), (ACCOUNT, True)]


def test_images_through_every_endpoint(
    release: Deployment, https_keystone: Keystone, tls_dir: Path
) -> None:
    """An image uploaded through the public endpoint reads back through both, every server
    verified against the CA: Keystone's token check, the database and the token cache work."""
    data = b"glance over tls" * 1000
    cacert = str(tls_dir / "ca.pem")
    image = upload(connect(https_keystone, USER, PROJECT, cacert=cacert), "tls-image", data)
    assert image.status == "active"
    for interface in ("public", "internal"):
        conn = connect(https_keystone, USER, PROJECT, interface=interface, cacert=cacert)
        assert (
            conn.image.get_endpoint().rstrip("/").removesuffix("/v2")
            == (release.endpoints[interface])
        )
        assert conn.image.download_image(image.id).content == data


def memcached_command(server: str, command: str, client: ssl.SSLContext) -> bytes:
    """Send one text-protocol command to memcached over TLS; its answer, up to END."""
    host, port = server.rsplit(":", 1)
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        client.wrap_socket(raw, server_hostname=host) as sock,
    ):
        sock.sendall(command.encode() + b"\r\n")
        answer = b""
        while not answer.endswith(b"END\r\n"):
            chunk = sock.recv(65536)
            assert chunk, f"memcached closed the connection after {answer!r}"
            answer += chunk
    return answer


def test_cached_tokens_are_encrypted(
    release: Deployment,
    https_keystone: Keystone,
    tls_memcached: str,
    tls_dir: Path,
    test_ca: CertificateAuthority,
) -> None:
    """Glance caches the member's token in memcached (over TLS, with its client certificate:
    the server takes no other), encrypted: nothing there names the member or the project."""
    conn = connect(https_keystone, USER, PROJECT, cacert=str(tls_dir / "ca.pem"))
    list(conn.image.images())
    client = ssl.create_default_context(cafile=str(tls_dir / "ca.pem"))
    client.load_cert_chain(*test_ca.issue("reader", client=True).write(tls_dir, "reader"))
    dump = memcached_command(tls_memcached, "lru_crawler metadump all", client).decode()
    keys = [
        key
        for line in dump.splitlines()
        if (key := urllib.parse.unquote(line.split(" ", 1)[0].removeprefix("key="))).startswith(
            "tokens/"
        )
    ]
    assert keys, f"no token cached in memcached:\n{dump}"
    values = b"".join(memcached_command(tls_memcached, f"get {key}", client) for key in keys)
    member = https_keystone.get("/users", "users", name=USER)[0]["id"]
    assert [name for name in (USER, PROJECT, member) if name.encode() in values] == []


def test_helm_test_over_https(release: Deployment, cluster: Cluster, tls_dir: Path) -> None:
    """The helm test pod checks both endpoints and the catalog, verifying Keystone with
    keystone.caBundleSecretName; without it Keystone's certificate is not trusted."""
    pod = cluster.pod(release.objects, "Pod", "glance-test-healthcheck")
    (container,) = pod.containers()
    checks = json.loads(next(e["value"] for e in container["env"] if e["name"] == "CHECKS"))
    for check in checks:
        endpoint = check["service"].rsplit("-", 1)[1]
        check["url"] = f"{release.endpoints[endpoint]}/healthcheck"
    env = {"CHECKS": json.dumps(checks), "RETRIES": "1"}
    passed = cluster.run(pod, container["name"], cluster.image.base, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    untrusted = cluster.run(
        pod, container["name"], cluster.image.base, env={**env, "OS_CACERT": ""}
    )
    assert untrusted.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stdout + untrusted.stderr


def test_db_sync_refuses_a_server_its_ca_does_not_sign(
    release: Deployment, cluster: Cluster
) -> None:
    """With a CA bundle that did not sign the database's certificate, the db sync hook stops at
    once, naming the TLS failure, instead of waiting for the server or going on unverified."""
    trusted = cluster.secrets[CA_BUNDLE]
    cluster.secrets[CA_BUNDLE] = {"tls-ca-bundle.pem": CertificateAuthority("another CA").pem}
    try:
        with pytest.raises(DeployError) as failed:
            cluster.run_job(release.objects, "glance-db-sync", cluster.image.glance)
    finally:
        cluster.secrets[CA_BUNDLE] = trusted
    assert "no TLS connection to the database" in str(failed.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
