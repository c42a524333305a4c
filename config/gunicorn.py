"""gunicorn's configuration for scripts/serve, read from the environment (and .env) like
the Django settings. uvicorn workers serve config/asgi.py: streams on the event loop, every
other request on WEB_THREADS threads per process (they wait on the database and storage,
never on fal: the worker talks to fal). Why: docs/operations.md, "Serving"."""

import multiprocessing
import os
import sys
from pathlib import Path

import environ

env = environ.Env()
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)

bind = env.list("BIND", default=["127.0.0.1:8000"])
workers = env.int("WEB_WORKERS", default=multiprocessing.cpu_count() + 1)
worker_class = "uvicorn_worker.UvicornWorker"
timeout = env.int("WEB_TIMEOUT", default=60)
# A reverse proxy in front handles slow clients; keep-alive between it and us.
keepalive = env.int("WEB_KEEPALIVE", default=5)
accesslog = "-" if env.bool("WEB_ACCESS_LOG", default=True) else None
wsgi_app = "config.asgi:application"
forwarded_allow_ips = env("FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
# Several servers may share a machine; nothing here uses gunicorn's control socket.
control_socket_disable = True


def on_starting(server):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.serving import public_bind_problem

    for address in server.cfg.bind:
        if problem := public_bind_problem(address):
            server.log.error(problem)
            sys.exit(1)
