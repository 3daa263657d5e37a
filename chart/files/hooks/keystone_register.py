"""Register Glance in Keystone: project, user, roles, service, region, endpoints, limits.

Environment:
  OS_AUTH_URL             Keystone URL the admin logs in at (required; /v3 is added if missing)
  OS_USERNAME             admin user (required)
  OS_PASSWORD             admin password (required)
  OS_PROJECT_NAME         admin project (required)
  OS_USER_DOMAIN_NAME     admin user's domain; also the service user's (default Default)
  OS_PROJECT_DOMAIN_NAME  admin project's domain; also the service project's (default Default)
  OS_REGION_NAME          region of the identity endpoint to talk to (optional)
  OS_INTERFACE            catalog interface to talk to Keystone through (default internal)
  OS_CACERT               CA bundle for https (optional)
  SERVICE_PROJECT         project of the service user (default service)
  SERVICE_USER            Glance's user (default glance)
  SERVICE_PASSWORD        its password (required)
  SERVICE_ROLES           roles it gets on SERVICE_PROJECT, comma-separated (default admin,service)
  SERVICE_SYSTEM_ROLES    roles it gets on the system scope, comma-separated (default none;
                          Glance's oslo.limit reads limits with a system-scoped token)
  SERVICE_NAME            catalog service name (default glance)
  SERVICE_TYPE            catalog service type (default image)
  SERVICE_DESCRIPTION     catalog service description (default "OpenStack Image service")
  ENDPOINT_PUBLIC_URL     public endpoint URL (empty: not registered)
  ENDPOINT_INTERNAL_URL   internal endpoint URL (empty: not registered)
  REGION                  region of the endpoints, created if missing (default OS_REGION_NAME,
                          else RegionOne)
  REGISTERED_LIMITS       JSON object of resource name to default limit (empty or absent: none)
  CONNECT_RETRIES         retries, with backoff, while Keystone does not answer or answers 5xx
                          (default 10)

Convergent: a run on a registered cloud writes nothing (the user's password is checked by logging
in as the user). It removes nothing it did not create. Several runs at once end with one service,
one user and one endpoint per interface: names Keystone keeps unique (project, user, role, region)
are simply re-read on a conflict; for services, endpoints and limits a run checks again after
every pass that wrote, and where a duplicate of something it created shows up it keeps the lowest
id (or another run's twin that outlived a pass) and deletes its own. Exit codes: 0 done,
1 failure, 2 bad configuration.

Keystone is spoken to through openstacksdk's identity proxy with plain v3 REST paths, which
behave the same in every openstacksdk the images carry; keystoneauth retries connection errors
and 5xx answers. Runs on Python 3.9 with openstacksdk, keystoneauth1 and the standard library.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import random
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, Optional

import hooklib

HOOK = "keystone_register"
INTERFACES = ("public", "internal")
RETRIABLE_STATUS = (500, 502, 503, 504)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_TIMEOUT = 60
MAX_PASSES = 8


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    auth_url: str
    username: str
    password: str
    project_name: str
    service_password: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region_name: Optional[str] = None
    interface: str = "internal"
    cacert: Optional[str] = None
    service_project: str = "service"
    service_user: str = "glance"
    service_roles: tuple[str, ...] = ("admin", "service")
    system_roles: tuple[str, ...] = ()
    service_name: str = "glance"
    service_type: str = "image"
    service_description: str = "OpenStack Image service"
    endpoints: tuple[tuple[str, str], ...] = ()
    region: str = "RegionOne"
    registered_limits: tuple[tuple[str, int], ...] = ()
    connect_retries: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ)
        interface = env.text("OS_INTERFACE", "internal").lower()
        if interface.endswith("url"):  # publicURL, internalURL
            interface = interface[:-3]
        if interface not in ("public", "internal", "admin"):
            raise hooklib.ConfigError(
                f"OS_INTERFACE must be public, internal or admin, got {interface!r}"
            )
        cacert = env.raw("OS_CACERT")
        if cacert and not os.path.isfile(cacert):
            raise hooklib.ConfigError(f"OS_CACERT: no such file {cacert!r}")
        roles = env.items("SERVICE_ROLES", ("admin", "service"))
        if not roles:
            raise hooklib.ConfigError("SERVICE_ROLES names no role")
        endpoints = tuple(
            (name, url)
            for name, url in (
                ("public", env.url("ENDPOINT_PUBLIC_URL")),
                ("internal", env.url("ENDPOINT_INTERNAL_URL")),
            )
            if url
        )
        region_name = env.raw("OS_REGION_NAME")
        return cls(
            auth_url=env.url("OS_AUTH_URL", required=True),
            username=env.text("OS_USERNAME", required=True),
            password=env.secret("OS_PASSWORD", required=True),
            project_name=env.text("OS_PROJECT_NAME", required=True),
            service_password=env.secret("SERVICE_PASSWORD", required=True),
            user_domain_name=env.text("OS_USER_DOMAIN_NAME", "Default"),
            project_domain_name=env.text("OS_PROJECT_DOMAIN_NAME", "Default"),
            region_name=region_name,
            interface=interface,
            cacert=cacert,
            service_project=env.text("SERVICE_PROJECT", "service"),
            service_user=env.text("SERVICE_USER", "glance"),
            service_roles=roles,
            system_roles=env.items("SERVICE_SYSTEM_ROLES", ()),
            service_name=env.text("SERVICE_NAME", "glance"),
            service_type=env.text("SERVICE_TYPE", "image"),
            service_description=env.text("SERVICE_DESCRIPTION", "OpenStack Image service"),
            endpoints=endpoints,
            region=env.text("REGION", region_name or "RegionOne"),
            registered_limits=parse_limits(environ.get("REGISTERED_LIMITS", "")),
            connect_retries=env.integer("CONNECT_RETRIES", 10, minimum=0, maximum=100),
        )


# -- pure helpers ---------------------------------------------------------------------------


def parse_limits(text: str) -> tuple[tuple[str, int], ...]:
    """Parse REGISTERED_LIMITS: a JSON object of resource name to an integer of -1 or more
    (-1 is unlimited, as Keystone and oslo.limit read it)."""
    if not text.strip():
        return ()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise hooklib.ConfigError(f"REGISTERED_LIMITS is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise hooklib.ConfigError("REGISTERED_LIMITS must be a JSON object of name to integer")
    limits = []
    for name, value in sorted(data.items()):
        if not name or not isinstance(name, str):
            raise hooklib.ConfigError("REGISTERED_LIMITS has an empty resource name")
        if isinstance(value, bool) or not isinstance(value, int) or value < -1:
            raise hooklib.ConfigError(
                f"REGISTERED_LIMITS[{name!r}] must be an integer of -1 (unlimited) or more, "
                f"got {value!r}"
            )
        limits.append((name, value))
    return tuple(limits)


def identity_url(auth_url: str) -> str:
    """Return the v3 identity URL for an auth URL given with or without /v3."""
    url = auth_url.rstrip("/")
    return url if re.search(r"/v3(\.\d+)?$", url) else url + "/v3"


def choose(
    ids: Collection[str], mine: Collection[str], seen: Collection[str] = ()
) -> tuple[str, list[str]]:
    """Pick which of several equal objects to keep and which of this run's own to delete.

    Runs that see the same duplicates agree on the lowest id. An object of another run that was
    already there on an earlier pass wins over this run's own (that run has kept it and moved on).
    Duplicates this run did not create are never deleted.
    """
    others = sorted(i for i in ids if i not in mine)
    own = sorted(i for i in ids if i in mine)
    if not own:
        return others[0], []
    lasting = [i for i in others if i in seen]
    if lasting:
        return lasting[0], own
    keep = min(ids)
    return keep, [i for i in own if i != keep]


@dataclasses.dataclass(frozen=True)
class Action:
    """One change to make: kind (create, update, keep), what, and details."""

    kind: str
    key: str
    current: Optional[dict[str, Any]] = None
    value: Any = None


def plan_endpoints(
    existing: Sequence[Mapping[str, Any]],
    wanted: Sequence[tuple[str, str]],
    region: str,
    mine: Collection[str] = (),
    seen: Collection[str] = (),
) -> list[Action]:
    """Compare a service's endpoints with the wanted (interface, url) pairs in a region."""
    actions = []
    for interface, url in wanted:
        same = [
            e
            for e in existing
            if e.get("interface") == interface and (e.get("region_id") or e.get("region")) == region
        ]
        if not same:
            actions.append(Action("create", interface, None, url))
            continue
        keep_id, _ = choose([e["id"] for e in same], mine, seen)
        keep = next(e for e in same if e["id"] == keep_id)
        kind = "keep" if keep.get("url") == url else "update"
        actions.append(Action(kind, interface, dict(keep), url))
    return actions


