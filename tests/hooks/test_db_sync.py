"""db_sync.py: fast tests of its helpers with fakes, then against a real MariaDB."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import db_sync
import dburl
import hooklib
import pymysql
import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from tests.hooks.helpers import GLANCE_MANAGE, PASSWORD, HookRun, calls, counting_glance_manage
from tests.services import free_port, glance26
from tests.services.mariadb import MariaDB
from tests.services.tcpproxy import TcpProxy

BASE_ENV = {
    "DB_HOST": "db.test",
    "DB_NAME": "glance",
    "DB_USER": "glance",
    "DB_PASSWORD": "secret",
}


# -- configuration ---------------------------------------------------------------------------


def test_config_defaults() -> None:
    """Unset settings take the documented defaults."""
    config = db_sync.Config.from_env(BASE_ENV)
    assert config.port == 3306
    assert config.create is False
    assert config.root_user == "root"
    assert config.wait_seconds == 300
    assert config.glance_manage == ("glance-manage",)
    assert config.config_dir == "/etc/glance/glance.conf.d"


def test_config_empty_config_dir_means_none() -> None:
    """GLANCE_CONFIG_DIR set but empty passes no --config-dir."""
    config = db_sync.Config.from_env(dict(BASE_ENV, GLANCE_CONFIG_DIR=""))
    assert config.config_dir is None
    assert "--config-dir" not in db_sync.manage_command(config, "db", "sync")


def test_config_keeps_password_blanks() -> None:
    """A password is taken verbatim, blanks included."""
    config = db_sync.Config.from_env(dict(BASE_ENV, DB_PASSWORD=" x "))
    assert config.password == " x "


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DB_HOST": ""}, "DB_HOST is required"),
        ({"DB_PASSWORD": ""}, "DB_PASSWORD is required"),
        ({"DB_PORT": "mysql"}, "DB_PORT must be an integer"),
        ({"DB_PORT": "70000"}, "DB_PORT must be at least 1 and at most 65535"),
        ({"DB_CREATE": "true"}, "DB_ROOT_PASSWORD is required"),
        ({"DB_NAME": "x" * 65}, "DB_NAME is not a valid database name"),
        ({"GLANCE_MANAGE": "'unclosed"}, "GLANCE_MANAGE cannot be parsed"),
        (
            {"DB_CREATE": "maybe"},
            "database.create (DB_CREATE) must be true or false, got 'maybe'",
        ),
        (
            {"DB_WAIT_SECONDS": "soon"},
            "database.waitSeconds (DB_WAIT_SECONDS) must be an integer, got 'soon'",
        ),
        (
            {"DB_PASSWORD": "caf\udce9", "DB_PASSWORD_KEY": "osp/GlanceDatabasePassword"},
            "the password in Secret key osp/GlanceDatabasePassword (DB_PASSWORD) is not UTF-8 "
            "text; store the password in the Secret as UTF-8",
        ),
    ],
)
def test_bad_config_exits_2(
    change: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting stops the hook before connecting: exit 2, one line naming it."""
    assert db_sync.main(environ=dict(BASE_ENV, **change)) == hooklib.EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert "hook=db_sync level=error bad configuration:" in lines[0]
    assert message in lines[0]


def test_missing_glance_manage_exits_2(
    mariadb: MariaDB, db_env: Callable[..., dict[str, str]], run_db_hook: Any
) -> None:
    """A GLANCE_MANAGE that does not exist is a configuration error."""
    run = run_db_hook(db_env("nomanage", GLANCE_MANAGE="/nonexistent/glance-manage"))
    assert run.returncode == 2, run.stderr
    assert "GLANCE_MANAGE: '/nonexistent/glance-manage' not found" in run.errors[0]


# -- pure helpers ----------------------------------------------------------------------------


