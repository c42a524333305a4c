"""The test and benchmark controls: inject faults, reset, read stats. Local fake only: no auth."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .gateway import error_response, json_response, parse_json_body
from .state import ENGINE


@csrf_exempt
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
@require_http_methods(["POST"])
def reset(request: HttpRequest) -> HttpResponse:
    ENGINE.reset()
    return json_response({"reset": True})


@require_http_methods(["GET"])
def stats(request: HttpRequest) -> HttpResponse:
    return json_response(ENGINE.stats())
