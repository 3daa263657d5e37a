"""Shared helpers for the hook programs: environment, logging, retries, exit codes.

Reads no environment variable itself; each hook names the ones it reads.
Runs on Python 3.9 with the standard library only.
"""

from __future__ import annotations

import logging
import random
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Optional, TextIO, TypeVar

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
    """Typed, validated reads from an environment mapping."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        """Keep the mapping to read from."""
        self._environ = environ

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
                raise ConfigError(f"{name} is required but not set")
            return default or ""
        return value

    def text(self, name: str, default: Optional[str] = None, required: bool = False) -> str:
        """Return a string setting, the default when unset, or fail when required."""
        value = self.raw(name)
        if value is None:
            if required:
                raise ConfigError(f"{name} is required but not set")
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
            raise ConfigError(f"{name} must be an integer, got {value!r}") from None
        if number < minimum or (maximum is not None and number > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise ConfigError(f"{name} must be at least {minimum}{upper}, got {number}")
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
        raise ConfigError(f"{name} must be true or false, got {value!r}")

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
            raise ConfigError(f"{name} must be an http:// or https:// URL, got {value!r}")
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
    return logging.getLogger(hook)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (and its URL-encoded form) in text by '***'."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


def backoff_delays(
    initial: float = 0.5, maximum: float = 10.0, factor: float = 2.0, jitter: float = 0.1
) -> Iterator[float]:
    """Yield growing delays with a little random jitter, capped at maximum."""
    delay = initial
    while True:
        yield min(maximum, delay) * (1.0 + random.uniform(-jitter, jitter))
        delay *= factor


def retry(
    action: Callable[[], T],
    should_retry: Callable[[Exception], bool],
    attempts: int,
    log: logging.Logger,
    what: str,
    delays: Optional[Iterator[float]] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call action, retrying up to attempts more times on the errors should_retry accepts."""
    delays = delays or backoff_delays()
    left = attempts
    while True:
        try:
            return action()
        except Exception as exc:
            if left <= 0 or not should_retry(exc):
                raise
            delay = next(delays)
            log.warning(
                "%s failed (%s); retrying in %.1fs, %d left", what, one_line(str(exc)), delay, left
            )
            sleep(delay)
            left -= 1


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