def test_database_url_round_trips_awkward_password() -> None:
    """User and password are URL-encoded so SQLAlchemy reads back exactly what was given."""
    url = dburl.database_url("gl@nce", PASSWORD, "db.svc", 3307, "glance")
    assert url.startswith("mysql+pymysql://gl%40nce:")
    assert url.endswith("@db.svc:3307/glance?charset=utf8")
    parsed = make_url(url)
    assert (parsed.username, parsed.password) == ("gl@nce", PASSWORD)
    assert (parsed.host, parsed.port, parsed.database) == ("db.svc", 3307, "glance")
    assert parsed.query == {"charset": "utf8"}
    split = urllib.parse.urlsplit(url)
    assert urllib.parse.unquote(split.password or "") == PASSWORD


def test_database_url_ipv6_host() -> None:
    """An IPv6 address is bracketed."""
    assert "@[fd00::1]:3306/" in dburl.database_url("g", "p", "fd00::1", 3306, "glance")


@pytest.mark.parametrize("password", ["é", "✓", "密"])
def test_database_url_makes_pymysql_send_utf8(password: str) -> None:
    """PyMySQL encodes the URL's password as Latin-1: that gives the password's UTF-8 bytes."""
    url = make_url(dburl.database_url("g", password, "h", 1, "glance"))
    assert url.password.encode("latin-1") == password.encode("utf-8")


def test_url_goes_through_environment_only() -> None:
    """The password reaches glance-manage in its environment, never on its command line."""
    config = db_sync.Config(host="h", port=1, name="glance", user="u", password=PASSWORD)
    command = db_sync.manage_command(config, "db", "sync")
    assert not any(PASSWORD in part or "mysql" in part for part in command)
    env = db_sync.manage_env(config, {"PATH": "/bin"})
    assert make_url(env["OS_DATABASE__CONNECTION"]).password == PASSWORD


@pytest.mark.parametrize(
    ("grants", "covered"),
    [
        (["GRANT USAGE ON *.* TO `glance`@`%`"], False),
        (
            [
                "GRANT USAGE ON *.* TO `glance`@`%`",
                "GRANT ALL PRIVILEGES ON `glance`.* TO `glance`@`%`",
            ],
            True,
        ),
        (["GRANT ALL PRIVILEGES ON `other`.* TO `glance`@`%`"], False),
        (["GRANT SELECT, INSERT ON `glance`.* TO `glance`@`%`"], False),
        (["GRANT ALL PRIVILEGES ON *.* TO `root`@`%` WITH GRANT OPTION"], True),
    ],
)
def test_grants_cover(grants: list[str], covered: bool) -> None:
    """SHOW GRANTS lines are read for ALL on the database or on everything."""
    assert db_sync.grants_cover(grants, "glance") is covered


def test_quote_identifier() -> None:
    """Backticks in a name are doubled."""
    assert db_sync.quote_identifier("we`ird") == "`we``ird`"


def test_error_classification() -> None:
    """Connection failures are worth waiting for; refusals are not."""
    assert db_sync.is_retriable(pymysql.err.OperationalError(2003, "Can't connect"))
    assert db_sync.is_retriable(ConnectionRefusedError(111, "refused"))
    assert not db_sync.is_retriable(pymysql.err.OperationalError(1045, "Access denied"))
    assert not db_sync.is_retriable(pymysql.err.OperationalError(1044, "Access denied to db"))


def test_parse_manage_line() -> None:
    """oslo.log lines are split into level and message; plain output has no level."""
    line = "2026-11-24 16:19:26.980 13170 INFO alembic.runtime.migration [-] Running upgrade  -> a"
    assert db_sync.parse_manage_line(line) == ("INFO", "Running upgrade  -> a")
    assert db_sync.parse_manage_line("Database is synced successfully.") == (
        None,
        "Database is synced successfully.",
    )


def test_explain_manage_failure() -> None:
    """glance-manage's output becomes one actionable line."""
    config = db_sync.Config(host="h", port=1, name="glance", user="u", password="p")
    denied = ['pymysql.err.OperationalError: (1142, "CREATE command denied to user")']
    assert "lacks privileges on database 'glance'" in db_sync.explain_manage_failure(config, denied)
    assert db_sync.explain_manage_failure(config, ["a", "b", ""]) == "b"
    stamp = "2026-12-01 19:56:59.176 32619 ERROR glance"
    traceback = [
        f"{stamp} [-] Unhandled error",
        f"{stamp} Traceback (most recent call last):",
        f"{stamp}     raise errorclass(errno, errval, sqlstate=sqlstate)",
        f"{stamp} sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) "
        "(2003, \"Can't connect to MySQL server on 'h'\")",
        f"{stamp} (Background on this error at: https://sqlalche.me/e/21/e3q8)",
        f"{stamp} ",
    ]
    assert db_sync.explain_manage_failure(config, traceback) == (
        "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) "
        "(2003, \"Can't connect to MySQL server on 'h'\")"
    )