def plan_limits(
    existing: Sequence[Mapping[str, Any]],
    wanted: Sequence[tuple[str, int]],
    mine: Collection[str] = (),
    seen: Collection[str] = (),
) -> list[Action]:
    """Compare registered limits with the wanted (resource name, default limit) pairs."""
    actions = []
    for name, value in wanted:
        same = [limit for limit in existing if limit.get("resource_name") == name]
        if not same:
            actions.append(Action("create", name, None, value))
            continue
        keep_id, _ = choose([limit["id"] for limit in same], mine, seen)
        keep = next(limit for limit in same if limit["id"] == keep_id)
        kind = "keep" if keep.get("default_limit") == value else "update"
        actions.append(Action(kind, name, dict(keep), value))
    return actions


def connection_reason(exc: BaseException) -> str:
    """Shorten a keystoneauth connection error to its cause."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    for phrase in ("timed out", "Connection refused", "Name or service not known"):
        if phrase.lower() in text.lower():
            return phrase
    return hooklib.one_line(text)[:200]


# -- Keystone access ------------------------------------------------------------------------


class Changed(Exception):
    """Keystone changed under this run (another run deleted what it was using)."""


class ApiError(Exception):
    """Keystone answered an error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        """Keep the status and request for the caller."""
        super().__init__(f"{method} {path}: {status} {message}")
        self.status = status


