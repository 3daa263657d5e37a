"""One-node Ceph clusters (Debian's ceph-mon, ceph-mgr and a memstore ceph-osd) on loopback,
each in a temporary directory, and the venv's link to Debian's rados and rbd bindings.

`python -m tests.services.ceph` links the bindings into the venv (`make e2e-deps`): PyPI has no
official binding, and Debian builds its own for the same Python ABI as the venv's 3.11. Glance
in the pods imports them from the venv (pods mount over /tmp, never over /usr).

A cluster is one mon, one mgr (without it PG states stay unknown) and one OSD whose objects
live in memory, on a free port of 127.0.0.1, with the settings that make one OSD healthy; each
daemon writes its PID to run/<name>.pid of the cluster's folder and stops with the tests. Its
pools are created and initialised for rbd while it starts; `start()` returns once every PG is
active+clean and health is HEALTH_OK. `pause()` stops the daemons and keeps their data (the
memstore OSD writes its objects to its folder when it stops), so `start()` brings the same
cluster back; `stop()` also removes the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.services import (
    HOST,
    ServiceError,
    free_port,
    run_checked,
    start_process,
    stop_process,
    tail,
    wait_for,
)

INSTALL_HINT = "Ceph is not installed: `make services` installs it (Debian's ceph-mon and others)"
DEBIAN_BINDINGS = Path("/usr/lib/python3/dist-packages")
BINDINGS = ("rados", "rbd")
DAEMONS = ("mon", "mgr", "osd")
# What makes a single OSD healthy: pools of one replica whose PGs map within one host, no
# warnings about that, no insecure global_id reclaim, msgr2 only, no autoscaler reshaping PGs.
# The mon warns when its disk is less than 30 % free, which says nothing about the cluster; it
# still stops below 5 % (mon data avail crit).
SETTINGS = {
    "auth cluster required": "cephx",
    "auth service required": "cephx",
    "auth client required": "cephx",
    "auth allow insecure global id reclaim": "false",
    "ms bind msgr1": "false",
    "osd pool default size": "1",
    "osd pool default min size": "1",
    "osd crush chooseleaf type": "0",
    "mon allow pool size one": "true",
    "mon warn on pool no redundancy": "false",
    "mon data avail warn": "5",
    "osd pool default pg autoscale mode": "off",
    "osd objectstore": "memstore",
    "osd fast shutdown": "false",
    # Quicker reports: mon commands commit, and PG states reach the mon, within a second.
    "paxos propose interval": "0.1",
    "mgr stats period": "1",
    "mgr tick period": "1",
    "mon mgr digest period": "1",
}
PG_NUM = 8


def link_bindings() -> None:
    """Put symbolic links to Debian's rados and rbd extension modules into the venv's
    site-packages (nothing else of Debian's Python), or exit saying why they cannot serve."""
    suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
    site = Path(sysconfig.get_paths()["purelib"])
    for name in BINDINGS:
        found = sorted(DEBIAN_BINDINGS.glob(f"{name}.cpython-*.so"))
        if not found:
            raise SystemExit(
                f"Debian's {name} binding is missing from {DEBIAN_BINDINGS}: "
                f"`make services` installs it (python3-{name})"
            )
        module = DEBIAN_BINDINGS / f"{name}{suffix}"
        if module not in found:
            built = ", ".join(path.name for path in found)
            raise SystemExit(
                f"Debian's {name} binding is built for another Python ABI ({built}) than the "
                f"venv's Python {sys.version.split()[0]} ({name}{suffix}): make the venv with a "
                "Python of Debian's python3 version"
            )
        link = site / module.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(module)
    check = subprocess.run(
        [sys.executable, "-c", "import rados, rbd; rados.Rados().version()"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if check.returncode != 0:
        raise SystemExit(f"the venv cannot load Debian's rados and rbd:\n{check.stderr.strip()}")


def program(name: str) -> str:
    """The path of a Ceph program, or ServiceError with the install hint."""
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin")
    if found is None:
        raise ServiceError(f"{INSTALL_HINT} (looked for {name})")
    return found


class CephCluster:
    """One mon, one mgr and one memstore OSD of a cluster of their own, run as root."""

    def __init__(
        self, pools: Sequence[str] = ("images",), memory_mib: int = 512, name: str = "ceph"
    ) -> None:
        """Prepare paths; nothing runs until start(). pools: created and initialised for rbd;
        memory_mib: what the OSD may hold."""
        self.name = name
        self.pools = tuple(pools)
        self.memory_mib = memory_mib
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        self.conf = self.workdir / "ceph.conf"
        self.admin_keyring = self.workdir / "ceph.client.admin.keyring"
        self.fsid = str(uuid.uuid4())
        self.port = 0
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.initialised = False

    @property
    def env(self) -> dict[str, str]:
        """An environment in which `ceph`, `rbd` and `rados` act on this cluster as its admin."""
        return {**os.environ, "CEPH_CONF": str(self.conf)}

    def _write_conf(self) -> None:
        """The admin's ceph.conf: the daemons' settings and where each keeps its files."""
        lines = [
            "[global]",
            f"fsid = {self.fsid}",
            f"mon host = [v2:{HOST}:{self.port}]",
            f"public addr = {HOST}",
            f"run dir = {self.workdir}/run",
            f"log file = {self.workdir}/log/$name.log",
            f"pid file = {self.workdir}/run/$name.pid",
            f"mon data = {self.workdir}/mon/$id",
            f"mgr data = {self.workdir}/mgr/$id",
            f"osd data = {self.workdir}/osd/$id",
            f"keyring = {self.workdir}/$name.keyring",
            f"memstore device bytes = {self.memory_mib * 1024 * 1024}",
            *(f"{key} = {value}" for key, value in SETTINGS.items()),
            "[client.admin]",
            f"keyring = {self.admin_keyring}",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def _tool(self, *argv: str) -> str:
        """Run a Ceph program on this cluster's configuration."""
        return run_checked([program(argv[0]), *argv[1:]], argv[0], env=self.env, timeout=120)

    def _daemon(self, kind: str, ident: str) -> None:
        """Start a daemon in the foreground (its log in log/, its stderr in <kind>.out)."""
        argv = [program(f"ceph-{kind}"), "-f", "-i", ident, "-c", str(self.conf)]
        self.processes[kind] = start_process(argv, self.workdir / "log" / f"{kind}.out")

    def _bootstrap(self) -> None:
        """Make the mon's store with the admin and mon keys, as the manual deployment does."""
        for folder in ("run", "log", "mon/a", "mgr/x", "osd/0"):
            (self.workdir / folder).mkdir(parents=True)
        self.port = free_port()
        self._write_conf()
        mon_keyring = self.workdir / "mon.a.keyring"
        self._tool("ceph-authtool", "--create-keyring", str(mon_keyring), "--gen-key", "-n",
                   "mon.", "--cap", "mon", "allow *")  # fmt: skip
        self._tool("ceph-authtool", "--create-keyring", str(self.admin_keyring), "--gen-key",
                   "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow *",
                   "--cap", "mgr", "allow *")  # fmt: skip
        self._tool("ceph-authtool", str(mon_keyring), "--import-keyring", str(self.admin_keyring))
        monmap = self.workdir / "monmap"
        self._tool("monmaptool", "--create", "--fsid", self.fsid, "--addv", "a",
                   f"[v2:{HOST}:{self.port}]", str(monmap))  # fmt: skip
        self._tool("ceph-mon", "-c", str(self.conf), "--mkfs", "-i", "a", "--monmap",
                   str(monmap), "--keyring", str(mon_keyring))  # fmt: skip

    def _first_start(self) -> None:
        """Start the mon, register the mgr and the OSD, create the pools."""
        self._daemon("mon", "a")
        mgr_key = self.command(
            {"prefix": "auth get-or-create", "entity": "mgr.x",
             "caps": ["mon", "allow profile mgr", "osd", "allow *", "mds", "allow *"]},
        )  # fmt: skip
        (self.workdir / "mgr.x.keyring").write_text(mgr_key)
        self._daemon("mgr", "x")
        # As ceph-volume registers an OSD: `ceph osd new` with the OSD's own cephx secret,
        # then its keyring and `ceph-osd --mkfs`.
        osd_uuid = str(uuid.uuid4())
        secret = self._tool("ceph-authtool", "--gen-print-key").strip()
        osd_id = self.command(
            {"prefix": "osd new", "uuid": osd_uuid},
            json.dumps({"cephx_secret": secret}).encode(),
        ).strip()
        if osd_id != "0":
            raise ServiceError(f"ceph osd new gave OSD id {osd_id!r}, expected 0")
        self._tool("ceph-authtool", "--create-keyring", str(self.workdir / "osd.0.keyring"),
                   "--name", "osd.0", "--add-key", secret)  # fmt: skip
        self._tool("ceph-osd", "-c", str(self.conf), "-i", "0", "--mkfs", "--osd-uuid", osd_uuid)
        self._daemon("osd", "0")
        for pool in self.pools:
            self.command({"prefix": "osd pool create", "pool": pool, "pg_num": PG_NUM})
            self.command({"prefix": "osd pool application enable", "pool": pool, "app": "rbd"})

    def launch(self) -> None:
        """Start the daemons (bootstrapping the cluster the first time) without waiting for
        them to settle: several clusters launched one after the other settle at once. The
        daemons stop with the thread that launched them (their parent death signal)."""
        try:
            if self.port == 0:
                self._bootstrap()
                self._first_start()
            else:
                for kind, ident in zip(DAEMONS, ("a", "x", "0"), strict=True):
                    self._daemon(kind, ident)
        except Exception:
            self.pause()
            raise

    def settle(self, timeout: float = 180.0) -> None:
        """Wait until the launched cluster is healthy, then initialise its pools for rbd."""
        try:
            wait_for(self._healthy, timeout, f"Ceph cluster {self.name}", interval=0.5)
            if not self.initialised:
                import rbd

                with self.admin() as client:
                    for pool in self.pools:
                        with client.open_ioctx(pool) as ioctx:
                            rbd.RBD().pool_init(ioctx, False)
                self.initialised = True
        except Exception:
            self.pause()
            raise

    def start(self, timeout: float = 180.0) -> CephCluster:
        """Launch the cluster (again, after pause()) and return once it is healthy."""
        self.launch()
        self.settle(timeout)
        return self

    def command(self, cmd: dict[str, Any], inbuf: bytes = b"", timeout: float = 30) -> str:
        """Run a mon command as the admin (librados, no CLI start-up) and return its output."""
        with self.admin(timeout) as client:
            ret, out, err = client.mon_command(json.dumps(cmd), inbuf, timeout=int(timeout))
        if ret != 0:
            raise ServiceError(f"ceph {cmd['prefix']} failed ({ret}): {err}")
        return out.decode()

    @contextlib.contextmanager
    def admin(self, timeout: float = 30) -> Iterator[Any]:
        """A librados connection as client.admin."""
        import rados

        client = rados.Rados(conffile=str(self.conf), rados_id="admin")
        client.conf_set("client_mount_timeout", str(int(timeout)))
        client.conf_set("log_file", "")
        try:
            client.connect(timeout=int(timeout))
            yield client
        finally:
            client.shutdown()

    def _healthy(self) -> bool:
        """Tell whether health is HEALTH_OK with every PG active+clean (and no daemon died)."""
        for kind, process in self.processes.items():
            if process.poll() is not None:
                log = self.workdir / "log" / f"{kind}.out"
                raise ServiceError(f"ceph-{kind} exited ({process.returncode}):\n{tail(log)}")
        import rados

        try:
            status = json.loads(self.command({"prefix": "status", "format": "json"}, timeout=5))
        except (ServiceError, rados.Error):  # the mon is not up yet
            return False
        pgs = status["pgmap"]
        clean = sum(
            state["count"]
            for state in pgs.get("pgs_by_state", [])
            if state["state_name"] == "active+clean"
        )
        return (
            status["health"]["status"] == "HEALTH_OK"
            and status["osdmap"]["num_up_osds"] == 1
            and pgs["num_pgs"] >= PG_NUM * len(self.pools)
            and clean == pgs["num_pgs"]
        )

    def pause(self) -> None:
        """Stop the daemons (OSD, mgr, then mon) and keep their data."""
        for kind in reversed(DAEMONS):
            stop_process(self.processes.pop(kind, None), timeout=60)

    def stop(self) -> None:
        """Stop the daemons and remove the cluster's folder."""
        self.pause()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def running_clusters(names: Sequence[str], **kwargs: Any) -> Iterator[dict[str, CephCluster]]:
    """Independent clusters by name, launched one after the other and settling at once; all
    stopped when the block ends."""
    clusters = {name: CephCluster(name=name, **kwargs) for name in names}
    try:
        for cluster in clusters.values():
            cluster.launch()
        for cluster in clusters.values():
            cluster.settle()
        yield clusters
    finally:
        for cluster in clusters.values():
            cluster.stop()


if __name__ == "__main__":
    link_bindings()
