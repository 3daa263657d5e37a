"""Each credential reaches only the pods that use it.

For every rendered pod (API pods and their init container, CronJobs, hook Jobs, the `helm
test` pod) the test lists what it receives: the Secret keys of its environment, its
Secret-backed volumes and its Kubernetes token. It compares that with what the pod's program
reads, found by running the program's own reading of its settings (the hooks' and the test
check's `Config.from_env`, the init container's `main`) on the rendered environment with every
lookup noted, and with what the Glance command of the pod reads of the configuration the init
container writes.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.chart.cases import MATRIX, all_cases
from tests.chart.rendering import render, secret_data
from tests.conftest import ROOT

for _folder in (ROOT / "hooks", ROOT / "pod"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import init_config  # noqa: E402

HELM = ROOT / "bin" / "helm"
# Where init_config.py reads the config Secret and the customServiceConfigSecrets in a pod.
CONFIG_SOURCE, CONFIG_SECRETS = init_config.SOURCE, init_config.SECRETS
# Every credential at once: the database account made by the chart (root password), the
# transport URL, a customServiceConfigSecret, quotas, the image cache and a CA bundle.
EVERY_CREDENTIAL: dict[str, Any] = {
    "database": {"create": True},
    "notificationsBus": {"transportURLSecret": "rabbit-url"},
    "customServiceConfigSecrets": ["glance-extra"],
    "quotas": {"imageCountTotal": 5},
    "imageCache": {"size": "1G"},
    "glanceAPIs": {"default": {"type": "single", "tls": {"caBundleSecretName": "ca-bundle"}}},
}
CASES = [("every-credential", EVERY_CREDENTIAL, None), *all_cases()]
IDS = [case[0] for case in CASES]
# What the kubelet gives every pod: where the API server is.
KUBELET_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
# The sections of 03-secrets.conf the Glance command of each container reads: the API its
# database, Keystone login (token validation, oslo.limit) and notifications; the CronJobs'
# commands their database alone.
GLANCE_READS = {
    "glance-api": {"database", "keystone_authtoken", "oslo_limit", "oslo_messaging_notifications"},
    "glance-db-purge": {"database"},
    "glance-cache-cleaner": {"database"},
    "glance-cache-pruner": {"database"},
}


class NotedEnv(Mapping[str, str]):
    """An environment that notes every name a program looks up."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self.looked_up: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.looked_up.add(name)
        return self._env[name]

    def __contains__(self, name: object) -> bool:
        self.looked_up.add(str(name))
        return name in self._env

    def __iter__(self) -> Iterator[str]:
        self.looked_up.update(self._env)
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


@dataclasses.dataclass
class Container:
    """What one container of a rendered pod receives."""

    pod: str
    name: str
    command: list[str]
    env: dict[str, str]
    secret_env: dict[str, tuple[str, str]]
    secret_volumes: dict[str, tuple[str, int]]
    token: bool

    @property
    def script(self) -> str | None:
        """The chart's Python program it runs (hooks/ or pod/), if any."""
        if self.command[:1] == ["python3"]:
            return Path(self.command[1]).stem
        return None

    def listing(self) -> str:
        """One line: the Secret keys, Secret volumes and token it receives."""
        env = ", ".join(f"{n}={s}/{k}" for n, (s, k) in sorted(self.secret_env.items())) or "-"
        volumes = ", ".join(f"{p}={s}" for p, (s, _) in sorted(self.secret_volumes.items()))
        token = "token" if self.token else "no token"
        return f"{self.pod} {self.name}: env {env}; volumes {volumes or '-'}; {token}"


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind/name, pod spec) of every rendered pod."""
    for obj in objects:
        spec, kind = obj.get("spec") or {}, obj["kind"]
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]["template"]["spec"]
        elif kind in ("StatefulSet", "Job"):
            spec = spec["template"]["spec"]
        elif kind != "Pod":
            continue
        yield f"{kind}/{obj['metadata']['name']}", spec


def secret_sources(volume: Mapping[str, Any]) -> tuple[str, int] | None:
    """The Secret(s) a volume shows and its files' mode, or None when it holds no Secret."""
    if "secret" in volume:
        return volume["secret"]["secretName"], int(volume["secret"].get("defaultMode", 0o644))
    projected = volume.get("projected") or {}
    names = [s["secret"]["name"] for s in projected.get("sources", []) if "secret" in s]
    return (",".join(names), int(projected.get("defaultMode", 0o644))) if names else None