class Identity:
    """Keystone v3 calls through openstacksdk's identity proxy, with retries and a write count."""

    def __init__(self, conn: Any, config: Config) -> None:
        """Wrap a connection."""
        self._conn = conn
        self._config = config
        self.writes = 0

    def request(
        self,
        method: str,
        path: str,
        body: Optional[dict[str, Any]] = None,
        params: Optional[dict[str, str]] = None,
    ) -> dict[str, Any]:
        """Send one request; return the JSON body, raise ApiError on an error status."""
        kwargs: dict[str, Any] = {
            "raise_exc": False,
            "connect_retries": self._config.connect_retries,
            "status_code_retries": self._config.connect_retries,
            "retriable_status_codes": list(RETRIABLE_STATUS),
            "headers": {"Accept": "application/json"},
        }
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        response = self._conn.identity.request(path, method, **kwargs)
        if method in WRITE_METHODS and response.status_code < 400:
            self.writes += 1
        if response.status_code >= 400:
            message = response.reason or ""
            with contextlib.suppress(ValueError, KeyError, TypeError):
                message = response.json()["error"]["message"]
            raise ApiError(response.status_code, method, path, hooklib.one_line(message))
        if response.status_code == 204 or not response.content:
            return {}
        return response.json()

    def list(self, path: str, key: str, **params: str) -> list[dict[str, Any]]:
        """GET a collection and return its items."""
        return list(self.request("GET", path, params=params or None).get(key, []))

    def create(self, path: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """POST a new object and return it."""
        return dict(self.request("POST", path, body={key: fields})[key])


def quote(value: str) -> str:
    """Quote a path segment."""
    return urllib.parse.quote(value, safe="")


@dataclasses.dataclass
class Tally:
    """What a run changed."""

    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    deleted: list[str] = dataclasses.field(default_factory=list)
    unchanged: int = 0
    writes: int = 0


class Registration:
    """Bring Keystone to the wanted state, one idempotent pass at a time."""

    def __init__(
        self,
        config: Config,
        api: Identity,
        log: logging.Logger,
        domains: tuple[str, str],
        password_works: Callable[[str], bool],
    ) -> None:
        """Start with nothing created, in the (user, project) domains of the admin's token."""
        self.config = config
        self.api = api
        self.log = log
        self.user_domain_id, self.project_domain_id = domains
        self.password_works = password_works
        self.mine: dict[str, set[str]] = {}
        self.tally = Tally()
        self.first_pass = True
        self.conflicts = 0
        self.seen: set[str] = set()

    # bookkeeping

    def _created(self, kind: str, obj_id: str, what: str) -> None:
        """Record and log an object this run created."""
        self.mine.setdefault(kind, set()).add(obj_id)
        self.tally.created.append(what)
        self.log.info("created %s", what)

    def _updated(self, what: str) -> None:
        """Record and log a change in place."""
        self.tally.updated.append(what)
        self.log.info("updated %s", what)

    def _unchanged(self, what: str) -> None:
        """Log something already right (only on the first pass; later passes only check)."""
        if self.first_pass:
            self.tally.unchanged += 1
            self.log.info("unchanged: %s", what)
        else:
            self.log.debug("unchanged: %s", what)

    def _settle(
        self, kind: str, label: str, items: list[dict[str, Any]], path: str
    ) -> dict[str, Any]:
        """Among equal objects keep one, deleting this run's own duplicates."""
        mine = self.mine.get(kind, set())
        ids = [i["id"] for i in items]
        keep_id, drop = choose(ids, mine, self.seen)
        self.seen.update(i for i in ids if i not in mine)
        for obj_id in drop:
            try:
                self.api.request("DELETE", f"{path}/{quote(obj_id)}")
            except ApiError as exc:
                if exc.status != 404:
                    raise
            mine.discard(obj_id)
            self.conflicts += 1
            self.tally.deleted.append(f"{label} {obj_id}")
            self.log.info(
                "deleted duplicate %s %s this run made; keeping %s", label, obj_id, keep_id
            )
        strangers = [i["id"] for i in items if i["id"] != keep_id and i["id"] not in drop]
        if strangers and self.first_pass:
            self.log.warning(
                "found other %s objects matching (%s); using %s and leaving the rest alone",
                label,
                ", ".join(strangers),
                keep_id,
            )
        return next(i for i in items if i["id"] == keep_id)

    @contextlib.contextmanager
    def _service_kept(self, service_id: str) -> Iterator[None]:
        """Turn a refusal caused by the service vanishing (another run's doing) into Changed."""
        try:
            yield
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            try:
                self.api.request("GET", f"/services/{quote(service_id)}")
            except ApiError as missing:
                if missing.status == 404:
                    raise Changed(f"service {service_id} was deleted meanwhile") from None
                raise
            raise

    # one pass

    def converge(self) -> None:
        """Run one pass over everything."""
        project_id = self.ensure_project()
        user_id = self.ensure_user()
        self.ensure_roles(user_id, project_id)
        service_id = self.ensure_service()
        self.ensure_endpoints(service_id)
        self.ensure_limits(service_id)
        self.first_pass = False

    def _find_or_create_unique(
        self,
        kind: str,
        path: str,
        key: str,
        query: dict[str, str],
        fields: dict[str, Any],
        label: str,
    ) -> tuple[dict[str, Any], bool]:
        """Find an object Keystone keeps unique by name, creating it when missing."""
        found = self.api.list(path, key + "s", **query)
        if found:
            return found[0], False
        try:
            obj = self.api.create(path, key, fields)
        except ApiError as exc:
            if exc.status != 409:  # created meanwhile by another run
                raise
            found = self.api.list(path, key + "s", **query)
            if not found:
                raise
            return found[0], False
        self._created(kind, obj["id"], label)
        return obj, True

    def ensure_project(self) -> str:
        """Ensure the service project exists in the admin project's domain."""
        name = self.config.service_project
        project, created = self._find_or_create_unique(
            "project",
            "/projects",
            "project",
            {"name": name, "domain_id": self.project_domain_id},
            {
                "name": name,
                "domain_id": self.project_domain_id,
                "enabled": True,
                "description": "Service project",
            },
            f"project {name}",
        )
        if not created:
            self._unchanged(f"project {name}")
        return str(project["id"])

    def ensure_user(self) -> str:
        """Ensure the service user exists and logs in with SERVICE_PASSWORD."""
        name = self.config.service_user
        user, created = self._find_or_create_unique(
            "user",
            "/users",
            "user",
            {"name": name, "domain_id": self.user_domain_id},
            {
                "name": name,
                "domain_id": self.user_domain_id,
                "enabled": True,
                "password": self.config.service_password,
            },
            f"user {name}",
        )
        user_id = str(user["id"])
        if created:
            return user_id
        if not user.get("enabled", True):
            self.log.warning("user %s is disabled; leaving it so", name)
            return user_id
        if self.password_works(user_id):
            self._unchanged(f"user {name} (password works)")
            return user_id
        self.api.request(
            "PATCH",
            f"/users/{quote(user_id)}",
            body={"user": {"password": self.config.service_password}},
        )
        self._updated(f"password of user {name}")
        return user_id

    def ensure_roles(self, user_id: str, project_id: str) -> None:
        """Ensure the user's roles on the service project, and on the system when asked."""
        user = self.config.service_user
        self._ensure_assignments(
            user_id,
            self.config.service_roles,
            {"scope.project.id": project_id},
            f"/projects/{quote(project_id)}/users/{quote(user_id)}/roles/",
            f"{user} on {self.config.service_project}",
        )
        if self.config.system_roles:
            self._ensure_assignments(
                user_id,
                self.config.system_roles,
                {"scope.system": "all"},
                f"/system/users/{quote(user_id)}/roles/",
                f"{user} on the system",
            )

    def _ensure_assignments(
        self,
        user_id: str,
        roles: Sequence[str],
        scope: dict[str, str],
        assign_path: str,
        label: str,
    ) -> None:
        """Ensure the user holds each role on one scope, creating missing roles."""
        assignments = self.api.list(
            "/role_assignments",
            "role_assignments",
            **{"user.id": user_id, "include_names": "true", **scope},
        )
        have = {a.get("role", {}).get("name") for a in assignments}
        have_ids = {a.get("role", {}).get("id") for a in assignments}
        missing = [r for r in roles if r not in have]
        if not missing:
            self._unchanged(f"roles {', '.join(roles)} of {label}")
            return
        for role_name in missing:
            role, _ = self._find_or_create_unique(
                "role",
                "/roles",
                "role",
                {"name": role_name},
                {"name": role_name},
                f"role {role_name}",
            )
            if role["id"] in have_ids:
                continue
            self.api.request("PUT", assign_path + quote(role["id"]))
            self.tally.created.append(f"role {role_name} of {label}")
            self.log.info("assigned role %s to %s", role_name, label)

    def ensure_service(self) -> str:
        """Ensure one catalog service of the name and type."""
        cfg = self.config
        label = f"service {cfg.service_name} ({cfg.service_type})"

        def matching() -> list[dict[str, Any]]:
            """List the services of this name and type."""
            services = self.api.list("/services", "services", type=cfg.service_type)
            return [s for s in services if s.get("name") == cfg.service_name]

        services = matching()
        if not services:
            created = self.api.create(
                "/services",
                "service",
                {
                    "name": cfg.service_name,
                    "type": cfg.service_type,
                    "description": cfg.service_description,
                    "enabled": True,
                },
            )
            self._created("service", created["id"], f"{label} {created['id']}")
            services = matching() or [created]
        service = self._settle("service", "service", services, "/services")
        if cfg.service_description and service.get("description") != cfg.service_description:
            self.api.request(
                "PATCH",
                f"/services/{quote(service['id'])}",
                body={"service": {"description": cfg.service_description}},
            )
            self._updated(f"description of {label}")
        elif service["id"] not in self.mine.get("service", set()):
            self._unchanged(label)
        return str(service["id"])

    def ensure_region(self) -> None:
        """Ensure the endpoints' region exists."""
        region = self.config.region
        try:
            self.api.request("GET", f"/regions/{quote(region)}")
            return
        except ApiError as exc:
            if exc.status != 404:
                raise
        try:
            self.api.create("/regions", "region", {"id": region})
        except ApiError as exc:
            if exc.status != 409:  # created meanwhile by another run
                raise
            return
        self.tally.created.append(f"region {region}")
        self.log.info("created region %s", region)

    def ensure_endpoints(self, service_id: str) -> None:
        """Ensure one endpoint per wanted interface in the region, with the wanted URL."""
        cfg = self.config
        if not cfg.endpoints:
            self._unchanged("endpoints (no endpoint URL given)")
            return
        existing = self.api.list("/endpoints", "endpoints", service_id=service_id)
        actions = plan_endpoints(
            existing, cfg.endpoints, cfg.region, self.mine.get("endpoint", ()), self.seen
        )
        if any(a.kind == "create" for a in actions):
            self.ensure_region()
        created_any = False
        for action in actions:
            label = f"endpoint {action.key} {action.value}"
            if action.kind == "create":
                fields = {
                    "service_id": service_id,
                    "interface": action.key,
                    "url": action.value,
                    "region_id": cfg.region,
                    "enabled": True,
                }
                with self._service_kept(service_id):
                    endpoint = self.api.create("/endpoints", "endpoint", fields)
                self._created("endpoint", endpoint["id"], label)
                created_any = True
            elif action.kind == "update":
                assert action.current is not None
                self.api.request(
                    "PATCH",
                    f"/endpoints/{quote(action.current['id'])}",
                    body={"endpoint": {"url": action.value}},
                )
                self._updated(
                    f"endpoint {action.key} {action.current['id']}: "
                    f"{action.current.get('url')} -> {action.value}"
                )
            else:
                self._unchanged(label)
        if created_any:
            existing = self.api.list("/endpoints", "endpoints", service_id=service_id)
        self._settle_endpoints(existing)

    def _settle_endpoints(self, existing: list[dict[str, Any]]) -> None:
        """Remove this run's duplicate endpoints (when another run made the same ones)."""
        for interface, _ in self.config.endpoints:
            same = [
                e
                for e in existing
                if e.get("interface") == interface
                and (e.get("region_id") or e.get("region")) == self.config.region
            ]
            if len(same) > 1:
                self._settle("endpoint", f"endpoint {interface}", same, "/endpoints")

    def ensure_limits(self, service_id: str) -> None:
        """Ensure the registered limits for the service in the region."""
        cfg = self.config
        if not cfg.registered_limits:
            return
        existing = self.api.list(
            "/registered_limits", "registered_limits", service_id=service_id, region_id=cfg.region
        )
        actions = plan_limits(
            existing, cfg.registered_limits, self.mine.get("limit", ()), self.seen
        )
        to_create = [a for a in actions if a.kind == "create"]
        if to_create:
            try:
                body = {
                    "registered_limits": [
                        {
                            "service_id": service_id,
                            "region_id": cfg.region,
                            "resource_name": a.key,
                            "default_limit": a.value,
                        }
                        for a in to_create
                    ]
                }
                with self._service_kept(service_id):
                    made = self.api.request("POST", "/registered_limits", body=body)
            except ApiError as exc:
                if exc.status != 409:  # created meanwhile by another run: next pass sees them
                    raise
                self.conflicts += 1
            else:
                for limit in made.get("registered_limits", []):
                    self._created(
                        "limit",
                        limit["id"],
                        f"registered limit {limit['resource_name']}={limit['default_limit']}",
                    )
        for action in actions:
            if action.kind == "update":
                assert action.current is not None
                self.api.request(
                    "PATCH",
                    f"/registered_limits/{quote(action.current['id'])}",
                    body={"registered_limit": {"default_limit": action.value}},
                )
                self._updated(
                    f"registered limit {action.key}: "
                    f"{action.current.get('default_limit')} -> {action.value}"
                )
            elif action.kind == "keep":
                self._unchanged(f"registered limit {action.key}={action.value}")
        if to_create:
            existing = self.api.list(
                "/registered_limits",
                "registered_limits",
                service_id=service_id,
                region_id=cfg.region,
            )
        for name, _ in cfg.registered_limits:
            same = [limit for limit in existing if limit.get("resource_name") == name]
            if len(same) > 1:
                self._settle("limit", f"registered limit {name}", same, "/registered_limits")


def password_checker(config: Config, conn: Any, log: logging.Logger) -> Callable[[str], bool]:
    """Return a check that a user gets a token with SERVICE_PASSWORD (a login, not a write)."""
    from keystoneauth1 import exceptions as ksa_exceptions
    from keystoneauth1.identity import v3

    def password_works(user_id: str) -> bool:
        """Log in as the user; False when Keystone refuses the password."""
        auth = v3.Password(
            auth_url=identity_url(config.auth_url),
            user_id=user_id,
            password=config.service_password,
        )
        try:
            hooklib.retry(
                lambda: auth.get_auth_ref(conn.session),
                is_server_error,
                config.connect_retries,
                log,
                "login check of the service user",
            )
        except ksa_exceptions.Unauthorized:
            return False
        return True

    return password_works


def is_server_error(exc: BaseException) -> bool:
    """Tell whether keystoneauth raised for a 5xx answer."""
    status = getattr(exc, "http_status", None)
    return isinstance(status, int) and status in RETRIABLE_STATUS


# -- entry points ---------------------------------------------------------------------------


def connect(config: Config) -> Any:
    """Open an openstacksdk connection whose keystoneauth session retries connection errors.

    The session is built here rather than by openstack.connect() so that the admin login itself,
    not only the API calls, gets keystoneauth's connect_retries.
    """
    import openstack.connection
    from keystoneauth1 import session as ksa_session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=identity_url(config.auth_url),
        username=config.username,
        password=config.password,
        user_domain_name=config.user_domain_name,
        project_name=config.project_name,
        project_domain_name=config.project_domain_name,
    )
    session = ksa_session.Session(
        auth=auth,
        verify=config.cacert or True,
        timeout=API_TIMEOUT,
        connect_retries=config.connect_retries,
        collect_timing=True,
        app_name="glance-keystone-register",
    )
    return openstack.connection.Connection(
        session=session,
        region_name=config.region_name,
        interface=config.interface,
        identity_api_version="3",
        connect_retries=config.connect_retries,
        status_code_retries=config.connect_retries,
        retriable_status_codes=list(RETRIABLE_STATUS),
    )


