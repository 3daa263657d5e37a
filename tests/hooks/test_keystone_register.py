"""keystone_register.py: fast tests with an in-memory Keystone, then the real one."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import urllib.error
from collections.abc import Callable
from typing import Any

import hooklib
import keystone_register as kr
import pytest

from tests.hooks.helpers import HOOKS, PASSWORD, HookRun, run_hook_process
from tests.services import free_port, scrubbed_env
from tests.services.fakes import FakeKeystone
from tests.services.keystone import Keystone
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
    assert config.connect_retries == 10


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
        ({"OS_AUTH_URL": ""}, "OS_AUTH_URL is required"),
        ({"OS_AUTH_URL": "keystone:5000"}, "OS_AUTH_URL must be an http"),
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
    assert kr.identity_url(given) == expected


def test_choose_agrees_on_lowest_id() -> None:
    """Runs that see the same duplicates agree: the lowest id stays, its maker keeps it."""
    assert kr.choose(["b", "a"], mine=[]) == ("a", [])  # not ours: used, never deleted
    assert kr.choose(["a"], mine=["a"]) == ("a", [])
    assert kr.choose(["a", "b"], mine=["a"]) == ("a", [])
    assert kr.choose(["a", "b"], mine=["b"]) == ("a", ["b"])
    assert kr.choose(["c", "a"], mine=["c", "a"]) == ("a", ["c"])


def test_choose_defers_to_a_twin_that_lasts() -> None:
    """Another run's twin still there a pass later has been kept by that run: drop ours."""
    assert kr.choose(["a", "b"], mine=["a"], seen=["b"]) == ("b", ["a"])
    assert kr.choose(["a", "b", "c"], mine=["a"], seen=["c"]) == ("c", ["a"])


def endpoint(eid: str, interface: str, url: str, region: str = "RegionOne") -> dict[str, Any]:
    """Build an endpoint as Keystone lists it."""
    return {"id": eid, "interface": interface, "url": url, "region_id": region}


def test_plan_endpoints() -> None:
    """Missing endpoints are created, changed URLs updated in place, equal ones kept."""
    existing = [
        endpoint("1", "public", "http://old"),
        endpoint("2", "internal", "http://int"),
        endpoint("3", "admin", "http://adm"),
        endpoint("4", "public", "http://other-region", region="RegionTwo"),
    ]
    wanted = [("public", "http://new"), ("internal", "http://int")]
    actions = kr.plan_endpoints(existing, wanted, "RegionOne")
    assert [(a.kind, a.key, a.value) for a in actions] == [
        ("update", "public", "http://new"),
        ("keep", "internal", "http://int"),
    ]
    assert actions[0].current is not None and actions[0].current["id"] == "1"
    created = kr.plan_endpoints([], wanted, "RegionOne")
    assert [a.kind for a in created] == ["create", "create"]


def test_plan_endpoints_with_duplicates_uses_the_survivor() -> None:
    """With duplicates, the plan works on the one that will be kept."""
    existing = [endpoint("1", "public", "http://x"), endpoint("2", "public", "http://y")]
    wanted = [("public", "http://y")]
    [action] = kr.plan_endpoints(existing, wanted, "RegionOne")
    assert (action.kind, action.current and action.current["id"]) == ("update", "1")
    [action] = kr.plan_endpoints(existing, wanted, "RegionOne", mine=["1"], seen=["2"])
    assert (action.kind, action.current and action.current["id"]) == ("keep", "2")


def test_plan_limits() -> None:
    """Limits are created, updated when the default changes, or kept."""
    existing = [
        {"id": "1", "resource_name": "image_count_total", "default_limit": 100},
        {"id": "2", "resource_name": "image_size_total", "default_limit": 1000},
    ]
    wanted = [("image_count_total", 100), ("image_size_total", 2000), ("image_stage_total", 5)]
    assert [(a.kind, a.key) for a in kr.plan_limits(existing, wanted)] == [
        ("keep", "image_count_total"),
        ("update", "image_size_total"),
        ("create", "image_stage_total"),
    ]


def test_connection_reason() -> None:
    """keystoneauth's long connection errors shrink to their cause."""
    text = (
        "Unable to establish connection to http://127.0.0.1:1/v3/auth/tokens: "
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
        "/v3/auth/tokens (Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
        "object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"
    )
    assert kr.connection_reason(Exception(text)) == "Connection refused"


# -- convergence against the in-memory Keystone ----------------------------------------------


def fake_config(**extra: Any) -> kr.Config:
    """A configuration for the in-memory Keystone."""
    fields: dict[str, Any] = {
        "auth_url": "http://keystone.test/v3",
        "username": "admin",
        "password": "secret",
        "project_name": "admin",
        "service_password": "glance-secret",
        "service_roles": ("admin", "service"),
        "endpoints": (("public", "http://glance.test"), ("internal", "http://glance.svc")),
        "registered_limits": (("image_count_total", 100),),
    }
    fields.update(extra)
    return kr.Config(**fields)


