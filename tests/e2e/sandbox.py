"""Run a container's command unchanged, with its files at the pod's real paths.

The command runs in a private mount namespace (`unshare -m`): each mount of the container view
(pod.py) and each file the image would carry is bind-mounted at its pod path, then the process
takes the container's user and groups and execs the command with the container's environment.
A pod path whose parent does not exist on this machine is created in an overlay of the nearest
existing folder (upper layer in the work directory), so nothing on the host changes; the
namespace and its mounts vanish with the process. For a container with a read-only root
filesystem, every mount of the namespace is then made read-only, as the container's root is,
but its writable volumes and the kernel's file systems (/proc, /sys, /dev): a write anywhere
else fails (EROFS) as it would in the pod.

This file is also the program that does the mounting inside the namespace (`main`), so it
imports only the standard library at the top.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The container's PATH: the image's, with the venv (where glance-manage, python3 with glance and
# openstacksdk live) first.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_PR_SET_PDEATHSIG = 1
# What a container runtime mounts itself, writable whatever the root filesystem is.
KERNEL_MOUNTS = ("/proc", "/sys", "/dev")


def venv_bin() -> str:
    """The folder of the running Python (the project's venv)."""
    return str(Path(sys.executable).parent)


def container_env(
    env: Mapping[str, str], hostname: str, home: str = "/", extra: Mapping[str, str] = ()
) -> dict[str, str]:
    """The process environment: the image's PATH (venv first), HOME, HOSTNAME, then the spec's."""
    base = {
        "PATH": f"{venv_bin()}:{IMAGE_PATH}",
        "HOME": home,
        "HOSTNAME": hostname,
        "LANG": "C.UTF-8",
    }
    base.update(env)
    base.update(extra)
    return base


def build_spec(
    workdir: Path,
    mounts: Sequence[tuple[str, Path, bool]],
    command: Sequence[str],
    env: Mapping[str, str],
    uid: int,
    gid: int,
    groups: Sequence[int],
    traverse: Sequence[str] = (),
    writable_only: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The launcher's instructions.

    mounts: (pod path, host path, read only); traverse: host folders that must be searchable by
    the container's user (shown with mode 0755 through an overlay, e.g. /root where pyenv's
    Python lives); writable_only: for a read-only root filesystem, the pod paths of the
    container's writable volumes, the only ones (with the kernel's) that take writes.
    """
    return {
        "workdir": str(workdir),
        "mounts": [[target, str(source), bool(ro)] for target, source, ro in mounts],
        "command": list(command),
        "env": dict(env),
        "uid": uid,
        "gid": gid,
        "groups": list(groups),
        "traverse": list(traverse),
        "writable_only": None if writable_only is None else list(writable_only),
    }


def launcher_argv(spec_file: Path) -> list[str]:
    """The command that runs a spec in a new private mount namespace."""
    return [
        "unshare", "--mount", "--propagation", "private",
        sys.executable, "-I", str(Path(__file__).resolve()), str(spec_file),
    ]  # fmt: skip


def write_spec(spec: Mapping[str, Any], path: Path) -> Path:
    """Write a spec readable by root only (it holds the container's secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(spec, out)
    return path


def run(
    spec: Mapping[str, Any], spec_file: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a spec to completion and return its output."""
    write_spec(spec, spec_file)
    return subprocess.run(
        launcher_argv(spec_file),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


# inside the namespace


class _Mounter:
    """Does the mounts of one spec, creating missing mount points in overlays."""

    def __init__(self, workdir: Path) -> None:
        self.layers = workdir / "layers"
        self.ours: list[str] = []

    def _mount(self, *args: str, fds: Sequence[int] = ()) -> None:
        result = subprocess.run(
            ["mount", *args], capture_output=True, text=True, check=False, pass_fds=tuple(fds)
        )
        if result.returncode != 0:
            raise SystemExit(f"sandbox: mount {' '.join(args)}: {result.stderr.strip()}")

    def _is_ours(self, path: str) -> bool:
        return any(path == m or path.startswith(m.rstrip("/") + "/") for m in self.ours)

    def overlay(self, folder: str, mode: int | None = None) -> None:
        """Mount an overlay over an existing folder: writes land in the work directory."""
        index = len(list(self.layers.glob("*"))) if self.layers.exists() else 0
        upper, work = self.layers / str(index) / "upper", self.layers / str(index) / "work"
        upper.mkdir(parents=True)
        work.mkdir(parents=True)
        info = os.stat(folder)
        os.chown(upper, info.st_uid, info.st_gid)
        os.chmod(upper, mode if mode is not None else info.st_mode & 0o7777)
        self._mount("-t", "overlay", "overlay", "-o",
                    f"lowerdir={folder},upperdir={upper},workdir={work}", folder)  # fmt: skip
        self.ours.append(folder)

    def cover(self, target: str) -> None:
        """Overlay the nearest existing folder of a missing pod path, unless already ours."""
        existing = target
        while not os.path.lexists(existing):
            existing = os.path.dirname(existing)
        if existing != target and not self._is_ours(existing):
            if existing == "/":
                raise SystemExit(f"sandbox: {target} would need an overlay of /")
            self.overlay(existing)

    def ensure(self, target: str, is_dir: bool) -> None:
        """Make a mount point, inside an overlay or a volume mounted before (never the host's)."""
        if os.path.lexists(target):
            return
        parent = os.path.dirname(target)
        existing = parent
        while not os.path.isdir(existing):
            existing = os.path.dirname(existing)
        if not self._is_ours(existing):
            raise SystemExit(f"sandbox: {target} would be created on the host")
        os.makedirs(parent, exist_ok=True)
        if is_dir:
            os.mkdir(target)
        else:
            Path(target).touch()

    def bind(self, source: str, target: str, read_only: bool, handle: int | None = None) -> None:
        """Bind a host path at a pod path; `handle`, an O_PATH descriptor of the source opened
        before any mount, reaches it even once a pod path (/tmp) hides where it lives."""
        is_dir = os.path.isdir(source if handle is None else f"/proc/self/fd/{handle}")
        self.ensure(target, is_dir)
        if handle is None:
            self._mount("--bind", source, target)
        else:
            # Not canonicalized: mount would turn the descriptor back into its hidden path.
            self._mount(
                "--no-canonicalize", "--bind", f"/proc/self/fd/{handle}", target, fds=(handle,)
            )
        if read_only:
            self._mount("-o", "remount,bind,ro", target)
        self.ours.append(target)

    def seal(self, writable: Sequence[str]) -> None:
        """Make every writable mount of the namespace read-only, but the given pod paths and
        the kernel's file systems: what a read-only root filesystem leaves writable."""
        for target, options in mount_table():
            if "ro" in options.split(",") or target in writable:
                continue
            if any(target == k or target.startswith(k + "/") for k in KERNEL_MOUNTS):
                continue
            self._mount("-o", "remount,bind,ro", target)


def mount_table() -> list[tuple[str, str]]:
    """(mount point, mount options) of every mount of this namespace (/proc/self/mountinfo,
    whose octal escapes of blanks are undone)."""
    table = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        table.append((point, fields[5]))
    return table


def _die_with_parent() -> None:
    """Ask for SIGTERM when the test process goes away (setuid cleared the earlier request)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def main(argv: Sequence[str]) -> int:
    """Mount, drop to the container's user, exec the command."""
    spec = json.loads(Path(argv[1]).read_text())
    mounter = _Mounter(Path(spec["workdir"]))
    for folder in spec["traverse"]:
        mounter.overlay(folder, mode=0o755)
    # Overlays first (one made later would hide the binds below its folder), then the binds,
    # parents before children as the kubelet does: a mount point inside a volume is made in it.
    mounts = sorted(spec["mounts"], key=lambda m: m[0].count("/"))
    # Every source, and the repository (its venv runs the command), held open before a pod path
    # such as /tmp can hide them: a checkout under /tmp would vanish under the pod's /tmp.
    handles = {source: os.open(source, os.O_PATH) for _, source, _ in mounts}
    root = str(Path(__file__).resolve().parents[2])
    root_handle = os.open(root, os.O_PATH)
    for target, _, _ in mounts:
        mounter.cover(target)
    for target, source, read_only in mounts:
        mounter.bind(source, target, read_only, handles[source])
    here = os.stat(root) if os.path.isdir(root) else None
    there = os.fstat(root_handle)
    if here is None or (here.st_dev, here.st_ino) != (there.st_dev, there.st_ino):
        mounter.bind(root, root, False, root_handle)
    if spec["writable_only"] is not None:
        mounter.seal(spec["writable_only"])
    os.setgroups(spec["groups"])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    _die_with_parent()
    os.chdir("/")
    command = spec["command"]
    os.execvpe(command[0], command, spec["env"])
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv))