class FakeClock:
    """A clock that advances only when slept on."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        """Return the fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time."""
        self.sleeps.append(seconds)
        self.now += seconds


def failing_connect(*errors: Exception) -> Callable[[str, str, Any], Any]:
    """A connect function raising the given errors in turn, then succeeding."""
    queue = list(errors)

    def connect(user: str, password: str, database: Any) -> Any:
        if queue:
            raise queue.pop(0)
        return object()

    return connect


def test_wait_retries_connection_errors_with_backoff() -> None:
    """Connection errors are retried with growing delays until the server answers."""
    config = db_sync.Config(
        host="h", port=1, name="glance", user="u", password="p", wait_seconds=60
    )
    clock = FakeClock()
    refused = pymysql.err.OperationalError(2003, "Can't connect")
    connect = failing_connect(refused, refused, refused)
    db_sync.wait_for_server(config, connect, logging.getLogger("t"), clock.time, clock.sleep)
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2]


def test_wait_gives_up_at_the_bound() -> None:
    """Past DB_WAIT_SECONDS the hook fails, saying so."""
    config = db_sync.Config(host="h", port=1, name="glance", user="u", password="p", wait_seconds=5)
    clock = FakeClock()
    refused = pymysql.err.OperationalError(2003, "Can't connect to MySQL server")
    with pytest.raises(hooklib.HookError, match=r"database at h:1 did not answer within 5 s"):
        db_sync.wait_for_server(
            config,
            failing_connect(*[refused] * 100),
            logging.getLogger("t"),
            clock.time,
            clock.sleep,
        )
    assert clock.now <= 5.0 + 1e-6


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ((1045, "Access denied"), "refused user 'u' (access denied): the password in K is wrong"),
        ((1044, "Access denied to database"), "user 'u' has no privileges on database 'glance'"),
        ((1049, "Unknown database"), "database 'glance' does not exist"),
    ],
)
def test_wait_does_not_retry_refusals(error: tuple[int, str], message: str) -> None:
    """A refused login is reported at once, not waited on."""
    config = db_sync.Config(
        host="h", port=1, name="glance", user="u", password="p", password_key="K"
    )
    clock = FakeClock()
    with pytest.raises(hooklib.HookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        db_sync.wait_for_server(
            config,
            failing_connect(pymysql.err.OperationalError(*error)),
            logging.getLogger("t"),
            clock.time,
            clock.sleep,
        )
    assert clock.sleeps == []


# -- the real MariaDB ------------------------------------------------------------------------


def assert_ok(run: HookRun) -> None:
    """Fail with the hook's log when it did not exit 0."""
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stderr}"


def test_empty_server_to_head_then_nothing_to_do(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    glance_head: str,
    tmp_path: Path,
) -> None:
    """On an empty server: database, account and schema at Glance's head; rerun changes nothing."""
    mariadb.drop(database="glance", user="glance")
    manage = counting_glance_manage(tmp_path)
    env = db_env("glance", GLANCE_MANAGE=str(manage))
    first = run_db_hook(env)
    assert_ok(first)
    assert calls(manage) == ["db sync", "db load_metadefs"]
    assert mariadb.query("SELECT version_num FROM alembic_version", database="glance") == [
        (glance_head,)
    ]
    [(namespaces,)] = mariadb.query("SELECT COUNT(*) FROM metadef_namespaces", database="glance")
    assert namespaces > 0
    assert any("created database glance" in line for line in first.lines)
    assert any(
        "created the schema of glance (no Glance serves on it yet)" in line for line in first.lines
    )
    assert "changed: database, account, grants, schema, metadefs" in first.lines[-1]
    # The account logs in with the awkward password (it went through URL encoding intact).
    mariadb.connect(user="glance", password=PASSWORD, database="glance").close()
    for text in (first.stdout, first.stderr):
        assert PASSWORD not in text
        assert urllib.parse.quote(PASSWORD, safe="") not in text
    # glance-manage gets the database URL, and neither password variable of the hook.
    environ = json.loads((tmp_path / "environ").read_text())
    assert {"DB_PASSWORD", "DB_ROOT_PASSWORD"} & set(environ) == set()
    assert [name for name, value in environ.items() if PASSWORD in value] == []
    assert "OS_DATABASE__CONNECTION" in environ

    second = run_db_hook(env)
    assert_ok(second)
    assert any("already at head, nothing to do" in line for line in second.lines)
    assert "changed: nothing" in second.lines[-1]
    assert mariadb.query("SELECT COUNT(*) FROM metadef_namespaces", database="glance") == [
        (namespaces,)
    ]