def fake_run(fake: FakeKeystone, config: kr.Config, passes: int = kr.MAX_PASSES) -> kr.Tally:
    """Run the registration passes against the fake."""
    run = registration(fake, config, "test")
    return kr.converge(run, logging.getLogger("test"), passes, sleep=lambda _: None)


def api_error(status: int, message: str) -> Exception:
    """Build the hook's own API error for the fake."""
    return kr.ApiError(status, "X", "/fake", message)


def test_fake_fresh_then_rerun_writes_nothing() -> None:
    """A fresh registration creates everything once; the rerun only reads."""
    fake = FakeKeystone(api_error)
    tally = fake_run(fake, fake_config())
    assert len(fake.find("services", name="glance", type="image")) == 1
    assert len(fake.find("users", name="glance")) == 1
    assert {e["interface"] for e in fake.find("endpoints")} == {"public", "internal"}
    assert len(fake.find("roles", name="service")) == 1
    assert len(fake.assignments) == 2
    assert tally.writes == len(fake.write_calls) > 0
    before = len(fake.write_calls)
    assert fake_run(fake, fake_config()).writes == 0
    assert len(fake.write_calls) == before


def registration(fake: FakeKeystone, config: kr.Config, name: str) -> kr.Registration:
    """One run's registration state against the fake."""
    return kr.Registration(
        config,
        fake,  # type: ignore[arg-type]
        logging.getLogger(name),
        ("default", "default"),
        fake.password_works(config.service_password),
    )


def test_fake_twin_kept_by_a_run_that_moved_on() -> None:
    """A twin made by a run that does not come back (it kept its own) wins after one pass."""
    fake = FakeKeystone(api_error)
    twins: dict[str, str] = {}

    def twin(collection: str, obj: dict[str, Any]) -> None:
        if collection in ("services", "endpoints") and collection not in twins:
            fields = {k: v for k, v in obj.items() if k != "id"}
            twins[collection] = fake.insert(collection, fields)["id"]

    fake.after_create = twin
    fake_run(fake, fake_config())
    services = fake.find("services", type="image")
    assert [s["id"] for s in services] == [twins["services"]]
    assert len(fake.find("endpoints", interface="public")) == 1
    assert len(fake.find("endpoints", interface="internal")) == 1
    assert {e["service_id"] for e in fake.find("endpoints")} == {twins["services"]}


def test_fake_two_runs_seeing_each_other_agree() -> None:
    """Two runs that made a service each at once and see both keep the lowest id, once."""
    fake = FakeKeystone(api_error)
    config = fake_config()
    first, second = registration(fake, config, "a"), registration(fake, config, "b")
    made: list[str] = []

    def other_run_creates_too(collection: str, obj: dict[str, Any]) -> None:
        if collection == "services" and not made:
            made.append(obj["id"])
            twin = fake.insert("services", {k: v for k, v in obj.items() if k != "id"})
            second.mine.setdefault("service", set()).add(twin["id"])
            made.append(twin["id"])

    fake.after_create = other_run_creates_too
    first.converge()  # one pass each, interleaved, as two Jobs at once would
    second.converge()
    kr.converge(first, logging.getLogger("a"), sleep=lambda _: None)
    kr.converge(second, logging.getLogger("b"), sleep=lambda _: None)
    assert [s["id"] for s in fake.find("services", type="image")] == [min(made)]
    assert len(fake.find("endpoints", interface="public")) == 1
    assert {e["service_id"] for e in fake.find("endpoints")} == {min(made)}


def test_fake_late_twin_is_removed_by_its_maker() -> None:
    """A run that finds someone else's twin of what it made keeps the other and drops its own."""
    fake = FakeKeystone(api_error)
    config = fake_config()
    first = kr.Registration(
        config,
        fake,
        logging.getLogger("a"),
        ("default", "default"),  # type: ignore[arg-type]
        fake.password_works(config.service_password),
    )
    first.converge()  # made the service and endpoints, has not checked again yet
    [mine] = fake.find("services", type="image")
    late = fake.insert(
        "services", {"name": "glance", "type": "image", "description": "x"}, obj_id="0" * 32
    )  # another run's, with a lower id
    kr.converge(first, logging.getLogger("a"), sleep=lambda _: None)
    assert [s["id"] for s in fake.find("services", type="image")] == [late["id"]]
    assert mine["id"] not in fake.data["services"]
    assert {e["service_id"] for e in fake.find("endpoints")} == {late["id"]}


