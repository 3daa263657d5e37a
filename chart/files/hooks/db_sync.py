"""Prepare Glance's database: wait for the server, create it if asked, migrate, load metadefs.

Migrations follow Glance's rolling upgrade. This is its expand phase, run before install,
upgrade and rollback while the old pods still serve: a database without Glance's tables gets
`glance-manage db sync` (nothing serves on it yet); otherwise `db expand` then `db migrate`,
which add to the schema what the new Glance needs and leave what the old one uses. A database
whose schema a newer Glance has already contracted is refused: this Glance cannot run on it.
The contract phase is db_contract.py's, after the upgrade. A database already at the heads this
Glance's migrations end at, with the namespace of every metadata definition file loaded, needs
no glance-manage (installed_glance.py reads both from the image's files); that is what every
unchanged sync meets.

Environment:
  DB_HOST               database server host (required)
  DB_PORT               database server port (default 3306)
  DB_NAME               database name (required)
  DB_USER               account Glance uses (required)
  DB_PASSWORD           that account's password (required)
  DB_PASSWORD_KEY       Secret key DB_PASSWORD comes from, named in errors (optional)
                        (passwords may hold any character: the account gets their UTF-8 form,
                        which is also what Glance's database URL makes PyMySQL send)
  DB_CREATE             "true" to create the database and account and grant it ALL (default false)
  DB_ROOT_USER          account that creates them (default root)
  DB_ROOT_PASSWORD      its password (required when DB_CREATE is true)
  DB_ROOT_PASSWORD_KEY  Secret key DB_ROOT_PASSWORD comes from, named in errors (optional)
  DB_WAIT_SECONDS       how long to wait for the server to answer (default 300)
  GLANCE_MANAGE         glance-manage command (default glance-manage)
  GLANCE_CONFIG_DIR     passed as --config-dir (default /etc/glance/glance.conf.d; empty: none)
  DB_TLS_CA             CA bundle file: every connection is TLS, the server's certificate and
                        host name verified against it (optional)
  DB_TLS_CERT           client certificate and key files presented to the server (optional,
  DB_TLS_KEY            both or neither, and only with DB_TLS_CA)

The database URL reaches glance-manage as OS_DATABASE__CONNECTION in its environment, never on
its command line or in a log line; glance-manage gets neither password variable. Exit codes: 0
done, 1 failure, 2 bad configuration. Runs on Python 3.9 with PyMySQL and the standard library.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import shlex
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import dburl
import hooklib
import installed_glance

HOOK = "db_sync"
ACCOUNT_HOST = "%"

# MariaDB/MySQL error numbers.
ER_DBACCESS_DENIED = 1044
ER_ACCESS_DENIED = 1045
ER_BAD_DB = 1049
ER_TABLEACCESS_DENIED = 1142
ER_SPECIFIC_ACCESS_DENIED = 1227
ER_CANT_CREATE_USER_WITH_GRANT = 1410
# Errors that mean "not reachable yet": worth waiting for.
RETRIABLE_ERRORS = frozenset(
    {
        1040,  # too many connections
        1053,  # server shutdown in progress
        1205,  # lock wait timeout
        2002,  # can't connect through socket
        2003,  # can't connect to server
        2005,  # unknown host (DNS not ready yet)
        2006,  # server has gone away
        2013,  # lost connection during query
    }
)

UP_TO_DATE = "Database is up to date"
# What alembic says when the database holds a revision this Glance's migrations lack.
UNKNOWN_REVISION = re.compile(r"Can't locate revision identified by '([^']+)'")
LABELS = {
    "DB_CREATE": "database.create",
    "DB_WAIT_SECONDS": "database.waitSeconds",
    "DB_TLS_CA": "database.tls.caBundleSecretName",
    "DB_TLS_CERT": "database.tls.clientCertSecretName",
    "DB_TLS_KEY": "database.tls.clientCertSecretName",
}
# PyMySQL's ssl keys of the files each variable names.
TLS_FILES = {"DB_TLS_CA": "ca", "DB_TLS_CERT": "cert", "DB_TLS_KEY": "key"}
# The variables that hold passwords: kept out of every log line and of glance-manage's
# environment.
SECRET_VARIABLES = ("DB_PASSWORD", "DB_ROOT_PASSWORD")


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    host: str
    port: int
    name: str
    user: str
    password: str
    create: bool = False
    root_user: str = "root"
    root_password: str = ""
    wait_seconds: int = 300
    glance_manage: tuple[str, ...] = ("glance-manage",)
    config_dir: Optional[str] = "/etc/glance/glance.conf.d"
    password_key: str = "DB_PASSWORD"
    root_password_key: str = "DB_ROOT_PASSWORD"
    wait_label: str = "DB_WAIT_SECONDS"
    tls: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ, LABELS)
        create = env.flag("DB_CREATE", False)
        name = env.text("DB_NAME", required=True)
        if len(name) > 64 or "\x00" in name or name.endswith(" "):
            raise hooklib.ConfigError(f"DB_NAME is not a valid database name: {name!r}")
        user = env.text("DB_USER", required=True)
        if len(user) > 80:
            raise hooklib.ConfigError("DB_USER is longer than 80 characters")
        command = env.text("GLANCE_MANAGE", "glance-manage")
        try:
            glance_manage = tuple(shlex.split(command))
        except ValueError as exc:
            raise hooklib.ConfigError(f"GLANCE_MANAGE cannot be parsed: {exc}") from None
        config_dir: Optional[str] = "/etc/glance/glance.conf.d"
        if "GLANCE_CONFIG_DIR" in environ:
            config_dir = env.raw("GLANCE_CONFIG_DIR")
        passwords = {}
        for variable, required in (("DB_PASSWORD", True), ("DB_ROOT_PASSWORD", create)):
            passwords[variable] = env.secret(variable, required=required)
            try:
                dburl.password_bytes(passwords[variable])
            except ValueError as exc:
                raise hooklib.ConfigError(f"the password in {env.label(variable)} {exc}") from None
        return cls(
            tls=tls_files(env),
            host=env.text("DB_HOST", required=True),
            port=env.integer("DB_PORT", 3306, minimum=1, maximum=65535),
            name=name,
            user=user,
            password=passwords["DB_PASSWORD"],
            create=create,
            root_user=env.text("DB_ROOT_USER", "root"),
            root_password=passwords["DB_ROOT_PASSWORD"],
            wait_seconds=env.integer("DB_WAIT_SECONDS", 300),
            glance_manage=glance_manage or ("glance-manage",),
            config_dir=config_dir,
            password_key=env.label("DB_PASSWORD"),
            root_password_key=env.label("DB_ROOT_PASSWORD"),
            wait_label=env.label("DB_WAIT_SECONDS"),
        )

    @property
    def address(self) -> str:
        """Return host:port for messages."""
        return f"{self.host}:{self.port}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the values that must never appear in a log line."""
        return tuple(s for s in (self.password, self.root_password) if s)


