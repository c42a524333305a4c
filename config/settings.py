"""Avatar Studio settings: every value comes from the environment (see .env.example).

The defaults need no configuration at all: SQLite, files under ./var, and the local
fal-compatible engine when FAL_KEY is unset.
"""

import os
import tempfile
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

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
    "jobs",
    "credits",
    "limits",
    "webhooks",
    "openapi",
    "avatars",
    "engine",
    "workers",
    "batches",
    "api",
    "outbox",
    "monitoring",
    "falproxy",
]

MIDDLEWARE = [
    # First, so even a response refused by the middleware below carries its X-Request-ID.
    "config.request_ids.RequestIdMiddleware",
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
        "NAME": env("TEST_SQLITE_PATH", default=os.path.join(tempfile.gettempdir(), f"avatar-studio-test-{os.getpid()}.sqlite3"))
    }
# Connections are kept between requests and worker loops (a new one per loop was most of
# an idle worker's cost), checked before reuse so a restarted database is survived.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every web and worker process (rate limits, JWKS keys): the database cache by
# default (`manage.py createcachetable`), Redis with CACHE_URL=rediscache://127.0.0.1:6379/1.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://avatar_studio_cache")}

# --- Rate limits (limits/) --------------------------------------------------------------
THROTTLE_RATES = {
    "submit": env("THROTTLE_SUBMIT", default="10/minute"),
    "upload": env("THROTTLE_UPLOAD", default="30/minute"),
    "read": env("THROTTLE_READ", default="300/minute"),
    "create_form": env("THROTTLE_CREATE_FORM", default="10/minute"),
}
LOGIN_ATTEMPTS_PER_ACCOUNT = env("LOGIN_ATTEMPTS_PER_ACCOUNT", default="5/15minute")
LOGIN_ATTEMPTS_PER_IP = env("LOGIN_ATTEMPTS_PER_IP", default="20/15minute")

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Where e-mail goes: EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) or, for
# development, just a backend (the console by default).
MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}}
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    _smtp_options = {"EMAIL_HOST": "host", "EMAIL_PORT": "port", "EMAIL_HOST_USER": "username",
                     "EMAIL_HOST_PASSWORD": "password", "EMAIL_USE_TLS": "use_tls", "EMAIL_USE_SSL": "use_ssl"}
    MAILERS["default"] = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {option: _email[name] for name, option in _smtp_options.items() if _email.get(name) not in (None, "")},
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Avatar Studio <noreply@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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
_bucket_origins = [env("AWS_S3_ENDPOINT_URL", default="") or "https://*.amazonaws.com"] if AWS_STORAGE_BUCKET_NAME else []
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
        "BACKEND": env(
            "STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024  # data: URIs arrive inside JSON bodies
# Small request bodies are held in memory; larger files go to temporary files and stop
# being stored once they pass MAX_IMAGE_BYTES / MAX_AUDIO_BYTES (limits.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "limits.uploads.SizeLimitedUploadHandler",
]

# --- Background work ----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Task workers: how many `manage.py run_worker` keeps running, how often each reports it is
# alive, and after how long without a report its tasks are handed to the others.
WORKER_PROCESSES = env.int("WORKER_PROCESSES", default=1)
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=5.0)
WORKER_DEAD_AFTER_SECONDS = env.float("WORKER_DEAD_AFTER_SECONDS", default=30.0)
# Status checks one worker makes at once (each mostly waits for fal's answer).
POLL_CONCURRENCY = env.int("POLL_CONCURRENCY", default=8)

# --- fal ----------------------------------------------------------------------------------
# Without FAL_KEY the app talks to the local fal-compatible engine (the `engine` app).
FAL_KEY = env("FAL_KEY", default="")
# "remote" talks to fal.ai (and then FAL_KEY must be valid); "local" to the bundled engine.
FAL_MODE = env("FAL_MODE", default="remote" if FAL_KEY else "local")
if FAL_MODE not in ("local", "remote"):
    raise environ.ImproperlyConfigured("FAL_MODE must be 'local' or 'remote'.")
