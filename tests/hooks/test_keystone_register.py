"""keystone_register.py: fast tests with an in-memory Keystone, then the real one."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import hooklib
import keystone_register as kr
import pytest

from tests.hooks.helpers import HOOKS, PASSWORD, HookRun, run_hook_process
from tests.services import free_port, scrubbed_env
from tests.services.fixtures import running_keystone
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB
from tests.services.tcpproxy import TcpProxy

BASE_ENV = {
    "OS_AUTH_URL": "http://keystone.test:5000",
    "OS_USERNAME": "admin",
    "OS_PASSWORD": "secret",
    "OS_PROJECT_NAME": "admin",
    "SERVICE_PASSWORD": "glance-secret",
}


# -- configuration ---------------------------------------------------------------------------


def test_config_defaults() -> None:
    """Unset settings take the documented defaults."""
    config = kr.Config.from_env(BASE_ENV)
    assert config.interface == "internal"
    assert config.service_roles == ("admin", "service")
    assert (config.service_name, config.service_type) == ("glance", "image")
    assert config.region == "RegionOne"
    assert config.endpoints == ()
    assert config.registered_limits == ()
    assert config.connect_retries == 5
    assert config.wait_seconds == 300


def test_config_reads_everything() -> None:
    """Every variable lands in its field; an empty endpoint URL is left out."""
    env = dict(
        BASE_ENV,
        OS_INTERFACE="publicURL",
        OS_REGION_NAME="RegionTwo",
        SERVICE_ROLES=" admin , service,admin,",
        ENDPOINT_PUBLIC_URL="https://glance.example.com",
        ENDPOINT_INTERNAL_URL="",
        REGISTERED_LIMITS='{"image_count_total": 100, "image_size_total": 1000}',
        CONNECT_RETRIES="4",
    )
    config = kr.Config.from_env(env)
    assert config.interface == "public"
    assert config.region == "RegionTwo"
    assert config.service_roles == ("admin", "service")
    assert config.endpoints == (("public", "https://glance.example.com"),)
    assert config.registered_limits == (("image_count_total", 100), ("image_size_total", 1000))
    assert config.connect_retries == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OS_AUTH_URL": ""}, "keystone.authURL (OS_AUTH_URL) is required but not set"),
        (
            {"OS_AUTH_URL": "keystone:5000"},
            "keystone.authURL (OS_AUTH_URL) must be an http:// or https:// URL, "
            "got 'keystone:5000'",
        ),
        (
            {"SERVICE_PASSWORD": "", "SERVICE_PASSWORD_KEY": "osp/GlancePassword"},
            "Secret key osp/GlancePassword (SERVICE_PASSWORD) is required but not set",
        ),
        ({"SERVICE_PASSWORD": ""}, "SERVICE_PASSWORD is required"),
        ({"OS_INTERFACE": "private"}, "OS_INTERFACE must be"),
        ({"ENDPOINT_PUBLIC_URL": "glance:9292"}, "ENDPOINT_PUBLIC_URL must be an http"),
        ({"REGISTERED_LIMITS": "{image_count_total: 1}"}, "REGISTERED_LIMITS is not valid JSON"),
        ({"REGISTERED_LIMITS": "[1]"}, "REGISTERED_LIMITS must be a JSON object"),
        ({"REGISTERED_LIMITS": '{"image_count_total": -2}'}, "-1 (unlimited) or more"),
        ({"REGISTERED_LIMITS": '{"image_count_total": true}'}, "-1 (unlimited) or more"),
        ({"REGISTERED_LIMITS": '{"image_count_total": "10"}'}, "-1 (unlimited) or more"),
        ({"CONNECT_RETRIES": "many"}, "CONNECT_RETRIES must be an integer"),
        ({"SERVICE_ROLES": ","}, "SERVICE_ROLES names no role"),
        ({"OS_CACERT": "/nonexistent/ca.pem"}, "OS_CACERT: no such file"),
    ],
)
def test_bad_config_exits_2(
    change: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting stops the hook before any connection, with exit 2 and one line naming it."""
    assert kr.main(environ=dict(BASE_ENV, **change)) == hooklib.EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert "hook=keystone_register level=error bad configuration:" in lines[0]
    assert message in lines[0]


