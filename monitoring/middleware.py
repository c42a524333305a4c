import logging
import time

from django.conf import settings

from . import catalog, recorder, views

access_log = logging.getLogger("monitoring.requests")

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HealthProbeMiddleware:
    """Answers /healthz and /readyz before the rest of the stack: a load balancer or an
    orchestrator probes by address (no host name in ALLOWED_HOSTS) and over plain HTTP (no
    HTTPS redirect), and a probe must not count as traffic. Place it right after
    RequestIdMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    """Counts every answered request by view, method and status, times it, and (with
    LOG_REQUESTS) writes one access-log line naming the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        # Views, not paths: a label per job id would make a series per job.
        view = match.view_name if match else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        recorder.count(catalog.HTTP_REQUESTS, view=view, method=method, status=response.status_code)
        recorder.observe(catalog.HTTP_SECONDS, seconds)
        if settings.LOG_REQUESTS:
            access_log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.get_full_path(),
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    "path": request.get_full_path(),
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "view": view,
                },
            )
        return response
