"""The test and benchmark controls: inject faults, reset, read stats.

Only a standalone engine started with its controls answers them (engine.controlled_urls),
never the engine mounted in the app. No auth, as befits a local fake, but only callers on
this machine may use them, should such an engine listen on a wider address.
"""

import functools
import ipaddress

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .gateway import error_response, json_response, parse_json_body
from .state import ENGINE


def local_callers_only(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
        except ValueError:
            local = False
        if not local:
            return error_response(403, "The engine's controls answer only on this machine.")
        return view(request, *args, **kwargs)

    return wrapped


@csrf_exempt
@local_callers_only
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> HttpResponse:
    """POST a JSON fault spec (see engine.faults.SPEC_KEYS); GET shows what is pending."""
    if request.method == "POST":
        try:
            spec = parse_json_body(request)
            if not isinstance(spec, dict):
                raise ValueError("the fault spec must be a JSON object")
            ENGINE.faults.apply(spec)
        except (ValueError, TypeError) as exc:
            return error_response(400, str(exc))
    return json_response({"faults": ENGINE.faults.describe()})


@csrf_exempt
@local_callers_only
@require_http_methods(["POST"])
def reset(request: HttpRequest) -> HttpResponse:
    ENGINE.reset()
    return json_response({"reset": True})


@local_callers_only
@require_http_methods(["GET"])
def stats(request: HttpRequest) -> HttpResponse:
    return json_response(ENGINE.stats())