def test_fake_never_deletes_what_it_did_not_create() -> None:
    """Pre-existing duplicates are used (lowest id) and left in place."""
    fake = FakeKeystone(api_error)
    a = fake.insert(
        "services",
        {"name": "glance", "type": "image", "description": "OpenStack Image service"},
        obj_id="a" * 32,
    )
    fake.insert(
        "services", {"name": "glance", "type": "image", "description": "old"}, obj_id="b" * 32
    )
    fake_run(fake, fake_config())
    assert len(fake.find("services", type="image")) == 2
    assert {e["service_id"] for e in fake.find("endpoints")} == {a["id"]}
    assert not [c for c in fake.write_calls if c[0] == "DELETE"]


def test_fake_rotated_password_and_changed_url() -> None:
    """A new password and a new URL are written in place; nothing else is touched."""
    fake = FakeKeystone(api_error)
    fake_run(fake, fake_config())
    [public] = fake.find("endpoints", interface="public")
    before = len(fake.write_calls)
    changed = fake_config(
        service_password="rotated",
        endpoints=(("public", "http://glance.new"), ("internal", "http://glance.svc")),
    )
    tally = fake_run(fake, changed)
    assert tally.writes == 2
    assert sorted(c[0] for c in fake.write_calls[before:]) == ["PATCH", "PATCH"]
    assert fake.data["endpoints"][public["id"]]["url"] == "http://glance.new"
    [user] = fake.find("users", name="glance")
    assert fake.passwords[user["id"]] == "rotated"


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
    assert len(second.requests) <= 12, second.explain()
    assert "summary: writes=0 " in second.lines[-1]
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


@pytest.mark.parametrize("round_", [1, 2])
def test_two_runs_at_once_leave_no_duplicates(
    round_: int,
    keystone: Keystone,
    keystone_env: Callable[..., dict[str, str]],
    run_keystone_hook: Any,
) -> None:
    """Two Jobs registering the same new service at the same moment end with one of each."""
    prefix = f"race{round_}"
    env = scrubbed_env(**keystone_env(prefix))
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
    state = service_state(keystone, prefix)
    assert len(state["services"]) == 1, logs
    assert len(state["users"]) == 1, logs
    assert sorted(e["interface"] for e in state["endpoints"]) == ["internal", "public"], logs
    # And the survivor is stable: one more run writes nothing.
    assert run_keystone_hook(keystone_env(prefix)).writes == []


def test_keystone_down_at_start_then_up(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """Keystone answers only after a few seconds: the retries carry the run through."""
    proxy = TcpProxy(keystone.port)
    proxy.open_after(2.0)
    try:
        run = run_keystone_hook(
            keystone_env("late", OS_AUTH_URL=f"{proxy.url}/v3", CONNECT_RETRIES="6")
        )
    finally:
        proxy.close()
    assert_ok(run)
    assert any("level=warning" in line and "Retrying" in line for line in run.lines), run.stderr
    assert len(service_state(keystone, "late")["services"]) == 1


def test_keystone_answering_503_first(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A front end answering 503 for a while (Keystone starting) is retried, not fatal."""
    proxy = TcpProxy(keystone.port, unavailable_first=2)
    proxy.open()
    try:
        run = run_keystone_hook(
            keystone_env("busy", OS_AUTH_URL=f"{proxy.url}/v3", CONNECT_RETRIES="4")
        )
    finally:
        proxy.close()
    assert_ok(run)
    assert any("retrying" in line for line in run.lines), run.stderr


def test_keystone_down_past_the_bound(keystone_env: Callable[..., dict[str, str]]) -> None:
    """Nothing answers: after the retries, exit 1 with one line saying so."""
    port = free_port()
    run = run_hook_process(
        "keystone_register.py",
        keystone_env("nobody", OS_AUTH_URL=f"http://127.0.0.1:{port}/v3", CONNECT_RETRIES="2"),
    )
    assert run.returncode == 1, run.explain()
    assert len(run.errors) == 1, run.stderr
    assert f"Keystone at http://127.0.0.1:{port}/v3 did not answer after 2 retries" in run.errors[0]
    assert "Connection refused" in run.errors[0]
    assert run.seconds < 30


def test_wrong_admin_password(
    keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A wrong admin password: exit 1, one clear line, and nothing written."""
    run = run_keystone_hook(keystone_env("wrongadmin", OS_PASSWORD="not-the-password"))
    assert run.returncode == 1, run.explain()
    assert run.writes == []
    assert [(r.method, r.status) for r in run.requests] == [("POST", 401)], run.explain()
    assert len(run.errors) == 1, run.stderr
    assert "refused the admin login of user 'admin'" in run.errors[0]
    assert "not-the-password" not in run.stderr
