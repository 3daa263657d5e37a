"""WSGI entry point for a test Keystone under gunicorn, recording every request it serves.

Keystone parses sys.argv with oslo.config when the application is built, so gunicorn's own
arguments are trimmed first. KEYSTONE_REQUEST_LOG names the file that gets one line per request:
"<method> <path> <status>".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

sys.argv = sys.argv[:1]

from keystone.server import wsgi as keystone_wsgi  # noqa: E402 - argv must be trimmed first

_keystone = keystone_wsgi.initialize_public_application()
_log_path = os.environ.get("KEYSTONE_REQUEST_LOG", "")


def _record(method: str, path: str, status: str) -> None:
    """Append one request line (a single write, so lines from workers do not mix)."""
    if not _log_path:
        return
    line = f"{method} {path} {status.split(' ', 1)[0]}\n".encode()
    fd = os.open(_log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Serve Keystone, recording the request once its status is known."""

    def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
        _record(environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", "?"), status)
        if exc_info is None:
            return start_response(status, headers)
        return start_response(status, headers, exc_info)

    return _keystone(environ, recording_start_response)
