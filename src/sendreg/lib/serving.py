"""How ``sendreg serve`` serves: one waitress process, or several gunicorn processes.

One Python process runs Python on one core at a time (the GIL), so waitress's threads
share a single core however many the server has: under load (benchmarks/load.py) the
server was CPU-bound at one core with the others idle. Several processes use them all.
gunicorn runs them on Linux and macOS; it does not run on Windows, where waitress
serves as before (docs/decisions.md, "Several server processes").

Each process keeps its own database connections. SQLite is safe with several processes
as configured in settings.py: WAL lets readers carry on while one process writes,
IMMEDIATE transactions take the write lock at the start, and the busy timeout makes a
writer wait for another process's write rather than fail.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from importlib.util import find_spec
from typing import Any

#: Threads per server process: waitress's 8 in one process, or 2 in each gunicorn process.
#: Threads of one process take turns at one core (the GIL), and the switching costs time
#: and makes every request in the process as slow as the slowest: under load, 2 processes
#: of 4 threads on 2 cores answered at the 95th percentile in 420-530 ms, 4 processes of 2
#: threads in 375-400 ms. The second thread is kept so that a long request (an import, an
#: export) does not hold up every other person whose browser is talking to that process.
WAITRESS_THREADS = 8
GUNICORN_THREADS = 2
#: Processes for each core by default: while one process waits for the database, the
#: other has the core.
PROCESSES_PER_CORE = 2
#: The most processes chosen by default: each holds its own copy of Django (about 80 MB).
MAX_DEFAULT_WORKERS = 8

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def gunicorn_available() -> bool:
    """Whether gunicorn can run here: installed, and not on Windows (it needs fork)."""
    return sys.platform != "win32" and find_spec("gunicorn") is not None


def default_workers(*, cores: int | None, can_fork: bool) -> int:
    """Processes to serve with when ``--workers`` is not given: two per core, at most eight,
    where several can run; otherwise one."""
    if not can_fork or not cores:
        return 1
    return max(1, min(cores * PROCESSES_PER_CORE, MAX_DEFAULT_WORKERS))


def uses_gunicorn(*, workers: int, can_fork: bool) -> bool:
    """Several processes are served by gunicorn; one process (or no gunicorn) by waitress."""
    return workers > 1 and can_fork


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """gunicorn's settings for ``sendreg serve``.

    The application is loaded once before the processes are forked, so start-up work
    (migrations, the upload sweep) runs once. Forwarded headers are never read by
    gunicorn itself: with ``SENDREG_TRUSTED_PROXY`` set, the same middleware as under
    waitress believes the proxy, and only the proxy (``with_trusted_proxy``).
    """
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": GUNICORN_THREADS,
        "preload_app": True,
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "proc_name": "sendreg",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        # Browsers keep a connection open between pages; closing it after gunicorn's 2 s
        # raced a person's next click (a failed request). waitress keeps one for minutes.
        "keepalive": 75,
        # A long import or export runs in a worker's thread while the worker itself keeps
        # answering the arbiter, so this limit is for a worker that has stopped altogether.
        "timeout": 120,
    }


def with_trusted_proxy(application: WsgiApp, proxy: str) -> WsgiApp:
    """The application behind waitress's forwarded-header handling for ``proxy``: the
    client's address from X-Forwarded-For and the scheme from X-Forwarded-Proto, taken from
    the proxy alone, and cleared when anyone else sends them."""
    from waitress.proxy_headers import proxy_headers_middleware

    return proxy_headers_middleware(  # type: ignore[no-any-return]
        application,
        trusted_proxy=proxy,
        trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
        clear_untrusted=True,
    )


def serve_with_gunicorn(application: WsgiApp, options: dict[str, Any]) -> None:
    """Run gunicorn's arbiter with ``options`` until it is stopped (Ctrl+C or SIGTERM)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WsgiApp:
            return application

    # No process may inherit a database connection opened before the fork.
    connections.close_all()
    Server().run()


def cores() -> int | None:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()
