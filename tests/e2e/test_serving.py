"""How httpd serves Glance: the daemon processes from wsgi.processes / wsgi.threads load Glance
when they start, /healthcheck answers while every request thread is busy, and a file mounted
in /etc/httpd/conf_custom (extraMounts) overrides the generated httpd.conf.

One release for the module: a single API with one process of two threads, and
`KeepAliveTimeout 1` in conf_custom (the generated one is apiTimeout, 60 s).
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.deploy import Cluster, glance_loads
from tests.e2e.users import connect, project_user, upload
from tests.services import HOST
from tests.services.keystone import Keystone

PROJECT, USER = "project-serving", "project-serving-member"
THREADS = 2
# Far more than the socket buffers between Glance and a client that reads nothing (the daemon's
# 4 MiB, httpd's, the client's 64 KiB window).
BIG = 64 * 1024 * 1024
OVERRIDE = "KeepAliveTimeout 1\n"
VALUES = {
    "glanceAPIs": {"default": {"type": "single", "wsgi": {"processes": 1, "threads": THREADS}}},
    "extraMounts": [
        {
            "extraVol": [
                {
                    "propagation": ["GlanceAPI"],
                    "volumes": [{"name": "httpd-custom", "secret": {"secretName": "httpd-custom"}}],
                    "mounts": [{"name": "httpd-custom", "mountPath": "/etc/httpd/conf_custom"}],
                }
            ]
        }
    ],
}


@pytest.fixture(scope="module")
def release(deploy: Any, cluster: Cluster, keystone: Keystone) -> Any:
    """The single API with the httpd override Secret; a member of project-serving."""
    cluster.secrets["httpd-custom"] = {"keepalive.conf": OVERRIDE}
    installed = deploy(VALUES)
    project_user(keystone, PROJECT, USER, "member")
    return installed


def test_glance_loads_when_the_processes_start(release: Any) -> None:
    """Both daemon groups (glance-api, and glance-health for /healthcheck) load Glance before
    any API request reaches them."""
    api = release.apis["single"]
    deadline = time.monotonic() + 60
    while len(glance_loads(api.log.read_text())) < 2:
        assert time.monotonic() < deadline, "Glance was not loaded by two processes"
        time.sleep(0.2)
    assert '"GET /v2' not in api.log.read_text()
    assert '"GET / ' not in api.log.read_text()


@contextlib.contextmanager
def stalled_downloads(port: int, token: str, image: str, count: int) -> Iterator[None]:
    """`count` downloads of the image whose client reads nothing: each holds a request thread
    (or waits for one). Yields once all but one have data waiting, each holding a thread, so a
    slow machine cannot leave a thread free when count is one more than the threads."""
    request = (
        f"GET /v2/images/{image}/file HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"X-Auth-Token: {token}\r\n\r\n"
    ).encode()
    with contextlib.ExitStack() as stack:
        socks = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            # A small receive window that never grows: the data piles up on the server's side.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            sock.settimeout(30)
            sock.connect((HOST, port))
            sock.sendall(request)
            socks.append(sock)
        deadline = time.monotonic() + 60
        while len(select.select(socks, [], [], 0.5)[0]) < count - 1:
            assert time.monotonic() < deadline, "the downloads never took every thread"
        yield


def answers(url: str, timeout: float) -> bool:
    """Whether GET url answers 2xx/3xx within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status < 400)
    except urllib.error.HTTPError as exc:
        return exc.code < 400
    except OSError:
        return False


def test_healthcheck_answers_while_every_thread_is_busy(release: Any, keystone: Keystone) -> None:
    """With more stalled downloads than request threads, Glance's own paths wait, and
    /healthcheck still answers within the readiness probe's timeout (5 s)."""
    conn = connect(keystone, USER, PROJECT)
    image = upload(conn, "big", b"\0" * BIG)
    url = release.endpoints["public"]
    with stalled_downloads(release.apis["single"].port, conn.auth_token, image.id, THREADS + 1):
        assert not answers(f"{url}/", 3), "a request thread was still free"
        assert answers(f"{url}/healthcheck", 5)
    assert answers(f"{url}/", 30)


def test_conf_custom_overrides_httpd_conf(release: Any) -> None:
    """KeepAliveTimeout 1 from conf_custom: an idle kept-alive connection is closed after about
    a second, not after the generated 60 s."""
    port = release.apis["single"].port
    with socket.create_connection((HOST, port), timeout=15) as sock:
        sock.sendall(f"GET /healthcheck HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200"), reply
        # The body is small; then httpd closes the idle connection (recv returns b"").
        sock.settimeout(10)
        try:
            while sock.recv(4096):
                pass
        except TimeoutError:
            pytest.fail("httpd kept the idle connection open for 10 s")


def test_httpd_and_glance_write_only_to_the_pods_volumes(release: Any) -> None:
    """The pod runs on a read-only root filesystem: of its mounts, only its writable volumes
    (httpd's runtime folder, the images claim) take writes, and Glance served the tests above
    with that."""
    pid = release.apis["single"].process.pid
    writable = set()
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        point, options = line.split()[4:6]
        if "rw" in options.split(",") and not point.startswith(("/proc", "/sys", "/dev")):
            writable.add(point)
    assert writable == {"/run/httpd", "/var/lib/glance"}