def login(config: Config, conn: Any, log: logging.Logger) -> Any:
    """Log in as the admin and return the token's access info; explain failures in one line."""
    from keystoneauth1 import exceptions as ksa_exceptions

    url = identity_url(config.auth_url)
    session = conn.session
    try:
        return hooklib.retry(
            lambda: session.auth.get_access(session),
            is_server_error,
            config.connect_retries,
            log,
            "admin login",
        )
    except ksa_exceptions.Unauthorized:
        raise hooklib.HookError(
            f"Keystone at {url} refused the admin login of user {config.username!r} "
            f"(domain {config.user_domain_name}, project {config.project_name}): "
            "wrong password (OS_PASSWORD) or unknown user/project"
        ) from None
    except ksa_exceptions.SSLError as exc:
        raise hooklib.HookError(
            f"TLS error talking to Keystone at {url} (OS_CACERT?): {connection_reason(exc)}"
        ) from None
    except ksa_exceptions.ConnectionError as exc:
        raise hooklib.HookError(
            f"Keystone at {url} did not answer after {config.connect_retries} retries: "
            f"{connection_reason(exc)}"
        ) from None
    except ksa_exceptions.HttpError as exc:
        raise hooklib.HookError(
            f"Keystone at {url} answered {exc.http_status} to the admin login: {exc.message}"
        ) from None


