"""pod/init_config.py, the init container of every Glance pod, on the images' Python 3.9 and
on 3.11: what it writes into glance.conf.d from the config Secret, the environment and the
customServiceConfigSecrets."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.services import py39

PASSWORD = "p@ss:w/rd?#%' x$y é"
ENV = {
    "DB_HOST": "fd00::5",
    "DB_PORT": "3306",
    "DB_NAME": "glance",
    "DB_USER": "glance",
    "DB_PASSWORD": PASSWORD,
    "SERVICE_PASSWORD": "s$cret pass",
    "TRANSPORT_URL": "rabbit://u:p@rabbit:5672/",
}
# Runs main() with the pod's folders moved under a temporary root, whichever Python runs it.
PROGRAM = """
import json, os, sys
sys.path[:0] = [os.environ["POD_DIR"], os.environ["HOOKS_DIR"]]
import init_config as m
root = os.environ["ROOT"]
m.SOURCE, m.SECRETS, m.TARGET = (root + p for p in (m.SOURCE, m.SECRETS, m.TARGET))
sys.exit(m.main(json.loads(os.environ["POD_ENV"])))
"""


@pytest.fixture(params=["python3.11", "python3.9"])
def python(request: pytest.FixtureRequest) -> str:
    """Each interpreter the script must run on."""
    if request.param == "python3.9":
        return str(py39.ensure())
    return str(ROOT / ".venv" / "bin" / "python")


def lay_out(root: Path, custom: str) -> None:
    """The config Secret and one customServiceConfigSecret, as the pod mounts them."""
    source = root / "var/lib/config-data/default"
    source.mkdir(parents=True)
    (source / "00-config.conf").write_text("[DEFAULT]\ndebug = false\n")
    (source / "01-custom.conf").write_text(custom)
    (source / "httpd.conf").write_text("Listen 9292\n")
    secret = root / "var/lib/config-data/secrets/00"
    secret.mkdir(parents=True)
    (secret / "swift.conf").write_text("[swift]\nkey = 1\n")


def run(python: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the init container's program."""
    return subprocess.run(
        [python, "-c", PROGRAM],
        env={
            **os.environ,
            "POD_DIR": str(ROOT / "pod"),
            "HOOKS_DIR": str(ROOT / "hooks"),
            "ROOT": str(root),
            "POD_ENV": json.dumps(env),
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_conf_d_holds_the_files_in_load_order(python: str, tmp_path: Path) -> None:
    lay_out(tmp_path, "[DEFAULT]\nworkers = 2\n")
    result = run(python, tmp_path, ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "glance.conf.d/00-config.conf",
        "glance.conf.d/01-custom.conf",
        "glance.conf.d/03-secrets.conf",
        "glance.conf.d/10-00-swift.conf",
    ]


def test_only_the_glance_user_reads_what_holds_a_secret(python: str, tmp_path: Path) -> None:
    """The passwords, the expanded custom config and the customServiceConfigSecrets' copies are
    0600."""
    lay_out(tmp_path, "[DEFAULT]\n")
    assert run(python, tmp_path, ENV).returncode == 0
    conf_d = tmp_path / "etc/glance/glance.conf.d"
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in conf_d.iterdir()}
    private = ("01-custom.conf", "03-secrets.conf", "10-00-swift.conf")
    assert {name: modes[name] for name in private} == dict.fromkeys(private, "0o600")


def test_secrets_reach_glance_as_written(python: str, tmp_path: Path) -> None:
    lay_out(tmp_path, "[DEFAULT]\n")
    assert run(python, tmp_path, ENV).returncode == 0
    conf = tmp_path / "etc/glance/glance.conf.d/03-secrets.conf"
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    # oslo.config strips the outer quotes and reads `$$` as `$`.
    password = parser["keystone_authtoken"]["password"].strip('"').replace("$$", "$")
    assert password == ENV["SERVICE_PASSWORD"]
    url = urllib.parse.urlsplit(parser["database"]["connection"].strip('"').replace("$$", "$"))
    assert url.hostname == "fd00::5" and url.port == 3306 and url.path == "/glance"
    # The password's UTF-8 bytes, which PyMySQL sends as Latin-1 characters.
    sent = urllib.parse.unquote(url.password or "")
    assert sent.encode("latin-1").decode("utf-8") == PASSWORD
    assert "read_default_file=/etc/my.cnf" in url.query


def test_the_memcached_secret_key_reaches_keystonemiddleware(python: str, tmp_path: Path) -> None:
    """With a security strategy, keystonemiddleware reads its key from 03-secrets.conf."""
    lay_out(tmp_path, "[DEFAULT]\n")
    key = "k$y=with 'quotes'"
    assert run(python, tmp_path, {**ENV, "MEMCACHE_SECRET_KEY": key}).returncode == 0
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "etc/glance/glance.conf.d/03-secrets.conf")
    written = parser["keystone_authtoken"]["memcache_secret_key"]
    assert written.strip('"').replace("$$", "$") == key


