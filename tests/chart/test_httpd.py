"""The rendered httpd configuration passes `apachectl -t` (Debian's apache2 with mod_wsgi).

Only paths change: the image's folders become temporary ones, and the image's module list
(conf.modules.d) is replaced by Debian's modules. The glance user exists only inside a
private mount namespace, over a copy of /etc/passwd.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.chart.cases import MATRIX
from tests.chart.rendering import config_secrets, render
from tests.conftest import ROOT

MODULES = Path("/usr/lib/apache2/modules")
# What the Glance image loads from conf.modules.d, by Debian's module file names.
LOADED = {
    "mpm_event_module": "mod_mpm_event.so",
    "authz_core_module": "mod_authz_core.so",
    "mime_module": "mod_mime.so",
    "ssl_module": "mod_ssl.so",
    "wsgi_module": "mod_wsgi.so",
}
CASES = ["defaults", "single-tls", "edge-3-cache", "older-layout"]


def remap(text: str, root: Path) -> str:
    """The configuration with the pod's folders moved under `root`."""
    for pod_path in ("/etc/httpd", "/run/httpd", "/etc/pki/tls", "/var/lib/glance-scripts"):
        text = text.replace(pod_path, f"{root}{pod_path}")
    return text


def prepare(root: Path, data: dict[str, str]) -> Path:
    """Lay out the files httpd reads and return the main configuration file."""
    modules = root / "etc/httpd/conf.modules.d"
    modules.mkdir(parents=True)
    (modules / "00-base.conf").write_text(
        "".join(f"LoadModule {name} {MODULES / so}\n" for name, so in LOADED.items())
    )
    (root / "run/httpd").mkdir(parents=True)
    scripts = root / "var/lib/glance-scripts"
    scripts.mkdir(parents=True)
    shutil.copy2(ROOT / "pod" / "glance_wsgi.py", scripts / "glance_wsgi.py")
    # A throwaway certificate wherever the configuration reads one.
    for cert in sorted(set(re.findall(r"SSLCertificateFile (\S+)", data["httpd.conf"]))):
        folder = Path(remap(cert, root)).parent
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=glance", "-keyout", str(folder / "tls.key"),
             "-out", str(folder / "tls.crt")],
            check=True, capture_output=True,
        )  # fmt: skip
    main = root / "etc/httpd/conf/httpd.conf"
    main.parent.mkdir(parents=True)
    main.write_text(remap(data["httpd.conf"], root))
    return main


def apache_check(main: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """`apache2 -t` with a glance user (uid 42415) known only inside the namespace."""
    passwd, group = work / "passwd", work / "group"
    passwd.write_text(
        Path("/etc/passwd").read_text() + "glance:x:42415:42415::/var/lib/glance:/sbin/nologin\n"
    )
    group.write_text(Path("/etc/group").read_text() + "glance:x:42415:\n")
    script = (
        f"mount --bind {passwd} /etc/passwd && mount --bind {group} /etc/group && "
        f"exec apache2 -t -f {main}"
    )
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def apache() -> None:
    if not shutil.which("apache2") or not (MODULES / "mod_wsgi.so").exists():
        pytest.fail("apache2 with mod_wsgi is missing: `make services` installs it")


@pytest.mark.parametrize("case", CASES)
def test_httpd_accepts_the_rendered_configuration(tmp_path: Path, case: str) -> None:
    secrets = config_secrets(render(ROOT / "bin" / "helm", MATRIX[case]))
    assert secrets
    for name, data in secrets.items():
        root = tmp_path / name
        result = apache_check(prepare(root, data), root)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert "Syntax OK" in result.stderr


def test_a_broken_configuration_is_refused(tmp_path: Path) -> None:
    data = next(iter(config_secrets(render(ROOT / "bin" / "helm", {})).values()))
    data = {**data, "httpd.conf": data["httpd.conf"] + "WSGIDaemonProces typo\n"}
    result = apache_check(prepare(tmp_path, data), tmp_path)
    assert result.returncode != 0
