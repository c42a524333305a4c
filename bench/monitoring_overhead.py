"""What monitoring costs a request: a trivial DRF view (GET /api/me, token auth) served with
and without the monitoring middleware and logging, in one run, over real HTTP from
concurrent clients in a separate process (bench/load.py).

"without": the middleware stack less monitoring's two (request metrics, health probes),
nothing logged per request. "metrics": the whole stack, counting every request (the tally
saved to the database every METRICS_FLUSH_SECONDS by its thread). "metrics + log": also one
JSON access-log line per request (LOG_REQUESTS, through the context and redaction filters)
written to a file. They alternate, several rounds each, so a slow moment of the machine
hits all three.
Then the pieces alone: one JSON line formatted and redacted, one request counted.

Run: .venv/bin/python bench/monitoring_overhead.py [--seconds 5] [--clients 4] [--rounds 3]
"""

import argparse
import copy
import logging
import logging.config
import statistics
import tempfile
import time

import harness
from submit_throughput import hammer

MONITORING_MIDDLEWARE = (
    "monitoring.middleware.HealthProbeMiddleware",
    "monitoring.middleware.RequestMetricsMiddleware",
)


CONFIGURATIONS = ("without", "metrics", "metrics + log")


def configure(settings, label, log_file):
    from django.core.handlers.wsgi import WSGIHandler

    monitored, logged = label != "without", label == "metrics + log"
    config = copy.deepcopy(settings.LOGGING)
    if logged:
        config["handlers"]["console"] = {
            **config["handlers"]["console"],
            "class": "logging.FileHandler",
            "filename": log_file,
            "formatter": "json",
        }
        config["handlers"]["console"].pop("stream", None)
    config["root"]["level"] = "INFO" if logged else "WARNING"
    logging.config.dictConfig(config)
    settings.LOG_REQUESTS = logged
    full = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = full if monitored else [name for name in full if name not in MONITORING_MIDDLEWARE]
    handler = WSGIHandler()  # the middleware chain is built here, from settings.MIDDLEWARE
    settings.MIDDLEWARE = full
    return handler


def per_call_costs(settings, log_file):
    """Microseconds for one JSON line (context + redaction + formatting, written) and for
    counting one request (a counter and a histogram observation)."""
    from monitoring import catalog, recorder

    logger = logging.getLogger("monitoring.requests")
    started, lines = time.perf_counter(), 20_000
    for n in range(lines):
        logger.info(
            "GET /api/me 200 %.1f ms",
            2.5,
            extra={"method": "GET", "path": f"/api/me?page={n}", "status": 200, "duration_ms": 2.5, "view": "api:me"},
        )
    line_us = (time.perf_counter() - started) / lines * 1e6
    started, counts = time.perf_counter(), 200_000
    for _ in range(counts):
        recorder.count(catalog.HTTP_REQUESTS, view="api:me", method="GET", status=200)
        recorder.observe(catalog.HTTP_SECONDS, 0.003)
    count_us = (time.perf_counter() - started) / counts * 1e6
    return line_us, count_us


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    harness.setup_django(METRICS_FLUSH_SECONDS=5, **harness.NO_USER_LIMITS)
    server, base_url = harness.start_app_server()

    from django.conf import settings
    from django.db import connection
    from rest_framework.authtoken.models import Token

    user = harness.bench_user()
    token = f"Authorization: Token {Token.objects.get_or_create(user=user)[0].key}"
    log_file = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
    handlers = {label: configure(settings, label, log_file) for label in CONFIGURATIONS}
    figures = {label: [] for label in CONFIGURATIONS}
    print(
        f"GET /api/me, {args.clients} concurrent clients, {args.seconds:g} s per run, database: {connection.vendor}\n"
    )
    print(f"{'round':<8} {'configuration':<14} {'req/s':>8} {'p50':>9} {'p99':>9}")
    for round_number in range(1, args.rounds + 1):
        for label in CONFIGURATIONS:
            configure(settings, label, log_file)
            server.set_app(handlers[label])
            result = hammer("GET", f"{base_url}/api/me", seconds=args.seconds, clients=args.clients, headers=[token])
            figures[label].append(result)
            print(
                f"{round_number:<8} {label:<14} {result['rate']:8.1f} "
                f"{result['p50_ms']:7.1f}ms {result['p99_ms']:7.1f}ms"
                + (f" ({result['failed']} failed)" if result["failed"] else "")
            )
    rate = {label: statistics.median(result["rate"] for result in results) for label, results in figures.items()}
    p50 = {label: statistics.median(result["p50_ms"] for result in results) for label, results in figures.items()}
    print()
    for label in CONFIGURATIONS:
        print(
            f"median of {label:<14} {rate[label]:6.1f} req/s "
            f"({(rate[label] / rate['without'] - 1) * 100:+5.1f} %), p50 {p50[label]:.2f} ms"
        )
    with open(log_file) as written:
        print(f"access-log lines written: {sum(1 for _ in written):,}")
    configure(settings, "metrics + log", log_file)
    line_us, count_us = per_call_costs(settings, log_file)
    print(
        "one JSON log line (context, redaction, formatting, written): "
        f"{line_us:.1f} µs; counting one request: {count_us:.2f} µs"
    )


if __name__ == "__main__":
    main()