def test_unset_service_password_is_not_managed() -> None:
    """No SERVICE_PASSWORD (every API has an application credential): nothing to set."""
    env = {k: v for k, v in BASE_ENV.items() if k != "SERVICE_PASSWORD"}
    assert kr.Config.from_env(env).service_password is None
    assert kr.Config.from_env(BASE_ENV).service_password == "glance-secret"


def test_secrets_never_logged_on_bad_config(capsys: pytest.CaptureFixture[str]) -> None:
    """Even a failing run does not print the passwords."""
    env = dict(BASE_ENV, OS_PASSWORD=PASSWORD, SERVICE_PASSWORD=PASSWORD, CONNECT_RETRIES="x")
    kr.main(environ=env)
    assert PASSWORD not in capsys.readouterr().err


# -- pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://k:5000", "http://k:5000/v3"),
        ("http://k:5000/", "http://k:5000/v3"),
        ("http://k:5000/v3", "http://k:5000/v3"),
        ("http://k:5000/v3/", "http://k:5000/v3"),
        ("https://k/identity", "https://k/identity/v3"),
    ],
)
def test_identity_url(given: str, expected: str) -> None:
    """The auth URL gets /v3 unless it has it."""
    assert hooklib.identity_url(given) == expected


def test_catalog_service_needs_every_endpoint_in_the_region() -> None:
    """The quick check finds the service only with each wanted URL in the region."""
    config = kr.Config.from_env(
        dict(BASE_ENV, ENDPOINT_PUBLIC_URL="http://pub", ENDPOINT_INTERNAL_URL="http://int")
    )

    def service(sid: str, *endpoints: tuple[str, str, str], name: str = "glance") -> dict:
        return {
            "id": sid,
            "type": "image",
            "name": name,
            "endpoints": [{"interface": i, "url": u, "region_id": r} for i, u, r in endpoints],
        }

    right = [("public", "http://pub", "RegionOne"), ("internal", "http://int", "RegionOne")]
    assert kr.catalog_service([service("b", *right), service("a", *right)], config) == "a"
    assert kr.catalog_service([service("a", *right, name="other")], config) is None
    assert kr.catalog_service([service("a", right[0])], config) is None
    moved = [("public", "http://pub", "RegionTwo"), right[1]]
    assert kr.catalog_service([service("a", *moved)], config) is None
    changed = [("public", "http://old", "RegionOne"), right[1]]
    assert kr.catalog_service([service("a", *changed), service("b", *right)], config) == "b"


# -- the real Keystone -----------------------------------------------------------------------


def service_state(keystone: Keystone, prefix: str) -> dict[str, Any]:
    """Collect what Keystone holds for a registration made with keystone_env(prefix)."""
    service_type = "image" if prefix == "glance" else f"image-{prefix}"
    services = [
        s for s in keystone.get("/services", "services", type=service_type) if s["name"] == prefix
    ]
    endpoints = [
        e for s in services for e in keystone.get("/endpoints", "endpoints", service_id=s["id"])
    ]
    users = keystone.get("/users", "users", name=prefix)
    return {"services": services, "endpoints": endpoints, "users": users}


def assert_ok(run: HookRun) -> None:
    """Fail with the hook's log when it did not exit 0."""
    assert run.returncode == 0, run.explain()