def tls_files(env: hooklib.Env) -> dict[str, str]:
    """PyMySQL's ssl files from DB_TLS_*; ConfigError for a file that is missing, or a client
    certificate without its key or without a CA bundle."""
    files = {}
    for variable, key in TLS_FILES.items():
        path = env.raw(variable)
        if path is None:
            continue
        if not os.path.isfile(path):
            raise hooklib.ConfigError(f"{env.label(variable)}: no such file {path!r}")
        files[key] = path
    if ("cert" in files) != ("key" in files):
        raise hooklib.ConfigError("DB_TLS_CERT and DB_TLS_KEY are given together or not at all")
    if files and "ca" not in files:
        raise hooklib.ConfigError("a client certificate (DB_TLS_CERT) needs DB_TLS_CA")
    return files


# -- pure helpers ---------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """Quote a database name for SQL, doubling any backtick."""
    return "`" + name.replace("`", "``") + "`"


def error_code(exc: BaseException) -> Optional[int]:
    """Return the MariaDB error number carried by a PyMySQL error, if any."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def is_retriable(exc: BaseException) -> bool:
    """Tell whether an error means the server is not reachable yet."""
    if isinstance(exc, OSError):  # socket-level errors PyMySQL did not wrap
        return True
    return error_code(exc) in RETRIABLE_ERRORS


def tls_failure(exc: BaseException) -> str:
    """The TLS error under a PyMySQL connection error (a certificate not verified, say), or ''
    when there is none: no wait makes it go away."""
    cause = getattr(exc, "original_exception", exc)
    return str(cause) if isinstance(cause, ssl.SSLError) else ""


def error_text(exc: BaseException) -> str:
    """Return the server's message of a PyMySQL error, or the error itself."""
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        return f"({args[0]}) {args[1]}"
    return str(exc) or type(exc).__name__


