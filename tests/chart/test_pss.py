"""The Pod Security Standards checker itself: it must catch what the standard forbids."""

from __future__ import annotations

import copy

import pytest

from tests.chart.pss import baseline, restricted

GOOD = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "app",
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    ],
    "volumes": [{"name": "config", "secret": {"secretName": "x"}}],
}


def changed(path: list, value: object) -> dict:
    """GOOD with one field set."""
    pod = copy.deepcopy(GOOD)
    node = pod
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return pod


def test_a_restricted_pod_passes() -> None:
    assert restricted(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "control"),
    [
        (["hostNetwork"], True, "host namespaces"),
        (["volumes", 0], {"name": "h", "hostPath": {"path": "/"}}, "hostPath volumes"),
        (["containers", 0, "securityContext", "privileged"], True, "privileged containers"),
        (
            ["containers", 0, "securityContext", "capabilities", "add"],
            ["SYS_ADMIN"],
            "capabilities",
        ),
        (["securityContext", "seccompProfile", "type"], "Unconfined", "seccomp"),
        (["containers", 0, "ports"], [{"containerPort": 1, "hostPort": 1}], "host ports"),
    ],
)
def test_baseline_violations_are_caught(path: list, value: object, control: str) -> None:
    found = baseline(changed(path, value))
    assert any(v.startswith(control) for v in found), found


@pytest.mark.parametrize(
    ("path", "value", "control"),
    [
        (["containers", 0, "securityContext", "allowPrivilegeEscalation"], True, "privilege"),
        (["securityContext", "runAsNonRoot"], False, "running as non-root"),
        (["securityContext", "runAsUser"], 0, "running as non-root user"),
        (["securityContext", "seccompProfile"], {}, "seccomp"),
        (["containers", 0, "securityContext", "capabilities", "drop"], [], "capabilities"),
        (["volumes", 0], {"name": "n", "nfs": {"server": "s", "path": "/"}}, "volume types"),
    ],
)
def test_restricted_violations_are_caught(path: list, value: object, control: str) -> None:
    found = restricted(changed(path, value))
    assert any(v.startswith(control) for v in found), found
