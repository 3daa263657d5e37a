"""Contract Glance's database once no older Glance serves on it: the last phase of a rolling
upgrade, after install and upgrade (db_sync.py runs the expand phase before them).

Waits until every API StatefulSet of the release runs only pods of its latest template, all
ready, then runs `glance-manage db contract`, which drops what only older Glance releases used.
A database already at the heads this Glance's migrations end at needs no glance-manage (nothing
to do after an install, or when the Glance release did not change).

Environment:
  DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_PASSWORD_KEY, DB_WAIT_SECONDS,
  GLANCE_MANAGE, GLANCE_CONFIG_DIR       as db_sync.py reads them (the database is never created
                                         here)
  STATEFULSETS          JSON list of the API StatefulSets to wait for (default [])
  NAMESPACE             their namespace (required when STATEFULSETS is not empty)
  ROLLOUT_WAIT_SECONDS  how long to wait for them (default 600)
  KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE  the API server (see kubeclient.py)

Exit codes: 0 done, 1 failure, 2 bad configuration. Runs on Python 3.9 with PyMySQL and the
standard library.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import db_sync
import hooklib
import kubeclient

HOOK = "db_contract"


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment: the database, and the StatefulSets to wait for."""

    database: db_sync.Config
    statefulsets: tuple[str, ...] = ()
    namespace: str = ""
    access: Optional[kubeclient.Access] = None
    rollout_wait_seconds: int = 600

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ, db_sync.LABELS)
        if env.flag("DB_CREATE", False):
            raise hooklib.ConfigError("DB_CREATE is for db_sync.py: the contract creates nothing")
        statefulsets = tuple(kubeclient.names(env.text("STATEFULSETS", "[]"), "STATEFULSETS"))
        return cls(
            database=db_sync.Config.from_env(environ),
            statefulsets=statefulsets,
            namespace=env.text("NAMESPACE", required=bool(statefulsets)),
            access=kubeclient.Access.from_env(environ) if statefulsets else None,
            rollout_wait_seconds=env.integer("ROLLOUT_WAIT_SECONDS", 600, maximum=86400),
        )


def contract_schema(
    config: db_sync.Config, conn: Any, manage: db_sync.Manage, log: logging.Logger
) -> bool:
    """`db contract` unless the schema is at this Glance's heads; return whether it changed."""
    if db_sync.current_heads(conn, config) == db_sync.settled_heads(config):
        log.info("unchanged: schema of %s already contracted, nothing to do", config.name)
        return False
    result = db_sync.manage_step(config, manage, "contract")
    newer = db_sync.newer_revision(result)
    if newer:
        raise hooklib.HookError(
            f"the schema of {config.name} holds revision {newer} of a newer Glance: this "
            "release's containerImage is older than the one that migrated it"
        )
    if db_sync.up_to_date(result):
        log.info("unchanged: schema of %s already contracted, nothing to do", config.name)
        return False
    log.info("contracted the schema of %s: no old Glance serves on it any more", config.name)
    return True


def run(
    config: Config,
    conn: Any,
    log: Optional[logging.Logger] = None,
    manage: Optional[db_sync.Manage] = None,
) -> list[str]:
    """Wait for the rollout, then contract on an open connection; return what changed."""
    log = log or logging.getLogger(HOOK)
    manage = manage or functools.partial(db_sync.run_manage, log=log)
    if config.statefulsets:
        assert config.access is not None
        kube = kubeclient.Kubernetes(config.access)
        kubeclient.wait_rolled(
            kube, config.namespace, config.statefulsets, config.rollout_wait_seconds, log
        )
    return ["schema"] if contract_schema(config.database, conn, manage, log) else []


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, wait for the server, do the work."""
        config = Config.from_env(environ)
        database = config.database
        started = time.monotonic()
        conn = db_sync.wait_for_server(database, db_sync.pymysql_connector(database), log)
        try:
            changed = run(config, conn, log=log)
        finally:
            conn.close()
        log.info(
            "done: contract phase of database %s at %s; changed: %s; %.1f s",
            database.name,
            database.address,
            ", ".join(changed) or "nothing",
            time.monotonic() - started,
        )
        return hooklib.EXIT_OK

    return hooklib.run_main(HOOK, body, lambda: (environ.get("DB_PASSWORD", ""),))


if __name__ == "__main__":
    sys.exit(main())
