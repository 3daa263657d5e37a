"""Shared helpers for the hook programs: environment, logging, retries and waits, exit codes,
and the keystoneauth session and openstacksdk connection of the Keystone hooks.

Reads no environment variable itself; each hook names the ones it reads. Importing it needs the
standard library only (keystoneauth and openstacksdk are imported by the functions that use them).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import random
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Optional, TextIO, TypeVar

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

T = TypeVar("T")


class ConfigError(Exception):
    """Bad or missing configuration; the hook exits 2."""


class HookError(Exception):
    """A failure with a one-line explanation; the hook exits 1."""


class Env:
    """Typed, validated reads from an environment mapping.

    Errors name a setting the way the user changes it: a secret by its Secret key (the chart
    passes it as <NAME>_KEY), a chart value by the name given in labels.
    """

    def __init__(
        self, environ: Mapping[str, str], labels: Optional[Mapping[str, str]] = None
    ) -> None:
        """Keep the mapping to read from and the chart value names of its variables."""
        self._environ = environ
        self._labels = labels or {}

    def label(self, name: str) -> str:
        """Name a variable for a message: 'Secret key s/k (NAME)', 'a.value (NAME)' or NAME."""
        key = self.raw(name + "_KEY")
        if key:
            return f"Secret key {key} ({name})"
        if name in self._labels:
            return f"{self._labels[name]} ({name})"
        return name

    def raw(self, name: str) -> Optional[str]:
        """Return the value stripped of surrounding blanks, or None when unset or empty."""
        value = self._environ.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def secret(self, name: str, default: Optional[str] = None, required: bool = False) -> str:
        """Return a secret exactly as given (blanks are part of a password)."""
        value = self._environ.get(name)
        if value is None or value == "":
            if required:
                raise ConfigError(f"{self.label(name)} is required but not set")
            return default or ""
        return value

    def text(self, name: str, default: Optional[str] = None, required: bool = False) -> str:
        """Return a string setting, the default when unset, or fail when required."""
        value = self.raw(name)
        if value is None:
            if required:
                raise ConfigError(f"{self.label(name)} is required but not set")
            return default or ""
        return value

    def integer(
        self, name: str, default: int, minimum: int = 0, maximum: Optional[int] = None
    ) -> int:
        """Return an integer setting within bounds."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value, 10)
        except ValueError:
            raise ConfigError(f"{self.label(name)} must be an integer, got {value!r}") from None
        if number < minimum or (maximum is not None and number > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise ConfigError(f"{self.label(name)} must be at least {minimum}{upper}, got {number}")
        return number

    def flag(self, name: str, default: bool) -> bool:
        """Return a boolean setting written as true/false (also yes/no, on/off, 1/0)."""
        value = self.raw(name)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ConfigError(f"{self.label(name)} must be true or false, got {value!r}")

    def items(self, name: str, default: Iterable[str]) -> tuple[str, ...]:
        """Return a comma-separated list without blanks or repeats."""
        value = self.raw(name)
        if value is None:
            return tuple(default)
        items: list[str] = []
        for item in value.split(","):
            item = item.strip()
            if item and item not in items:
                items.append(item)
        return tuple(items)

    def url(self, name: str, default: Optional[str] = None, required: bool = False) -> str:
        """Return an http(s) URL setting, or an empty string when unset and not required."""
        value = self.text(name, default=default, required=required)
        if value and not is_http_url(value):
            raise ConfigError(
                f"{self.label(name)} must be an http:// or https:// URL, got {value!r}"
            )
        return value


def is_http_url(value: str) -> bool:
    """Tell whether a string is an absolute http or https URL with a host."""
    parsed = urllib.parse.urlsplit(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


class OneLineFormatter(logging.Formatter):
    """Format every record as one line: time, hook name, level, message."""

    def __init__(self, hook: str) -> None:
        """Remember the hook name that prefixes every line."""
        super().__init__()
        self._hook = hook

    def format(self, record: logging.LogRecord) -> str:
        """Render the record on a single line, folding any line breaks."""
        message = one_line(record.getMessage())
        if record.exc_info and record.levelno >= logging.ERROR:
            message = f"{message} ({one_line(self.formatException(record.exc_info))})"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        return f"{stamp} hook={self._hook} level={record.levelname.lower()} {message}"


def one_line(text: str) -> str:
    """Fold a possibly multi-line text into one line."""
    parts = [part.strip() for part in str(text).splitlines()]
    return " | ".join(part for part in parts if part)


def setup_logging(
    hook: str, stream: Optional[TextIO] = None, verbose: bool = False
) -> logging.Logger:
    """Send all logging to one stream, one line per event, and return the hook's logger."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(hook))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not verbose:
        # Libraries log each request at INFO or DEBUG; keep their warnings (retries).
        for name in ("keystoneauth", "openstack", "urllib3", "stevedore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        # keystoneauth 5.1 (the images') logs each retry of an API call at INFO, later ones at
        # WARNING; either way a retry gets its line.
        logging.getLogger("keystoneauth.session").setLevel(logging.INFO)
    return logging.getLogger(hook)


def _spelled(char: str) -> str:
    """A pattern of one character as it is or URL-quoted, however a library quotes it: its
    UTF-8 bytes %-encoded in either case, a space also as '+'."""
    encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8", errors="surrogateescape"))
    ways = [re.escape(char), f"(?i:{re.escape(encoded)})"] + ([r"\+"] if char == " " else [])
    return "(?:" + "|".join(ways) + ")"


@functools.cache
def secret_pattern(secret: str) -> re.Pattern:
    """Every way the hooks and the libraries they call write a secret: as it is or URL-quoted
    (whole or in part); as its UTF-8 bytes read as Latin-1 (what dburl.py puts in the database
    URL, quoted, and PyMySQL sends), also quoted or not; and in the escapes of repr() (of the
    text, and of its UTF-8 bytes) and of JSON, which error messages show."""
    utf8 = secret.encode("utf-8", errors="surrogateescape")
    wire = utf8.decode("latin-1")
    escaped = {repr(utf8)[2:-1]}
    spelled = []
    for text in (secret, wire):
        escaped |= {repr(text)[1:-1], json.dumps(text)[1:-1]}
        spelled.append("".join(_spelled(char) for char in text))
    # Longest first: an escaped form may begin with another one.
    literal = [re.escape(form) for form in sorted(escaped, key=len, reverse=True)]
    return re.compile("|".join(literal + spelled))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret, in each of its forms (secret_pattern), in text by '***'."""
    for secret in secrets:
        if secret:
            text = secret_pattern(secret).sub("***", text)
    return text


def backoff_delays(
    initial: float = 0.5, maximum: float = 10.0, factor: float = 2.0, jitter: float = 0.1
) -> Iterator[float]:
    """Yield growing delays with a little random jitter, capped at maximum."""
    delay = initial
    while True:
        yield min(maximum, delay) * (1.0 + random.uniform(-jitter, jitter))
        delay *= factor


def poll(
    attempt: Callable[[], Optional[T]],
    expired: Callable[[], str],
    seconds: float = float("inf"),
    delays: Optional[Iterable[float]] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    waiting: Callable[[float, float], None] = lambda delay, left: None,
) -> T:
    """Call `attempt` until it returns something other than None, and return that.

    Between calls it sleeps the next of `delays` (default: 1 s each time), first telling
    `waiting` how long, and how long is left; once `seconds` have passed, or the delays run
    out, it raises HookError with the message `expired()` gives. An exception `attempt` raises
    ends the wait.
    """
    deadline = clock() + seconds
    waits = iter(delays if delays is not None else itertools.repeat(1.0))
    while True:
        result = attempt()
        if result is not None:
            return result
        left = deadline - clock()
        delay = next(waits, None)
        if left <= 0 or delay is None:
            raise HookError(expired())
        delay = max(0.0, min(delay, left))
        waiting(delay, left)
        sleep(delay)


def run_main(
    hook: str,
    body: Callable[[logging.Logger], int],
    secrets: Callable[[], Iterable[str]] = lambda: (),
) -> int:
    """Run a hook body with logging set up and turn errors into one line and an exit code."""
    log = setup_logging(hook)
    try:
        return body(log)
    except ConfigError as exc:
        log.error("bad configuration: %s", redact(str(exc), secrets()))
        return EXIT_CONFIG
    except HookError as exc:
        log.error("%s", redact(str(exc), secrets()))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        log.error("interrupted")
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback
        log.error("unexpected %s: %s", type(exc).__name__, redact(one_line(str(exc)), secrets()))
        return EXIT_FAILURE


# -- Keystone (imports keystoneauth1 and openstacksdk only when called) ----------------------

RETRIABLE_STATUS = (500, 502, 503, 504)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_PATH = "/auth/tokens"


def identity_url(auth_url: str) -> str:
    """Return the v3 identity URL for an auth URL given with or without /v3."""
    url = auth_url.rstrip("/")
    return url if re.search(r"/v3(\.\d+)?$", url) else url + "/v3"


# The v3.Password arguments of a password login, named as every hook's Config names them.
LOGIN_FIELDS = (
    "auth_url",
    "username",
    "password",
    "user_domain_name",
    "project_name",
    "project_domain_name",
)


def password_login(config: Any) -> dict[str, str]:
    """The password login of a hook's Config (its LOGIN_FIELDS), as keystone_connection and
    keystoneauth's v3.Password take it."""
    return {name: getattr(config, name) for name in LOGIN_FIELDS}


def keystone_connection(
    login: Mapping[str, str],
    region: Optional[str],
    interface: str,
    retries: int,
    cacert: Optional[str] = None,
    app: str = "glance-hook",
) -> Any:
    """Open an openstacksdk connection for a password login (the v3.Password arguments).

    API calls retry connection errors and 5xx through the connection's adapters (keystoneauth's
    connect_retries and status_code_retries); logins are retried by wait_for_keystone instead,
    within a deadline and with a line per retry. Nothing is sent until the connection is used.
    """
    import openstack.connection
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(**{**login, "auth_url": identity_url(login["auth_url"])})
    return openstack.connection.Connection(
        session=session.Session(auth=auth, verify=cacert or True, timeout=60, app_name=app),
        region_name=region,
        interface=interface,
        identity_api_version="3",
        connect_retries=retries,
        status_code_retries=retries,
        retriable_status_codes=list(RETRIABLE_STATUS),
    )


class RequestLog:
    """Every answer a keystoneauth session gets, refusals included (its timings leave out the
    requests it raised for, such as a refused login)."""

    def __init__(self, session: Any) -> None:
        """Record from now on each response of the session's requests.Session."""
        self.seen: list[tuple[str, str]] = []
        session.session.hooks["response"].append(self._record)

    def _record(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """Note one response's request."""
        self.seen.append((response.request.method, response.request.url))

    def counts(self) -> tuple[int, int]:
        """Count the requests, and those that changed something (logins do not)."""
        writes = sum(
            1
            for method, url in self.seen
            if method in WRITE_METHODS and not urllib.parse.urlsplit(url).path.endswith(TOKEN_PATH)
        )
        return len(self.seen), writes


def connection_reason(exc: BaseException) -> str:
    """Shorten a keystoneauth connection error to its cause."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    for phrase in ("timed out", "Connection refused", "Name or service not known"):
        if phrase.lower() in text.lower():
            return phrase
    return one_line(text)[:200]


def wait_for_keystone(
    call: Callable[[], T],
    url: str,
    seconds: int,
    what: str,
    log: logging.Logger,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call (a login) until Keystone answers it, at most `seconds`; log a line per retry.

    Connection errors and 5xx answers are waited out; any other answer is the caller's to handle.
    """
    from keystoneauth1 import exceptions

    last = [""]

    def attempt() -> Optional[tuple[T]]:
        try:
            return (call(),)
        except exceptions.SSLError:
            raise
        except (exceptions.ConnectionError, exceptions.HttpError) as exc:
            status = getattr(exc, "http_status", None)
            if isinstance(exc, exceptions.HttpError) and status not in RETRIABLE_STATUS:
                raise
            last[0] = f"HTTP {status}" if status else connection_reason(exc)
            return None

    def waiting(delay: float, left: float) -> None:
        log.warning(
            "%s: Keystone at %s: %s; retrying in %.0f s, giving up in %.0f s",
            what,
            url,
            last[0],
            delay,
            left,
        )

    def expired() -> str:
        return (
            f"Keystone at {url} did not answer within {seconds} s, the bound set by "
            f"keystone.waitSeconds (KEYSTONE_WAIT_SECONDS): {last[0]}"
        )

    delays = backoff_delays(initial=1.0, maximum=15.0)
    return poll(attempt, expired, seconds, delays, clock, sleep, waiting)[0]
