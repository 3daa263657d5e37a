"""Write /etc/glance/glance.conf.d for the Glance processes of this pod (its init container).

Copies the generated files of the config Secret in their order, expands the secret template
variables of 01-custom.conf, writes 03-secrets.conf with the passwords, and copies the keys of
the customServiceConfigSecrets, in list order, as 10-<n>-<key>.conf. Passwords come from the
environment (the user's Secret) and never from a manifest. What holds a secret (01-custom.conf,
03-secrets.conf and the customServiceConfigSecrets' files) only the glance user may read.

Environment:
  DB_HOST, DB_PORT, DB_NAME, DB_USER   where Glance's database is, and its account
  DB_PASSWORD                          that account's password
  SERVICE_PASSWORD                     the Glance service user's Keystone password (absent
                                       when the pod has an application credential)
  APPLICATION_CREDENTIAL_ID            the ID and secret of the Keystone application
  APPLICATION_CREDENTIAL_SECRET        credential Glance logs in with instead (optional)
  TRANSPORT_URL                        notifications transport URL (optional)
  MEMCACHE_SECRET_KEY                  the key keystonemiddleware signs or encrypts the tokens
                                       it caches in memcached with (optional)

A pod whose Glance only uses its database (the CronJobs) gets neither a password of Keystone
nor an application credential: its configuration has no Keystone login, and the template
variables of one are empty there.

Runs on the image's Python 3.9 with the standard library and dburl.py (mounted beside it).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from typing import Optional

import dburl

SOURCE = "/var/lib/config-data/default"
SECRETS = "/var/lib/config-data/secrets"
TARGET = "/etc/glance/glance.conf.d"
CUSTOM = "01-custom.conf"
MY_CNF = "/etc/my.cnf"
# `{{ .Name }}` as the operator writes its template variables (the chart fills the others).
VARIABLE = re.compile(r"\{\{-?\s*\.([A-Za-z0-9_]+)\s*-?\}\}")
# The variables of a Keystone login.
LOGIN_VARIABLES = ("ServicePassword", "ApplicationCredentialID", "ApplicationCredentialSecret")


def ini(value: str) -> str:
    """Quote a value for oslo.config: outer quotes are stripped, `$` starts a substitution."""
    escaped = value.replace("$", "$$")
    return f'"{escaped}"'


def database_connection(env: Mapping[str, str]) -> str:
    """The SQLAlchemy URL of Glance's database, with my.cnf for the client settings."""
    url = dburl.database_url(
        env["DB_USER"], env["DB_PASSWORD"], env["DB_HOST"], int(env["DB_PORT"]), env["DB_NAME"]
    )
    return url + ("&" if "?" in url else "?") + "read_default_file=" + MY_CNF


def application_credential(env: Mapping[str, str]) -> Optional[tuple[str, str]]:
    """The ID and secret of the pod's application credential, or None when it has none."""
    if "APPLICATION_CREDENTIAL_ID" not in env:
        return None
    return env["APPLICATION_CREDENTIAL_ID"], env["APPLICATION_CREDENTIAL_SECRET"]


def secret_variables(env: Mapping[str, str]) -> dict[str, str]:
    """The template variables that hold secrets, by name: the service password or the
    application credential, whichever the pod has; both empty in a pod without a login."""
    found = {
        "DatabaseConnection": database_connection(env),
        "TransportURL": env.get("TRANSPORT_URL", ""),
    }
    credential = application_credential(env)
    if credential:
        found["ApplicationCredentialID"], found["ApplicationCredentialSecret"] = credential
    elif "SERVICE_PASSWORD" in env:
        found["ServicePassword"] = env["SERVICE_PASSWORD"]
    else:
        found.update(dict.fromkeys(LOGIN_VARIABLES, ""))
    return found


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Fill the secret template variables; `$` is doubled, as oslo.config reads it."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in variables:
            raise SystemExit(f"{CUSTOM}: unknown template variable {match.group(0)}")
        return variables[name].replace("$", "$$")

    return VARIABLE.sub(value, text)


def login(env: Mapping[str, str]) -> list[str]:
    """The options of the pod's Keystone login: the application credential, else the service
    password; none in a pod without either."""
    credential = application_credential(env)
    if credential:
        return [
            "application_credential_id = " + ini(credential[0]),
            "application_credential_secret = " + ini(credential[1]),
        ]
    if "SERVICE_PASSWORD" in env:
        return ["password = " + ini(env["SERVICE_PASSWORD"])]
    return []


def secrets_conf(env: Mapping[str, str]) -> str:
    """03-secrets.conf: every password the pod's Glance needs (or the application credential
    instead of the service password) and the memcached secret key, read from the environment."""
    lines = [
        "# Written at run time by init_config.py; not in any manifest.",
        "[database]",
        "connection = " + ini(database_connection(env)),
    ]
    options = login(env)
    cache = []
    if env.get("MEMCACHE_SECRET_KEY"):
        cache = ["memcache_secret_key = " + ini(env["MEMCACHE_SECRET_KEY"])]
    if options or cache:
        lines += ["", "[keystone_authtoken]", *options, *cache]
    if options:
        lines += ["", "[oslo_limit]", *options]
    if env.get("TRANSPORT_URL"):
        lines += [
            "",
            "[oslo_messaging_notifications]",
            "transport_url = " + ini(env["TRANSPORT_URL"]),
        ]
    return "\n".join(lines) + "\n"


def write_private(path: str, text: str) -> None:
    """Write a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def main(env: Mapping[str, str] = os.environ) -> int:
    """Lay out glance.conf.d and list what it holds."""
    os.makedirs(TARGET, exist_ok=True)
    for name in sorted(os.listdir(SOURCE)):
        if not (name[:2].isdigit() and name.endswith(".conf")):
            continue
        source, target = os.path.join(SOURCE, name), os.path.join(TARGET, name)
        if name == CUSTOM:
            with open(source) as custom:
                write_private(target, expand(custom.read(), secret_variables(env)))
        else:
            shutil.copyfile(source, target)
    write_private(os.path.join(TARGET, "03-secrets.conf"), secrets_conf(env))
    if os.path.isdir(SECRETS):
        for folder in sorted(os.listdir(SECRETS)):
            base = os.path.join(SECRETS, folder)
            for key in sorted(os.listdir(base)):
                source = os.path.join(base, key)
                if key.startswith(".") or not os.path.isfile(source):
                    continue
                stem = key[:-5] if key.endswith(".conf") else key
                with open(source) as secret:
                    write_private(os.path.join(TARGET, f"10-{folder}-{stem}.conf"), secret.read())
    for name in sorted(os.listdir(TARGET)):
        print("glance.conf.d/" + name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
