"""What every engine route shares: fal's response headers, credentials, counting and faults.

Each view is wrapped by `engine_route`, which counts the call, holds it while a hold is
pending for its route kind, answers an injected fault if one is pending for it, checks
credentials, and rejects other methods. Views are CSRF-exempt: fal's clients send no CSRF
token, and the engine has no sessions to protect.
"""

import json
import uuid
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core import json_bodies

from . import storage, webhooks
from .faults import CallFault
from .state import ENGINE

API_KEY = "key"
CDN_TOKEN = "cdn-token"
PUBLIC = None


def json_response(
    body: Any, status: int = 200, *, request_id: str | None = None, headers: dict | None = None
) -> HttpResponse:
    """Compact JSON like fal's, always with x-fal-request-id (the JS client reads the id from it)."""
    response = HttpResponse(json.dumps(body, separators=(",", ":")), status=status, content_type="application/json")
    response["x-fal-request-id"] = request_id or str(uuid.uuid4())
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, detail: Any, **extra: Any) -> HttpResponse:
    return json_response({"detail": detail, **extra}, status)


def mount_url(request: HttpRequest) -> str:
    """The engine's absolute base URL as this caller reached it, e.g. http://127.0.0.1:8000/_fal."""
    return request.build_absolute_uri(reverse("engine:mount")).rstrip("/")


def has_api_key(request: HttpRequest) -> bool:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    # fal-client sends "Key <id>:<secret>", or "Bearer <token>" after a user login.
    return scheme.lower() in ("key", "bearer") and bool(credential.strip())


def account_of(request: HttpRequest) -> str:
    """The fal user id behind the caller's credentials. Each whole key (id and secret) is an
    account of its own, as on fal: a key with another's id but not its secret is another
    account, which sees none of the first one's requests."""
    _, _, credential = request.headers.get("Authorization", "").partition(" ")
    return webhooks.user_id_for_key(credential.strip())


def has_cdn_token(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and storage.cdn_token_is_valid(token.strip())


def fault_response(fault: CallFault) -> HttpResponse:
    if fault.nginx:
        # An ingress error carries no x-fal-request-id: that is how fal-client tells it apart.
        body = fault.body if isinstance(fault.body, str) else json.dumps(fault.body)
        return HttpResponse(body, status=fault.status, content_type="text/html")
    return json_response(fault.body, fault.status)


def engine_route(kind: str, methods: tuple[str, ...], credentials: str | None = API_KEY):
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def route(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return error_response(405, f"Method {request.method} not allowed", allowed=list(methods))
            ENGINE.count_call(kind)
            ENGINE.faults.hold_if_due(kind, request.get_full_path())
            fault = ENGINE.faults.take_call_fault(kind)
            if fault:
                return fault_response(fault)
            if credentials == API_KEY and not has_api_key(request):
                return error_response(401, "Missing or malformed Authorization header; expected 'Key <key>'")
            if credentials == CDN_TOKEN and not has_cdn_token(request):
                return error_response(401, "Missing, invalid or expired CDN token")
            return view(request, *args, **kwargs)

        return route

    return decorate


def parse_json_body(request: HttpRequest) -> Any:
    """The request's JSON body ({} when empty); raises ValueError when it is not JSON."""
    if not request.body:
        return {}
    return json_bodies.loads(request.body)