def containers(objects: list[dict[str, Any]]) -> list[Container]:
    """What every container of every rendered pod receives; Secret values are stand-ins named
    after their key (`value-of-<secret>-<key>`)."""
    out = []
    for pod, spec in pod_specs(objects):
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec.get("initContainers", []) + spec["containers"]:
            env, secret_env = dict(KUBELET_ENV), {}
            for var in container.get("env", []):
                source = var.get("valueFrom", {})
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    secret_env[var["name"]] = (ref["name"], ref["key"])
                    env[var["name"]] = f"value-of-{ref['name']}-{ref['key']}"
                elif "fieldRef" in source:
                    env[var["name"]] = "openstack"
                else:
                    env[var["name"]] = str(var.get("value", ""))
            mounted = {}
            for mount in container.get("volumeMounts", []):
                found = secret_sources(volumes.get(mount["name"], {}))
                if found:
                    mounted[mount["mountPath"]] = found
            out.append(
                Container(
                    pod,
                    container["name"],
                    list(container.get("command", [])),
                    env,
                    secret_env,
                    mounted,
                    bool(spec.get("automountServiceAccountToken")),
                )
            )
    return out


def hook_reads(script: str, env: Mapping[str, str]) -> set[str]:
    """The variables a hook program (or the test check) reads of env, by its Config.from_env;
    the files its variables name are taken to be there, as the pod's volumes put them."""
    module = __import__(script)
    noted = NotedEnv(env)
    with mock.patch("os.path.isfile", return_value=True):
        module.Config.from_env(noted)
    return noted.looked_up


def files_read(container: Container) -> set[str]:
    """The files named by the variables a hook program (or the test check) reads."""
    if container.script is None or container.script == "init_config":
        return set()
    read = hook_reads(container.script, container.env)
    return {container.env[name] for name in read if container.env.get(name, "").startswith("/")}


def rendered_config(objects: list[dict[str, Any]]) -> str:
    """The text of every rendered Secret and ConfigMap: where the configuration a Glance
    command reads (my.cnf, glance.conf.d) names its files."""
    texts = []
    for obj in objects:
        if obj["kind"] == "Secret":
            texts += list(secret_data(obj).values())
        elif obj["kind"] == "ConfigMap":
            texts += list((obj.get("data") or {}).values())
    return "\n".join(texts)


