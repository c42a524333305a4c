"""Log lines for machines and without secrets.

`JsonFormatter` writes one JSON object per line (LOG_FORMAT=json): time, level, logger,
message, the HTTP request id, the job and its fal request id when the line concerns one
(config.log_context), the exception, and whatever a line adds with `extra=`.

`RedactingFilter` is the one place secrets are taken out of log lines, whatever the format:
every handler runs it, so no logger (ours, Django's, a library's) can write around it.
"""

import json
import logging
import re
from datetime import UTC, datetime

from django.conf import settings

REDACTED = "[redacted]"

# fal keys are "<key id (a UUID)>:<secret (hex)>"; a bare UUID (a job or request id) is left alone.
FAL_KEY = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:[0-9a-fA-F]{16,}\b")
# The credential of an Authorization header, whatever its scheme.
AUTHORIZATION = re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?(?:bearer|token|key|basic)\s+)[^\s\"',;]+")
API_TOKEN = re.compile(r"\bavs_[A-Za-z0-9_-]{6,}")  # our named API tokens (api.models)
DRF_TOKEN = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])")  # DRF authtoken keys
WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{6,}")
# user:password@ in any URL (database, cache, e-mail URLs).
URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@")
# key=value, key: value and "key": "value" for names that hold secrets.
SECRET_FIELD = re.compile(
    r"(?i)((?:password|passwd|pwd|secret|secret_key|api_key|apikey|access_token|token|signature|sig)[\"']?\s*[=:]\s*[\"']?)"
    r"(?!\[redacted)[^\s\"'&,;)}]+"
)
# A URL whose query string signs it (S3, CloudFront, GCS, Azure SAS, ...): the whole query goes.
URL_WITH_QUERY = re.compile(r"(\bhttps?://[^\s\"'<>?]+)\?([^\s\"'<>]+)")
SIGNING_PARAMETERS = re.compile(
    r"(?i)(?:^|&)(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|key-pair-id|policy|"
    r"x-goog-signature|x-goog-credential|googleaccessid|sig|se|sv|token|access_token|api_key)="
)
MIN_CONFIGURED_SECRET = 8


def configured_secrets() -> list[str]:
    """The secrets in our own settings, removed wherever they appear, whatever their shape."""
    candidates = [settings.FAL_KEY, settings.SECRET_KEY, getattr(settings, "METRICS_TOKEN", "")]
    for database in settings.DATABASES.values():
        candidates.append(database.get("PASSWORD", ""))
    for storage in settings.STORAGES.values():
        candidates.append(storage.get("OPTIONS", {}).get("secret_key") or "")
    for mailer in getattr(settings, "MAILERS", {}).values():
        candidates.append(mailer.get("OPTIONS", {}).get("password") or "")
    return sorted({secret for secret in candidates if secret and len(secret) >= MIN_CONFIGURED_SECRET}, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in configured_secrets():
        text = text.replace(secret, REDACTED)
    text = FAL_KEY.sub(REDACTED, text)
    text = AUTHORIZATION.sub(rf"\g<1>{REDACTED}", text)
    text = API_TOKEN.sub(f"avs_{REDACTED}", text)
    text = WEBHOOK_SECRET.sub(f"whsec_{REDACTED}", text)
    text = DRF_TOKEN.sub(REDACTED, text)
    text = URL_PASSWORD.sub(rf"\g<1>{REDACTED}@", text)
    text = URL_WITH_QUERY.sub(_without_signature, text)
    return SECRET_FIELD.sub(rf"\g<1>{REDACTED}", text)


def _without_signature(match):
    return f"{match.group(1)}?{REDACTED}" if SIGNING_PARAMETERS.search(match.group(2)) else match.group(0)


# What every LogRecord has; anything else on a record came from `extra=` (or a filter).
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
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
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
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
