"""The production server: gunicorn with several processes and hashed static files, and local
mode (the engine mounted at /_fal) kept on loopback."""

import contextlib
import os
import subprocess

import httpx
import pytest
from django.core.management import CommandError, call_command

from tests.conftest import wait_for
from tests.servers import PROJECT_DIR, free_port, port_open


@pytest.mark.parametrize("bind", ["0.0.0.0:8000", "[::]:8000", "192.168.1.5:80", "studio.example.com:8000"])
def test_local_mode_refuses_to_listen_beyond_loopback(bind, settings):
    settings.FAL_MODE = "local"

    with pytest.raises(CommandError, match="bundled fal engine"):
        call_command("check_bind", bind)


@pytest.mark.parametrize(
    "bind", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000", "127.0.0.2", "unix:/run/avatar.sock"]
)
def test_local_mode_listens_on_loopback(bind, settings):
    settings.FAL_MODE = "local"

    call_command("check_bind", bind)


def test_public_bind_is_allowed_in_remote_mode_or_when_asked(settings):
    settings.FAL_MODE = "remote"
    call_command("check_bind", "0.0.0.0:8000")

    settings.FAL_MODE = "local"
    settings.ALLOW_PUBLIC_BIND_IN_LOCAL_MODE = True
    call_command("check_bind", "0.0.0.0:8000")


def serve(role, tmp_path, **env):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_WORKERS": "2",
        "WEB_ACCESS_LOG": "false",
        **env,
    }
    return subprocess.Popen(
        ["scripts/serve", role],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_gunicorn_refuses_a_public_bind_in_local_mode(tmp_path):
    process = serve(
        "web", tmp_path, BIND=f"0.0.0.0:{free_port()}", FAL_MODE="local", ALLOW_PUBLIC_BIND_IN_LOCAL_MODE="false"
    )

    output, _ = process.communicate(timeout=120)

    assert process.returncode != 0
    assert "Refusing to listen on 0.0.0.0" in output


def test_production_server_serves_pages_and_compressed_hashed_static_files(tmp_path):
    assert serve("release", tmp_path).wait(timeout=180) == 0
    port = free_port()
    web = serve("web", tmp_path, BIND=f"127.0.0.1:{port}")
    try:
        wait_for(lambda: port_open(port), timeout=60, message="gunicorn to listen")
        page = httpx.get(f"http://127.0.0.1:{port}/accounts/login/")
        stylesheet = next(part for part in page.text.split('"') if part.startswith("/static/css/app."))
        static = httpx.get(f"http://127.0.0.1:{port}{stylesheet}", headers={"Accept-Encoding": "gzip"})
        gunicorn_processes = subprocess.run(
            ["pgrep", "-P", str(web.pid)], capture_output=True, text=True
        ).stdout.split()
    finally:
        web.terminate()
        web.wait(timeout=30)

    assert page.status_code == 200 and page.headers["server"] == "uvicorn"  # gunicorn's uvicorn workers
    assert "content-security-policy" in page.headers
    assert static.status_code == 200
    assert static.headers["content-encoding"] == "gzip" and "immutable" in static.headers["cache-control"]
    assert len(gunicorn_processes) == 2  # WEB_WORKERS


def test_the_development_start_stops_server_and_worker_on_sigterm(tmp_path):
    import signal

    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("FAL_KEY", "FAL_MODE", "PUBLIC_BASE_URL", "FAL_ENGINE_URL", "DJANGO_SETTINGS_MODULE"):
        environment.pop(name, None)
    start = subprocess.Popen(
        ["scripts/start"],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: port_open(port), timeout=120, message="scripts/start to serve")
        children = subprocess.run(["pgrep", "-P", str(start.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 2  # runserver and the worker

        start.send_signal(signal.SIGTERM)  # only to the script, as a service manager would

        assert start.wait(timeout=30) == 0
        wait_for(
            lambda: not any(os.path.exists(f"/proc/{pid}") for pid in children), timeout=30, message="both to stop"
        )
        assert not port_open(port)
    finally:
        if start.poll() is None:
            os.killpg(start.pid, signal.SIGKILL)


def test_the_production_server_offers_no_engine_controls_and_serves_stored_pages_only_as_downloads(tmp_path):
    import signal

    web_port, engine_port = free_port(), free_port()
    environment = {
        **os.environ,
        "BIND": f"127.0.0.1:{web_port}",
        "ENGINE_PORT": str(engine_port),
        "WEB_WORKERS": "1",
        "WEB_ACCESS_LOG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("FAL_KEY", "FAL_MODE", "PUBLIC_BASE_URL", "FAL_ENGINE_URL", "DJANGO_SETTINGS_MODULE"):
        environment.pop(name, None)
    server = subprocess.Popen(
        ["scripts/serve", "all"],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    web, engine = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{engine_port}"
    try:
        wait_for(
            lambda: port_open(web_port) and port_open(engine_port), timeout=180, message="scripts/serve to listen"
        )
        http = httpx.Client(timeout=60)  # gunicorn's worker may still be starting on a busy machine
        controls = [
            http.get(f"{web}/_fal/_control/stats").status_code,
            http.post(f"{web}/_fal/_control/reset").status_code,
            http.get(f"{engine}/_fal/_control/stats").status_code,
        ]
        # What anyone could do with the engine mounted on the public server: store a page.
        answer = http.post(
            f"{web}/_fal/rest/storage/upload/initiate",
            json={"file_name": "a.html", "content_type": "text/html"},
            headers={"Authorization": "Key anyone:x"},
        ).json()
        http.put(
            answer["upload_url"], content=b"<script>alert(1)</script>", headers={"Content-Type": "text/html"}
        ).raise_for_status()
        page = http.get(answer["file_url"])
    finally:
        server.send_signal(signal.SIGTERM)  # only to the script, as a service manager would
        try:
            server.wait(timeout=60)
            wait_for(lambda: not port_open(engine_port), timeout=30, message="the engine to stop with the script")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)  # whatever would be left of its processes

    assert controls == [404, 404, 404]
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"] == "attachment"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-security-policy"] == "sandbox; default-src 'none'"
