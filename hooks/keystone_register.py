"""Register Glance in Keystone: project, user, roles, service, region, endpoints, limits.

Environment:
  OS_AUTH_URL             Keystone URL the admin logs in at (required; /v3 is added if missing)
  OS_USERNAME             admin user (required)
  OS_PASSWORD             admin password (required)
  OS_PASSWORD_KEY         Secret key OS_PASSWORD comes from, named in errors (optional)
  OS_PROJECT_NAME         admin project (required)
  OS_USER_DOMAIN_NAME     admin user's domain; also the service user's (default Default)
  OS_PROJECT_DOMAIN_NAME  admin project's domain; also the service project's (default Default)
  OS_REGION_NAME          region of the identity endpoint to talk to (optional)
  OS_INTERFACE            catalog interface to talk to Keystone through (default internal)
  OS_CACERT               CA bundle for https (optional)
  SERVICE_PROJECT         project of the service user (default service)
  SERVICE_USER            Glance's user (default glance)
  SERVICE_PASSWORD        its password; unset when every API logs in with an application
                          credential: the hook then leaves the password as it is (set but
                          empty is an error)
  SERVICE_PASSWORD_KEY    Secret key SERVICE_PASSWORD comes from, named in errors (optional)
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
  KEYSTONE_WAIT_SECONDS   how long to wait for Keystone to answer the first login (default 300)
  CONNECT_RETRIES         retries, with backoff, of each API call on connection errors and 5xx
                          (default 5)

A rerun on a registered cloud first logs in as the service user: that token proves the user, its
password, project and roles, and its catalog shows the service and endpoints; only when something
differs does the admin check and fix each object. Without SERVICE_PASSWORD there is no such
login: the admin checks each object. Convergent: a run on a registered cloud writes nothing, a
run that overlaps another leaves what the next run completes, and nothing the hook did not
create is removed. Exit codes: 0 done, 1 failure, 2 bad configuration. Runs on Python 3.9
with openstacksdk 1.0 or later, keystoneauth1 and the standard library.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional

import hooklib

HOOK = "keystone_register"
LABELS = {
    "OS_AUTH_URL": "keystone.authURL",
    "OS_REGION_NAME": "keystone.region",
    "REGION": "keystone.region",
    "KEYSTONE_WAIT_SECONDS": "keystone.waitSeconds",
}


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    auth_url: str
    username: str
    password: str
    project_name: str
    service_password: Optional[str] = None
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
    wait_seconds: int = 300
    connect_retries: int = 5
    password_key: str = "OS_PASSWORD"
    service_password_key: str = "SERVICE_PASSWORD"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the setting at fault."""
        env = hooklib.Env(environ, LABELS)
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
            service_password=(
                env.secret("SERVICE_PASSWORD", required=True)
                if "SERVICE_PASSWORD" in environ
                else None
            ),
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
            wait_seconds=env.integer("KEYSTONE_WAIT_SECONDS", 300),
            connect_retries=env.integer("CONNECT_RETRIES", 5, minimum=0, maximum=100),
            password_key=env.label("OS_PASSWORD"),
            service_password_key=env.label("SERVICE_PASSWORD"),
        )


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
        if not name:
            raise hooklib.ConfigError("REGISTERED_LIMITS has an empty resource name")
        if isinstance(value, bool) or not isinstance(value, int) or value < -1:
            raise hooklib.ConfigError(
                f"REGISTERED_LIMITS[{name!r}] must be an integer of -1 (unlimited) or more, "
                f"got {value!r}"
            )
        limits.append((name, value))
    return tuple(limits)


def catalog_service(catalog: Iterable[Mapping[str, Any]], config: Config) -> Optional[str]:
    """Return the id of a catalog service of the name and type with every wanted endpoint."""
    for service in sorted(catalog, key=lambda s: str(s.get("id"))):
        if (service.get("type"), service.get("name")) != (config.service_type, config.service_name):
            continue
        have = {
            (e.get("interface"), e.get("url"))
            for e in service.get("endpoints", [])
            if (e.get("region_id") or e.get("region")) == config.region
        }
        if set(config.endpoints) <= have:
            return str(service["id"])
    return None


