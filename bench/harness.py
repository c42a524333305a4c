"""Shared set-up for the benchmarks: a fresh database, the whole app (engine included)
served over real HTTP on a free port, and a task worker thread."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Settings that lift the per-user limits, so a benchmark measures throughput, not refusals.
NO_USER_LIMITS = {
    "MAX_ACTIVE_JOBS_PER_USER": 10**9,
    "MAX_JOBS_AT_FAL": 10**9,
    "STARTING_CREDITS": 10**15,
    "THROTTLE_SUBMIT": "1000000000/minute",
    "THROTTLE_UPLOAD": "1000000000/minute",
    "THROTTLE_READ": "1000000000/minute",
    "ALLOWED_INPUT_HOSTS": "example.com",  # the hosted-URL runs name inputs there
}


def fresh_postgres(url):
    """Drop (even while connected to) and create the PostgreSQL database `url` names."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres", autocommit=True
    ) as admin:
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
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer

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


# Limits a load test would hit (that is their point), lifted on the production server.
SERVER_LIMITS_OFF = {
    "THROTTLE_SUBMIT": "1000000000/minute",
    "THROTTLE_UPLOAD": "1000000000/minute",
    "THROTTLE_READ": "1000000000/minute",
    "MAX_ACTIVE_JOBS_PER_USER": "1000000000",
    "STARTING_CREDITS": "1000000000000",
    "WEB_ACCESS_LOG": "false",
    "LOG_LEVEL": "WARNING",
}
# Run in the served tree (its code, its models): users with tokens, and one job at fal for
# status and webhook runs. Prints JSON.
SERVER_SETUP = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from jobs.models import Job, JobState
from jobs.registry import MODELS
users = [get_user_model().objects.create_user(f"load-{n}") for n in range(USERS)]
tokens = [Token.objects.create(user=user).key for user in users]
job = Job.objects.create(user=users[0], endpoint_id=MODELS["kling-avatar-pro"].endpoint_id, audio_duration=2.0,
                         state=JobState.IN_PROGRESS, request_id="load-request")
Job.objects.filter(pk=job.pk).update(submit_started_at=job.created_at)
print(json.dumps({"tokens": tokens, "job": str(job.id)}))
"""
# A fal webhook for that job, signed now (fal's signatures carry their time, and an old one
# is refused): run in the served tree just before it is sent. Prints JSON.
SIGNED_DELIVERY = """
import json
from engine.webhooks import signed_headers
delivery = json.dumps({"error": None, "payload": {}, "request_id": "load-request", "status": "OK"}, sort_keys=True)
print(json.dumps({"delivery": delivery, "signed": signed_headers("load-request", delivery.encode())}))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def production_server(database, *, tree=PROJECT_DIR, users=1, config="config/gunicorn.py", **environment):
    """gunicorn as `scripts/serve web` runs it (`config`, default config/gunicorn.py), serving
    `tree` on the PostgreSQL database `database` (dropped, created and migrated by that
    tree), Redis as the cache, the local engine as fal, no task worker. Yields (base URL,
    made): `made` holds `users` tokens and a job at fal (SERVER_SETUP), and `sign()`, which
    returns a freshly signed fal webhook for that job (SIGNED_DELIVERY)."""
    fresh_postgres(database)
    workdir = Path(tempfile.mkdtemp(prefix="avatar-serve-"))
    web_port, engine_port = free_port(), free_port()
    env = {
        **os.environ,
        **SERVER_LIMITS_OFF,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(workdir / "media"),
        "ENGINE_STORAGE_DIR": str(workdir / "engine"),
        "BIND": f"127.0.0.1:{web_port}",
        "CACHE_URL": "rediscache://127.0.0.1:6379/4",
        "FAL_ENGINE_URL": f"http://127.0.0.1:{engine_port}/_fal",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "PYTHONPATH": str(tree),
        **{key: str(value) for key, value in environment.items()},
    }
    env.pop("FAL_KEY", None)

    def manage(*command):
        return subprocess.run(
            [sys.executable, "manage.py", *command], cwd=tree, env=env, check=True, capture_output=True, text=True
        )

    manage("migrate", "--no-input")
    made = json.loads(manage("shell", "-c", SERVER_SETUP.replace("USERS", str(users))).stdout.strip().splitlines()[-1])
    made["sign"] = lambda: json.loads(manage("shell", "-c", SIGNED_DELIVERY).stdout.strip().splitlines()[-1])
    engine = subprocess.Popen(
        [sys.executable, "manage.py", "run_fal_engine", "--port", str(engine_port)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (port_open(web_port) and port_open(engine_port)):
            if time.monotonic() > deadline or web.poll() is not None:
                raise SystemExit("the servers did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{web_port}", made
    finally:
        for process in (web, engine):
            process.terminate()
        for process in (web, engine):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a busy machine: don't leave it running
                process.kill()
                process.wait()


def submit_body(base_url, token) -> str:
    """A v1 submit naming the user's uploaded portrait and speech by their file_url: how an
    API client sends inputs it reuses (nothing decoded per request). Uploads them first."""
    import httpx

    sys.path.insert(0, str(PROJECT_DIR))
    from tests.factories import portrait_png, speech_wav

    urls = [
        httpx.post(
            f"{base_url}/api/v1/files",
            files={"file": (name, content)},
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        ).json()["file_url"]
        for name, content in (("face.png", portrait_png()), ("speech.wav", speech_wav(seconds=2)))
    ]
    return json.dumps({"image_url": urls[0], "audio_url": urls[1]})