def test_existing_database_without_create(
    mariadb: MariaDB, db_env: Callable[..., dict[str, str]], run_db_hook: Any, glance_head: str
) -> None:
    """With DB_CREATE false the hook only migrates a database someone else made."""
    mariadb.drop(database="precreated", user="precreated")
    mariadb.create_database("precreated", "precreated", PASSWORD)
    run = run_db_hook(db_env("precreated", DB_CREATE="false", DB_ROOT_PASSWORD=""))
    assert_ok(run)
    assert mariadb.query("SELECT version_num FROM alembic_version", database="precreated") == [
        (glance_head,)
    ]


def test_account_password_is_fixed(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    migrated: Callable[[str], None],
) -> None:
    """DB_CREATE with an account whose password differs: the password is set, nothing else."""
    migrated("fixpw")
    mariadb.create_database("fixpw", "fixpw", "an-older-password")
    run = run_db_hook(db_env("fixpw"))
    assert_ok(run)
    assert any("updated password of account fixpw" in line for line in run.lines)
    assert not any("created account" in line for line in run.lines)
    assert "changed: account" in run.lines[-1]
    mariadb.connect(user="fixpw", password=PASSWORD, database="fixpw").close()


def test_database_down_waits_then_fails(
    db_env: Callable[..., dict[str, str]], run_db_hook: Any
) -> None:
    """Nothing listens: the hook waits DB_WAIT_SECONDS, then exits 1 with one line."""
    port = free_port()
    run = run_db_hook(db_env("down", DB_PORT=str(port), DB_WAIT_SECONDS="3"))
    assert run.returncode == 1, run.stderr
    assert len(run.errors) == 1, run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        f"database at 127.0.0.1:{port} did not answer within 3 s, the bound set by "
        "database.waitSeconds (DB_WAIT_SECONDS); last error: (2003) Can't connect to MySQL server "
        "on '127.0.0.1' ([Errno 111] Connection refused)"
    )
    assert 3 <= run.seconds < 20
    assert any("waiting up to 3 s for the database" in line for line in run.lines)


def test_database_late_but_within_the_bound(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    migrated: Callable[[str], None],
) -> None:
    """The server starts answering after a few seconds: the hook waits and succeeds."""
    migrated("late")
    proxy = TcpProxy(mariadb.port)
    proxy.open_after(2.0)
    try:
        run = run_db_hook(db_env("late", DB_PORT=str(proxy.port), DB_WAIT_SECONDS="60"))
    finally:
        proxy.close()
    assert_ok(run)
    assert any("waiting up to 60 s" in line for line in run.lines)


def test_wrong_password(
    mariadb: MariaDB, db_env: Callable[..., dict[str, str]], run_db_hook: Any
) -> None:
    """A wrong account password fails at once, naming the user and the Secret key."""
    mariadb.drop(database="wrongpw", user="wrongpw")
    mariadb.create_database("wrongpw", "wrongpw", PASSWORD)
    env = db_env("wrongpw", DB_CREATE="false", DB_PASSWORD="not-it", DB_WAIT_SECONDS="60")
    run = run_db_hook(env)
    assert run.returncode == 1, run.stderr
    assert len(run.errors) == 1, run.stderr
    assert "refused user 'wrongpw' (access denied)" in run.errors[0]
    assert "Secret key GlanceDatabasePassword (DB_PASSWORD) is wrong" in run.errors[0]
    assert run.seconds < 15
    assert "not-it" not in run.stderr