class Registration:
    """One run: the quick check from the service user's tokens, then the admin's fixes."""

    def __init__(self, config: Config, conn: Any, log: logging.Logger) -> None:
        """Work through conn, whose session logs in as the admin."""
        self.config = config
        self.conn = conn
        self.log = log
        self.done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        self.password_works: Optional[bool] = None

    def _done(self, kind: str, what: str) -> None:
        """Record and log one outcome: created, updated or unchanged."""
        self.done[kind].append(what)
        self.log.info("%s%s", "unchanged: " if kind == "unchanged" else f"{kind} ", what)

    def login(self, what: str, **scope: Any) -> Any:
        """Log in as the service user; return the token's access info, or None when refused."""
        from keystoneauth1 import exceptions
        from keystoneauth1.identity import v3

        cfg = self.config
        auth = v3.Password(
            auth_url=hooklib.identity_url(cfg.auth_url),
            username=cfg.service_user,
            user_domain_name=cfg.user_domain_name,
            password=cfg.service_password,
            **scope,
        )
        try:
            return self.wait(auth, what)
        except exceptions.Unauthorized:
            return None

    def wait(self, auth: Any, what: str) -> Any:
        """Log in with an auth plugin, waiting (bounded) for Keystone to answer."""
        url, session = hooklib.identity_url(self.config.auth_url), self.conn.session
        call = functools.partial(auth.get_access, session)
        return hooklib.wait_for_keystone(call, url, self.config.wait_seconds, what, self.log)

    # the quick check

    def registered(self) -> bool:
        """Tell from the service user's tokens (and the limits) that nothing needs a change."""
        cfg = self.config
        if cfg.service_password is None:
            return False
        access = self.login(
            "service user login",
            project_name=cfg.service_project,
            project_domain_name=cfg.project_domain_name,
        )
        self.password_works = True if access else None
        if access is None or not set(cfg.service_roles) <= set(access.role_names):
            return False
        service_id = catalog_service(access.service_catalog.catalog, cfg)
        if service_id is None:
            return False
        if cfg.system_roles:
            system = self.login("service user system login", system_scope="all")
            if system is None or not set(cfg.system_roles) <= set(system.role_names):
                return False
        limits = self.limits(self.conn.identity, service_id)
        if any(
            getattr(limits.get(n), "default_limit", None) != v for n, v in cfg.registered_limits
        ):
            return False
        for what in (
            f"user {cfg.service_user} (password works)",
            f"roles {', '.join(cfg.service_roles + cfg.system_roles)}",
            f"service {cfg.service_name} ({cfg.service_type})",
            *(f"endpoint {interface} {url}" for interface, url in cfg.endpoints),
            *(f"registered limit {name}={value}" for name, value in cfg.registered_limits),
        ):
            self._done("unchanged", what)
        return True

    # the admin's pass

    def register(self) -> None:
        """Check every object as the admin and create or fix what differs."""
        access = self.wait(self.conn.session.auth, "admin login")
        identity = self.conn.identity
        project = self.ensure_project(identity, access.project_domain_id)
        user = self.ensure_user(identity, access.user_domain_id)
        self.ensure_roles(identity, user, project)
        service = self.ensure_service(identity)
        self.ensure_endpoints(identity, service)
        self.ensure_limits(identity, service)

    def _find_or_create(
        self, what: str, find: Callable[[], Optional[Any]], create: Callable[[], Any]
    ) -> tuple[Any, bool]:
        """Find an object Keystone keeps unique, or create it (re-reading on a conflict)."""
        from openstack import exceptions

        found = find()
        if found is not None:
            return found, False
        try:
            made = create()
        except exceptions.ConflictException:  # made meanwhile by an overlapping run
            found = find()
            if found is None:
                raise
            return found, False
        self._done("created", what)
        return made, True

    def ensure_project(self, identity: Any, domain_id: str) -> Any:
        """Ensure the service project exists in the admin project's domain."""
        name = self.config.service_project
        project, created = self._find_or_create(
            f"project {name}",
            lambda: first(identity.projects(name=name, domain_id=domain_id)),
            lambda: identity.create_project(
                name=name, domain_id=domain_id, description="Service project", is_enabled=True
            ),
        )
        if not created:
            self._done("unchanged", f"project {name}")
        return project

    def ensure_user(self, identity: Any, domain_id: str) -> Any:
        """Ensure the service user exists and logs in with SERVICE_PASSWORD (when given: its
        application credentials need the user, not the hook's knowledge of its password)."""
        cfg = self.config
        name = cfg.service_user
        password = {} if cfg.service_password is None else {"password": cfg.service_password}
        user, created = self._find_or_create(
            f"user {name}",
            lambda: first(identity.users(name=name, domain_id=domain_id)),
            lambda: identity.create_user(
                name=name, domain_id=domain_id, is_enabled=True, **password
            ),
        )
        if created:
            if not password:
                self.log.warning(
                    "user %s created without a password: it has no application credential yet,"
                    " so Glance cannot log in until one is made (as the user) and put in the"
                    " Secret auth.applicationCredentialSecret names",
                    name,
                )
            return user
        if not user.is_enabled:
            self.log.warning("user %s is disabled; leaving it so", name)
        elif not password:
            self._done("unchanged", f"user {name} (password left alone: application credentials)")
        elif self.password_works or self.login("service user password check") is not None:
            self._done("unchanged", f"user {name} (password works)")
        else:
            identity.update_user(user, password=cfg.service_password)
            self._done("updated", f"password of user {name}")
        return user

    def ensure_roles(self, identity: Any, user: Any, project: Any) -> None:
        """Ensure the user's roles on the service project, and on the system when asked."""
        cfg = self.config

        def assign(roles: Sequence[str], scope: dict[str, Any], where: str, put: Any) -> None:
            found = identity.role_assignments(user_id=user.id, include_names=True, **scope)
            have = {a.role["name"] for a in found}
            for name in roles:
                if name in have:
                    continue
                role, _ = self._find_or_create(
                    f"role {name}",
                    lambda name=name: first(identity.roles(name=name)),
                    lambda name=name: identity.create_role(name=name),
                )
                put(role)
                self._done("created", f"role {name} of {cfg.service_user} on {where}")
            if set(roles) <= have:
                self._done(
                    "unchanged", f"roles {', '.join(roles)} of {cfg.service_user} on {where}"
                )

        assign(
            cfg.service_roles,
            {"scope_project_id": project.id},
            cfg.service_project,
            lambda role: identity.assign_project_role_to_user(project, user, role),
        )
        if cfg.system_roles:
            assign(
                cfg.system_roles,
                {"scope_system": "all"},
                "the system",
                lambda role: identity.assign_system_role_to_user(user, role, "all"),
            )

    def ensure_service(self, identity: Any) -> Any:
        """Ensure a catalog service of the name and type, enabled, with the description."""
        cfg = self.config
        label = f"service {cfg.service_name} ({cfg.service_type})"
        services = list(identity.services(type=cfg.service_type, name=cfg.service_name))
        if not services:
            service = identity.create_service(
                name=cfg.service_name,
                type=cfg.service_type,
                description=cfg.service_description,
                is_enabled=True,
            )
            self._done("created", f"{label} {service.id}")
            return service
        # Overlapping runs may have made twins: use an enabled one, the same one every time.
        service = min(services, key=lambda s: (not s.is_enabled, s.id))
        changes: dict[str, Any] = {}
        if cfg.service_description and service.description != cfg.service_description:
            changes["description"] = cfg.service_description
        if not service.is_enabled:
            changes["is_enabled"] = True
        if changes:
            service = identity.update_service(service, **changes)
            self._done("updated", f"{label}: {', '.join(sorted(changes))}")
        else:
            self._done("unchanged", label)
        return service

    def ensure_endpoints(self, identity: Any, service: Any) -> None:
        """Ensure an enabled endpoint per wanted interface in the region, with the wanted URL."""
        cfg = self.config
        region_checked = False
        for interface, url in cfg.endpoints:
            label = f"endpoint {interface}"
            found = list(
                identity.endpoints(service_id=service.id, interface=interface, region_id=cfg.region)
            )
            if not found:
                if not region_checked:
                    self._find_or_create(
                        f"region {cfg.region}",
                        lambda: identity.find_region(cfg.region),
                        lambda: identity.create_region(id=cfg.region),
                    )
                    region_checked = True
                identity.create_endpoint(
                    service_id=service.id,
                    interface=interface,
                    url=url,
                    region_id=cfg.region,
                    is_enabled=True,
                )
                self._done("created", f"{label} {url}")
            for endpoint in found:
                if endpoint.url == url and endpoint.is_enabled:
                    self._done("unchanged", f"{label} {url}")
                    continue
                identity.update_endpoint(endpoint, url=url, is_enabled=True)
                was = endpoint.url if endpoint.is_enabled else f"{endpoint.url} (disabled)"
                self._done("updated", f"{label} {endpoint.id}: {was} -> {url}")

    def limits(self, identity: Any, service_id: str) -> dict[str, Any]:
        """Return the service's registered limits in the region by name, the wanted ones at least.

        Keystone lists at most [DEFAULT] list_limit items: a missing one is looked up by name.
        """
        query = {"service_id": service_id, "region_id": self.config.region}
        wanted = [name for name, _ in self.config.registered_limits]
        if not wanted:
            return {}
        found = {limit.resource_name: limit for limit in identity.registered_limits(**query)}
        for name in wanted:
            if name not in found:
                found[name] = first(identity.registered_limits(resource_name=name, **query))
        return {name: found[name] for name in wanted if found[name] is not None}

    def ensure_limits(self, identity: Any, service: Any) -> None:
        """Ensure the registered limits of the service in the region."""
        cfg = self.config
        found = self.limits(identity, service.id)
        for name, value in cfg.registered_limits:
            limit, label = found.get(name), f"registered limit {name}"
            if limit is None:
                identity.create_registered_limit(
                    service_id=service.id,
                    region_id=cfg.region,
                    resource_name=name,
                    default_limit=value,
                )
                self._done("created", f"{label}={value}")
            elif limit.default_limit != value:
                identity.update_registered_limit(limit, default_limit=value)
                self._done("updated", f"{label}: {limit.default_limit} -> {value}")
            else:
                self._done("unchanged", f"{label}={value}")


