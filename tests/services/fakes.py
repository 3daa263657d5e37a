"""In-memory stand-ins for fast hook tests: a small Keystone v3 that keystone_register talks to."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
COLLECTIONS = ("projects", "users", "roles", "services", "endpoints", "registered_limits")
FILTERS = {
    "projects": ("name", "domain_id"),
    "users": ("name", "domain_id"),
    "roles": ("name",),
    "services": ("type", "name"),
    "endpoints": ("service_id", "interface", "region_id"),
    "registered_limits": ("service_id", "region_id", "resource_name"),
}
UNIQUE = {
    "projects": ("name", "domain_id"),
    "users": ("name", "domain_id"),
    "roles": ("name",),
}


class FakeError(Exception):
    """An error status, shaped like the hook's ApiError (status attribute)."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the status."""
        super().__init__(f"{status} {message}")
        self.status = status


class FakeKeystone:
    """Keystone's v3 catalog and assignment calls, in memory, with a log of every call."""

    def __init__(self, error: Callable[[int, str], Exception] = FakeError) -> None:
        """Start empty but for RegionOne and the admin and member roles."""
        self.error = error
        self.writes = 0
        self.data: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self.regions: set[str] = {"RegionOne"}
        self.assignments: set[tuple[str, str, str]] = set()
        self.passwords: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self._ids = itertools.count(500)
        # Called after each create with (collection, object); tests use it to play another run.
        self.after_create: Callable[[str, dict[str, Any]], None] | None = None
        for name in ("admin", "member"):
            self.insert("roles", {"name": name})

    # state helpers for tests

    def new_id(self) -> str:
        """Return a fresh id; later ids sort after earlier ones."""
        return f"{next(self._ids):032x}"

    def insert(self, collection: str, fields: dict[str, Any], obj_id: str | None = None) -> dict:
        """Add an object directly (as another party would)."""
        obj = dict(fields, id=obj_id or self.new_id())
        self.data[collection][obj["id"]] = obj
        return obj

    def find(self, collection: str, **match: Any) -> list[dict[str, Any]]:
        """Return objects whose fields equal match."""
        return [
            o
            for o in self.data[collection].values()
            if all(o.get(k) == v for k, v in match.items())
        ]

    @property
    def write_calls(self) -> list[tuple[str, str]]:
        """Return the calls that changed something."""
        return [c for c in self.calls if c[0] in WRITE_METHODS]

    # the interface keystone_register.Identity offers

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Serve one call, counting it and, when it succeeds and changes something, the write."""
        self.calls.append((method, path))
        result = self._serve(method, path, body, params or {})
        if method in WRITE_METHODS:
            self.writes += 1
        return result

    def _serve(
        self, method: str, path: str, body: dict[str, Any] | None, params: dict[str, str]
    ) -> dict[str, Any]:
        """Answer one call."""
        if path == "/role_assignments":
            return self._assignments(params)
        match = re.fullmatch(r"/projects/([^/]+)/users/([^/]+)/roles/([^/]+)", path)
        if match and method == "PUT":
            self.assignments.add((match.group(1), match.group(2), match.group(3)))
            return {}
        match = re.fullmatch(r"/regions/([^/]+)", path)
        if match:
            if match.group(1) not in self.regions:
                raise self.error(404, "region not found")
            return {"region": {"id": match.group(1)}}
        if path == "/regions" and method == "POST":
            assert body is not None
            region = body["region"]["id"]
            if region in self.regions:
                raise self.error(409, "duplicate region")
            self.regions.add(region)
            return {"region": {"id": region}}
        match = re.fullmatch(r"/([a-z_]+)(?:/([^/]+))?", path)
        if not match or match.group(1) not in COLLECTIONS:
            raise self.error(404, f"no route {method} {path}")
        collection, obj_id = match.group(1), match.group(2)
        if method == "GET" and obj_id is None:
            items = [
                o
                for o in self.data[collection].values()
                if all(o.get(k) == params[k] for k in FILTERS[collection] if k in params)
            ]
            return {collection: [dict(o) for o in items]}
        if method == "POST":
            assert body is not None
            return self._create(collection, body)
        if obj_id not in self.data[collection]:
            raise self.error(404, f"{collection} {obj_id} not found")
        if method == "PATCH":
            assert body is not None
            fields = next(iter(body.values()))
            if collection == "users" and "password" in fields:
                self.passwords[obj_id] = fields.pop("password")
            self.data[collection][obj_id].update(fields)
            return {collection[:-1]: dict(self.data[collection][obj_id])}
        if method == "DELETE":
            del self.data[collection][obj_id]
            if collection == "services":
                for endpoint in self.find("endpoints", service_id=obj_id):
                    del self.data["endpoints"][endpoint["id"]]
            return {}
        return {collection[:-1]: dict(self.data[collection][obj_id])}

    def list(self, path: str, key: str, **params: str) -> list[dict[str, Any]]:
        """GET a collection."""
        return list(self.request("GET", path, params=params)[key])

    def create(self, path: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """POST an object."""
        return dict(self.request("POST", path, body={key: fields})[key])

    def _create(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create one object (or a batch of registered limits)."""
        if collection == "registered_limits":
            made = [self._create_one(collection, dict(f)) for f in body["registered_limits"]]
            return {"registered_limits": made}
        return {collection[:-1]: self._create_one(collection, dict(next(iter(body.values()))))}

    def _create_one(self, collection: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Create one object, refusing duplicates where Keystone does."""
        unique = UNIQUE.get(collection)
        if unique and self.find(collection, **{k: fields.get(k) for k in unique}):
            raise self.error(409, f"duplicate {collection[:-1]}")
        password = fields.pop("password", None)
        obj = self.insert(collection, fields)
        if password is not None:
            self.passwords[obj["id"]] = password
        if self.after_create is not None:
            self.after_create(collection, obj)
        return dict(obj)

    def _assignments(self, params: dict[str, str]) -> dict[str, Any]:
        """List role assignments of a user on a project, with role names."""
        found = []
        for project_id, user_id, role_id in sorted(self.assignments):
            if project_id == params.get("scope.project.id") and user_id == params.get("user.id"):
                role = self.data["roles"].get(role_id, {"name": None})
                found.append(
                    {
                        "role": {"id": role_id, "name": role["name"]},
                        "user": {"id": user_id},
                        "scope": {"project": {"id": project_id}},
                    }
                )
        return {"role_assignments": found}

    def password_works(self, password: str) -> Callable[[str], bool]:
        """Return the login check the hook uses, for a given service password."""
        return lambda user_id: self.passwords.get(user_id) == password