def test_wrong_root_password(db_env: Callable[..., dict[str, str]], run_db_hook: Any) -> None:
    """With DB_CREATE, a wrong root password is reported as such."""
    run = run_db_hook(
        db_env("wrongroot", DB_ROOT_PASSWORD="nope", DB_ROOT_PASSWORD_KEY="DbRootPassword")
    )
    assert run.returncode == 1, run.stderr
    assert "refused user 'root' (access denied)" in run.errors[0]
    assert "Secret key DbRootPassword" in run.errors[0]


def test_missing_grants(
    mariadb: MariaDB, db_env: Callable[..., dict[str, str]], run_db_hook: Any
) -> None:
    """An account without rights on the database: exit 1 naming the database and the user."""
    mariadb.drop(database="nogrants", user="nogrants")
    mariadb.query("CREATE DATABASE nogrants")
    mariadb.query("CREATE USER 'nogrants'@'%%' IDENTIFIED BY %s", [PASSWORD])
    run = run_db_hook(db_env("nogrants", DB_CREATE="false"))
    assert run.returncode == 1, run.stderr
    assert len(run.errors) == 1, run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        f"user 'nogrants' has no privileges on database 'nogrants' at "
        f"{mariadb.host}:{mariadb.port}: grant it ALL on nogrants.* or set database.create: true"
    )


SHARED_DATABASE = "passwords"


@pytest.mark.parametrize(
    "password",
    ["é", "✓", "密", 'it\'s "quoted"', "$ % @ / \\", " spaced out "],
    ids=["e-acute", "check-mark", "cjk", "quotes", "specials", "spaces"],
)
def test_any_password_works_for_the_hook_and_glance(
    password: str,
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    venv39: str,
    migrated: Callable[[str], None],
) -> None:
    """The account is created, Glance's database URL logs in (SQLAlchemy on PyMySQL, as oslo.db
    opens it), and a rerun on the images' Python 3.9 and PyMySQL 1.0 finds the password working.
    Every password's account uses one database, migrated once, so that each case costs a login,
    not a migration."""
    name = "pw_" + str(abs(hash(password)) % 10**6)
    mariadb.drop(user=name)
    if not mariadb.query("SHOW DATABASES LIKE %s", [SHARED_DATABASE]):
        migrated(SHARED_DATABASE)
    env = db_env(name, DB_PASSWORD=password, DB_NAME=SHARED_DATABASE)
    first = run_db_hook(env)
    assert_ok(first)
    assert f"created account {name}@'%'" in first.stderr
    assert (
        first.lines[-1]
        .split(" level=info ")[1]
        .startswith(f"done: expand phase of database {SHARED_DATABASE} at ")
    )
    again = run_db_hook(env, python=venv39)
    assert_ok(again)
    assert f"unchanged: account {name}@'%'" in again.stderr
    assert "changed: nothing" in again.lines[-1]
    mariadb.connect(user=name, password=password.encode(), database=SHARED_DATABASE).close()
    url = dburl.database_url(name, password, mariadb.host, mariadb.port, SHARED_DATABASE)
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT CURRENT_USER()").scalar().startswith(name)
    finally:
        engine.dispose()


@pytest.mark.parametrize("python", ["current", "py39"])
def test_failed_metadefs_load_fails_the_hook(
    python: str,
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    tmp_path: Any,
    venv39: str,
) -> None:
    """glance-manage logs a missing definitions folder and exits 0: the hook exits 1, saying so."""
    (tmp_path / "00-test.conf").write_text("[DEFAULT]\nmetadata_source_path = /nonexistent/\n")
    mariadb.drop(database="nometadefs", user="nometadefs")
    run = run_db_hook(
        db_env("nometadefs", GLANCE_CONFIG_DIR=str(tmp_path)),
        python=sys.executable if python == "current" else venv39,
    )
    assert run.returncode == 1, run.stderr
    assert run.errors == [run.lines[-1]], run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        "glance-manage db load_metadefs failed (exit 0): [Errno 2] No such file or directory: "
        "'/nonexistent/': FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/'"
    )