def first(items: Iterable[Any]) -> Optional[Any]:
    """Return the first item of an iterable, or None."""
    return next(iter(items), None)


# -- entry points ---------------------------------------------------------------------------


def connect(config: Config) -> Any:
    """Open the admin's openstacksdk connection (nothing is sent until it is used)."""
    return hooklib.keystone_connection(
        hooklib.password_login(config),
        config.region_name,
        config.interface,
        config.connect_retries,
        config.cacert,
        HOOK,
    )


def run(config: Config, conn: Any, log: Optional[logging.Logger] = None) -> dict[str, list[str]]:
    """Register Glance on an open connection; return what changed."""
    from keystoneauth1 import exceptions as ksa
    from openstack import exceptions as sdk

    log = log or logging.getLogger(HOOK)
    registration = Registration(config, conn, log)
    url = hooklib.identity_url(config.auth_url)
    try:
        if not registration.registered():
            registration.register()
    except ksa.Unauthorized:
        raise hooklib.HookError(
            f"Keystone at {url} refused the admin login of user {config.username!r} "
            f"(domain {config.user_domain_name}, project {config.project_name}): wrong password "
            f"in {config.password_key}, or unknown user or project"
        ) from None
    except ksa.ConnectionError as exc:
        lost = f"lost Keystone at {url} after {config.connect_retries} retries (CONNECT_RETRIES)"
        if isinstance(exc, ksa.SSLError):
            lost = f"TLS error talking to Keystone at {url} (OS_CACERT?)"
        raise hooklib.HookError(f"{lost}: {hooklib.connection_reason(exc)}") from None
    except (ksa.EndpointNotFound, sdk.EndpointNotFound, sdk.ServiceDisabledException):
        region = f" in region {config.region_name}" if config.region_name else ""
        raise hooklib.HookError(
            f"the catalog of Keystone at {url} has no {config.interface} identity endpoint"
            f"{region}: set keystone.region (OS_REGION_NAME) to the region of Keystone's own "
            "endpoints"
        ) from None
    except sdk.HttpException as exc:
        if exc.status_code in (401, 403):
            raise hooklib.HookError(
                f"Keystone refused {exc.url or 'a request'} for admin user {config.username!r}: "
                "it needs the admin role"
            ) from None
        raise hooklib.HookError(f"Keystone answered {hooklib.one_line(str(exc))}") from None
    return registration.done


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, connect, register, summarise."""
        config = Config.from_env(environ)
        started = time.monotonic()
        conn = connect(config)
        requests = hooklib.RequestLog(conn.session)
        try:
            done = run(config, conn, log)
        finally:
            conn.close()
        calls, writes = requests.counts()
        log.info(
            "summary: writes=%d created=%d updated=%d unchanged=%d api_calls=%d seconds=%.1f",
            writes,
            len(done["created"]),
            len(done["updated"]),
            len(done["unchanged"]),
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
