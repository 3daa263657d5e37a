"""The clients people use against a single API over TLS: python-glanceclient (which sends
image data chunked), python-openstackclient and openstacksdk, each verifying the endpoints'
certificates against the CA that signed them; every image read back byte for byte through
every endpoint the catalog lists.

One release for the module: the single API with a certificate per endpoint, served on the one
port by name (SNI): its public URL https://127.0.0.1:<port> (an IP address: no SNI), its
internal URL https://localhost:<port>, the certificates made here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import ssl
import subprocess
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.deploy import Cluster
from tests.e2e.users import REGION, connect, project_user, upload
from tests.services import scrubbed_env, venv_bin
from tests.services.certs import CertificateAuthority
from tests.services.keystone import Keystone

PROJECT, USER = "project-clients", "project-clients-member"
INTERFACES = ("public", "internal")
# Over glanceclient's 64 KiB chunk and not a multiple of it.
DATA = hashlib.sha256(b"glance").digest() * 8_000 + b"tail"
VALUES = {
    "glanceAPIs": {
        "default": {
            "type": "single",
            "tls": {
                "api": {
                    "public": {"secretName": "glance-public-tls"},
                    "internal": {"secretName": "glance-internal-tls"},
                }
            },
        }
    }
}


@pytest.fixture(scope="module")
def ca_file(
    tmp_path_factory: pytest.TempPathFactory, cluster: Cluster, test_ca: CertificateAuthority
) -> Path:
    """The endpoints' Secrets (kubernetes.io/tls keys) with certificates the session's CA
    signed, and that CA's bundle."""
    names = {"public": "127.0.0.1", "internal": "localhost"}
    for endpoint, name in names.items():
        issued = test_ca.issue(f"glance {endpoint}", name)
        cluster.secrets[f"glance-{endpoint}-tls"] = issued.secret()
    return test_ca.write(tmp_path_factory.mktemp("ca") / "ca.pem")


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone, ca_file: Path) -> Any:
    """The single API over HTTPS; a member of project-clients."""
    installed = deploy(VALUES, scheme="https")
    project_user(keystone, PROJECT, USER, "member")
    return installed


@dataclasses.dataclass(frozen=True)
class Clients:
    """What the member's clients need: Keystone, and the CA file that verifies Glance."""

    keystone: Keystone
    cacert: Path

    def connect(self, interface: str = "public") -> Any:
        """An openstacksdk connection of the member."""
        return connect(self.keystone, USER, PROJECT, interface=interface, cacert=str(self.cacert))


@pytest.fixture(scope="module")
def clients(release: Any, keystone: Keystone, ca_file: Path) -> Clients:
    """The member's clients against the release."""
    return Clients(keystone, ca_file)


def client_env(clients: Clients, interface: str = "public") -> dict[str, str]:
    """The rc file of the README for the member, with the interface and CA file to use."""
    return scrubbed_env(
        OS_AUTH_URL=clients.keystone.auth_url,
        OS_USERNAME=USER,
        OS_PASSWORD=USER,
        OS_PROJECT_NAME=PROJECT,
        OS_USER_DOMAIN_NAME="Default",
        OS_PROJECT_DOMAIN_NAME="Default",
        OS_REGION_NAME=REGION,
        OS_IDENTITY_API_VERSION="3",
        OS_IMAGE_API_VERSION="2",
        OS_INTERFACE=interface,
        OS_ENDPOINT_TYPE=interface,
        OS_CACERT=str(clients.cacert),
    )


def no_stdin() -> None:
    """As from a terminal with nothing piped in: glanceclient uploads a piped stdin."""
    os.close(0)


def cli(clients: Clients, program: str, *args: str, interface: str = "public") -> str:
    """Run `glance` or `openstack` from the venv; its output, or a failure with its stderr."""
    result = subprocess.run(
        [venv_bin(program), *args],
        capture_output=True, text=True, env=client_env(clients, interface),
        timeout=120, check=False, preexec_fn=no_stdin,
    )  # fmt: skip
    assert result.returncode == 0, f"{program} {' '.join(args)}:\n{result.stderr}"
    return result.stdout


