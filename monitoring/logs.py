"""Log lines for machines and without secrets.

`JsonFormatter` writes one JSON object per line (LOG_FORMAT=json): time, level, logger,
message, the HTTP request id, the job and its fal request id when the line concerns one
(core.log_context), the exception, and whatever a line adds with `extra=`.

`RedactingFilter` is the one place secrets are taken out of log lines, whatever the format:
every handler runs it, so no logger (ours, Django's, a library's) can write around it.
"""

import functools
import json
import logging
import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

REDACTED = "[redacted]"

# Each rule finds one kind of secret; all run as one regular expression, in this order of
# preference where they overlap (a fal key before the UUID-like text around it, ...).
RULES = [
    # fal keys are "<key id (a UUID)>:<secret (hex)>"; a bare UUID (a job or request id) is left alone.
    ("fal_key", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:[0-9a-fA-F]{16,}\b"),
    # The credential of an Authorization header, whatever its scheme.
    (
        "authorization",
        r"(?i:(?P<authorization_name>\bauthorization\b[\"']?\s*[:=]\s*[\"']?(?:bearer|token|key|basic)\s+))[^\s\"',;]+",
    ),
    ("api_token", r"\bavs_[A-Za-z0-9_-]{6,}"),  # our named API tokens (api.models)
    ("webhook_secret", r"\bwhsec_[A-Za-z0-9+/=_-]{6,}"),
    # user:password@ in any URL (database, cache, e-mail URLs).
    ("url_password", r"(?P<url_password_scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"),
    # A URL whose query string signs it (S3, CloudFront, GCS, Azure SAS, ...): the whole query goes.
    ("signed_url", r"(?P<signed_url_base>\bhttps?://[^\s\"'<>?]+)\?(?P<signed_url_query>[^\s\"'<>]+)"),
    # key=value, key: value and "key": "value" for names that hold secrets.
    (
        "secret_field",
        r"(?i:(?P<secret_field_name>(?:password|passwd|pwd|secret|secret_key|api_key|apikey|access_token|token|signature|sig)[\"']?\s*[=:]\s*[\"']?))(?!\[redacted)[^\s\"'&,;)}]+",
    ),
    ("drf_token", r"(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])"),  # DRF authtoken keys
]
SECRETS = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in RULES))
SIGNING_PARAMETERS = re.compile(
    r"(?i)(?:^|&)(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|key-pair-id|policy|"
    r"x-goog-signature|x-goog-credential|googleaccessid|sig|se|sv|token|access_token|api_key)="
)
MIN_CONFIGURED_SECRET = 8


def _replacement(match) -> str:
    rule = match.lastgroup
    if rule == "api_token":
        return f"avs_{REDACTED}"
    if rule == "webhook_secret":
        return f"whsec_{REDACTED}"
    if rule == "url_password":
        return f"{match['url_password_scheme']}{REDACTED}@"
    if rule == "signed_url":
        if SIGNING_PARAMETERS.search(match["signed_url_query"]):
            return f"{match['signed_url_base']}?{REDACTED}"
        # Not signed: keep the URL, but still look inside its query (?token=..., ?password=...).
        return f"{match['signed_url_base']}?{SECRETS.sub(_replacement, match['signed_url_query'])}"
    if rule in ("authorization", "secret_field"):
        return f"{match[f'{rule}_name']}{REDACTED}"
    return REDACTED


@functools.cache
def _configured_secrets():
    """Our own settings' secrets as one expression (None without any), removed wherever they
    appear, whatever their shape. Cached; cleared when a setting changes (tests)."""
    candidates = [settings.FAL_KEY, settings.SECRET_KEY, getattr(settings, "METRICS_TOKEN", "")]
    candidates += [
        settings.LOCAL_ENGINE_KEY,
        settings.LOCAL_ENGINE_KEY.rpartition(":")[2],
    ]  # whole, and its secret alone
    candidates += [database.get("PASSWORD", "") for database in settings.DATABASES.values()]
    candidates += [storage.get("OPTIONS", {}).get("secret_key") or "" for storage in settings.STORAGES.values()]
    candidates += [
        mailer.get("OPTIONS", {}).get("password") or "" for mailer in getattr(settings, "MAILERS", {}).values()
    ]
    secrets = sorted(
        {secret for secret in candidates if secret and len(secret) >= MIN_CONFIGURED_SECRET}, key=len, reverse=True
    )
    return re.compile("|".join(map(re.escape, secrets))) if secrets else None


@receiver(setting_changed)
def _forget_configured_secrets(**kwargs):
    _configured_secrets.cache_clear()


def redact(text: str) -> str:
    if configured := _configured_secrets():
        text = configured.sub(REDACTED, text)
    return SECRETS.sub(_replacement, text)


# What every LogRecord has; anything else on a record came from `extra=` (or a filter).
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
CONTEXT_ATTRIBUTES = ("request_id", "job_id", "fal_request_id")


class RedactingFilter(logging.Filter):
    """Rewrites a record with its secrets removed: the message (with its arguments filled
    in), the exception and stack texts, and every string added with `extra=`."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: logging reports those itself; redact what we have
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in STANDARD_ATTRIBUTES:
                setattr(record, name, _redacted(value))
        return True


def _redacted(value):
    """A value added with `extra=` (Django's SQL log adds the query's parameters), redacted
    all the way down; anything but plain data becomes its redacted text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _redacted(item) for key, item in value.items()}
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line; keys with nothing to say are left out."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request_id = getattr(record, "request_id", "-")
        if request_id and request_id != "-":
            line["request_id"] = request_id
        for name in ("job_id", "fal_request_id"):
            if value := getattr(record, name, ""):
                line[name] = str(value)
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and name not in line and name not in CONTEXT_ATTRIBUTES:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)
