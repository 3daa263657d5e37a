"""Image data through the rendered httpd + mod_wsgi + Glance, against this machine's limits.

Run as root (`make bench`): .venv/bin/python benchmarks/bench_serving.py [--sizes 100,1024]
[--rounds 2] [--set k=v ...]

Installs the default release the way the end-to-end tests do (MariaDB, Keystone, memcached on
loopback; the db sync Job, the API pod, the registration Job), then prints in one run: upload
and download MB/s of images of each size (MiB), the disk's write rate with fsync on the
store's file system and loopback TCP measured alongside, the ratios, 8 parallel uploads /
32 parallel image lists (median, p95, errors), and the window of refused requests when
GlancePassword is rotated by the documented procedure (the registration hook sets it in
Keystone, then the pod restarts, as the password rollout hook makes it). Each rate is the
best of --rounds; the limits share the machine's cores with Glance, so run it on an otherwise
idle machine. --set takes values like apiTimeout=120 or glanceAPIs.default.wsgi.threads=4
(dotted paths, YAML values).
No assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import (  # noqa: E402
    SECRET,
    SECRET_NAME,
    Deployment,
    install,
    running_memcached,
)
from tests.e2e.deploy import ApiProcess, Cluster, glance_loads, stop_api, work_root  # noqa: E402
from tests.e2e.users import connect, project_user  # noqa: E402
from tests.services import HOST  # noqa: E402
from tests.services.fixtures import running_keystone, running_mariadb  # noqa: E402

MIB = 1024 * 1024
BLOCK = MIB
PROJECT, USER = "project-bench", "project-bench-member"
WIDTHS = (5, 8, 8, 6, 9, 8, 6)


def pattern(size: int) -> memoryview:
    """size bytes that neither compress nor repeat within a block."""
    return memoryview(os.urandom(size))


def disk_write(folder: Path, size: int) -> float:
    """MB/s of writing `size` bytes in 1 MiB blocks to a new file in folder, fsync included."""
    block = pattern(BLOCK)
    path = folder / "bench-disk-write"
    started = time.perf_counter()
    with open(path, "wb") as out:
        for _ in range(size // BLOCK):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    path.unlink()
    return size / MIB / elapsed


def loopback(size: int) -> float:
    """MB/s of `size` bytes over one loopback TCP connection, 1 MiB writes and reads."""
    server = socket.create_server((HOST, 0))
    port = server.getsockname()[1]

    def drain() -> None:
        conn, _ = server.accept()
        buf = bytearray(BLOCK)
        with conn:
            while conn.recv_into(buf):
                pass

    reader = threading.Thread(target=drain)
    reader.start()
    block = pattern(BLOCK)
    started = time.perf_counter()
    with socket.create_connection((HOST, port)) as sock:
        for _ in range(size // BLOCK):
            sock.sendall(block)
        sock.shutdown(socket.SHUT_WR)
        reader.join()
    elapsed = time.perf_counter() - started
    server.close()
    return size / MIB / elapsed


def read_response(sock: socket.socket, sink: bool = False) -> tuple[int, bytes]:
    """Status and body of an HTTP/1.1 response with Content-Length (body dropped if sink)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response headers")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", "0"))
    body = bytearray(rest) if not sink else bytearray()
    got = len(rest)
    buf = bytearray(BLOCK)
    while got < length:
        n = sock.recv_into(buf)
        if not n:
            raise ConnectionError("connection closed in the response body")
        got += n
        if not sink:
            body += buf[:n]
    return status, bytes(body)