def run(config: Config, conn: Any, log: Optional[logging.Logger] = None) -> Tally:
    """Register Glance on an open connection until a pass changes nothing; return the tally."""
    log = log or logging.getLogger(HOOK)
    access = login(config, conn, log)
    api = Identity(conn, config)
    registration = Registration(
        config,
        api,
        log,
        (access.user_domain_id, access.project_domain_id),
        password_checker(config, conn, log),
    )
    return converge(registration, log)


def converge(
    registration: Registration,
    log: logging.Logger,
    passes: int = MAX_PASSES,
    sleep: Callable[[float], None] = time.sleep,
) -> Tally:
    """Run passes until one changes nothing; return the tally."""
    from keystoneauth1 import exceptions as ksa_exceptions

    config, api = registration.config, registration.api
    start = api.writes
    try:
        for _ in range(passes):
            writes, conflicts = api.writes, registration.conflicts
            try:
                registration.converge()
            except (ApiError, Changed) as exc:
                if isinstance(exc, ApiError) and exc.status not in (404, 409):
                    raise
                # Something changed under this run (another run deleted or made it): look again.
                log.info("Keystone changed during this pass (%s); checking again", exc)
                registration.conflicts += 1
                registration.first_pass = False
            if api.writes == writes and registration.conflicts == conflicts:
                registration.tally.writes = api.writes - start
                return registration.tally
            if registration.conflicts != conflicts:
                sleep(random.uniform(0.2, 1.5))  # let the other run finish its pass
    except ApiError as exc:
        if exc.status in (401, 403):
            raise hooklib.HookError(
                f"Keystone refused {exc} for admin user {config.username!r}: it needs the "
                "admin role"
            ) from None
        raise hooklib.HookError(f"Keystone answered {exc}") from None
    except ksa_exceptions.EndpointNotFound:
        raise hooklib.HookError(
            f"Keystone's catalog has no {config.interface} identity endpoint"
            + (f" in region {config.region_name}" if config.region_name else "")
            + ": check OS_INTERFACE and OS_REGION_NAME"
        ) from None
    except ksa_exceptions.ConnectionError as exc:
        raise hooklib.HookError(
            f"lost Keystone after {config.connect_retries} retries: {connection_reason(exc)}"
        ) from None
    raise hooklib.HookError(
        f"registration did not settle after {passes} passes (another run keeps changing it)"
    )


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, connect, register, summarise."""
        config = Config.from_env(environ)
        started = time.monotonic()
        conn = connect(config)
        try:
            tally = run(config, conn, log)
            calls = len(conn.session.get_timings())
        finally:
            conn.close()
        log.info(
            "summary: writes=%d created=%d updated=%d deleted=%d unchanged=%d api_calls=%d "
            "seconds=%.1f",
            tally.writes,
            len(tally.created),
            len(tally.updated),
            len(tally.deleted),
            tally.unchanged,
            calls,
            time.monotonic() - started,
        )
        return hooklib.EXIT_OK

    def secrets() -> tuple[str, ...]:
        """Return the passwords to keep out of error lines."""
        return tuple(environ.get(name, "") for name in ("OS_PASSWORD", "SERVICE_PASSWORD"))

    return hooklib.run_main(HOOK, body, secrets)


if __name__ == "__main__":
    sys.exit(main())
