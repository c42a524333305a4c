from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from . import dashboard as dashboards
from . import exposition, health, recorder


@never_cache
def healthz(request):
    """Liveness: the process answers. No database, cache or network: a restart would not
    fix those, so they belong to /readyz."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness: every dependency answers; 503 naming the ones that don't. Beside the checks,
    whether fal's webhooks are healthy (see health.webhooks)."""
    results = health.readiness()
    ready = all(result.ok for result in results.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: result.as_json() for name, result in results.items()},
    }
    body["webhooks"] = health.webhooks()
    return JsonResponse(body, status=200 if ready else 503)


def may_read_metrics(request) -> bool | None:
    """True for staff signed in, or `Authorization: Bearer <METRICS_TOKEN>`; None when no
    credentials came at all (401), False for the wrong ones (403)."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential:
        return bool(settings.METRICS_TOKEN) and constant_time_compare(credential.strip(), settings.METRICS_TOKEN)
    if request.user.is_authenticated:
        return request.user.is_active and request.user.is_staff
    return None


@never_cache
def metrics(request):
    allowed = may_read_metrics(request)
    if not allowed:
        status = 401 if allowed is None else 403
        response = HttpResponse(
            "Staff sign-in or the metrics token is required.\n", status=status, content_type="text/plain"
        )
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    recorder.flush()  # this process's own counts, so a single-process setup is exact
    return HttpResponse(exposition.render(), content_type=CONTENT_TYPE_LATEST)


def dashboard(request):
    """The staff dashboard (mounted behind admin.site.admin_view: staff only)."""
    window = dashboards.WINDOWS.get(request.GET.get("window"), dashboards.WINDOWS[dashboards.DEFAULT_WINDOW])
    context = {
        **admin.site.each_context(request),
        "title": "Processing dashboard",
        "windows": dashboards.WINDOWS.values(),
        "window": window,
        "board": dashboards.board(window),
    }
    return render(request, "monitoring/dashboard.html", context)