def put_data(port: int, token: str, image: str, size: int, block: memoryview) -> float:
    """Seconds to PUT `size` bytes as an image's data (1 MiB writes, Content-Length)."""
    head = (
        f"PUT /v2/images/{image}/file HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"X-Auth-Token: {token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=600) as sock:
        sock.sendall(head)
        for _ in range(size // BLOCK):
            sock.sendall(block)
        status, body = read_response(sock)
    if status != 204:
        raise RuntimeError(f"upload answered {status}: {body[:300]!r}")
    return time.perf_counter() - started


def get_data(port: int, token: str, image: str) -> float:
    """Seconds to GET an image's data, read in 1 MiB reads and dropped."""
    head = (
        f"GET /v2/images/{image}/file HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"X-Auth-Token: {token}\r\nConnection: close\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=600) as sock:
        sock.sendall(head)
        status, _ = read_response(sock, sink=True)
    if status != 200:
        raise RuntimeError(f"download answered {status}")
    return time.perf_counter() - started


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    """One small JSON request."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Auth-Token: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, port), timeout=120) as sock:
        sock.sendall(head + payload)
        return read_response(sock)


def new_image(port: int, token: str, name: str) -> str:
    """POST /v2/images: a queued raw image."""
    status, body = call(
        port, token, "POST", "/v2/images",
        {"name": name, "disk_format": "raw", "container_format": "bare"},
    )  # fmt: skip
    if status != 201:
        raise RuntimeError(f"image create answered {status}: {body[:300]!r}")
    return str(json.loads(body)["id"])


def timed_parallel(count: int, work: Callable[[int], float]) -> tuple[float, float, int]:
    """Median and p95 seconds of `count` calls run at once, and how many failed."""
    times: list[float] = []
    errors = 0
    with ThreadPoolExecutor(count) as pool:
        for future in [pool.submit(work, i) for i in range(count)]:
            try:
                times.append(future.result())
            except Exception:  # noqa: BLE001 - counted, the figure is how many fail
                errors += 1
    if not times:
        return float("nan"), float("nan"), errors
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], errors


def warm_up(api: ApiProcess, port: int, token: str) -> None:
    """Wait until no daemon process is still loading Glance, then send one request to each."""
    loads: set[str] = set()
    steady_since = time.monotonic()
    while time.monotonic() - steady_since < 3:
        now = glance_loads(api.log.read_text())
        if now != loads:
            loads, steady_since = now, time.monotonic()
        time.sleep(0.2)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: call(port, token, "GET", "/v2/images"), range(16)))


def dotted(sets: list[str]) -> dict[str, Any]:
    """--set a.b.c=value pairs as nested values."""
    out: dict[str, Any] = {}
    for item in sets:
        key, _, value = item.partition("=")
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = yaml.safe_load(value)
    return out


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """base with over's keys set, nested maps merged."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


@contextlib.contextmanager
def release(
    values: dict[str, Any], secrets: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[tuple[Cluster, Deployment, str, Any]]:
    """The release on loopback services, with the user's Secrets (osp-secret and `secrets`);
    yields the cluster, the deployment, a token and Keystone."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp,
        running_mariadb(SECRET["DbRootPassword"]) as mariadb,
        running_keystone(mariadb, SECRET["AdminPassword"], Path(tmp), region="RegionOne") as ks,
        running_memcached(Path(tmp)) as memcached,
        work_root() as root,
    ):
        cluster = Cluster(root, {SECRET_NAME: SECRET, **(secrets or {})})
        started: list[ApiProcess] = []
        try:
            deployment = install(cluster, (mariadb, ks, memcached), values, started)
            project_user(ks, PROJECT, USER, "member")
            yield cluster, deployment, connect(ks, USER, PROJECT).auth_token, ks
        finally:
            for api in started:
                stop_api(api)


def rotation_window(cluster: Cluster, deployment: Deployment, keystone: Any) -> str:
    """Rotate GlancePassword (hook, then pod restart) while a prober lists images every 0.1 s
    with tokens the pod has not seen; one line: the failures and how long they lasted."""
    tokens = [connect(keystone, USER, PROJECT).auth_token for _ in range(400)]
    (api,) = deployment.replicas["single"]
    results: list[tuple[float, str]] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set() and tokens:
            try:
                status, _ = call(api_port, tokens.pop(), "GET", "/v2/images")
                outcome = str(status)
            except OSError:
                outcome = "no answer"
            results.append((time.perf_counter(), outcome))
            stop.wait(0.1)

    api_port = api.port
    prober = threading.Thread(target=probe, daemon=True)
    with cluster.rotated(SECRET_NAME, "GlancePassword"):
        prober.start()
        started = time.perf_counter()
        cluster.run_job(deployment.objects, "glance-keystone", cluster.image.base)
        hook = time.perf_counter() - started
        new = deployment.restart(cluster)
        restart = time.perf_counter() - started - hook
        time.sleep(1)
        stop.set()
        prober.join(120)
        stop_api(new)
    failed = [(t, o) for t, o in results if o != "200"]
    counts = {o: sum(1 for _, x in failed if x == o) for o in sorted({o for _, o in failed})}
    window = failed[-1][0] - failed[0][0] if failed else 0.0
    kinds = ", ".join(f"{o} x{n}" for o, n in counts.items()) or "none"
    return (
        f"GlancePassword rotation (one pod): registration hook {hook:.1f} s, pod restart "
        f"{restart:.1f} s; failed requests {len(failed)} of {len(results)} ({kinds}) over "
        f"{window:.1f} s (a list every 0.1 s, each with a new token)"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1024", help="image sizes in MiB")
    parser.add_argument("--set", action="append", default=[], help="a value, a.b=c")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many of each")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_serving runs the API pod in mount namespaces: run it as root")
    sizes = [int(s) * MIB for s in args.sizes.split(",")]
    values = merge({"glanceAPIs": {"default": {"type": "single"}}}, dotted(args.set))
    with release(values) as (cluster, deployment, token, keystone):
        (api,) = deployment.apis.values()
        port = api.port
        warm_up(api, port, token)
        store = next(iter(cluster.claims.values()))
        rows = []
        for size in sizes:
            block = pattern(BLOCK)
            up, down, disk, net = [], [], [], []
            for attempt in range(args.rounds):
                image = new_image(port, token, f"bench-{size // MIB}-{attempt}")
                up.append(size / MIB / put_data(port, token, image, size, block))
                down.append(size / MIB / get_data(port, token, image))
                call(port, token, "DELETE", f"/v2/images/{image}")
                disk.append(disk_write(store, size))
                net.append(loopback(size))
            best = [max(up), max(disk), max(down), max(net)]
            rows.append((size // MIB, best[0], best[1], best[0] / best[1],
                         best[2], best[3], best[2] / best[3]))  # fmt: skip
        small = 16 * MIB
        block = pattern(BLOCK)
        ids = [new_image(port, token, f"parallel-{i}") for i in range(8)]
        uploads = timed_parallel(8, lambda i: put_data(port, token, ids[i], small, block))

        def listing(_: int) -> float:
            started = time.perf_counter()
            status, _ = call(port, token, "GET", "/v2/images")
            if status != 200:
                raise RuntimeError(f"list answered {status}")
            return time.perf_counter() - started

        lists = timed_parallel(32, listing)
        rotation = rotation_window(cluster, deployment, keystone)
    print("Glance through the rendered httpd + mod_wsgi (one single API pod, file store)")
    columns = ("MiB", "upload", "disk", "ratio", "download", "loop", "ratio")
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, WIDTHS, strict=True)))
    for mib, up, disk, r_up, down, net, r_down in rows:
        print(
            f"{mib:>5} {up:>8.0f} {disk:>8.0f} {r_up:>6.2f} {down:>9.0f} {net:>8.0f} {r_down:>6.2f}"
        )
    print(f"(MB/s, best of {args.rounds}; disk: 1 MiB writes + fsync on the store's file system; "
          "loop: loopback TCP)")  # fmt: skip
    print(f"8 parallel uploads of 16 MiB: median {uploads[0]:.2f} s, p95 {uploads[1]:.2f} s, "
          f"errors {uploads[2]}")  # fmt: skip
    print(f"32 parallel image lists: median {lists[0] * 1000:.0f} ms, "
          f"p95 {lists[1] * 1000:.0f} ms, errors {lists[2]}")  # fmt: skip
    print(rotation)


if __name__ == "__main__":
    main()