def objects_of(name: str, values: dict[str, Any] | None, file: Path | None) -> list[dict]:
    """The rendered objects of a case."""
    return render(HELM, values, *([file] if file else []))


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_every_program_reads_each_secret_it_gets(
    name: str, values: dict[str, Any] | None, file: Path | None
) -> None:
    """A hook, the test check or the init container reads every Secret key of its
    environment, and a Kubernetes token comes only with a program that talks to the API
    server; a Glance container's environment holds no Secret key at all."""
    unread = []
    for container in containers(objects_of(name, values, file)):
        if container.script is None:
            assert container.secret_env == {}, container.listing()
            assert not container.token, container.listing()
            continue
        if container.script == "init_config":
            noted = NotedEnv(container.env)
            init_config.secrets_conf(noted)
            init_config.secret_variables(noted)
            read = noted.looked_up
        else:
            read = hook_reads(container.script, container.env)
        unread += [
            f"{container.listing()}: {n} unread" for n in container.secret_env if n not in read
        ]
        reads_token = "KUBE_TOKEN_FILE" in read
        assert container.token == reads_token, container.listing()
    assert unread == []


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_init_container_writes_only_what_its_glance_reads(
    name: str,
    values: dict[str, Any] | None,
    file: Path | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The init container, run on its rendered environment and config Secret, writes each
    Secret value it gets, and only into sections the Glance command of its pod reads."""
    objects = objects_of(name, values, file)
    secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
    by_pod: dict[str, list[Container]] = {}
    for container in containers(objects):
        by_pod.setdefault(container.pod, []).append(container)
    for pod, (init, *main) in by_pod.items():
        if init.script != "init_config":
            continue
        (glance,) = main
        root = tmp_path / pod.replace("/", "-")
        source = root / "default"
        source.mkdir(parents=True)
        config = secrets[init_config_secret(init)]
        for key, data in config["data"].items():
            (source / key).write_bytes(base64.b64decode(data))
        for folder, value in (("SOURCE", source), ("SECRETS", root / "secrets")):
            monkeypatch.setattr(init_config, folder, str(value))
        monkeypatch.setattr(init_config, "TARGET", str(root / "conf.d"))
        assert init_config.main(dict(init.env)) == 0
        written = (root / "conf.d" / "03-secrets.conf").read_text()
        sections = {line.strip("[]") for line in written.splitlines() if line.startswith("[")}
        assert sections <= GLANCE_READS[glance.name], f"{init.listing()}: writes {sections}"
        every_file = "".join(p.read_text() for p in (root / "conf.d").iterdir())
        unwritten = [n for n in init.secret_env if init.env[n] not in every_file]
        assert unwritten == [], init.listing()


def init_config_secret(init: Container) -> str:
    """The config Secret mounted where init_config.py reads its source files."""
    (name,) = [s for path, (s, _) in init.secret_volumes.items() if path == CONFIG_SOURCE]
    return name


def test_one_variable_one_credential() -> None:
    """A variable name means one Secret key wherever a pod gets it, so a program's reading of
    a name is its reading of that credential; the admin's and the database root's passwords
    each reach one hook, and the service password no CronJob."""
    keys: dict[str, set[str]] = {}
    holders: dict[str, set[str]] = {}
    for name, values, file in CASES:
        for container in containers(objects_of(name, values, file)):
            for variable, (_, key) in container.secret_env.items():
                keys.setdefault(variable, set()).add(key)
                holders.setdefault(key, set()).add(container.pod.split("/")[1])
    assert {v: k for v, k in keys.items() if len(k) > 1} == {}
    assert holders["AdminPassword"] == {"glance-keystone"}
    assert holders["DbRootPassword"] == {"glance-db-sync"}
    assert not {h for h in holders["GlancePassword"] if "cache" in h or "purge" in h}


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_secret_volumes_reach_only_what_reads_them(
    name: str, values: dict[str, Any] | None, file: Path | None
) -> None:
    """Secret volumes: the init container's where init_config.py reads (its config and the
    customServiceConfigSecrets), the test check's CA bundles where its checks name them, a
    hook's only where a variable it reads names a file (the database's and Keystone's TLS
    files); the CronJobs' Glance its configuration, CA bundle and the TLS files its
    configuration names, no store volume (the keyrings of extraMounts are the API pods').
    What holds a user's secret is not readable by every user of the node."""
    problems = []
    objects = objects_of(name, values, file)
    config = rendered_config(objects)
    for container in containers(objects):
        named = files_read(container)
        for path, (secret, mode) in container.secret_volumes.items():
            if container.script == "init_config":
                allowed = path == CONFIG_SOURCE or path.startswith(CONFIG_SECRETS + "/")
            elif container.script is not None:
                # The test check also reads the CA bundles its checks name, in CHECKS.
                checks = json.loads(container.env.get("CHECKS", "[]"))
                allowed = path in {c.get("cacert") for c in checks} or any(
                    f.startswith(path + "/") for f in named
                )
            elif container.name == "glance-api":
                allowed = True
            else:
                allowed = (
                    path.startswith("/var/lib/config-data/")
                    or path
                    in (
                        "/etc/my.cnf",
                        "/etc/glance/policy.yaml",
                        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
                    )
                    or path + "/" in config
                )
            if not allowed:
                problems.append(f"{container.listing()}: {path} ({secret}) unread")
            public = "ca-bundle" in secret or path.endswith("tls-ca-bundle.pem")
            if not public and mode & 0o007 and (file or not user_volume(name, secret)):
                problems.append(f"{container.listing()}: {path} ({secret}) is mode {mode:o}")
    assert problems == []


def user_volume(case: str, secret: str) -> bool:
    """Whether a Secret volume of a matrix case is one of its extraMounts (the test values'
    own volumes, whose mode is theirs; the examples are held to 0440)."""
    text = json.dumps(MATRIX.get(case, {}).get("extraMounts", []))
    return f'"{secret}"' in text
