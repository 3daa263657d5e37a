"""A pod's view of the rendered chart: the files, environment and command of one container.

Given a rendered workload (StatefulSet, Deployment, Job, CronJob or a bare Pod) and the other
rendered objects, `Pod` lays each volume out in a directory the way the kubelet would (Secret and
ConfigMap keys, alone or projected together, as files with their defaultMode and the fsGroup,
emptyDirs and volume claims as empty directories shared by the pod's containers) and
`Pod.container()` returns what one container sees: every mount (pod path -> host path; Secret,
ConfigMap and projected volumes read-only, as the kubelet mounts them), the environment built
from the container spec (secretKeyRef read from the user's Secrets, which the chart never
renders), the command, the user it runs as and whether its root filesystem is read-only.
Nothing here runs anything; see sandbox.py.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

WORKLOAD_KINDS = ("StatefulSet", "Deployment", "DaemonSet", "Job", "CronJob", "Pod")
# Volumes the kubelet always mounts read-only, whatever the mount says.
READ_ONLY_VOLUMES = ("secret", "configMap", "projected", "downwardAPI")
# kubelet's default mode of Secret and ConfigMap files.
DEFAULT_FILE_MODE = 0o644
_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class PodError(RuntimeError):
    """The rendered objects do not describe a pod this module can lay out."""


@dataclasses.dataclass(frozen=True)
class Mount:
    """One path of the container: `target` in the pod is `source` on this machine."""

    target: str
    source: Path
    read_only: bool = False


@dataclasses.dataclass
class ContainerView:
    """What one container of a pod sees."""

    name: str
    command: list[str]
    env: dict[str, str]
    mounts: list[Mount]
    uid: int
    gid: int
    groups: list[int]
    read_only_root: bool = False

    @property
    def files(self) -> dict[str, Path]:
        """Pod path -> host path of every mount."""
        return {mount.target: mount.source for mount in self.mounts}

    def mount(self, target: str) -> Mount:
        """Return the mount at a pod path."""
        for mount in self.mounts:
            if mount.target == target:
                return mount
        raise KeyError(target)

    def replace(self, target: str, source: Path) -> None:
        """Serve another host file at a mounted pod path (an edited copy, for example)."""
        old = self.mount(target)
        self.mounts[self.mounts.index(old)] = dataclasses.replace(old, source=source)


def find(objects: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """Return the rendered object of a kind and name."""
    for obj in objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return dict(obj)
    raise PodError(f"no {kind} {name!r} in the rendered objects")


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    """Return the pod template spec of a workload (the spec of a bare Pod)."""
    kind = workload.get("kind")
    if kind not in WORKLOAD_KINDS:
        raise PodError(f"{kind} is not a workload")
    spec = workload["spec"]
    if kind == "Pod":
        return dict(spec)
    if kind == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


def _expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: defined variables are replaced, $$ is a literal $."""

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _VAR_REF.sub(sub, text)