# Where the local engine answers; the web process mounts it at /_fal/.
FAL_ENGINE_URL = env("FAL_ENGINE_URL", default="http://127.0.0.1:8000/_fal").rstrip("/")
# fal's webhook signing keys. Empty: fal's published set, or the local engine's own.
FAL_JWKS_URL = env("FAL_JWKS_URL", default="")
# The base URL fal can reach us at; it builds the webhook URL. Empty: rely on polling.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="" if FAL_MODE == "remote" else "http://127.0.0.1:8000").rstrip("/")
# Your fal user id (X-Fal-Webhook-User-Id); when set, callbacks for other accounts are refused.
FAL_WEBHOOK_USER_ID = env("FAL_WEBHOOK_USER_ID", default="")
FAL_WEBHOOK_TOLERANCE_SECONDS = env.int("FAL_WEBHOOK_TOLERANCE_SECONDS", default=300)
FAL_JWKS_CACHE_SECONDS = env.int("FAL_JWKS_CACHE_SECONDS", default=6 * 3600)

# Per-second prices of output video, in US dollars (third-party figures; keep them here).
KLING_PRO_PRICE_PER_SECOND = env.float("KLING_PRO_PRICE_PER_SECOND", default=0.115)
KLING_STANDARD_PRICE_PER_SECOND = env.float("KLING_STANDARD_PRICE_PER_SECOND", default=0.056)
# What our users pay, in whole credits per second of output video (1 credit = $0.001).
KLING_PRO_CREDITS_PER_SECOND = env.int("KLING_PRO_CREDITS_PER_SECOND", default=115)
KLING_STANDARD_CREDITS_PER_SECOND = env.int("KLING_STANDARD_CREDITS_PER_SECOND", default=56)
# Credits every new account starts with: about three minutes of pro video.
STARTING_CREDITS = env.int("STARTING_CREDITS", default=20000)

# --- Job pipeline -----------------------------------------------------------------------------
JOB_BUDGET_SECONDS = env.float("JOB_BUDGET_SECONDS", default=12 * 60)
# The usual run time that shapes the polling schedule. 0 = the model's own figure (or the
# local engine's processing time); benchmarks set it to replay an 8-minute job in seconds.
JOB_EXPECTED_SECONDS = env.float("JOB_EXPECTED_SECONDS", default=0)
MAX_IMAGE_BYTES = env.int("MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
MAX_AUDIO_BYTES = env.int("MAX_AUDIO_BYTES", default=20 * 1024 * 1024)
# Room around the files in a request (form fields, multipart framing, a data: URI's base64
# growth); a body longer than both files plus this is refused unread.
REQUEST_OVERHEAD_BYTES = env.int("REQUEST_OVERHEAD_BYTES", default=15 * 1024 * 1024)
MAX_AUDIO_SECONDS = env.float("MAX_AUDIO_SECONDS", default=60.0)
MIN_AUDIO_SECONDS = env.float("MIN_AUDIO_SECONDS", default=0.5)
MIN_IMAGE_SIDE = env.int("MIN_IMAGE_SIDE", default=64)
# Input URLs must resolve to public addresses (no loopback, private, link-local or metadata
# ranges); hosts listed here skip that check (development and tests only).
ALLOWED_INPUT_HOSTS = env.list("ALLOWED_INPUT_HOSTS", default=[])
MAX_IMAGE_SIDE = env.int("MAX_IMAGE_SIDE", default=4096)
# Admission control: unfinished jobs one user may have (more are refused), and jobs we keep
# at fal at once across all users (more wait in our own queue, started fairly as slots free).
# How long a file uploaded to fal storage stays readable (fal: about 7 days by default);
# a cached upload is reused only while it will outlive a job's budget.
FAL_STORAGE_URL_LIFETIME_SECONDS = env.int("FAL_STORAGE_URL_LIFETIME_SECONDS", default=7 * 24 * 3600)
MAX_ACTIVE_JOBS_PER_USER = env.int("MAX_ACTIVE_JOBS_PER_USER", default=5)
MAX_JOBS_AT_FAL = env.int("MAX_JOBS_AT_FAL", default=20)

# --- Outgoing webhooks (outbox/) -------------------------------------------------------
# Consumers' URLs must resolve to public addresses (SSRF); hosts listed here skip that check
# (development and tests only).
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
# Seconds before each attempt of a delivery (the first is the delay before the first
# attempt); after the last one fails the delivery is given up. Default: Standard Webhooks'
# (Svix's) schedule, 27.6 hours in all.
WEBHOOK_RETRY_SCHEDULE = env.list("WEBHOOK_RETRY_SCHEDULE", cast=float, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000])
# A registered endpoint whose every delivery failed for this many days is disabled.
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=3)
# Seconds to open a connection to a consumer, and the most one attempt may take in all
# (connecting, sending, reading the answer); past it the attempt fails as timed out.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Deliveries one worker makes at once, in threads of their own beside the job tasks.
WEBHOOK_DELIVERY_CONCURRENCY = env.int("WEBHOOK_DELIVERY_CONCURRENCY", default=8)