def test_fresh_cloud_then_rerun_writes_nothing(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Everything gets registered; a second run makes no write and few calls."""
    env = keystone_env("glance")
    first = run_keystone_hook(env)
    assert_ok(first)
    assert first.writes, first.explain()
    state = service_state(keystone, "glance")
    assert len(state["services"]) == 1
    assert sorted((e["interface"], e["url"], e["region_id"]) for e in state["endpoints"]) == [
        ("internal", "http://glance-internal.openstack.svc:9292", "RegionOne"),
        ("public", "http://glance.example.test:9292", "RegionOne"),
    ]
    [user] = state["users"]
    # The service user logs in with the awkward password, scoped to its project.
    assert keystone.token(user="glance", password=PASSWORD, project="service")
    [project] = keystone.get("/projects", "projects", name="service")
    roles = keystone.get(
        "/role_assignments",
        "role_assignments",
        **{"user.id": user["id"], "scope.project.id": project["id"], "include_names": "true"},
    )
    assert {a["role"]["name"] for a in roles} >= {"admin", "service"}
    assert any(
        "created endpoint public http://glance.example.test:9292" in line for line in first.lines
    )
    assert PASSWORD not in first.stderr + first.stdout

    second = run_keystone_hook(env)
    assert_ok(second)
    assert second.writes == [], second.explain()
    assert len(second.requests) <= 5, second.explain()
    # The hook counts its own requests (keystoneauth's records) as Keystone saw them.
    assert "summary: writes=0 " in second.lines[-1]
    assert f" api_calls={len(second.requests)} " in second.lines[-1], second.explain()
    assert f"summary: writes={len(first.writes)} " in first.lines[-1], first.explain()
    assert f" api_calls={len(first.requests)} " in first.lines[-1], first.explain()
    assert any("unchanged: endpoint public" in line for line in second.lines)


def test_changed_endpoint_url_is_updated_in_place(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A new public URL patches the existing endpoint: same id, no new endpoint."""
    assert_ok(run_keystone_hook(keystone_env("urlchange")))
    before = {e["interface"]: e for e in service_state(keystone, "urlchange")["endpoints"]}
    run = run_keystone_hook(
        keystone_env("urlchange", ENDPOINT_PUBLIC_URL="https://images.example.test")
    )
    assert_ok(run)
    assert [(r.method, r.path.rsplit("/", 1)[0]) for r in run.writes] == [
        ("PATCH", "/v3/endpoints")
    ], run.explain()
    after = {e["interface"]: e for e in service_state(keystone, "urlchange")["endpoints"]}
    assert after["public"]["id"] == before["public"]["id"]
    assert after["public"]["url"] == "https://images.example.test"
    assert after["internal"] == before["internal"]


def test_rotated_password_is_written(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A changed SERVICE_PASSWORD updates the user's password, and only that."""
    assert_ok(run_keystone_hook(keystone_env("rotate")))
    rotated = PASSWORD + " v2"
    run = run_keystone_hook(keystone_env("rotate", SERVICE_PASSWORD=rotated))
    assert_ok(run)
    assert [r.method for r in run.writes] == ["PATCH"], run.explain()
    assert any("updated password of user rotate" in line for line in run.lines)
    assert keystone.token(user="rotate", password=rotated, project=None)
    with pytest.raises(urllib.error.HTTPError):
        keystone.token(user="rotate", password=PASSWORD, project=None)
    assert run_keystone_hook(keystone_env("rotate", SERVICE_PASSWORD=rotated)).writes == []


def application_credential(keystone: Keystone, user: str, password: str) -> tuple[str, str]:
    """Create an application credential as the user (only it may), with its service role;
    return its ID and secret."""
    token = keystone.token(user=user, password=password, project="service")
    [found] = keystone.get("/users", "users", name=user)
    request = urllib.request.Request(
        f"{keystone.auth_url}/users/{found['id']}/application_credentials",
        data=json.dumps(
            {"application_credential": {"name": f"{user}-ac", "roles": [{"name": "service"}]}}
        ).encode(),
        headers={"X-Auth-Token": token, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        made = json.loads(response.read())["application_credential"]
    return made["id"], made["secret"]


def application_credential_login(keystone: Keystone, ac_id: str, secret: str) -> list[str]:
    """Log in with an application credential; return the token's role names."""
    auth = {
        "identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": ac_id, "secret": secret},
        }
    }
    request = urllib.request.Request(
        f"{keystone.auth_url}/auth/tokens",
        data=json.dumps({"auth": auth}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return sorted(role["name"] for role in json.loads(response.read())["token"]["roles"])


def test_without_the_service_password_it_is_left_alone(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Every API on an application credential: the hook gets no SERVICE_PASSWORD, checks every
    object as the admin, writes nothing, and the user's password and credential keep working."""
    assert_ok(run_keystone_hook(keystone_env("acuser")))
    ac_id, secret = application_credential(keystone, "acuser", PASSWORD)
    env = keystone_env("acuser")
    del env["SERVICE_PASSWORD"]
    run = run_keystone_hook(env)
    assert_ok(run)
    assert run.writes == [], run.explain()
    assert any(
        "unchanged: user acuser (password left alone: application credentials)" in line
        for line in run.lines
    ), run.explain()
    assert any("unchanged: endpoint public" in line for line in run.lines), run.explain()
    assert keystone.token(user="acuser", password=PASSWORD, project="service")
    assert application_credential_login(keystone, ac_id, secret) == ["service"]


def test_a_new_user_without_the_service_password_has_none(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A user the hook creates without SERVICE_PASSWORD gets no password, with a warning; the
    rest is registered as with one, and a rerun writes nothing."""
    env = keystone_env("acnew")
    del env["SERVICE_PASSWORD"]
    first = run_keystone_hook(env)
    assert_ok(first)
    assert any("user acnew created without a password" in line for line in first.lines)
    state = service_state(keystone, "acnew")
    assert len(state["users"]) == 1 and len(state["endpoints"]) == 2
    with pytest.raises(urllib.error.HTTPError):  # the password the other runs would set
        keystone.token(user="acnew", password=PASSWORD, project=None)
    second = run_keystone_hook(env)
    assert_ok(second)
    assert second.writes == [], second.explain()


def test_registered_limits_created_then_updated(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Quotas on: limits appear; a changed value is patched; a rerun writes nothing."""
    limits = (
        '{"image_size_total": 1000, "image_stage_total": 1000, '
        '"image_count_total": 100, "image_count_uploading": 10}'
    )
    env = keystone_env("quota", REGISTERED_LIMITS=limits)
    assert_ok(run_keystone_hook(env))
    [service] = service_state(keystone, "quota")["services"]

    def current() -> dict[str, int]:
        found = keystone.get("/registered_limits", "registered_limits", service_id=service["id"])
        return {limit["resource_name"]: limit["default_limit"] for limit in found}

    assert current() == {
        "image_size_total": 1000,
        "image_stage_total": 1000,
        "image_count_total": 100,
        "image_count_uploading": 10,
    }
    changed = run_keystone_hook(dict(env, REGISTERED_LIMITS=limits.replace("100,", "250,")))
    assert_ok(changed)
    assert [r.method for r in changed.writes] == ["PATCH"], changed.explain()
    assert current()["image_count_total"] == 250
    again = run_keystone_hook(dict(env, REGISTERED_LIMITS=limits.replace("100,", "250,")))
    assert again.writes == [], again.explain()


def test_system_roles_for_limits_assigned_once(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """oslo.limit logs in system-scoped: the user gets its system role, and only once."""
    env = keystone_env("sysrole", SERVICE_SYSTEM_ROLES="reader")
    assert_ok(run_keystone_hook(env))
    [user] = keystone.get("/users", "users", name=env["SERVICE_USER"])
    found = keystone.get(
        "/role_assignments", "role_assignments", **{"user.id": user["id"], "scope.system": "all"}
    )
    roles = {a["role"]["id"] for a in found}
    [reader] = keystone.get("/roles", "roles", name="reader")
    assert roles == {reader["id"]}
    again = run_keystone_hook(env)
    assert again.writes == [], again.explain()


def test_overlapping_runs_then_a_rerun_converges(
    keystone: Keystone,
    keystone_env: Callable[..., dict[str, str]],
    run_keystone_hook: Any,
) -> None:
    """Two Jobs at the same moment may both create; a rerun completes it and deletes nothing."""
    env = scrubbed_env(**keystone_env("overlap"))
    barrier = threading.Barrier(2)
    results: list[subprocess.CompletedProcess[str]] = []

    def job() -> None:
        barrier.wait()
        results.append(
            subprocess.run(
                [sys.executable, str(HOOKS / "keystone_register.py")],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        )

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logs = "\n---\n".join(r.stderr for r in results)
    assert [r.returncode for r in results] == [0, 0], logs
    state = service_state(keystone, "overlap")
    assert len(state["users"]) == 1, logs
    rerun = run_keystone_hook(keystone_env("overlap"))
    assert_ok(rerun)
    assert not [r for r in rerun.writes if r.method == "DELETE"], rerun.explain()
    assert service_state(keystone, "overlap")["services"] == state["services"]
    assert run_keystone_hook(keystone_env("overlap")).writes == []


def test_keystone_down_at_start_then_up(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Keystone answers only after a few seconds: a line per retry, then the run goes through."""
    proxy = TcpProxy(keystone.port)
    proxy.open_after(2.0)
    try:
        run = run_keystone_hook(keystone_env("late", OS_AUTH_URL=f"{proxy.url}/v3"))
    finally:
        proxy.close()
    assert_ok(run)
    waits = [line.split(" level=")[1] for line in run.lines if "retrying in" in line]
    assert waits, run.stderr
    assert waits[0] == (
        f"warning service user login: Keystone at {proxy.url}/v3: Connection refused; "
        "retrying in 1 s, giving up in 30 s"
    )
    assert len(service_state(keystone, "late")["services"]) == 1


def test_keystone_answering_503_first(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A front end answering 503 for a while (Keystone starting) is retried, not fatal."""
    proxy = TcpProxy(keystone.port, unavailable_first=2)
    proxy.open()
    try:
        run = run_keystone_hook(keystone_env("busy", OS_AUTH_URL=f"{proxy.url}/v3"))
    finally:
        proxy.close()
    assert_ok(run)
    assert any(": HTTP 503; retrying in " in line for line in run.lines), run.stderr


@pytest.mark.parametrize("python", ["current", "py39"])
def test_keystone_down_past_the_bound(
    python: str, keystone_env: Callable[..., dict[str, str]], venv39: str
) -> None:
    """Nothing answers: a line per retry, and after KEYSTONE_WAIT_SECONDS one error line."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v3"
    run = run_hook_process(
        "keystone_register.py",
        keystone_env("nobody", OS_AUTH_URL=url, KEYSTONE_WAIT_SECONDS="4"),
        python=sys.executable if python == "current" else venv39,
    )
    assert run.returncode == 1, run.explain()
    retries = [line for line in run.lines if "level=warning" in line]
    assert 2 <= len(retries) <= 4, run.stderr
    assert run.errors == [run.lines[-1]], run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        f"Keystone at {url} did not answer within 4 s, the bound set by keystone.waitSeconds "
        "(KEYSTONE_WAIT_SECONDS): Connection refused"
    )
    assert run.seconds < 15


@pytest.mark.parametrize("python", ["current", "py39"])
def test_wrong_admin_password(
    python: str, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any, venv39: str
) -> None:
    """A wrong admin password: exit 1, one line naming the Secret key, and nothing written."""
    run = run_keystone_hook(
        keystone_env(
            "wrongadmin", OS_PASSWORD="not-the-password", OS_PASSWORD_KEY="osp-secret/AdminPassword"
        ),
        python=sys.executable if python == "current" else venv39,
    )
    assert run.returncode == 1, run.explain()
    # The service user's login is refused too: it does not exist yet.
    assert [(r.method, r.status) for r in run.requests] == [("POST", 401), ("POST", 401)]
    assert run.errors == [run.lines[-1]], run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        f"Keystone at {keystone_env()['OS_AUTH_URL']} refused the admin login of user 'admin' "
        "(domain Default, project admin): wrong password in Secret key "
        "osp-secret/AdminPassword (OS_PASSWORD), or unknown user or project"
    )
    assert "not-the-password" not in run.stderr


@pytest.mark.parametrize("python", ["current", "py39"])
def test_region_without_identity_endpoint(
    python: str, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any, venv39: str
) -> None:
    """keystone.region names a region Keystone has no endpoint in: one line saying so."""
    run = run_keystone_hook(
        keystone_env("noregion", OS_REGION_NAME="Elsewhere"),
        python=sys.executable if python == "current" else venv39,
    )
    assert run.returncode == 1, run.explain()
    assert run.writes == []
    assert run.errors == [run.lines[-1]], run.stderr
    assert run.errors[0].split(" level=error ")[1] == (
        f"the catalog of Keystone at {keystone_env()['OS_AUTH_URL']} has no internal identity "
        "endpoint in region Elsewhere: set keystone.region (OS_REGION_NAME) to the region of "
        "Keystone's own endpoints"
    )


def test_disabled_service_and_endpoint_are_enabled_again(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Someone disabled the image service and an endpoint: the next run enables them."""
    env = keystone_env("disabled")
    assert_ok(run_keystone_hook(env))
    state = service_state(keystone, "disabled")
    [service] = state["services"]
    public = next(e for e in state["endpoints"] if e["interface"] == "public")
    keystone.api("PATCH", f"/services/{service['id']}", {"service": {"enabled": False}})
    keystone.api("PATCH", f"/endpoints/{public['id']}", {"endpoint": {"enabled": False}})
    run = run_keystone_hook(env)
    assert_ok(run)
    assert sorted(r.method for r in run.writes) == ["PATCH", "PATCH"], run.explain()
    after = service_state(keystone, "disabled")
    assert [s["enabled"] for s in after["services"]] == [True]
    assert all(e["enabled"] for e in after["endpoints"]), after["endpoints"]
    assert run_keystone_hook(env).writes == []


@pytest.fixture(scope="module")
def limited_keystone(
    mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keystone]:
    """A second Keystone whose lists answer at most 2 items ([DEFAULT] list_limit = 2)."""
    workdir = tmp_path_factory.mktemp("keystone-limited")
    with running_keystone(
        mariadb, PASSWORD, workdir, list_limit=2, db_name="keystone_limited"
    ) as server:
        yield server


def test_keystone_with_a_list_limit(limited_keystone: Keystone) -> None:
    """Lists cut at 2 items hide nothing: no duplicate, a changed URL patched, then no write."""
    keystone = limited_keystone
    for index in range(3):
        name = f"other{index}"
        keystone.api("POST", "/projects", {"project": {"name": name, "domain_id": "default"}})
        keystone.api("POST", "/users", {"user": {"name": name, "domain_id": "default"}})
        keystone.api("POST", "/services", {"service": {"name": name, "type": "image"}})
    limits = '{"image_size_total": 1, "image_stage_total": 2, "image_count_total": 3}'
    env = keystone.admin_env(
        SERVICE_USER="glance",
        SERVICE_PASSWORD=PASSWORD,
        ENDPOINT_PUBLIC_URL="http://glance.example.test:9292",
        ENDPOINT_INTERNAL_URL="http://glance.svc:9292",
        REGISTERED_LIMITS=limits,
        KEYSTONE_WAIT_SECONDS="30",
    )

    def run(**extra: str) -> HookRun:
        mark = keystone.mark()
        outcome = run_hook_process("keystone_register.py", dict(env, **extra))
        outcome.requests = keystone.requests_since(mark)
        assert_ok(outcome)
        return outcome

    run()
    [service] = keystone.get("/services", "services", type="image", name="glance")
    keystone.api(
        "POST",
        "/endpoints",
        {"endpoint": {"service_id": service["id"], "interface": "admin", "url": "http://a"}},
    )
    for again in (run(), run()):
        assert again.writes == [], again.explain()
    moved = run(ENDPOINT_PUBLIC_URL="http://images.example.test")
    assert [(r.method, r.path.rsplit("/", 1)[0]) for r in moved.writes] == [
        ("PATCH", "/v3/endpoints")
    ], moved.explain()
    assert run(ENDPOINT_PUBLIC_URL="http://images.example.test").writes == []
    assert len(keystone.get("/users", "users", name="glance")) == 1
    assert len(keystone.get("/projects", "projects", name="service")) == 1
    assert len(keystone.get("/services", "services", type="image", name="glance")) == 1

    def urls(interface: str) -> list[str]:
        found = keystone.get(
            "/endpoints", "endpoints", service_id=service["id"], interface=interface
        )
        return [e["url"] for e in found]

    assert (urls("public"), urls("internal")) == (
        ["http://images.example.test"],
        ["http://glance.svc:9292"],
    )
    found = keystone.get(
        "/registered_limits", "registered_limits", resource_name="image_count_total"
    )
    assert [limit["default_limit"] for limit in found] == [3]


@pytest.mark.parametrize("python", ["current", "py39"])
def test_new_region_is_created_for_the_endpoints(
    python: str,
    keystone: Keystone,
    keystone_env: Callable[..., dict[str, str]],
    run_keystone_hook: Any,
    venv39: str,
) -> None:
    """Endpoints in a region Keystone does not have yet: the region is made, then reused."""
    prefix, region = f"region{python}", f"Region{python.capitalize()}"
    env = keystone_env(prefix, REGION=region)
    interpreter = sys.executable if python == "current" else venv39
    first = run_keystone_hook(env, python=interpreter)
    assert_ok(first)
    assert f"created region {region}" in first.stderr
    assert [r["id"] for r in keystone.get("/regions", "regions") if r["id"] == region] == [region]
    endpoints = service_state(keystone, prefix)["endpoints"]
    assert sorted((e["interface"], e["region_id"]) for e in endpoints) == [
        ("internal", region),
        ("public", region),
    ]
    again = run_keystone_hook(env, python=interpreter)
    assert again.writes == [], again.explain()
    assert len(again.requests) <= 2, again.explain()