def test_secret_template_variables_are_filled_at_start(python: str, tmp_path: Path) -> None:
    custom = "[swift]\npassword = {{ .ServicePassword }}\nconnection = {{.DatabaseConnection}}\n"
    lay_out(tmp_path, custom)
    assert run(python, tmp_path, ENV).returncode == 0
    written = (tmp_path / "etc/glance/glance.conf.d/01-custom.conf").read_text()
    assert "password = s$$cret pass\n" in written
    assert "connection = mysql+pymysql://glance:" in written
    assert "{{" not in written


def test_an_unknown_template_variable_stops_the_pod(python: str, tmp_path: Path) -> None:
    lay_out(tmp_path, "[swift]\nkey = {{ .Nothing }}\n")
    result = run(python, tmp_path, ENV)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "01-custom.conf: unknown template variable {{ .Nothing }}"
    )


def test_an_application_credential_replaces_the_service_password(
    python: str, tmp_path: Path
) -> None:
    """With APPLICATION_CREDENTIAL_* (and no SERVICE_PASSWORD), both Keystone sections get the
    credential and no password, and the custom config gets its template variables."""
    env = {k: v for k, v in ENV.items() if k != "SERVICE_PASSWORD"}
    env.update(APPLICATION_CREDENTIAL_ID="0a1b", APPLICATION_CREDENTIAL_SECRET="s$cr#t '")
    lay_out(
        tmp_path,
        "[swift]\nswift_store_application_credential_id = {{ .ApplicationCredentialID }}\n"
        "swift_store_application_credential_secret = {{ .ApplicationCredentialSecret }}\n",
    )
    result = run(python, tmp_path, env)
    assert result.returncode == 0, result.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "etc/glance/glance.conf.d/03-secrets.conf")
    for section in ("keystone_authtoken", "oslo_limit"):
        read = {k: v.strip('"').replace("$$", "$") for k, v in parser[section].items()}
        assert read == {
            "application_credential_id": "0a1b",
            "application_credential_secret": "s$cr#t '",
        }
    written = (tmp_path / "etc/glance/glance.conf.d/01-custom.conf").read_text()
    assert "swift_store_application_credential_id = 0a1b\n" in written
    assert "swift_store_application_credential_secret = s$$cr#t '\n" in written


def test_without_a_service_password_its_variable_stops_the_pod(python: str, tmp_path: Path) -> None:
    """A pod with an application credential has no service password to fill in."""
    env = {k: v for k, v in ENV.items() if k != "SERVICE_PASSWORD"}
    env.update(APPLICATION_CREDENTIAL_ID="0a1b", APPLICATION_CREDENTIAL_SECRET="s")
    lay_out(tmp_path, "[swift]\nkey = {{ .ServicePassword }}\n")
    result = run(python, tmp_path, env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "01-custom.conf: unknown template variable {{ .ServicePassword }}"
    )


def test_a_pod_without_a_login_gets_its_database_alone(python: str, tmp_path: Path) -> None:
    """The CronJobs' init container gets the database password only: 03-secrets.conf holds the
    database connection and no Keystone section, and a login's template variables are empty
    (a store the customServiceConfig logs in to is not used there)."""
    env = {k: v for k, v in ENV.items() if k.startswith("DB_")}
    lay_out(
        tmp_path, "[swift]\nkey = {{ .ServicePassword }}\nid = {{ .ApplicationCredentialID }}\n"
    )
    result = run(python, tmp_path, env)
    assert result.returncode == 0, result.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "etc/glance/glance.conf.d/03-secrets.conf")
    assert parser.sections() == ["database"]
    written = (tmp_path / "etc/glance/glance.conf.d/01-custom.conf").read_text()
    assert written == "[swift]\nkey = \nid = \n"