# --- Local engine ------------------------------------------------------------------------------
ENGINE_STORAGE_DIR = env.path("ENGINE_STORAGE_DIR", default=VAR_DIR / "engine")
ENGINE_PROCESSING_SECONDS = env.float("ENGINE_PROCESSING_SECONDS", default=8.0)
ENGINE_CONCURRENCY = env.int("ENGINE_CONCURRENCY", default=2)
# The long side of the engine's videos in pixels (smaller pictures keep their size), 64 to 1024.
ENGINE_RENDER_LONG_SIDE = env.int("ENGINE_RENDER_LONG_SIDE", default=512)
# Multiplies the engine's webhook retry delays (fal's: 10 retries over about 2 hours).
ENGINE_WEBHOOK_RETRY_SCALE = env.float("ENGINE_WEBHOOK_RETRY_SCALE", default=1.0)
# A file the engine appends every accepted submission to (audits; off when empty).
ENGINE_JOURNAL = env("ENGINE_JOURNAL", default="")
# Local mode listens on loopback only (scripts check it): the engine at /_fal is not for the world.
ALLOW_PUBLIC_BIND_IN_LOCAL_MODE = env.bool("ALLOW_PUBLIC_BIND_IN_LOCAL_MODE", default=False)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "jobs.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["limits.throttles.UserScopedThrottle"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "jobs.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "openapi.schema.ApiSchema",
}

# The OpenAPI document at /api/schema/ and its docs page at /api/docs/ (openapi/).
SPECTACULAR_SETTINGS = {
    "TITLE": "Avatar Studio API",
    "DESCRIPTION": (
        "Turn a portrait and a speech recording into a talking-avatar video.\n\n"
        "Authenticate with `Authorization: Token <key>` (or a browser session, sending the CSRF "
        "token on unsafe requests). Every error is JSON: `{\"detail\": str, \"code\": str}`, plus "
        "`errors` per field for bad input (`code` `invalid`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["openapi.schema.only_the_api"],
    # Request bodies get components of their own (no read-only fields in them).
    "COMPONENT_SPLIT_REQUEST": True,
    # A job's and a batch's `status` are different sets of values, each named once.
    "ENUM_NAME_OVERRIDES": {"JobStatusEnum": "jobs.models.JobState", "BatchStatusEnum": "api.serializers.BATCH_STATUSES"},
    # Tags and operation ids start after /api/ (and a version, for /api/v1/...).
    "SCHEMA_PATH_PREFIX": r"/api(/v[0-9]+)?",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayOperationId": True},
}

# The versioned API (/api/v1/): how long an Idempotency-Key is remembered, and how many
# items one batch may hold.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
MAX_BATCH_SIZE = env.int("MAX_BATCH_SIZE", default=100)
MAX_API_TOKENS_PER_USER = env.int("MAX_API_TOKENS_PER_USER", default=20)

# --- Monitoring (monitoring/) ---------------------------------------------------------------
# /metrics answers staff signed in, or `Authorization: Bearer <METRICS_TOKEN>` (unset: staff only).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Each process adds what it counted to the shared totals this often (0: only when /metrics is read).
METRICS_FLUSH_SECONDS = env.float("METRICS_FLUSH_SECONDS", default=5.0)
# /readyz fails when the newest worker heartbeat is older than this, or fal takes longer to answer.
READYZ_WORKER_MAX_AGE_SECONDS = env.float("READYZ_WORKER_MAX_AGE_SECONDS", default=WORKER_DEAD_AFTER_SECONDS)
READYZ_FAL_TIMEOUT_SECONDS = env.float("READYZ_FAL_TIMEOUT_SECONDS", default=3.0)
# "plain" lines for people (development), or "json": one object per line for log search.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise environ.ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
# One access-log line per request (method, path, status, time, request id) from the app itself.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler runs both: the request, job and fal request a line is about, then the one
    # redaction filter (fal key, API tokens, webhook secrets, passwords, signed URLs).
    "filters": {
        "context": {"()": "config.log_context.LogContextFilter"},
        "redact": {"()": "monitoring.logs.RedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "monitoring.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context", "redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # httpx logs every request URL at INFO; keep it quiet so nothing sensitive is echoed.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
