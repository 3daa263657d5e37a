"""Image data through the chart's API against Ceph's own tools, on one cluster in one run.

Run as root (`make bench`): .venv/bin/python benchmarks/bench_ceph.py [--mib 256] [--rounds 2]
[--set k=v ...]

Starts a one-node Ceph cluster (tests/services/ceph.py: one memstore OSD on loopback) and
installs examples/ceph.yaml the way the end-to-end tests do, its Secret made by the README's
commands. For an image of --mib MiB it then times, side by side on the same pool: the upload
through the public API (PUT of the data) and `rbd import` of the same bytes from a file in
memory; the download through the public API (GET, data dropped) and `rbd export` to nowhere.
It prints the best of --rounds of each, in MB/s, and the ratios (goal: 0.7 or more). For a ratio
short of the goal it prints the profile of both transfers: how many requests the OSD served,
their size, how many it had in flight on average (the sum of their latencies over the wall
time), and the CPU seconds of each process of the API pod, of the OSD and of the rbd command.
The cluster shares the machine's cores with Glance, so run it on an otherwise idle machine.
--set takes values like glanceAPIs.default.wsgi.threads=4 (dotted paths, YAML values).
No assertions.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_serving import (  # noqa: E402
    BLOCK,
    MIB,
    call,
    dotted,
    get_data,
    merge,
    new_image,
    pattern,
    put_data,
    release,
    warm_up,
)

from tests.e2e.rbd_store import documented_commands, user_secret  # noqa: E402
from tests.services.ceph import CephCluster  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ceph.yaml"
GOAL = 0.7
TICKS = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class Transfer:
    """One timed transfer and what it cost."""

    seconds: float
    cpu: dict[str, float]
    requests: int
    request_bytes: int
    in_flight: float

    def profile(self) -> str:
        """The OSD's view and the CPU seconds, on one line."""
        size = self.request_bytes / max(self.requests, 1) / MIB
        spent = ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(self.cpu.items()))
        return (
            f"{self.seconds:.1f} s: {self.requests} OSD requests of {size:.1f} MiB, "
            f"{self.in_flight:.1f} in flight on average; CPU s: {spent}"
        )


def cpu_seconds(pids: list[int]) -> dict[int, tuple[str, float]]:
    """Each live process's name (its command line's first word) and CPU seconds so far."""
    out = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[pid] = (Path(argv0.strip()).name, (int(fields[11]) + int(fields[12])) / TICKS)
    return out


def session_pids(leader: int) -> list[int]:
    """The processes of a session (an API pod's: httpd and its mod_wsgi daemons)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == leader:
                    pids.append(int(entry.name))
    return pids


def osd_counters(ceph: CephCluster, kind: str) -> tuple[int, int, float]:
    """The OSD's count, bytes and summed latency of its write ("w") or read ("r") requests."""
    with ceph.admin() as client:
        ret, out, err = client.osd_command(0, json.dumps({"prefix": "perf dump"}), b"", 30)
    if ret != 0:
        raise RuntimeError(f"perf dump of osd.0 failed: {err}")
    osd = json.loads(out)["osd"]
    moved = osd["op_w_in_bytes" if kind == "w" else "op_r_out_bytes"]
    return osd[f"op_{kind}"], moved, osd[f"op_{kind}_latency"]["sum"]


def measure(ceph: CephCluster, pids: list[int], kind: str, run: Callable[[], object]) -> Transfer:
    """Time run() and profile it: the OSD's requests of that kind, the CPU of pids."""
    count, moved, latency = osd_counters(ceph, kind)
    cpu = cpu_seconds(pids)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    spent: dict[str, float] = collections.defaultdict(float)
    for pid, (name, total) in cpu_seconds(pids).items():
        spent[name] += total - cpu.get(pid, (name, 0.0))[1]
    # The rbd command, when it is what ran.
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent["rbd"] = ended.ru_utime + ended.ru_stime - children.ru_utime - children.ru_stime
    count2, moved2, latency2 = osd_counters(ceph, kind)
    busy = {name: value for name, value in spent.items() if value >= 0.05}
    return Transfer(seconds, busy, count2 - count, moved2 - moved, (latency2 - latency) / seconds)


def rbd(ceph: CephCluster, *args: str) -> Callable[[], object]:
    """A call of the rbd command as the cluster's admin, its output dropped."""
    return lambda: subprocess.run(
        ["rbd", "--no-progress", *args], env=ceph.env, check=True, stdout=subprocess.DEVNULL
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="image size in MiB")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many of each")
    parser.add_argument("--set", action="append", default=[], help="a value, a.b=c")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_ceph runs the API pods in mount namespaces: run it as root")
    size = args.mib * MIB
    values = merge(yaml.safe_load(EXAMPLE.read_text()), dotted(args.set))
    ceph = CephCluster(pools=("images",), memory_mib=3 * args.mib + 512, name="bench")
    block = pattern(BLOCK)
    memory = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    found: dict[str, list[Transfer]] = collections.defaultdict(list)
    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="bench-ceph-", dir=memory) as tmp,
    ):
        stack.callback(ceph.stop)
        ceph.start()
        name, keys = user_secret(ceph, documented_commands("## Ceph"), Path(tmp) / "admin")
        source = Path(tmp) / "image.raw"
        with open(source, "wb") as out:
            for _ in range(size // BLOCK):
                out.write(block)
        _, deployment, token, _ = stack.enter_context(release(values, {name: keys}))
        api = deployment.apis["external"]
        port = api.port
        warm_up(api, port, token)
        pids = [*session_pids(api.process.pid), ceph.processes["osd"].pid]
        for attempt in range(args.rounds):
            image = new_image(port, token, f"bench-ceph-{attempt}")
            target = f"images/bench-import-{attempt}"
            runs = {
                "upload": ("w", functools.partial(put_data, port, token, image, size, block)),
                "download": ("r", functools.partial(get_data, port, token, image)),
                "rbd import": ("w", rbd(ceph, "import", str(source), target)),
                "rbd export": ("r", rbd(ceph, "export", target, "-")),
            }
            for what, (kind, run) in runs.items():
                found[what].append(measure(ceph, pids, kind, run))
            rbd(ceph, "rm", target)()
            call(port, token, "DELETE", f"/v2/images/{image}")
    print(f"Image data of {args.mib} MiB through the chart's public API beside Ceph's rbd tool,")
    print(f"one memstore OSD on loopback (MB/s, best of {args.rounds})")
    for what, tool in (("upload", "rbd import"), ("download", "rbd export")):
        ours = min(found[what], key=lambda transfer: transfer.seconds)
        theirs = min(found[tool], key=lambda transfer: transfer.seconds)
        ratio = theirs.seconds / ours.seconds
        print(f"{what:>8}: API {args.mib / ours.seconds:6.0f}   {tool} "
              f"{args.mib / theirs.seconds:6.0f}   ratio {ratio:.2f}")  # fmt: skip
        if ratio < GOAL:
            print(f"          short of {GOAL}; API {ours.profile()}")
            print(f"          {tool} {theirs.profile()}")


if __name__ == "__main__":
    main()
