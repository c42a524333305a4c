"""Which fal URL a proxied call names (`x-fal-target-url`), and whether we serve it.

The allow-list is the model registry's endpoints on fal's queue and the two storage calls
the JS client makes through a proxy (`initiate`, `initiate-multipart`). Everything else is
refused with the answers fal documents for a proxy: 412 for a URL that is not fal's, 400
for a fal URL we don't serve, 405 for a method the call does not take.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from jobs.registry import MODELS_BY_ENDPOINT, FalModel

FAL_HOST = re.compile(r"(^|\.)fal\.(run|ai|dev)$")
QUEUE_HOST = "queue.fal.run"
REST_HOST = "rest.fal.ai"
REQUEST_PATH = re.compile(
    r"^/(?P<app>.+?)/requests/(?P<request_id>[^/]+)(?P<action>/status/stream|/status|/cancel)?/?$"
)

# The call each target is, with the one method it takes and the rate-limit scope it counts in.
SUBMIT, STATUS, STREAM, RESULT, CANCEL, INITIATE, INITIATE_MULTIPART = (
    "submit",
    "status",
    "stream",
    "result",
    "cancel",
    "initiate",
    "initiate-multipart",
)
METHODS = {
    SUBMIT: "POST",
    STATUS: "GET",
    STREAM: "GET",
    RESULT: "GET",
    CANCEL: "PUT",
    INITIATE: "POST",
    INITIATE_MULTIPART: "POST",
}
THROTTLE_SCOPES = {SUBMIT: "submit", INITIATE: "upload", INITIATE_MULTIPART: "upload"}
ACTIONS = {None: RESULT, "/status": STATUS, "/status/stream": STREAM, "/cancel": CANCEL}


class TargetRefused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Target:
    call: str
    model: FalModel | None = None  # submit
    request_id: str = ""  # status, stream, result, cancel
    with_logs: bool = False

    @property
    def method(self) -> str:
        return METHODS[self.call]

    @property
    def throttle_scope(self) -> str:
        return THROTTLE_SCOPES.get(self.call, "read")


def parse_target(url: str | None) -> Target:
    """The call `url` names, or TargetRefused with fal's status for it."""
    if not url:
        raise TargetRefused(400, "Missing the x-fal-target-url header")
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or not FAL_HOST.search(parts.hostname):
        raise TargetRefused(412, "Invalid x-fal-target-url header: not a fal.ai URL")
    path = parts.path
    if parts.hostname == QUEUE_HOST:
        if model := MODELS_BY_ENDPOINT.get(path.strip("/")):
            return Target(SUBMIT, model=model)
        match = REQUEST_PATH.match(path)
        if match and _is_registry_app(match["app"]):
            logs = parse_qs(parts.query).get("logs", [""])[0].lower() in ("1", "true")
            return Target(
                ACTIONS[match["action"].rstrip("/") if match["action"] else None],
                request_id=match["request_id"],
                with_logs=logs,
            )
    if parts.hostname == REST_HOST and path.rstrip("/") == "/storage/upload/initiate":
        return Target(INITIATE)
    if parts.hostname == REST_HOST and path.rstrip("/") == "/storage/upload/initiate-multipart":
        return Target(INITIATE_MULTIPART)
    raise TargetRefused(
        400, "Invalid request: this proxy serves only the Avatar Studio models' queue and file uploads"
    )


def _is_registry_app(app: str) -> bool:
    """Status URLs name an app by owner/alias (fal-ai/kling-video), or by the full endpoint."""
    app = app.strip("/")
    return any(app in (endpoint, "/".join(endpoint.split("/")[:2])) for endpoint in MODELS_BY_ENDPOINT)


def owner_alias(endpoint_id: str) -> str:
    return "/".join(endpoint_id.split("/")[:2])
