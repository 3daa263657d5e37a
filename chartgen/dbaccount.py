"""The database account a Glance of the operator logs in with, as chart values.

The operator names a MariaDBAccount in `databaseAccount`; mariadb-operator creates the user of
that account under a generated name (`spec.userName`, `glance_<4 hex>`) and keeps its password
in the Secret the account names (`spec.secret`), key DatabasePassword. The chart takes the
user name itself, so the account's resource says what to write.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from chartgen.errors import InputError

GROUP = "mariadb.openstack.org"
KIND = "MariaDBAccount"
# The key of an account's Secret holding its password, as mariadb-operator writes it.
PASSWORD_KEY = "DatabasePassword"
DEFAULT_ACCOUNT = "glance"


@dataclass(frozen=True)
class Account:
    """A MariaDBAccount: where it came from, its name and namespace, user and Secret."""

    source: str
    name: str
    namespace: str | None
    user: str
    secret: str


def is_account(document: Any) -> bool:
    """Whether a document is a MariaDBAccount resource."""
    return (
        isinstance(document, dict)
        and document.get("kind") == KIND
        and str(document.get("apiVersion", "")).split("/")[0] == GROUP
    )


def account_of(document: dict[str, Any], source: str) -> Account:
    """One MariaDBAccount; one without a user name or Secret is refused, naming the field."""
    metadata = document.get("metadata") or {}
    name = metadata.get("name")
    spec = document.get("spec") or {}
    where = f"{source}: MariaDBAccount {name!r}"
    for field in ("userName", "secret"):
        if not isinstance(spec.get(field), str) or not spec[field]:
            raise InputError(
                f"{where}: spec.{field} is not set; give the account as mariadb-"
                "operator completed it (`kubectl get mariadbaccount <name> -o yaml`)"
            )
    namespace = metadata.get("namespace")
    return Account(source, str(name), namespace or None, spec["userName"], spec["secret"])


def check_secret(account: Account, secrets: list[tuple[dict[str, Any], str]]) -> str | None:
    """The file of the account's Secret among `secrets` (checked to hold the password), or
    None when it is not given; another Secret is refused."""
    found = None
    for secret, source in secrets:
        name = (secret.get("metadata") or {}).get("name")
        if name != account.secret:
            raise InputError(
                f"{source}: Secret {name!r} is not the Secret of MariaDBAccount"
                f" {account.name!r} ({account.secret}); give that one, or none"
            )
        keys = set(secret.get("data") or {}) | set(secret.get("stringData") or {})
        if PASSWORD_KEY not in keys:
            raise InputError(
                f"{source}: Secret {name!r} has no key {PASSWORD_KEY}, where mariadb-operator"
                f" keeps the password of MariaDBAccount {account.name!r}"
            )
        found = source
    return found


def with_account(
    spec: dict[str, Any],
    accounts: list[Account],
    secrets: list[tuple[dict[str, Any], str]],
    namespace: str | None,
    source: str,
    admitted: bool = True,
) -> tuple[dict[str, Any], list[str]]:
    """The values with the user and password Secret of the account the Glance names, and
    one warning per value set; without the account, for a Glance a cluster `admitted` (whose
    operator made the account), a warning that the user may differ."""
    name = spec.get("databaseAccount") or DEFAULT_ACCOUNT
    if not accounts:
        if secrets:
            raise InputError(f"{secrets[0][1]}: a Secret without the MariaDBAccount it belongs to")
        if not admitted:
            return spec, []
        return spec, [
            f"databaseAccount: {name!r} names a MariaDBAccount, whose user mariadb-operator named"
            f" {name}_<4 hex>: give the account after the resource (`kubectl get mariadbaccount"
            f" {name} -n <namespace> -o yaml`), or the chart logs in as the user {name!r}"
        ]
    matching = [a for a in accounts if a.name == name and (a.namespace or namespace) == namespace]
    if len(matching) != 1:
        given = ", ".join(f"{a.name!r} ({a.source})" for a in accounts)
        raise InputError(
            f"{source}: the Glance logs in with MariaDBAccount {name!r}"
            f"{f' of namespace {namespace}' if namespace else ''}; given: {given}"
        )
    account = matching[0]
    secret_source = check_secret(account, secrets)
    out = copy.deepcopy(spec)
    out["databaseAccount"] = account.user
    database = dict(out.get("database") or {})
    database.update(secret=account.secret, create=False)
    out["database"] = database
    out["passwordSelectors"] = {**(out.get("passwordSelectors") or {}), "database": PASSWORD_KEY}
    checked = f" (checked in {secret_source})" if secret_source else ""
    return out, [
        f"databaseAccount: {account.user}, the user of MariaDBAccount {name!r} ({account.source})",
        f"database.secret: {account.secret}, key {PASSWORD_KEY} (passwordSelectors.database):"
        f" the account's password{checked}",
        "database.create: false: the database and its account stay mariadb-operator's",
    ]
