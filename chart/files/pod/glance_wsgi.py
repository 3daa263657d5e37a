"""The Glance API as a WSGI application, for httpd's mod_wsgi.

Current Glance ships it as glance.wsgi.api; older releases (those of the default images) build
it with glance.common.wsgi_app.init_app(). Runs on the image's Python 3.9.

Besides Glance's own paths, the application answers STORE_PATH, the pod's readiness: 200 while
the API's default store answers, 503 while it does not. A Ceph store is asked by connecting to
its cluster (with its rados_connect_timeout); other stores need no connection to be ready. The
check runs in a thread of its own, every CHECK_SECONDS, and the path answers at once with its
last result, so that no probe waits for a cluster that does not answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Optional

try:
    from glance.wsgi.api import application as glance_application
except ImportError:  # Glance before 2025.1
    from glance.common.wsgi_app import init_app

    glance_application = init_app()

STORE_PATH = "/healthcheck/store"
CHECK_SECONDS = 5
# How long the first question waits for the first check (a store that answers does at once).
FIRST_SECONDS = 3
LOG = logging.getLogger("glance_wsgi")


def default_store() -> Any:
    """The glance_store driver of the API's default store, or None without one."""
    import glance_store
    from oslo_config import cfg

    name = cfg.CONF.glance_store.default_backend
    return glance_store.get_store_from_store_identifier(name) if name else None


def store_problem(store: Any) -> Optional[str]:
    """Why a store cannot serve now, or None when it can."""
    if store is None or not hasattr(store, "get_connection"):
        return None
    try:
        with store.get_connection(conffile=store.conf_file, rados_id=store.user):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not ready
        return f"{type(exc).__name__}: {exc}"


class StoreCheck:
    """The last answer of the default store, kept up to date by a thread of its own."""

    def __init__(self) -> None:
        self.problem: Optional[str] = "not checked yet"
        self._started = threading.Lock()
        self._checked = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Start checking, once per process, and wait a little for the first answer."""
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="store-check", daemon=True)
                self._thread.start()
        self._checked.wait(FIRST_SECONDS)

    def _run(self) -> None:
        """Check the store for ever, logging each change of its state."""
        store = default_store()
        while True:
            problem = store_problem(store)
            if problem != self.problem:
                if problem:
                    LOG.error("the default store does not answer; not ready: %s", problem)
                else:
                    LOG.info("the default store answers; ready")
            self.problem = problem
            self._checked.set()
            time.sleep(CHECK_SECONDS)


CHECK = StoreCheck()


def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Glance, and STORE_PATH: whether its default store answers."""
    if environ.get("PATH_INFO") != STORE_PATH:
        return glance_application(environ, start_response)
    CHECK.start()
    problem = CHECK.problem
    status = "503 Service Unavailable" if problem else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return [(problem or "OK").encode()]


__all__ = ["application"]
