"""The JSON API: REST framework, the OpenAPI document, API limits, and outgoing webhooks."""

from .environment import env

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["limits.throttles.UserScopedThrottle"],
    # DRF's parsers, but JSON with a bound on nesting (a 500 otherwise: RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "core.json_bodies.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
}

# The OpenAPI document at /api/schema/ and its docs page at /api/docs/ (openapi/).
SPECTACULAR_SETTINGS = {
    "TITLE": "Avatar Studio API",
    "DESCRIPTION": (
        "Turn a portrait and a speech recording into a talking-avatar video.\n\n"
        "Authenticate with `Authorization: Token <key>` (or a browser session, sending the CSRF "
        'token on unsafe requests). Every error is JSON: `{"detail": str, "code": str}`, plus '
        "`errors` per field for bad input (`code` `invalid`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["api.schema.only_the_api"],
    # Request bodies get components of their own (no read-only fields in them).
    "COMPONENT_SPLIT_REQUEST": True,
    # A job's and a batch's `status` are different sets of values, each named once.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "jobs.models.JobState",
        "BatchStatusEnum": "api.serializers.BATCH_STATUSES",
    },
    # Tags and operation ids start after /api/ (and a version, for /api/v1/...).
    "SCHEMA_PATH_PREFIX": r"/api(/v[0-9]+)?",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deepLinking: it puts a link inside each operation's toggle button, a control nested in a
    # control that screen readers and keyboards cannot tell apart (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "displayOperationId": True},
}

# The versioned API (/api/v1/): how long an Idempotency-Key is remembered, and how many
# items one batch may hold.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
MAX_BATCH_SIZE = env.int("MAX_BATCH_SIZE", default=100)
MAX_API_TOKENS_PER_USER = env.int("MAX_API_TOKENS_PER_USER", default=20)

# --- Outgoing webhooks (outbox/) -------------------------------------------------------
# Consumers' URLs must resolve to public addresses (SSRF); hosts listed here skip that check
# (development and tests only).
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
# Seconds before each attempt of a delivery (the first is the delay before the first
# attempt); after the last one fails the delivery is given up. Default: Standard Webhooks'
# (Svix's) schedule, 27.6 hours in all.
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE", cast=float, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000]
)
# A registered endpoint whose every delivery failed for this many days is disabled.
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=3)
# Seconds to open a connection to a consumer, and the most one attempt may take in all
# (connecting, sending, reading the answer); past it the attempt fails as timed out.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Deliveries one worker makes at once, in threads of their own beside the job tasks.
WEBHOOK_DELIVERY_CONCURRENCY = env.int("WEBHOOK_DELIVERY_CONCURRENCY", default=8)
# Days a message is kept with its deliveries and attempts (the log users and staff read), once
# none is still being tried; then the workers delete it.
WEBHOOK_LOG_RETENTION_DAYS = env.float("WEBHOOK_LOG_RETENTION_DAYS", default=30)
