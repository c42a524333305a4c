"""Monitoring and logs: /metrics, the readiness probe, and how log lines are written."""

import environ

from .environment import env
from .pipeline import WORKER_DEAD_AFTER_SECONDS

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
        "context": {"()": "core.log_context.LogContextFilter"},
        "redact": {"()": "monitoring.logs.RedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "monitoring.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context", "redact"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # httpx logs every request URL at INFO; keep it quiet so nothing sensitive is echoed.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