class Pod:
    """One pod of a rendered workload, its volumes laid out under `root`."""

    def __init__(
        self,
        workload: Mapping[str, Any],
        objects: Iterable[Mapping[str, Any]],
        secrets: Mapping[str, Mapping[str, str]],
        root: Path,
        name: str | None = None,
        claims: dict[str, Path] | None = None,
    ) -> None:
        """Prepare the pod; volumes are laid out when a container first mounts them.

        secrets: the user's Secrets by name, each a dict of key -> value (what `kubectl create
        secret generic --from-literal` would hold); they are used where no rendered Secret of
        that name exists. claims: the cluster's volume claims by name (claim -> directory),
        shared by the pods given the same dict; claims made here are added to it.
        """
        self.workload = dict(workload)
        self.objects = [dict(obj) for obj in objects]
        self.secrets = secrets
        self.root = root
        meta = self.workload["metadata"]
        self.namespace = meta.get("namespace", "default")
        suffix = "-0" if self.workload["kind"] == "StatefulSet" else ""
        self.name = name or f"{meta['name']}{suffix}"
        self.spec = pod_spec(self.workload)
        self.security = self.spec.get("securityContext") or {}
        self.fs_group: int | None = self.security.get("fsGroup")
        self._volumes = {volume["name"]: volume for volume in self.spec.get("volumes", [])}
        if self.workload["kind"] == "StatefulSet":
            for claim in self.workload["spec"].get("volumeClaimTemplates", []):
                name_ = claim["metadata"]["name"]
                # The StatefulSet controller names each pod's claim <template>-<pod>.
                claim_name = f"{name_}-{self.name}"
                self._volumes[name_] = {
                    "name": name_,
                    "persistentVolumeClaim": {"claimName": claim_name},
                }
        self._laid_out: dict[str, Path] = {}
        self.claims = claims if claims is not None else {}

    # containers

    def containers(self, init: bool = False) -> list[dict[str, Any]]:
        """The container specs (or the init containers')."""
        return list(self.spec.get("initContainers" if init else "containers", []))

    def container(self, name: str) -> ContainerView:
        """Return what the container (or init container) of that name sees."""
        for spec in self.containers() + self.containers(init=True):
            if spec["name"] == name:
                return self._view(spec)
        raise PodError(f"no container {name!r} in {self.workload['metadata']['name']}")

    def _view(self, spec: Mapping[str, Any]) -> ContainerView:
        """Build one container's view."""
        env = self._env(spec)
        command = [_expand(arg, env) for arg in spec.get("command", []) + spec.get("args", [])]
        if not command:
            raise PodError(f"container {spec['name']} has no command (the image's would run)")
        mounts = []
        for mount in spec.get("volumeMounts", []):
            source = self.volume(mount["name"])
            if mount.get("subPath"):
                source = source / mount["subPath"]
            volume = self._volumes[mount["name"]]
            read_only = bool(mount.get("readOnly")) or any(k in volume for k in READ_ONLY_VOLUMES)
            mounts.append(Mount(mount["mountPath"], source, read_only))
        context = {**self.security, **(spec.get("securityContext") or {})}
        uid = int(context.get("runAsUser", 0))
        gid = int(context.get("runAsGroup", uid))
        groups = [gid]
        if self.fs_group is not None:
            groups.append(int(self.fs_group))
        groups += [int(g) for g in self.security.get("supplementalGroups", [])]
        return ContainerView(
            name=spec["name"],
            command=command,
            env=env,
            mounts=mounts,
            uid=uid,
            gid=gid,
            groups=sorted(set(groups)),
            read_only_root=bool((spec.get("securityContext") or {}).get("readOnlyRootFilesystem")),
        )

    # environment

    def _env(self, spec: Mapping[str, Any]) -> dict[str, str]:
        """The container's environment, in the order Kubernetes builds it."""
        env: dict[str, str] = {}
        for source in spec.get("envFrom", []):
            prefix = source.get("prefix", "")
            if "secretRef" in source:
                data = self._secret_data(source["secretRef"]["name"])
            else:
                data = self._configmap_data(source["configMapRef"]["name"])
            env.update({prefix + key: value.decode() for key, value in data.items()})
        for var in spec.get("env", []):
            if "value" in var:
                env[var["name"]] = _expand(str(var["value"]), env)
            elif "valueFrom" in var:
                value = self._value_from(var["valueFrom"])
                if value is not None:
                    env[var["name"]] = value
            else:
                env[var["name"]] = ""
        return env

    def _value_from(self, ref: Mapping[str, Any]) -> str | None:
        """Resolve a valueFrom reference (None when optional and missing)."""
        if "secretKeyRef" in ref or "configMapKeyRef" in ref:
            is_secret = "secretKeyRef" in ref
            key_ref = ref["secretKeyRef" if is_secret else "configMapKeyRef"]
            data = (
                self._secret_data(key_ref["name"], key_ref.get("optional", False))
                if is_secret
                else self._configmap_data(key_ref["name"])
            )
            if key_ref["key"] not in data:
                if key_ref.get("optional"):
                    return None
                raise PodError(f"key {key_ref['key']!r} missing from {key_ref['name']!r}")
            return data[key_ref["key"]].decode()
        if "fieldRef" in ref:
            path = ref["fieldRef"]["fieldPath"]
            fields = {"metadata.name": self.name, "metadata.namespace": self.namespace}
            if path in fields:
                return fields[path]
            if path in ("status.podIP", "status.hostIP"):
                return "127.0.0.1"
            raise PodError(f"fieldRef {path} is not supported")
        raise PodError(f"valueFrom {sorted(ref)} is not supported")

    def _secret_data(self, name: str, optional: bool = False) -> dict[str, bytes]:
        """The keys of a Secret: a rendered one, else the user's."""
        for obj in self.objects:
            if obj.get("kind") == "Secret" and obj["metadata"]["name"] == name:
                data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
                data.update({k: v.encode() for k, v in (obj.get("stringData") or {}).items()})
                return data
        if name in self.secrets:
            return {k: v.encode() for k, v in self.secrets[name].items()}
        if optional:
            return {}
        raise PodError(f"Secret {name!r} is neither rendered nor given by the test")

    def _configmap_data(self, name: str) -> dict[str, bytes]:
        """The keys of a rendered ConfigMap."""
        obj = find(self.objects, "ConfigMap", name)
        data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
        return data

    # volumes

    def volume(self, name: str) -> Path:
        """Lay a volume out (once) and return its directory."""
        if name in self._laid_out:
            return self._laid_out[name]
        if name not in self._volumes:
            raise PodError(f"volume {name!r} is mounted but not declared")
        volume = self._volumes[name]
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim in self.claims:
            self._laid_out[name] = self.claims[claim]
            return self.claims[claim]
        path = self.root / "volumes" / name
        path.mkdir(parents=True)
        if "secret" in volume or "configMap" in volume:
            source = volume.get("secret") or volume["configMap"]
            if "secret" in volume:
                data = self._secret_data(source["secretName"], source.get("optional", False))
            else:
                data = self._configmap_data(source["name"])
            self._write_keys(path, data, source)
        elif "projected" in volume:
            projected = volume["projected"]
            for source in projected.get("sources", []):
                self._write_projected(path, source, projected.get("defaultMode", DEFAULT_FILE_MODE))
        elif "emptyDir" in volume:
            self._own_dir(path, 0o777)
        elif "persistentVolumeClaim" in volume:
            self._own_dir(path, 0o755)
            if claim:
                self.claims[claim] = path
        else:
            raise PodError(f"volume {name!r}: {sorted(set(volume) - {'name'})} not supported")
        self._laid_out[name] = path
        return path

    def _own_dir(self, path: Path, mode: int) -> None:
        """A writable volume: with fsGroup, group-owned by it, group-writable and setgid."""
        if self.fs_group is not None:
            os.chown(path, 0, int(self.fs_group))
            mode |= 0o2070
        os.chmod(path, mode)

    def _write_projected(self, path: Path, source: Mapping[str, Any], default_mode: int) -> None:
        """Write the keys of one Secret or ConfigMap source of a projected volume."""
        if "secret" in source:
            ref = source["secret"]
            data = self._secret_data(ref["name"], ref.get("optional", False))
        elif "configMap" in source:
            ref = source["configMap"]
            data = self._configmap_data(ref["name"])
        else:
            raise PodError(f"projected source {sorted(source)} not supported")
        self._write_keys(path, data, {"defaultMode": default_mode, "items": ref.get("items")})

    def _write_keys(self, path: Path, data: Mapping[str, bytes], source: Mapping[str, Any]) -> None:
        """Write Secret/ConfigMap keys (or the listed items) as files."""
        default_mode = int(source.get("defaultMode", DEFAULT_FILE_MODE))
        items = source.get("items")
        chosen = (
            [(item["key"], item["path"], item.get("mode", default_mode)) for item in items]
            if items
            else [(key, key, default_mode) for key in sorted(data)]
        )
        group = int(self.fs_group) if self.fs_group is not None else 0
        os.chmod(path, 0o755 if self.fs_group is None else 0o2755)
        os.chown(path, 0, group)
        for key, rel, mode in chosen:
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[key])
            os.chown(target, 0, group)
            # With fsGroup the kubelet makes the files group-readable.
            os.chmod(target, int(mode) | (0o040 if self.fs_group is not None else 0))
