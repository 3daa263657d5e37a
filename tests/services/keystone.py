"""A throwaway Keystone (PyPI keystone) under gunicorn on loopback (http, or https only),
backed by a test MariaDB."""

from __future__ import annotations

import dataclasses
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.services import (
    HOST,
    ServiceError,
    free_port,
    run_checked,
    scrubbed_env,
    start_process,
    stop_process,
    tail,
    venv_bin,
    wait_for,
)
from tests.services.mariadb import MariaDB, ServerTLS

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_PATH = "/v3/auth/tokens"
DB_NAME = "keystone"
DB_USER = "keystone"
DB_PASSWORD = "keystone-db-secret"


@dataclasses.dataclass(frozen=True)
class Request:
    """One request Keystone served."""

    method: str
    path: str
    status: int

    @property
    def is_write(self) -> bool:
        """Tell whether it changed Keystone (logins are not writes)."""
        return self.method in WRITE_METHODS and not self.path.rstrip("/").endswith(TOKEN_PATH)


class Keystone:
    """Keystone with a fernet setup in a temp dir, bootstrapped with an admin and RegionOne."""

    def __init__(
        self,
        db: MariaDB,
        admin_password: str,
        region: str = "RegionOne",
        threads: int = 4,
        workdir: Path | None = None,
        list_limit: int | None = None,
        db_name: str = DB_NAME,
        tls: ServerTLS | None = None,
    ) -> None:
        """Prepare paths and the port; nothing runs until start().

        list_limit sets [DEFAULT] list_limit: every list answers at most that many items.
        db_name lets a second Keystone share the MariaDB. With tls Keystone serves https only,
        and this class verifies it against tls.ca.
        """
        self.db = db
        self.list_limit = list_limit
        self.db_name = db_name
        self.admin_password = admin_password
        self.region = region
        self.threads = threads
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="keystone-"))
        self.confdir = self.workdir / "etc"
        self.conf = self.confdir / "keystone.conf"
        self.log = self.workdir / "keystone.log"
        self.request_log = self.workdir / "requests.log"
        self.port = free_port()
        self.tls = tls
        self._context = None if tls is None else ssl.create_default_context(cafile=str(tls.ca))
        self.url = f"{'http' if tls is None else 'https'}://{HOST}:{self.port}"
        self.auth_url = f"{self.url}/v3"
        self.process: subprocess.Popen[bytes] | None = None
        self._token: str | None = None

    # setup

    def _write_config(self) -> None:
        """Write keystone.conf pointing at the test MariaDB and the temp key repositories."""
        for sub in ("fernet-keys", "credential-keys"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        self.confdir.mkdir(parents=True, exist_ok=True)
        connection = self.db.url(DB_USER, DB_PASSWORD, self.db_name)
        self.conf.write_text(
            "[DEFAULT]\n"
            + (f"list_limit = {self.list_limit}\n" if self.list_limit else "")
            + "debug = false\n"
            "use_stderr = true\n"
            "[database]\n"
            f"connection = {connection}\n"
            "[token]\n"
            "provider = fernet\n"
            "[fernet_tokens]\n"
            f"key_repository = {self.workdir / 'fernet-keys'}\n"
            "[fernet_receipts]\n"
            f"key_repository = {self.workdir / 'fernet-keys'}\n"
            "[credential]\n"
            f"key_repository = {self.workdir / 'credential-keys'}\n"
            "[identity]\n"
            # Cheap hashing keeps the many logins of the tests fast.
            "password_hash_rounds = 4\n"
            # One process (threads) shares this in-memory cache, so it never goes stale; without
            # it every request spends a quarter of a second validating its token.
            "[cache]\n"
            "enabled = true\n"
            "backend = dogpile.cache.memory\n"
        )

    def _write_keys(self) -> None:
        """What fernet_setup and credential_setup leave: a staged key (0) and a primary one (1)
        in each repository, written here instead of by two more keystone-manage processes."""
        for sub in ("fernet-keys", "credential-keys"):
            for index in (0, 1):
                key = self.workdir / sub / str(index)
                key.write_bytes(Fernet.generate_key())
                key.chmod(0o600)

    def _manage(self, *args: str) -> None:
        """Run keystone-manage with the test config."""
        run_checked(
            [venv_bin("keystone-manage"), "--config-file", str(self.conf), *args],
            f"keystone-manage {args[0]}",
            env=scrubbed_env(),
        )

    def setup(self) -> Keystone:
        """Create the database, the schema, the key repositories and the bootstrap data."""
        self.db.create_database(self.db_name, DB_USER, DB_PASSWORD)
        self._write_config()
        self._manage("db_sync")
        self._write_keys()
        self._manage(
            "bootstrap",
            "--bootstrap-password", self.admin_password,
            "--bootstrap-username", "admin",
            "--bootstrap-project-name", "admin",
            "--bootstrap-role-name", "admin",
            "--bootstrap-service-name", "keystone",
            "--bootstrap-region-id", self.region,
            "--bootstrap-admin-url", self.auth_url,
            "--bootstrap-public-url", self.auth_url,
            "--bootstrap-internal-url", self.auth_url,
        )  # fmt: skip
        return self

    def setup_copy(self, source: Keystone) -> Keystone:
        """Serve a copy of another Keystone's database (its users, projects, roles and
        catalog) with keys of its own, its identity endpoints at this Keystone's URL: a second
        Keystone in seconds, where setup() takes half a minute."""
        self.db.copy_database(source.db_name, self.db_name)
        self.db.query(f"GRANT ALL PRIVILEGES ON `{self.db_name}`.* TO %s@'%%'", [DB_USER])
        self._write_config()
        self._write_keys()
        self.db.query(
            "UPDATE endpoint SET url = %s WHERE service_id IN"
            " (SELECT id FROM service WHERE type = 'identity')",
            [self.auth_url],
            database=self.db_name,
        )
        return self

    # process

    def start(self, timeout: float = 120.0) -> Keystone:
        """Start gunicorn serving Keystone and wait until it answers."""
        if not self.conf.exists():
            self.setup()
        env = scrubbed_env(
            OS_KEYSTONE_CONFIG_DIR=str(self.confdir),
            KEYSTONE_REQUEST_LOG=str(self.request_log),
        )
        self.process = start_process(
            [
                sys.executable, "-m", "gunicorn",
                "--bind", f"{HOST}:{self.port}",
                "--workers", "1",
                "--worker-class", "gthread",
                "--threads", str(self.threads),
                "--timeout", "120",
                "--graceful-timeout", "5",
                "--no-control-socket",
                *(
                    []
                    if self.tls is None
                    else ["--certfile", str(self.tls.cert), "--keyfile", str(self.tls.key)]
                ),
                # Its own folder: tests/services/keystone.py would shadow the keystone package.
                "--pythonpath", str(Path(__file__).parent / "wsgi"),
                "keystone_app:application",
            ],
            self.log,
            env=env,
        )  # fmt: skip
        try:
            wait_for(self._answers, timeout, "keystone", interval=0.25)
            # The answer's log line is written after the answer: let it land before any mark().
            wait_for(lambda: self.mark() > 0, 10, "keystone request log")
        except Exception:
            self.stop()
            raise
        return self

    def _answers(self) -> bool:
        """Tell whether Keystone answers its version document (and has not died)."""
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"keystone exited ({self.process.returncode}):\n{tail(self.log)}")
        try:
            with urllib.request.urlopen(
                self.auth_url, timeout=2, context=self._context
            ) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """Stop gunicorn and remove the temp dir when it is ours."""
        stop_process(self.process, timeout=30)
        self.process = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # the hooks' view

    def admin_env(self, **extra: str) -> dict[str, str]:
        """Return the admin settings a registration Job gets."""
        env = {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": "admin",
            "OS_PASSWORD": self.admin_password,
            "OS_PROJECT_NAME": "admin",
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": self.region,
            "OS_INTERFACE": "internal",
        }
        env.update(extra)
        return env

    # request log

    def mark(self) -> int:
        """Return a position in the request log; requests_since() reads from there."""
        try:
            return self.request_log.stat().st_size
        except FileNotFoundError:
            return 0

    def requests_since(self, mark: int) -> list[Request]:
        """Return the requests Keystone served since mark."""
        try:
            with open(self.request_log, "rb") as handle:
                handle.seek(mark)
                data = handle.read().decode()
        except FileNotFoundError:
            return []
        found = []
        for line in data.splitlines():
            method, path, status = line.split(" ")
            found.append(Request(method, path, int(status)))
        return found

    # inspection, as the admin

    def token(
        self,
        user: str = "admin",
        password: str | None = None,
        project: str | None = "admin",
        user_id: str | None = None,
    ) -> str:
        """Log in and return a token (raises urllib.error.HTTPError on refusal)."""
        identity: dict[str, Any] = {"password": password or self.admin_password}
        if user_id:
            identity["id"] = user_id
        else:
            identity.update(name=user, domain={"name": "Default"})
        auth: dict[str, Any] = {
            "identity": {"methods": ["password"], "password": {"user": identity}}
        }
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
        request = urllib.request.Request(
            f"{self.auth_url}/auth/tokens",
            data=json.dumps({"auth": auth}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30, context=self._context) as response:
            return str(response.headers["X-Subject-Token"])

    def api(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        """Call the v3 API as the admin and return the decoded body."""
        if self._token is None:
            self._token = self.token()
        url = f"{self.auth_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(
            url,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-Auth-Token": self._token, "Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=30, context=self._context) as response:
            data = response.read()
        return json.loads(data) if data else None

    def get(self, path: str, key: str, **params: str) -> list[dict[str, Any]]:
        """List a collection as the admin."""
        return list(self.api("GET", path, **params)[key])

    def __enter__(self) -> Keystone:
        """Start on entering a with block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a with block."""
        self.stop()