def grants_cover(grants: Sequence[str], database: str) -> bool:
    """Tell whether SHOW GRANTS lines give ALL PRIVILEGES on the database (or on everything)."""
    targets = {
        "*.*",
        f"{quote_identifier(database)}.*",
        f"{database}.*",
    }
    for line in grants:
        text = line.strip()
        if not text.upper().startswith("GRANT ALL PRIVILEGES ON "):
            continue
        target = text[len("GRANT ALL PRIVILEGES ON ") :].split(" TO ", 1)[0].strip()
        if target in targets:
            return True
    return False


def manage_command(config: Config, *action: str) -> list[str]:
    """Build a glance-manage command line (which never carries a secret)."""
    command = list(config.glance_manage)
    if config.config_dir:
        command += ["--config-dir", config.config_dir]
    return command + list(action)


def manage_env(config: Config, base: Mapping[str, str]) -> dict[str, str]:
    """Build glance-manage's environment: the hook's own without the passwords, and the
    database URL (Glance's account only) for oslo.config."""
    env = {name: value for name, value in base.items() if name not in SECRET_VARIABLES}
    env["OS_DATABASE__CONNECTION"] = dburl.database_url(
        config.user, config.password, config.host, config.port, config.name, config.tls
    )
    return env


def explain_manage_failure(config: Config, output: Sequence[str]) -> str:
    """Turn glance-manage's output into a one-line reason."""
    text = "\n".join(output)
    if f"({ER_TABLEACCESS_DENIED}," in text or "command denied to user" in text:
        return (
            f"user {config.user!r} lacks privileges on database {config.name!r} at "
            f"{config.address}: grant it ALL on {config.name}.*"
        )
    if f"({ER_ACCESS_DENIED}," in text:
        return access_denied(config, config.user, config.password_key)
    # The last exception line of a traceback says why; oslo.log prefixes every line of it.
    texts = [OSLO_LOG_PREFIX.sub("", line).strip() for line in output]
    texts = [t for t in texts if t and not t.startswith("(Background on this error")]
    errors = [t for t in texts if EXCEPTION_LINE.match(t)]
    return (errors or texts or ["no output"])[-1]


def access_denied(config: Config, user: str, key: str) -> str:
    """Explain a refused login."""
    return (
        f"database at {config.address} refused user {user!r} (access denied): the password in "
        f"{key} is wrong, or the account does not exist"
    )


def no_grants(config: Config) -> str:
    """Explain an account that may not use the database."""
    return (
        f"user {config.user!r} has no privileges on database {config.name!r} at "
        f"{config.address}: grant it ALL on {config.name}.* or set database.create: true"
    )


# -- database access ------------------------------------------------------------------------

Connect = Callable[[str, str, Optional[str]], Any]


def pymysql_connector(config: Config) -> Connect:
    """Return a function that opens a PyMySQL connection as (user, password, database)."""
    import pymysql  # imported here so that importing this module needs only the stdlib

    def connect(user: str, password: str, database: Optional[str]) -> Any:
        """Open one connection."""
        return pymysql.connect(
            host=config.host,
            port=config.port,
            user=user,
            password=dburl.password_bytes(password),
            database=database,
            connect_timeout=10,
            read_timeout=120,
            write_timeout=120,
            charset="utf8mb4",
            autocommit=True,
            # Given a CA, PyMySQL verifies the server's certificate and host name.
            ssl=dict(config.tls) or None,
        )

    return connect


