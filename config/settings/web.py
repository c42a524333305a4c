"""Django itself: apps, middleware, templates, database, cache, rate limits, auth, e-mail,
static and media files, Content-Security-Policy and uploads."""

import os
import tempfile
from pathlib import Path

import environ
from django.utils.csp import CSP

from .environment import BASE_DIR, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key keeps the defaults runnable; remote (production) mode refuses it
# (config/checks.py).
DEVELOPMENT_SECRET_KEY = "insecure-avatar-studio-development-key-change-me"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS (production behind TLS; all off for local development) ----------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" (only if the proxy sets it).
SECURE_PROXY_SSL_HEADER = tuple(env.list("SECURE_PROXY_SSL_HEADER", default=[])) or None

INSTALLED_APPS = [
    "config",  # project-wide system checks (config/checks.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files (no CDN)
    "django_tasks_db",
    "consent",
    "jobs",
    "speech",
    "credits",
    "limits",
    "webhooks",
    "accounts",
    "avatars",
    "engine",
    "workers",
    "batches",
    "longform",
    "api",
    "outbox",
    "monitoring",
    "falproxy",
    "sharing",
    "notifications",
]

MIDDLEWARE = [
    # First, so even a response refused by the middleware below carries its X-Request-ID.
    "core.request_ids.RequestIdMiddleware",
    # Probes answer before host checks and HTTPS redirects (a balancer probes by address).
    "monitoring.middleware.HealthProbeMiddleware",
    # Counts and times every other request (and writes the access log with LOG_REQUESTS).
    "monitoring.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "limits.middleware.RequestSizeLimitMiddleware",
    # Serves /static/ in every mode (runserver without DEBUG, gunicorn) with caching headers.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "avatars.context_processors.engine_mode",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# SQLite is shared by the web process and the worker: WAL lets readers run beside the
# writer, the busy timeout waits out a short lock instead of failing, and IMMEDIATE
# transactions take the write lock up front so two writers never deadlock on upgrade.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
}
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite can't create the folder of its file; the default one lives in ./var.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests run a worker beside the test process, so the test database is a file too.
    # (Named per process so parallel test runs never share a file.)
    DATABASES["default"]["TEST"] = {
        "NAME": env(
            "TEST_SQLITE_PATH",
            default=os.path.join(tempfile.gettempdir(), f"avatar-studio-test-{os.getpid()}.sqlite3"),
        )
    }
# Connections are kept between requests and worker loops (a new one per loop was most of
# an idle worker's cost), checked before reuse so a restarted database is survived.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every web and worker process (rate limits, JWKS keys): the database cache by
# default (`manage.py createcachetable`), Redis with CACHE_URL=rediscache://127.0.0.1:6379/1.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://avatar_studio_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django's, with an `incr` that concurrent requests can't both read before either writes.
    CACHES["default"]["BACKEND"] = "limits.cache.DatabaseCache"

# --- Rate limits (limits/) --------------------------------------------------------------
THROTTLE_RATES = {
    "submit": env("THROTTLE_SUBMIT", default="10/minute"),
    "upload": env("THROTTLE_UPLOAD", default="30/minute"),
    "read": env("THROTTLE_READ", default="300/minute"),
    "create_form": env("THROTTLE_CREATE_FORM", default="10/minute"),
    "signup": env("THROTTLE_SIGNUP", default="5/hour"),  # new accounts per client address
}
LOGIN_ATTEMPTS_PER_ACCOUNT = env("LOGIN_ATTEMPTS_PER_ACCOUNT", default="5/15minute")
LOGIN_ATTEMPTS_PER_IP = env("LOGIN_ATTEMPTS_PER_IP", default="20/15minute")
# Long-lived responses one user holds open at once across every process (the job page's
# events, the proxy's status stream; limits/streams.py); more are answered 429.
MAX_STREAMS_PER_USER = env.int("MAX_STREAMS_PER_USER", default=10)
# Threads per web process for everything but streams (config/asgi.py); gunicorn's setting.
WEB_THREADS = env.int("WEB_THREADS", default=4)
# The reverse proxies in front (addresses or networks, "*" for any), the same variable
# gunicorn reads: from these peers the client's address is taken from X-Forwarded-For
# (limits/clients.py). Loopback by default: the same-host proxy the README describes.
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Who may create an account: "open" (anyone), "invite" (with an unused code from an
# accounts.Invite that staff made) or "closed".
SIGNUP_MODE = env("SIGNUP_MODE", default="open")
if SIGNUP_MODE not in ("open", "invite", "closed"):
    raise environ.ImproperlyConfigured("SIGNUP_MODE must be 'open', 'invite' or 'closed'.")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Where e-mail goes: EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) or, for
# development, just a backend (the console by default).
MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}}
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    _smtp_options = {
        "EMAIL_HOST": "host",
        "EMAIL_PORT": "port",
        "EMAIL_HOST_USER": "username",
        "EMAIL_HOST_PASSWORD": "password",
        "EMAIL_USE_TLS": "use_tls",
        "EMAIL_USE_SSL": "use_ssl",
    }
    MAILERS["default"] = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            option: _email[name] for name, option in _smtp_options.items() if _email.get(name) not in (None, "")
        },
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Avatar Studio <noreply@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The admin shows times to the second (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
# WhiteNoise warns on every start when the folder is missing (before the first
# collectstatic); in development the finders serve everything, so an empty one is right.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
# Without collectstatic (development, tests) WhiteNoise finds files where the finders do.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# How long a result's URL in an API answer or webhook works without credentials (jobs.signed_urls).
MEDIA_URL_EXPIRY_SECONDS = env.int("MEDIA_URL_EXPIRY_SECONDS", default=3600)
# How long a file a refused form kept (avatars.kept_inputs) can be used; the workers then delete it.
KEPT_INPUT_TTL_SECONDS = env.int("KEPT_INPUT_TTL_SECONDS", default=24 * 3600)
# The home page's example video (`manage.py make_example_video`, run by scripts/start): made
# on this machine rather than kept in git, and public, unlike media.
EXAMPLE_VIDEO_DIR = env.path("EXAMPLE_VIDEO_DIR", default=VAR_DIR / "example")

# S3-compatible storage when a bucket is named; local files otherwise.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Content-Security-Policy: our pages (and Django's admin) use no inline script or style, so
# only our own origin runs code. Media may come from the bucket's host (signed S3 URLs), and
# the create form previews chosen files as blob: URLs.
_bucket_origins = (
    [env("AWS_S3_ENDPOINT_URL", default="") or "https://*.amazonaws.com"] if AWS_STORAGE_BUCKET_NAME else []
)
CSP_MEDIA_ORIGINS = env.list("CSP_MEDIA_ORIGINS", default=_bucket_origins)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *CSP_MEDIA_ORIGINS],
    "media-src": [CSP.SELF, "blob:", *CSP_MEDIA_ORIGINS],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": env("STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024  # data: URIs arrive inside JSON bodies
# Small request bodies are held in memory; larger files go to temporary files and stop
# being stored once they pass MAX_IMAGE_BYTES / MAX_AUDIO_BYTES (limits.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "limits.uploads.SizeLimitedUploadHandler",
]
# jobs_job_user_newest_idx INCLUDEs state and endpoint_id so a gallery page is read from the
# index on PostgreSQL; SQLite builds it without them, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
