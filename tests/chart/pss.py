"""The Pod Security Standards "baseline" and "restricted" profiles, as checks on a pod spec.

Written from the published rules of the standard (Kubernetes 1.25+ wording); each message
names the control that failed.
"""

from __future__ import annotations

from typing import Any

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
}  # fmt: skip


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a pod: init, regular and ephemeral."""
    return [
        *(pod.get("initContainers") or []),
        *(pod.get("containers") or []),
        *(pod.get("ephemeralContainers") or []),
    ]


def baseline(pod: dict[str, Any]) -> list[str]:
    """Violations of the baseline profile."""
    out = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            out.append(f"host namespaces: {field}")
    psc = pod.get("securityContext") or {}
    for v in pod.get("volumes") or []:
        if "hostPath" in v:
            out.append(f"hostPath volumes: {v.get('name')}")
    for sysctl in psc.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            out.append(f"sysctls: {sysctl.get('name')}")
    contexts = [("pod", psc)]
    for c in containers(pod):
        sc = c.get("securityContext") or {}
        name = c.get("name")
        contexts.append((name, sc))
        if sc.get("privileged"):
            out.append(f"privileged containers: {name}")
        added = set((sc.get("capabilities") or {}).get("add") or [])
        if added - BASELINE_CAPABILITIES:
            out.append(f"capabilities: {name} adds {sorted(added - BASELINE_CAPABILITIES)}")
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                out.append(f"host ports: {name}")
        if sc.get("procMount", "Default") != "Default":
            out.append(f"/proc mount type: {name}")
    for name, sc in contexts:
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            out.append(f"seccomp: {name} is Unconfined")
        if (sc.get("appArmorProfile") or {}).get("type") == "Unconfined":
            out.append(f"AppArmor: {name} is Unconfined")
        selinux = sc.get("seLinuxOptions") or {}
        if (
            selinux.get("type", "") not in SELINUX_TYPES
            or selinux.get("user")
            or selinux.get("role")
        ):
            out.append(f"SELinux: {name}")
    return out


def restricted(pod: dict[str, Any]) -> list[str]:
    """Violations of the restricted profile (which includes baseline)."""
    out = baseline(pod)
    psc = pod.get("securityContext") or {}
    for v in pod.get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            out.append(f"volume types: {v.get('name')} is {sorted(kinds)}")
    if psc.get("runAsUser") == 0:
        out.append("running as non-root user: pod runAsUser 0")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    for c in containers(pod):
        sc = c.get("securityContext") or {}
        name = c.get("name")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"privilege escalation: {name} does not set allowPrivilegeEscalation false")
        if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            out.append(f"running as non-root: {name}")
        if sc.get("runAsUser") == 0:
            out.append(f"running as non-root user: {name} runAsUser 0")
        seccomp = (sc.get("seccompProfile") or {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"seccomp: {name} has no RuntimeDefault or Localhost profile")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"capabilities: {name} does not drop ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            out.append(f"capabilities: {name} adds more than NET_BIND_SERVICE")
    return out
