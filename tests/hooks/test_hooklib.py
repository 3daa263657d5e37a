"""hooklib.py: environment reading, one-line logging, redaction, retries, exit codes."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse

import dburl
import hooklib
import pytest
from sqlalchemy.engine import make_url


def test_env_reads_and_defaults() -> None:
    """Values are stripped; unset or empty ones take the default."""
    env = hooklib.Env({"A": "  x ", "EMPTY": "", "N": "7", "B": "Yes", "L": "a, b,,a"})
    assert env.text("A") == "x"
    assert env.text("EMPTY", "d") == "d"
    assert env.text("MISSING", "d") == "d"
    assert env.integer("N", 1) == 7
    assert env.integer("MISSING", 3) == 3
    assert env.flag("B", False) is True
    assert env.items("L", ()) == ("a", "b")
    assert env.secret("A") == "  x "


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda env: env.text("MISSING", required=True), "MISSING is required but not set"),
        (lambda env: env.secret("EMPTY", required=True), "EMPTY is required but not set"),
        (lambda env: env.integer("WORD", 1), "WORD must be an integer, got 'ten'"),
        (lambda env: env.integer("N", 1, maximum=5), "N must be at least 0 and at most 5, got 7"),
        (lambda env: env.flag("WORD", False), "WORD must be true or false, got 'ten'"),
        (lambda env: env.url("WORD"), "WORD must be an http:// or https:// URL"),
    ],
)
def test_env_errors_name_the_variable(call: object, message: str) -> None:
    """Every bad value raises ConfigError naming the variable."""
    env = hooklib.Env({"EMPTY": "", "WORD": "ten", "N": "7"})
    with pytest.raises(hooklib.ConfigError, match=message):
        call(env)  # type: ignore[operator]


def test_log_lines_are_single_lines() -> None:
    """Every record is one line with the hook name, whatever the message holds."""
    stream = io.StringIO()
    log = hooklib.setup_logging("demo", stream)
    try:
        log.info("first\nsecond\n\nthird")
        log.warning("plain")
    finally:
        logging.getLogger().handlers.clear()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("hook=demo level=info first | second | third")
    assert " hook=demo level=warning plain" in lines[1]


def test_redact_plain_and_encoded() -> None:
    """A secret is hidden however it was written."""
    secret = "p@ss:w/rd?#%' x"
    text = f"a {secret} b p%40ss%3Aw%2Frd%3F%23%25%27%20x c"
    assert hooklib.redact(text, [secret, ""]) == "a *** b *** c"


# Passwords beyond ASCII: accents, another script, a character outside the BMP, and one that
# repr() escapes.
NON_ASCII = ["pässwörd:@/?#", "密码 p@ss", "🔑 key x$y", "zero\u200bwidth"]


@pytest.mark.parametrize("password", NON_ASCII, ids=range(len(NON_ASCII)))
def test_redact_non_ascii_in_every_form_the_hooks_write(password: str) -> None:
    """A non-ASCII password is hidden as it is, URL-quoted, in the database URL the db hooks
    build, and in the error messages that quote it, its bytes or that URL."""
    utf8 = password.encode()
    url = dburl.database_url("glance", password, "db", 3306, "glance")
    parsed = make_url(url)
    forms = {
        "raw": password,
        "quoted": urllib.parse.quote(password, safe=""),
        "quoted plus": urllib.parse.quote_plus(password),
        "url": url,
        "url's password, as PyMySQL gets it": parsed.password,
        "url in full": parsed.render_as_string(hide_password=False),
        "repr": f"bad password {password!r}",
        "KeyError": str(KeyError(password)),
        "bytes": f"connect(password={utf8!r})",
        "json": json.dumps({"password": password}),
    }
    for name, text in forms.items():
        redacted = hooklib.redact(f"error: {text}.", [password])
        assert "***" in redacted, name
        assert redacted == hooklib.redact(redacted, [password]), name
        leftover = {c for c in redacted if ord(c) > 127}
        assert not leftover, (name, redacted)
        for piece in (password, urllib.parse.quote(password)):
            assert piece not in redacted, (name, redacted)
    assert hooklib.redact(url, [password]) == (
        "mysql+pymysql://glance:***@db:3306/glance?charset=utf8"
    )


def test_redact_non_ascii_in_a_hook_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    """run_main's last-resort line hides a non-ASCII password an exception carried."""
    password = "pässwörd 密码"
    url = dburl.database_url("u", password, "h", 1, "d")

    def body(log: logging.Logger) -> int:
        raise RuntimeError(f"cannot use {url} ({password.encode()!r})")

    assert hooklib.run_main("test", body, lambda: (password,)) == hooklib.EXIT_FAILURE
    line = capsys.readouterr().err
    assert "cannot use mysql+pymysql://u:***@h:1/d?charset=utf8 (b'***')" in line


def test_backoff_grows_to_a_cap() -> None:
    """Delays double up to the cap, within the jitter."""
    delays = hooklib.backoff_delays(initial=1, maximum=4, jitter=0.0)
    assert [next(delays) for _ in range(5)] == [1, 2, 4, 4, 4]


def test_labels_name_what_the_user_changes() -> None:
    """Messages name a secret by its Secret key and a setting by its chart value."""
    env = hooklib.Env({"A": "x", "P_KEY": "osp/Key", "W": "soon"}, {"W": "database.waitSeconds"})
    assert env.label("P") == "Secret key osp/Key (P)"
    assert env.label("A") == "A"
    with pytest.raises(hooklib.ConfigError) as caught:
        env.integer("W", 1)
    assert str(caught.value) == "database.waitSeconds (W) must be an integer, got 'soon'"


def test_connection_reason() -> None:
    """keystoneauth's long connection errors shrink to their cause."""
    text = (
        "Unable to establish connection to http://127.0.0.1:1/v3/auth/tokens: "
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
        "/v3/auth/tokens (Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
        "object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"
    )
    assert hooklib.connection_reason(Exception(text)) == "Connection refused"


def test_wait_for_keystone_logs_each_retry_and_stops_at_the_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Connection errors are waited out within the bound, one warning per retry."""
    from keystoneauth1 import exceptions

    now = [0.0]

    def refuse() -> None:
        raise exceptions.ConnectFailure("[Errno 111] Connection refused")

    def sleep(seconds: float) -> None:
        now[0] += seconds

    log = logging.getLogger("test")
    with pytest.raises(hooklib.HookError) as caught:
        hooklib.wait_for_keystone(refuse, "http://k/v3", 10, "login", log, lambda: now[0], sleep)
    assert str(caught.value) == (
        "Keystone at http://k/v3 did not answer within 10 s, the bound set by "
        "keystone.waitSeconds (KEYSTONE_WAIT_SECONDS): Connection refused"
    )
    assert now[0] == pytest.approx(10.0)
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 4
    assert retries[0].startswith(
        "login: Keystone at http://k/v3: Connection refused; retrying in 1 s"
    )


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (hooklib.ConfigError("bad"), hooklib.EXIT_CONFIG),
        (hooklib.HookError("failed"), hooklib.EXIT_FAILURE),
        (RuntimeError("boom\nwith detail"), hooklib.EXIT_FAILURE),
    ],
)
def test_run_main_exit_codes(
    error: Exception, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors become one error line and the matching exit code; secrets are hidden."""

    def body(log: logging.Logger) -> int:
        raise type(error)(f"{error} s3cret")

    assert hooklib.run_main("demo", body, lambda: ["s3cret"]) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "level=error" in lines[0]
    assert "s3cret" not in lines[0]
