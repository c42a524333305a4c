"""Shared set-up for the benchmarks: a fresh database, the whole app (engine included)
served over real HTTP on a free port, and a task worker thread."""

import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Settings that lift the per-user limits, so a benchmark measures throughput, not refusals.
NO_USER_LIMITS = {
    "MAX_ACTIVE_JOBS_PER_USER": 10**9, "MAX_JOBS_AT_FAL": 10**9, "STARTING_CREDITS": 10**15,
    "THROTTLE_SUBMIT": "1000000000/minute", "THROTTLE_UPLOAD": "1000000000/minute", "THROTTLE_READ": "1000000000/minute",
    "ALLOWED_INPUT_HOSTS": "example.com",  # the hosted-URL runs name inputs there
}


def fresh_postgres(url):
    """Drop (even while connected to) and create the PostgreSQL database `url` names."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(**environment):
    """Point Django at a throw-away SQLite file (or $BENCH_DATABASE_URL) and migrate it."""
    workdir = Path(tempfile.mkdtemp(prefix="avatar-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["ENGINE_STORAGE_DIR"] = str(workdir / "engine")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("FAL_KEY", None)
    os.environ.update({key: str(value) for key, value in environment.items()})
    sys.path.insert(0, str(PROJECT_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    import logging

    for name in ("django.tasks", "django_tasks_db"):
        logging.getLogger(name).setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    return workdir


def start_app_server():
    """Serve the full app (API, webhooks, engine at /_fal) from a thread; returns its base URL."""
    from django.conf import settings
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.core.handlers.wsgi import WSGIHandler

    from engine.server import QuietRequestHandler

    class NoDelayServer(ThreadedWSGIServer):
        # Without TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms to every
        # keep-alive response, which would swamp what the app itself costs.
        def get_request(self):
            connection, address = super().get_request()
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return connection, address

    server = NoDelayServer(("127.0.0.1", 0), QuietRequestHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.FAL_ENGINE_URL = f"{base_url}/_fal"
    settings.PUBLIC_BASE_URL = base_url
    return server, base_url


def start_worker(interval=0.01):
    from jobs.worker import in_process_worker

    worker = in_process_worker(worker_id="bench-worker", interval=interval)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, thread


def bench_user(username="bench"):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username)
    return user
