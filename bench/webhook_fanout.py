"""Webhook fan-out: how many events per second the workers deliver to a local receiver.

A user with --endpoints registered endpoints (all at one receiver, a separate process that
answers 204 at once over keep-alive connections); --events jobs enter fal's queue through
the real state machine, so each records a job.queued message and one delivery per endpoint
in its transition's transaction. Then:

- recording: what the outbox adds to a job's transition (with the endpoints, and for a user
  nobody listens to);
- backlog: the events recorded with no worker running, then one worker (the in-process
  worker of the tests, WEBHOOK_DELIVERY_CONCURRENCY sender threads) drains them: events and
  deliveries per second until every delivery is answered;
- live: the worker running while the events are recorded: delivered per second, and how long
  after its event each delivery was answered (p50, p95).

Each delivery is signed (Standard Webhooks), checked against the address rules (the receiver's
host is in WEBHOOK_ALLOWED_HOSTS) and logged as an attempt, as in production.

Run: .venv/bin/python bench/webhook_fanout.py [--events 500] [--endpoints 4] [--senders 8]
     (SQLite in a temporary folder; BENCH_DATABASE_URL=postgres://... for PostgreSQL, a
     database this bench drops and creates afresh). Only this run's deliveries are counted:
     those to its own endpoints, made since it started.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness


def serve_receiver():
    """The consumer (run in its own process): count POSTs, answer 204; GET /count says how many."""
    lock, count = threading.Lock(), [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                count[0] += 1
            self.send_response(204)
            self.end_headers()

        def do_GET(self):
            body = json.dumps({"count": count[0]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def received(base_url) -> int:
    with urllib.request.urlopen(f"{base_url}/count") as answer:
        return json.load(answer)["count"]


def record_events(user, count) -> float:
    """Move `count` new jobs of `user` into fal's queue; returns seconds per transition."""
    from jobs.models import Job, JobState
    from jobs.registry import MODELS
    from jobs.state import transition

    model = MODELS["kling-avatar-pro"]
    jobs = Job.objects.bulk_create(
        [Job(user=user, endpoint_id=model.endpoint_id, audio_duration=4.0) for _ in range(count)]
    )
    started = time.perf_counter()
    for job in jobs:
        transition(job.id, JobState.IN_QUEUE, message="Queued at fal (bench).")
    return (time.perf_counter() - started) / count


def wait_until_delivered(ours, expected, started, timeout=600) -> float:
    """Seconds from `started` until `expected` of `ours` (this run's deliveries) succeeded."""
    from outbox.models import Delivery

    deadline = time.monotonic() + timeout
    while ours.filter(state=Delivery.State.SUCCEEDED).count() < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"Not every delivery was made within {timeout} s")
        time.sleep(0.05)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--senders", type=int, default=8, help="WEBHOOK_DELIVERY_CONCURRENCY")
    parser.add_argument("--serve-receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_receiver:
        return serve_receiver()

    receiver = subprocess.Popen([sys.executable, __file__, "--serve-receiver"], stdout=subprocess.PIPE, text=True)
    try:
        receiver_url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}"
        if os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
            harness.fresh_postgres(os.environ["BENCH_DATABASE_URL"])
        harness.setup_django(
            WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WEBHOOK_DELIVERY_CONCURRENCY=args.senders, **harness.NO_USER_LIMITS
        )
        run(args, receiver_url)
    finally:
        receiver.terminate()


def run(args, receiver_url):
    from django.db import connection
    from django.utils import timezone

    from outbox import receivers, services
    from outbox.models import Delivery, DeliveryAttempt

    since = timezone.now()
    user = harness.bench_user()
    endpoints = [services.create_endpoint(user, url=f"{receiver_url}/hooks/{n}") for n in range(args.endpoints)]
    ours = Delivery.objects.filter(endpoint__in=endpoints, created_at__gte=since)
    deliveries = args.events * args.endpoints
    print(
        f"{args.events} events x {args.endpoints} endpoints = {deliveries} deliveries per run, "
        f"{args.senders} sender threads, 1 worker, database: {connection.vendor}\n"
    )

    # The three kinds of transition in turns (a database's speed drifts as it grows).
    from jobs.signals import job_state_changed

    costs = {"bare": [], "quiet": [], "listening": []}
    rounds = 5
    for n in range(rounds):
        job_state_changed.disconnect(dispatch_uid="outbox.job_state_changed")
        costs["bare"].append(record_events(harness.bench_user("before-outbox"), args.events // rounds))
        job_state_changed.connect(receivers.job_state_changed, dispatch_uid="outbox.job_state_changed")
        costs["quiet"].append(record_events(harness.bench_user("nobody-listens"), args.events // rounds))
        costs["listening"].append(record_events(user, args.events // rounds + (args.events % rounds if n == 0 else 0)))
    bare, quiet, listening = (statistics.median(costs[kind]) * 1000 for kind in ("bare", "quiet", "listening"))
    print(
        f"recording   a job transition (median of {rounds} rounds): "
        f"{listening:.2f} ms with {args.endpoints} endpoints "
        f"listening, {quiet:.2f} ms for a user without webhooks, {bare:.2f} ms with the outbox disconnected"
    )

    started, cpu = time.perf_counter(), time.process_time()
    worker, thread = harness.start_worker(interval=0.5)  # run_worker's default
    seconds = wait_until_delivered(ours, deliveries, started)
    cpu = time.process_time() - cpu
    print(
        f"backlog     {deliveries} deliveries in {seconds:.2f} s: {args.events / seconds:.0f} events/s, "
        f"{deliveries / seconds:.0f} deliveries/s; worker CPU {cpu / deliveries * 1000:.1f} ms a delivery "
        f"({cpu / seconds * 100:.0f} % of a core)"
    )

    live_from, started = timezone.now(), time.perf_counter()
    record_events(user, args.events)
    seconds = wait_until_delivered(ours, 2 * deliveries, started)
    live = DeliveryAttempt.objects.filter(delivery__in=ours, delivery__created_at__gte=live_from)
    lag = sorted(
        (attempted - created).total_seconds() * 1000 + latency
        for attempted, created, latency in live.values_list(
            "attempted_at", "delivery__message__created_at", "latency_ms"
        )
    )
    print(
        f"live        {deliveries} deliveries in {seconds:.2f} s: {args.events / seconds:.0f} events/s, "
        f"{deliveries / seconds:.0f} deliveries/s; event to answer p50 {statistics.median(lag):.0f} ms, "
        f"p95 {lag[int(len(lag) * 0.95)]:.0f} ms"
    )

    worker.running = False
    thread.join(timeout=30)
    failed = DeliveryAttempt.objects.filter(delivery__in=ours).exclude(status_code=204).count()
    retried = ours.filter(attempt_count__gt=1).count()
    print(
        f"\nreceiver counted {received(receiver_url)} requests; attempts "
        f"not answered 204: {failed}; deliveries retried: {retried}"
    )


if __name__ == "__main__":
    main()