# -- the rolling upgrade: expand, migrate, contract -------------------------------------------

# The schema of Glance 26 (2023.1), the release of the chart's default images.
OLD_HEAD = glance26.CONTRACT_HEAD
NEW_EXPAND = "2024_1_expand01"


@pytest.fixture(scope="module")
def old_schema(mariadb: MariaDB) -> Callable[[str], None]:
    """Make a database with Glance 26's schema, as the previous release left it (a copy of one
    glance-manage upgraded to that revision once per module)."""
    template = "template_glance26"
    mariadb.drop(database=template)
    mariadb.query(f"CREATE DATABASE `{template}`")
    url = dburl.database_url("root", PASSWORD, mariadb.host, mariadb.port, template)
    result = subprocess.run(
        [str(GLANCE_MANAGE), "db", "upgrade", "--version", OLD_HEAD],
        env={**os.environ, "OS_DATABASE__CONNECTION": url, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    def make(name: str) -> None:
        mariadb.drop(user=name)
        mariadb.copy_database(template, name)
        assert mariadb.alembic_heads(name) == {OLD_HEAD}

    return make


def test_upgrade_expands_while_old_pods_serve_then_contracts(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    run_contract_hook: Any,
    glance_head: str,
    old_schema: Callable[[str], None],
) -> None:
    """Before the upgrade only what the old Glance can run on is added; after it, contract."""
    env = db_env("rolling")
    old_schema("rolling")
    expand = run_db_hook(env)
    assert_ok(expand)
    assert mariadb.alembic_heads("rolling") == {NEW_EXPAND, OLD_HEAD}
    assert mariadb.query("SHOW TABLES LIKE 'cached_images'", database="rolling")
    assert any("expanded the schema of rolling and migrated its data" in x for x in expand.lines)
    again = run_db_hook(env)
    assert_ok(again)
    assert any("expanded already, waiting for its contract" in line for line in again.lines)
    assert "changed: nothing" in again.lines[-1]

    contract = run_contract_hook(env)
    assert_ok(contract)
    assert mariadb.alembic_heads("rolling") == {glance_head}
    assert "contracted the schema of rolling: no old Glance serves on it any more" in (
        contract.stderr
    )
    assert "done: contract phase of database rolling" in contract.lines[-1]
    assert "changed: schema" in contract.lines[-1]
    second = run_contract_hook(env)
    assert_ok(second)
    assert "changed: nothing" in second.lines[-1]


def test_a_schema_a_newer_glance_contracted_is_refused_before_anything_changes(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    migrated: Callable[[str], None],
) -> None:
    """As a rollback past a finished upgrade meets it: the older Glance would break on it."""
    env = db_env("contracted")
    migrated("contracted")
    mariadb.query(
        "UPDATE alembic_version SET version_num = '2099_1_contract01'", database="contracted"
    )
    refused = run_db_hook(env)
    assert refused.returncode == 1
    assert refused.lines[-1].split(" level=error ")[1] == (
        "the schema of contracted was contracted by a newer Glance (revision 2099_1_contract01), "
        "which this Glance cannot run on: a rollback past a finished upgrade needs the database "
        "backup taken before it. Upgrade forward to the newer containerImage instead, or restore "
        "that backup first"
    )
    assert mariadb.alembic_heads("contracted") == {"2099_1_contract01"}


def test_a_schema_a_newer_glance_only_expanded_is_left_as_it_is(
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
    old_schema: Callable[[str], None],
) -> None:
    """A rollback before the contract: the older Glance runs on the expanded schema."""
    env = db_env("expanded")
    old_schema("expanded")
    mariadb.query("INSERT INTO alembic_version VALUES ('2099_1_expand01')", database="expanded")
    kept = run_db_hook(env)
    assert_ok(kept)
    assert (
        "unchanged: a newer Glance expanded expanded (revision 2099_1_expand01) and has not "
        "contracted it; this Glance runs on it as it is"
    ) in kept.stderr
    assert mariadb.alembic_heads("expanded") == {"2099_1_expand01", OLD_HEAD}
