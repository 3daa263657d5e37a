"""What the chart renders, for every example and a matrix of features, under both Helms:
valid Kubernetes objects, pods within the restricted Pod Security Standard, a Glance
configuration Glance accepts, and the same bytes for the same input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import kcheck
from tests.chart.cases import SHARED_STORE, SHARED_STORE_CONFIG, all_cases
from tests.chart.glanceconf import option_data, problems
from chartgen import kubecheck
from tests.chart.rendering import config_secrets, helm_template, render, render_text
from tests.conftest import CHART, ROOT

CASES = all_cases()
IDS = [c[0] for c in CASES]
FORBIDDEN = re.compile(
    r"\b(lookup|now|date|dateInZone|unixEpoch|randAlpha|randAlphaNum|randNumeric|randAscii|"
    r"randBytes|randInt|uuidv4|genCA|genPrivateKey|genSelfSignedCert|genSignedCert|"
    r"derivePassword)\b"
)


def objects_of(helm: Path, values: dict[str, Any] | None, file: Path | None) -> list[dict]:
    """Render one case."""
    return render(helm, values, *([file] if file else []))


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_objects_are_what_an_api_server_accepts(
    helm: Path, name: str, values: dict | None, file: Path | None
) -> None:
    """Kubernetes' own create validation and the restricted Pod Security Standard (kcheck)."""
    files = [file] if file else []
    assert any(o["kind"] == "StatefulSet" for o in render(helm, values, *files))
    assert kcheck.problems(render_text(helm, values, *files)) == []


@pytest.fixture(scope="module")
def glance_options(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Options Glance 33 and its store drivers know."""
    return option_data(tmp_path_factory.mktemp("glance") / "options.yaml")


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_glance_accepts_the_configuration(
    glance_options: dict, name: str, values: dict | None, file: Path | None
) -> None:
    secrets = config_secrets(objects_of(ROOT / "bin" / "helm", values, file))
    assert secrets
    for secret, data in secrets.items():
        # The numbered files of conf.d, in the order Glance loads them.
        conf = "\n".join(data[k] for k in sorted(data) if re.match(r"\d\d-.*\.conf$", k))
        assert problems(conf, glance_options) == [], secret


def test_templates_use_no_lookup_random_or_time() -> None:
    for template in sorted((CHART / "templates").glob("*")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            for action in re.findall(r"\{\{(.*?)\}\}", line):
                if action.strip().startswith("/*"):
                    continue
                found = FORBIDDEN.search(action)
                assert not found, f"{template.name}:{number} uses {found.group(0)}"


def test_only_backend_host_access_relaxes_pod_security() -> None:
    """The API pods break the restricted profile only where the cinder store needs the node:
    the glance-api container privileged and root, the node's folders; every other pod, and
    every other field, meets it."""
    kcheck.require()
    manifest = render_text(ROOT / "bin" / "helm", {"backendHostAccess": True})
    findings = kubecheck.judge(str(kcheck.KCHECK), manifest, kcheck.NAMESPACE).findings
    assert {(f.kind, f.name) for f in findings} == {("StatefulSet", "glance-default-single")}
    assert {f.check for f in findings} == {
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "privileged",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
    }
    for finding in findings:
        assert '"glance-api"' in finding.message or "host-" in finding.message, finding


def checksums(values: dict) -> dict[str, str]:
    """The config checksum of every StatefulSet's pod template, by name."""
    return {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        for o in render(ROOT / "bin" / "helm", values)
        if o["kind"] == "StatefulSet"
    }


def test_a_config_change_rolls_exactly_the_workloads_it_touches() -> None:
    store = SHARED_STORE
    base = {**store, "glanceAPIs": {"central": {"type": "split"}, "edge1": {"type": "edge"}}}
    before = checksums(base)
    api_change = {
        **store,
        "glanceAPIs": {
            "central": {"type": "split"},
            "edge1": {"type": "edge", "customServiceConfig": SHARED_STORE_CONFIG + "debug = true\n"},
        },
    }
    after = checksums(api_change)
    assert {n for n in before if before[n] != after[n]} == {"glance-edge1-edge-api"}
    everywhere = checksums({**base, "customServiceConfig": SHARED_STORE_CONFIG + "debug = true\n"})
    assert all(before[n] != everywhere[n] for n in before)
    assert checksums(base) == before


def test_a_new_application_credential_secret_rolls_the_pods_that_use_it() -> None:
    """The Secret's name is in the config: naming a new credential rolls the pods reading it
    (the old one stays valid while they roll), and only those."""
    apis = {"central": {"type": "single"}, "edge1": {"type": "edge"}}
    base = {**SHARED_STORE, "glanceAPIs": apis}
    before = checksums(base)

    def with_credential(secret: str) -> dict[str, str]:
        edge = {"type": "edge", "auth": {"applicationCredentialSecret": secret}}
        return checksums({**base, "glanceAPIs": {**apis, "edge1": edge}})

    first, second = with_credential("glance-ac-1"), with_credential("glance-ac-2")
    assert {n for n in before if before[n] != first[n]} == {"glance-edge1-edge-api"}
    assert {n for n in first if first[n] != second[n]} == {"glance-edge1-edge-api"}