def wait_for_server(
    config: Config,
    connect: Connect,
    log: logging.Logger,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Connect as the account that does the work, waiting (bounded) while the server is down."""
    if config.create:
        user, password, database, key = (
            config.root_user,
            config.root_password,
            None,
            config.root_password_key,
        )
    else:
        user, password, database, key = (
            config.user,
            config.password,
            config.name,
            config.password_key,
        )
    last = [""]

    def attempt() -> Any:
        try:
            conn = connect(user, password, database)
        except Exception as exc:
            code = error_code(exc)
            if code == ER_ACCESS_DENIED:
                raise hooklib.HookError(access_denied(config, user, key)) from None
            if code == ER_DBACCESS_DENIED:
                raise hooklib.HookError(no_grants(config)) from None
            if code == ER_BAD_DB:
                raise hooklib.HookError(
                    f"database {config.name!r} does not exist at {config.address}: "
                    "create it or set database.create: true"
                ) from None
            if tls_failure(exc):
                raise hooklib.HookError(
                    f"no TLS connection to the database at {config.address}: {tls_failure(exc)} "
                    "(database.tls: the CA bundle must sign the server's certificate, which "
                    f"must name {config.host})"
                ) from None
            if not is_retriable(exc):
                raise hooklib.HookError(
                    f"cannot use the database at {config.address} as {user!r}: {error_text(exc)}"
                ) from None
            if not last[0]:
                log.info(
                    "waiting up to %d s for the database at %s (%s)",
                    config.wait_seconds,
                    config.address,
                    error_text(exc),
                )
            last[0] = error_text(exc)
            return None
        log.info("database at %s answers (as %s)", config.address, user)
        return conn

    def expired() -> str:
        return (
            f"database at {config.address} did not answer within {config.wait_seconds} s, "
            f"the bound set by {config.wait_label}; last error: {last[0]}"
        )

    delays = hooklib.backoff_delays(initial=0.5, maximum=10.0)
    return hooklib.poll(attempt, expired, config.wait_seconds, delays, clock, sleep)


def query(conn: Any, sql: str, args: Optional[Sequence[Any]] = None) -> list[tuple[Any, ...]]:
    """Run one statement and return its rows."""
    with conn.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def ensure_database(conn: Any, config: Config, log: logging.Logger) -> bool:
    """Create the database unless it exists; return whether it was created."""
    rows = query(
        conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [config.name]
    )
    if rows:
        log.info("unchanged: database %s", config.name)
        return False
    query(
        conn,
        f"CREATE DATABASE IF NOT EXISTS {quote_identifier(config.name)} "
        "CHARACTER SET utf8 COLLATE utf8_general_ci",
    )
    log.info("created database %s", config.name)
    return True


def ensure_account(conn: Any, config: Config, connect: Connect, log: logging.Logger) -> bool:
    """Create the account or fix its password when it does not log in; return whether changed."""
    rows = query(
        conn,
        "SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s",
        [config.user, ACCOUNT_HOST],
    )
    if not rows or not rows[0][0]:
        query(
            conn,
            "CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
            [config.user, ACCOUNT_HOST, config.password],
        )
        log.info("created account %s@'%s'", config.user, ACCOUNT_HOST)
        return True
    if password_works(config, connect):
        log.info("unchanged: account %s@'%s'", config.user, ACCOUNT_HOST)
        return False
    query(conn, "ALTER USER %s@%s IDENTIFIED BY %s", [config.user, ACCOUNT_HOST, config.password])
    log.info("updated password of account %s@'%s'", config.user, ACCOUNT_HOST)
    return True


def password_works(config: Config, connect: Connect) -> bool:
    """Tell whether the account logs in with the configured password."""
    try:
        connect(config.user, config.password, None).close()
    except Exception as exc:
        if error_code(exc) == ER_ACCESS_DENIED:
            return False
        raise
    return True


def ensure_grants(conn: Any, config: Config, log: logging.Logger) -> bool:
    """Grant the account ALL on the database unless it has it; return whether changed."""
    grants = [row[0] for row in query(conn, "SHOW GRANTS FOR %s@%s", [config.user, ACCOUNT_HOST])]
    if grants_cover(grants, config.name):
        log.info("unchanged: %s has ALL on %s", config.user, config.name)
        return False
    query(
        conn,
        f"GRANT ALL PRIVILEGES ON {quote_identifier(config.name)}.* TO %s@%s",
        [config.user, ACCOUNT_HOST],
    )
    log.info("granted ALL on %s to %s@'%s'", config.name, config.user, ACCOUNT_HOST)
    return True


def provision(conn: Any, config: Config, connect: Connect, log: logging.Logger) -> list[str]:
    """Create the database and account with the root connection; return what changed."""
    changed: list[str] = []
    try:
        if ensure_database(conn, config, log):
            changed.append("database")
        if ensure_account(conn, config, connect, log):
            changed.append("account")
        if ensure_grants(conn, config, log):
            changed.append("grants")
    except Exception as exc:
        code = error_code(exc)
        if code in (
            ER_DBACCESS_DENIED,
            ER_ACCESS_DENIED,
            ER_SPECIFIC_ACCESS_DENIED,
            ER_TABLEACCESS_DENIED,
            ER_CANT_CREATE_USER_WITH_GRANT,
        ):
            raise hooklib.HookError(
                f"{config.root_user!r} may not create database {config.name!r} or account "
                f"{config.user!r} at {config.address}: {error_text(exc)}"
            ) from None
        raise
    # The account must now reach its database.
    try:
        connect(config.user, config.password, config.name).close()
    except Exception as exc:
        code = error_code(exc)
        if code == ER_ACCESS_DENIED:
            raise hooklib.HookError(
                access_denied(config, config.user, config.password_key)
            ) from None
        if code == ER_DBACCESS_DENIED:
            raise hooklib.HookError(no_grants(config)) from None
        raise
    return changed


# -- glance-manage ---------------------------------------------------------------------------

# oslo.log's default line: "2026-01-01 00:00:00.000 123 INFO some.logger [-] message".
OSLO_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \d+ "
    r"(?P<level>[A-Z]+) (?P<logger>\S+) \[[^\]]*\] ?(?P<message>.*)$"
)
# The same prefix on the lines of a logged traceback, which have no "[-]".
OSLO_LOG_PREFIX = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \d+ [A-Z]+ \S+ (?:\[[^\]]*\] ?)?"
)
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Failure|Exit)\b.*: ")
NOTICE_LEVELS = ("WARNING", "ERROR", "CRITICAL")


def parse_manage_line(line: str) -> tuple[Optional[str], str]:
    """Split a glance-manage output line into (oslo.log level or None for plain output, text)."""
    match = OSLO_LOG_LINE.match(line)
    if match is None:
        return None, line
    return match.group("level"), match.group("message")


@dataclasses.dataclass
class ManageResult:
    """Exit status and output lines of one glance-manage run."""

    returncode: int
    output: list[str]

    def messages(self) -> list[tuple[Optional[str], str]]:
        """Return the output as (level, text) pairs."""
        return [parse_manage_line(line) for line in self.output]


Manage = Callable[[Config, Sequence[str]], ManageResult]
Relay = Callable[[Optional[str], str], bool]


def relay_migrations(level: Optional[str], text: str) -> bool:
    """Pass on plain output, problems and the migrations being applied."""
    return level is None or level in NOTICE_LEVELS or text.startswith("Running upgrade")


def relay_problems(level: Optional[str], text: str) -> bool:
    """Pass on problems only."""
    return level in NOTICE_LEVELS


def run_manage(
    config: Config,
    action: Sequence[str],
    log: Optional[logging.Logger] = None,
    relay: Optional[Relay] = None,
) -> ManageResult:
    """Run glance-manage with the database URL in its environment, relaying what matters."""
    if relay is None:
        relay = relay_problems if "load_metadefs" in action else relay_migrations
    command = manage_command(config, *action)
    env = manage_env(config, os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")  # library deprecation notices are not news here
    try:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except FileNotFoundError:
        raise hooklib.ConfigError(f"GLANCE_MANAGE: {config.glance_manage[0]!r} not found") from None
    except PermissionError:
        raise hooklib.ConfigError(
            f"GLANCE_MANAGE: {config.glance_manage[0]!r} is not executable"
        ) from None
    output: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = hooklib.redact(raw.rstrip("\n"), config.secrets)
        if not line.strip():
            continue
        output.append(line)
        level, text = parse_manage_line(line)
        if log is not None and relay(level, text):
            log.log(
                logging.WARNING if level in NOTICE_LEVELS else logging.INFO,
                "glance-manage %s: %s",
                " ".join(action),
                text,
            )
    return ManageResult(process.wait(), output)


def current_heads(conn: Any, config: Config) -> set[str]:
    """The revisions in the database's alembic_version table (empty: no Glance tables yet)."""
    present = query(
        conn,
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_NAME = 'alembic_version'",
        [config.name],
    )
    if not present:
        return set()
    rows = query(conn, f"SELECT version_num FROM {quote_identifier(config.name)}.alembic_version")
    return {row[0] for row in rows}


@functools.cache
def glance_package(glance_manage: tuple[str, ...]) -> Optional[Path]:
    """The glance package glance-manage runs, when it runs on this interpreter (looked up once
    per run: both the schema and the definitions checks need it)."""
    return installed_glance.package(glance_manage)


def settled_heads(config: Config) -> Optional[set[str]]:
    """What alembic_version holds once this Glance has migrated and contracted: read from its
    migration scripts when glance-manage runs on this interpreter, else None."""
    glance = glance_package(config.glance_manage)
    return installed_glance.migrated_heads(glance) if glance else None


def metadefs_present(config: Config, conn: Any) -> bool:
    """Whether every definition file glance-manage would load is in the database already
    (load_metadefs skips those); False when that cannot be told without glance-manage."""
    if glance_package(config.glance_manage) is None:
        return False
    path = installed_glance.metadefs_path(config.config_dir)
    wanted = installed_glance.metadef_namespaces(path) if path else None
    if not wanted:
        return False
    table = f"{quote_identifier(config.name)}.metadef_namespaces"
    try:
        present = {row[0] for row in query(conn, f"SELECT namespace FROM {table}")}
    except Exception:
        return False
    return wanted <= present


def manage_step(config: Config, manage: Manage, action: str) -> ManageResult:
    """Run `glance-manage db <action>`; HookError with the reason when it fails for a reason
    other than a revision it does not know."""
    result = manage(config, ["db", action])
    if result.returncode != 0 and not UNKNOWN_REVISION.search("\n".join(result.output)):
        raise hooklib.HookError(
            f"glance-manage db {action} failed (exit {result.returncode}): "
            f"{explain_manage_failure(config, result.output)}"
        )
    return result


def newer_revision(result: ManageResult) -> Optional[str]:
    """The revision of a newer Glance that glance-manage did not find, if that is why it failed."""
    match = UNKNOWN_REVISION.search("\n".join(result.output))
    return match.group(1) if result.returncode != 0 and match else None


def up_to_date(result: ManageResult) -> bool:
    """Whether glance-manage found the schema at its head already."""
    return any(UP_TO_DATE in text for _, text in result.messages())


def expand_schema(config: Config, conn: Any, manage: Manage, log: logging.Logger) -> bool:
    """The expand phase; return whether the schema changed. HookError when a newer Glance has
    contracted the schema (this Glance would break on it)."""
    heads = current_heads(conn, config)
    if not heads:
        manage_step(config, manage, "sync")
        log.info("created the schema of %s (no Glance serves on it yet)", config.name)
        return True
    if heads == settled_heads(config):
        log.info("unchanged: schema of %s already at head, nothing to do", config.name)
        return False
    expand = manage_step(config, manage, "expand")
    newer = newer_revision(expand)
    if newer and "contract" in newer:
        raise hooklib.HookError(
            f"the schema of {config.name} was contracted by a newer Glance (revision {newer}), "
            "which this Glance cannot run on: a rollback past a finished upgrade needs the "
            "database backup taken before it. Upgrade forward to the newer containerImage "
            "instead, or restore that backup first"
        )
    if newer:
        log.info(
            "unchanged: a newer Glance expanded %s (revision %s) and has not contracted it; "
            "this Glance runs on it as it is",
            config.name,
            newer,
        )
        return False
    if up_to_date(expand):
        log.info("unchanged: schema of %s already at head, nothing to do", config.name)
        return False
    migrate = manage_step(config, manage, "migrate")
    if all(any("is up to date" in text for _, text in r.messages()) for r in (expand, migrate)):
        log.info("unchanged: schema of %s expanded already, waiting for its contract", config.name)
        return False
    log.info(
        "expanded the schema of %s and migrated its data; the old pods keep serving until the "
        "contract phase",
        config.name,
    )
    return True


def count_metadefs(result: ManageResult) -> tuple[int, int]:
    """Count namespaces load_metadefs loaded and those it skipped as already present."""
    loaded = skipped = 0
    for _, text in result.messages():
        if text.endswith("loaded to database."):
            loaded += 1
        elif text.startswith("Skipping namespace"):
            skipped += 1
    return loaded, skipped


def load_metadefs(config: Config, conn: Any, manage: Manage, log: logging.Logger) -> bool:
    """Run glance-manage db load_metadefs (it keeps what is loaded) unless every definition is
    loaded already; return whether it added any."""
    if metadefs_present(config, conn):
        log.info("unchanged: metadata definitions (every namespace already present)")
        return False
    result = manage(config, ["db", "load_metadefs"])
    # It logs a missing or unreadable folder of definitions as an error and still exits 0.
    problems = [text for level, text in result.messages() if level in ("ERROR", "CRITICAL")]
    if result.returncode != 0 or problems:
        reason = problems[0] if problems else explain_manage_failure(config, result.output)
        raise hooklib.HookError(
            f"glance-manage db load_metadefs failed (exit {result.returncode}): {reason}"
        )
    loaded, skipped = count_metadefs(result)
    if loaded:
        log.info("loaded %d metadata definition namespace(s), %d already present", loaded, skipped)
    else:
        log.info("unchanged: metadata definitions (%d namespace(s) already present)", skipped)
    return loaded > 0


# -- entry points ---------------------------------------------------------------------------


def run(
    config: Config,
    conn: Any,
    log: Optional[logging.Logger] = None,
    connect: Optional[Connect] = None,
    manage: Optional[Manage] = None,
) -> list[str]:
    """Run the expand phase on an open connection; return what changed."""
    log = log or logging.getLogger(HOOK)
    connect = connect or pymysql_connector(config)
    manage = manage or functools.partial(run_manage, log=log)
    changed = provision(conn, config, connect, log) if config.create else []
    if expand_schema(config, conn, manage, log):
        changed.append("schema")
    if load_metadefs(config, conn, manage, log):
        changed.append("metadefs")
    return changed


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, wait for the server, do the work."""
        config = Config.from_env(environ)
        started = time.monotonic()
        connect = pymysql_connector(config)
        conn = wait_for_server(config, connect, log)
        try:
            changed = run(config, conn, log=log, connect=connect)
        finally:
            conn.close()
        log.info(
            "done: expand phase of database %s at %s; changed: %s; %.1f s",
            config.name,
            config.address,
            ", ".join(changed) or "nothing",
            time.monotonic() - started,
        )
        return hooklib.EXIT_OK

    def secrets() -> tuple[str, ...]:
        """Return the passwords to keep out of error lines."""
        return tuple(environ.get(name, "") for name in SECRET_VARIABLES)

    return hooklib.run_main(HOOK, body, secrets)


if __name__ == "__main__":
    sys.exit(main())
