import threading
import time

import pytest

from jobs.worker import in_process_worker
from tests.factories import make_user

# Fixtures through which a test reaches the database (the marker counts too).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "django_db_setup",
    "live_server",
}


def pytest_addoption(parser):
    parser.addoption(
        "--only-database-tests",
        action="store_true",
        help="Run only the tests that reach the database: the second database's pass (scripts/test) "
        "skips the rest, which no DATABASE_URL can change (the engine, files, settings checks).",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("only_database_tests"):
        return
    kept, skipped = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(
            getattr(item, "fixturenames", ())
        )
        (kept if uses_database else skipped).append(item)
    config.hook.pytest_deselected(items=skipped)
    items[:] = kept


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL the test process commits without waiting for the disk (a crash could only
    lose a test database): each commit, and each transactional test's flush, returns sooner."""
    from django.db import connection

    if connection.vendor == "postgresql":
        connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"


def wait_for(condition, *, timeout=30.0, interval=0.05, message="condition"):
    """Poll `condition` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")


@pytest.fixture(autouse=True, scope="session")
def metrics_saved_when_read():
    """Counts reach the database only when a test reads /metrics (which saves the reading
    process's own): no background thread writing into test databases between tests."""
    from django.conf import settings

    settings.METRICS_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Each user costs ~0.3 s with the production hasher; the suite makes many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def documentation_hosts_allowed(settings):
    """Tests name inputs at example.com, which can't be resolved here: let those through."""
    settings.ALLOWED_INPUT_HOSTS = ["example.com", "e.com"]


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Most tests submit faster than a person would; tests of the limits set their own."""
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES, "100000/minute")
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = settings.LOGIN_ATTEMPTS_PER_IP = "100000/minute"


@pytest.fixture(autouse=True)
def empty_cache(request):
    """The database cache's table outlives a transactional test's flush: start each test
    with no counts (or keys) left by the one before."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        from django.core.cache import cache

        request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
        cache.clear()


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def other_user(db):
    return make_user("mallory")


@pytest.fixture
def api_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def fal_engine(live_server, settings, tmp_path):
    """The local fal-compatible engine, reached over real HTTP through the live server,
    with webhooks pointed back at the same server. Faults and requests reset per test."""
    from engine.state import ENGINE

    settings.FAL_MODE = "local"
    settings.FAL_ENGINE_URL = f"{live_server.url}/_fal"
    settings.FAL_JWKS_URL = ""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ENGINE_STORAGE_DIR = str(tmp_path / "engine")
    settings.ENGINE_PROCESSING_SECONDS = 0.6
    settings.ENGINE_WEBHOOK_RETRY_SCALE = 0.001  # fal's 2-hour retry schedule in about 7 s
    ENGINE.reset()
    yield ENGINE
    ENGINE.reset()


@pytest.fixture
def task_worker(transactional_db):
    """A real django-tasks-db worker loop, in a thread of the test process."""
    worker = in_process_worker(worker_id="test-worker", interval=0.02)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=15)


@pytest.fixture
def hosted_files(settings):
    """A web server on 127.0.0.1 (let through the public-address check) that serves what a
    test puts in it: `url = hosted_files.serve("voice.m4a", data)`, optionally slowly
    (`seconds_per_chunk`) or as a redirect (`hosted_files.redirect(name, location)`)."""
    import http.server
    from types import SimpleNamespace

    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            route = routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.location:
                self.send_response(302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(route.content)))
            self.end_headers()
            route.requests += 1
            for start in range(0, len(route.content), route.chunk):
                try:
                    self.wfile.write(route.content[start : start + route.chunk])
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up
                time.sleep(route.seconds_per_chunk)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ALLOWED_INPUT_HOSTS = [*settings.ALLOWED_INPUT_HOSTS, "127.0.0.1"]

    def serve(name, content, *, seconds_per_chunk=0.0, chunk=64 * 1024):
        routes[f"/{name}"] = SimpleNamespace(
            content=content, location="", seconds_per_chunk=seconds_per_chunk, chunk=chunk, requests=0
        )
        return f"{base_url}/{name}"

    def redirect(name, location):
        routes[f"/{name}"] = SimpleNamespace(location=location)
        return f"{base_url}/{name}"

    yield SimpleNamespace(serve=serve, redirect=redirect, routes=routes)
    server.shutdown()
    server.server_close()
