"""The app in its own `runserver` processes, on the test database: for what only separate
processes show (shared limits), and because pytest-django's live_server answers /media/
itself."""

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from tests.conftest import wait_for

PROJECT_DIR = Path(__file__).resolve().parents[1]


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def manage_py_process(*arguments, port, environment, waiting_for):
    """`manage.py <arguments>` in a process of its own, stopped on leaving; returns once it
    listens on `port`."""
    with listening_process(
        [sys.executable, "manage.py", *arguments], port=port, environment=environment, waiting_for=waiting_for
    ):
        yield


@contextmanager
def listening_process(command, *, port, environment, waiting_for):
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: port_open(port), timeout=30, message=waiting_for)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # gunicorn lets its workers finish what they were doing first (40 sign-ins still
            # hashing, on a busy machine); the test's answers are in by now.
            process.kill()
            process.wait()


@contextmanager
def app_server(**env):
    """Serve the app from a separate process; yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        **{k: str(v) for k, v in env.items()},
    }
    with manage_py_process(
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
        port=port,
        environment=environment,
        waiting_for="the server to listen",
    ):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def production_server(**env):
    """The app under gunicorn as scripts/serve runs it (config/gunicorn.py), on the test
    database: for many requests at once (runserver's listen queue holds 10); yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "BIND": f"127.0.0.1:{port}",
        "WEB_ACCESS_LOG": "false",
        **{k: str(v) for k, v in env.items()},
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
    with listening_process(command, port=port, environment=environment, waiting_for="gunicorn to listen"):
        yield f"http://127.0.0.1:{port}"
