"""A throwaway MariaDB server (Debian's mariadb-server) on loopback, in a temporary directory."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import urllib.parse
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

INSTALL_HINT = "MariaDB is not installed: `make test` installs it (Debian package mariadb-server)"


def find_program(*names: str) -> str:
    """Return the first of names found on PATH or in /usr/sbin, or raise with the install hint."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
        if found:
            return found
    raise ServiceError(f"{INSTALL_HINT} (looked for {', '.join(names)})")


@dataclasses.dataclass(frozen=True)
class ServerTLS:
    """The files of a server's TLS: the CA bundle its clients verify it with, and its own
    certificate and key."""

    ca: Path
    cert: Path
    key: Path


class MariaDB:
    """One mariadbd process with its own datadir, socket and port, run as root."""

    def __init__(
        self,
        root_password: str,
        workdir: Path | None = None,
        tls: ServerTLS | None = None,
        client: tuple[Path, Path] | None = None,
    ) -> None:
        """Prepare paths; nothing runs until start(). With tls the server also takes TLS
        connections, and those of connect() are TLS, verified against tls.ca, presenting the
        certificate and key of client when given (for accounts that REQUIRE X509)."""
        self.root_password = root_password
        self.tls = tls
        self.client = client
        self.mariadbd = find_program("mariadbd", "mysqld")
        self.install_db = find_program("mariadb-install-db", "mysql_install_db")
        self._own_workdir = workdir is None
        # tmpfs keeps the many DDL statements of the migrations fast when available.
        parent = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="mariadb-", dir=parent))
        self.datadir = self.workdir / "data"
        self.socket = self.workdir / "mariadb.sock"
        self.log = self.workdir / "mariadbd.log"
        self.host = HOST
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> MariaDB:
        """Initialise the datadir, start the server and set the root password."""
        if not self.datadir.exists():
            run_checked(
                [
                    self.install_db,
                    "--no-defaults",
                    f"--datadir={self.datadir}",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    "--skip-name-resolve",
                ],
                "mariadb-install-db",
            )
            fresh = True
        else:
            fresh = False
        self.port = self.port or free_port()
        self.process = start_process(
            [
                self.mariadbd,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                f"--pid-file={self.workdir / 'mariadbd.pid'}",
                f"--port={self.port}",
                f"--bind-address={self.host}",
                "--user=root",
                "--skip-name-resolve",
                "--skip-log-bin",
                f"--tmpdir={self.workdir}",
                "--innodb-buffer-pool-size=64M",
                "--innodb-log-file-size=16M",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-flush-method=fsync",
                "--innodb-doublewrite=0",
                "--max-connections=200",
                "--character-set-server=utf8mb4",
                *self._tls_options(),
            ],
            self.log,
        )
        try:
            wait_for(self._socket_ready, timeout, "mariadbd")
            if fresh:
                self._secure_root()
        except Exception:
            self.stop()
            raise
        return self

    def _tls_options(self) -> list[str]:
        """mariadbd's options for TLS, when the server has it."""
        if self.tls is None:
            return []
        return [
            f"--ssl-ca={self.tls.ca}",
            f"--ssl-cert={self.tls.cert}",
            f"--ssl-key={self.tls.key}",
        ]

    def require_secure_transport(self, required: bool) -> None:
        """Refuse (or take again) every TCP connection that is not TLS, from now on."""
        self.query(f"SET GLOBAL require_secure_transport = {'ON' if required else 'OFF'}")

    @property
    def ssl(self) -> dict[str, str] | None:
        """PyMySQL's ssl argument for a TLS connection verified against the CA (with the
        client certificate), when the server has TLS."""
        if self.tls is None:
            return None
        files = {"ca": str(self.tls.ca)}
        if self.client is not None:
            files.update(cert=str(self.client[0]), key=str(self.client[1]))
        return files

    def _socket_ready(self) -> bool:
        """Tell whether the server answers on its socket (and has not died)."""
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"mariadbd exited ({self.process.returncode}):\n{tail(self.log)}")
        try:
            self._socket_connect(password="" if not self._secured else self.root_password).close()
        except Exception:
            return False
        return True

    _secured = False

    def _socket_connect(self, password: str) -> Any:
        """Open a root connection through the unix socket."""
        import pymysql

        return pymysql.connect(
            unix_socket=str(self.socket), user="root", password=password, autocommit=True
        )

    def _secure_root(self) -> None:
        """Give root a password and let it log in over TCP from loopback."""
        conn = self._socket_connect(password="")
        try:
            with conn.cursor() as cur:
                # mariadb-install-db also makes password-less root@127.0.0.1, root@::1 and
                # root@<hostname>; they would shadow root@'%' for TCP logins.
                cur.execute(
                    "SELECT Host FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'"
                )
                for (host,) in cur.fetchall():
                    cur.execute("DROP USER 'root'@%s", [host])
                cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY %s", [self.root_password])
                cur.execute("CREATE USER 'root'@'%%' IDENTIFIED BY %s", [self.root_password])
                cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION")
        finally:
            conn.close()
        self._secured = True

    def connect(
        self, user: str = "root", password: str | None = None, database: str | None = None
    ) -> Any:
        """Open a TCP connection (root with its password by default)."""
        import pymysql

        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=user,
            password=self.root_password if password is None else password,
            database=database,
            autocommit=True,
            connect_timeout=10,
            ssl=self.ssl,
        )

    def query(self, sql: str, args: Any = None, database: str | None = None) -> list[tuple]:
        """Run one statement as root and return its rows."""
        conn = self.connect(database=database)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())
        finally:
            conn.close()

    def create_database(
        self, name: str, user: str | None = None, password: str | None = None
    ) -> None:
        """Create a database, and an account with ALL on it when user is given."""
        self.query(f"CREATE DATABASE IF NOT EXISTS `{name}`")
        if user is not None:
            self.query("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", [user, password])
            self.query(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@'%%'", [user])

    def url(self, user: str, password: str, database: str) -> str:
        """The SQLAlchemy URL Glance connects with, as that account (over TLS when the server
        has it)."""
        quoted = urllib.parse.quote(password, safe="")
        query = "charset=utf8" + (f"&ssl_ca={self.tls.ca}" if self.tls else "")
        return f"mysql+pymysql://{user}:{quoted}@{self.host}:{self.port}/{database}?{query}"

    def alembic_heads(self, database: str) -> set[str]:
        """The revisions in a database's alembic_version table (Glance's schema level)."""
        return {
            row[0]
            for row in self.query("SELECT version_num FROM alembic_version", database=database)
        }

    def copy_database(self, source: str, target: str) -> None:
        """Make `target` (dropped first) a copy of `source`: every table as SHOW CREATE TABLE
        gives it (keys and foreign keys included) and its rows."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{target}`")
                cur.execute(f"CREATE DATABASE `{target}`")
                cur.execute(f"SHOW FULL TABLES FROM `{source}` WHERE Table_type = 'BASE TABLE'")
                tables = [row[0] for row in cur.fetchall()]
                cur.execute("SET SESSION foreign_key_checks = 0")
                # The DDL names tables without their database: it runs in the copy.
                cur.execute(f"USE `{target}`")
                for table in tables:
                    cur.execute(f"SHOW CREATE TABLE `{source}`.`{table}`")
                    ((_, ddl),) = cur.fetchall()
                    cur.execute(ddl)
                    cur.execute(f"INSERT INTO `{table}` SELECT * FROM `{source}`.`{table}`")
                constraints = (
                    "SELECT CONSTRAINT_TYPE, COUNT(*) FROM information_schema.TABLE_CONSTRAINTS"
                    " WHERE CONSTRAINT_SCHEMA = %s GROUP BY CONSTRAINT_TYPE ORDER BY 1"
                )
                cur.execute(constraints, [source])
                expected = cur.fetchall()
                cur.execute(constraints, [target])
                if cur.fetchall() != expected:
                    raise ServiceError(f"copy of database {source} lacks some of its constraints")
        finally:
            conn.close()

    def drop(self, database: str | None = None, user: str | None = None) -> None:
        """Drop a database and/or an account if they exist."""
        if database:
            self.query(f"DROP DATABASE IF EXISTS `{database}`")
        if user:
            self.query("DROP USER IF EXISTS %s@'%%'", [user])

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM) and remove its directory."""
        stop_process(self.process, timeout=60)
        self.process = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def pause(self) -> None:
        """Stop the server but keep its data, so that start() brings it back."""
        stop_process(self.process, timeout=60)
        self.process = None

    def __enter__(self) -> MariaDB:
        """Start on entering a with block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a with block."""
        self.stop()