def image_id(output: str) -> str:
    """The id row of a `glance` or `openstack` table."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0] == "id":
            return cells[1]
    raise AssertionError(f"no id in:\n{output}")


def glance_create_file(clients: Clients, source: Path, name: str) -> str:
    """`glance image-create --file`: the image and its data in one command."""
    return image_id(
        cli(clients, "glance", "image-create", "--name", name, "--disk-format", "raw",
            "--container-format", "bare", "--file", str(source))
    )  # fmt: skip


def glance_upload(clients: Clients, source: Path, name: str) -> str:
    """`glance image-create`, then `glance image-upload --file`."""
    new = image_id(
        cli(clients, "glance", "image-create", "--name", name, "--disk-format", "raw",
            "--container-format", "bare")
    )  # fmt: skip
    cli(clients, "glance", "image-upload", "--file", str(source), new)
    return new


def openstack_create(clients: Clients, source: Path, name: str) -> str:
    """`openstack image create --file`."""
    return image_id(
        cli(clients, "openstack", "image", "create", "--disk-format", "raw",
            "--container-format", "bare", "--file", str(source), name)
    )  # fmt: skip


def sdk_create(clients: Clients, source: Path, name: str) -> str:
    """openstacksdk's create_image with the data."""
    return str(upload(clients.connect(), name, source.read_bytes()).id)


UPLOADERS: dict[str, Callable[[Clients, Path, str], str]] = {
    "glance image-create --file": glance_create_file,
    "glance image-upload": glance_upload,
    "openstack image create --file": openstack_create,
    "openstacksdk": sdk_create,
}


def cli_download(clients: Clients, client: str, interface: str, image: str, target: Path) -> bytes:
    """`glance image-download --file` or `openstack image save --file` through an endpoint."""
    if client == "glance":
        cli(clients, "glance", "image-download", "--file", str(target), image,
            interface=interface)  # fmt: skip
    else:
        cli(clients, "openstack", "image", "save", "--file", str(target), image,
            interface=interface)  # fmt: skip
    return target.read_bytes()


# The command-line reader and endpoint of each uploader's image: each reader reads through
# each endpoint once (a command costs seconds); openstacksdk reads every image everywhere.
CLI_READS = {
    "glance image-create --file": ("openstack", "internal"),
    "glance image-upload": ("glance", "public"),
    "openstack image create --file": ("glance", "internal"),
    "openstacksdk": ("openstack", "public"),
}


def test_catalog_lists_two_urls(release: Any, clients: Clients) -> None:
    """The catalog's public and internal URLs are the two names of the single API."""
    for interface in INTERFACES:
        endpoint = clients.connect(interface).image.get_endpoint()
        assert endpoint.rstrip("/").removesuffix("/v2") == release.endpoints[interface]
    assert release.endpoints["public"] != release.endpoints["internal"]


def served_certificate(url: str, ca_file: Path) -> str:
    """The common name of the certificate an HTTPS URL is served with, verified against the CA
    and the URL's host."""
    parts = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=str(ca_file))
    assert parts.hostname and parts.port
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=parts.hostname) as sock,
    ):
        cert = sock.getpeercert()
    subject = dict(item for rdn in cert["subject"] for item in rdn)
    return str(subject["commonName"])


def test_each_endpoint_has_its_own_certificate(release: Any, ca_file: Path) -> None:
    """The public URL gets the public certificate, the internal URL the internal one."""
    assert {
        endpoint: served_certificate(url, ca_file) for endpoint, url in release.endpoints.items()
    } == {"public": "glance public", "internal": "glance internal"}


@pytest.mark.parametrize("uploader", sorted(UPLOADERS))
def test_upload_and_read_back_everywhere(clients: Clients, tmp_path: Path, uploader: str) -> None:
    """The upload leaves an active image of the data's size; it reads back the same bytes
    through every endpoint of the catalog."""
    source = tmp_path / "image.raw"
    source.write_bytes(DATA)
    image = UPLOADERS[uploader](clients, source, f"clients-{uploader}")
    found = clients.connect().image.get_image(image)
    assert (found.status, found.size) == ("active", len(DATA))
    read = {
        f"openstacksdk ({interface})": clients.connect(interface)
        .image.download_image(image)
        .content
        for interface in INTERFACES
    }
    client, interface = CLI_READS[uploader]
    read[f"{client} ({interface})"] = cli_download(
        clients, client, interface, image, tmp_path / "read"
    )
    wrong = [name for name, data in read.items() if data != DATA]
    assert (len(read), wrong) == (3, [])
