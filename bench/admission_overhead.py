"""What the ledger and admission control cost a submit: the submit endpoint's throughput and
latency with them, then without them, against the same server and database in one run.

"With" is the product as it is: each submit locks the user's row (the unfinished-jobs
limit), locks the credit account and writes a reserve entry, then takes the fal-capacity
lock to claim a slot. "Without" swaps those three calls for no-ops in this process (the
server runs in a thread here), which is what the pipeline did before them.

Run on PostgreSQL (the default here; the database is created afresh):
    .venv/bin/python bench/admission_overhead.py [--seconds 5] [--clients 4]
Another database: BENCH_DATABASE_URL=... (SQLite: sqlite:////tmp/bench.sqlite3).
"""

import argparse
import json
import os
from contextlib import contextmanager
from unittest import mock

import harness
from submit_throughput import hammer

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/avatar_studio_bench"


@contextmanager
def without_ledger_and_admission():
    from jobs.models import Job

    with (
        mock.patch("credits.services.reserve_for_job"),
        mock.patch("credits.services.settle_job"),
        mock.patch("jobs.services.admission.refuse_if_too_many_active"),
        mock.patch("jobs.services.admission.claim_slot", side_effect=Job.objects.claim_submission),
    ):
        yield


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    if not os.environ.get("BENCH_DATABASE_URL"):
        harness.fresh_postgres(DEFAULT_POSTGRES)
        os.environ["BENCH_DATABASE_URL"] = DEFAULT_POSTGRES
    harness.setup_django(ENGINE_PROCESSING_SECONDS=3600, ENGINE_CONCURRENCY=1, **harness.NO_USER_LIMITS)
    _, base_url = harness.start_app_server()

    from django.db import connection
    from rest_framework.authtoken.models import Token

    user = harness.bench_user()
    token = f"Authorization: Token {Token.objects.get_or_create(user=user)[0].key}"
    hosted = json.dumps({"image_url": "https://example.com/face.png", "audio_url": "https://example.com/speech.wav"}).encode()
    submit = base_url + "/api/generate/kling-avatar/submit"

    print(f"{args.clients} concurrent clients, {args.seconds:g} s per run, database: {connection.vendor}\n")
    print(f"{'POST submit (hosted URLs)':<40} {'req/s':>8} {'p50':>9} {'p95':>9}")
    hammer("POST", submit, seconds=1, clients=args.clients, headers=[token], body=hosted)  # warm-up
    for label, context in (("with ledger + admission control", contextmanager(lambda: (yield))()), ("without them", without_ledger_and_admission())):
        with context:
            figures = hammer("POST", submit, seconds=args.seconds, clients=args.clients, headers=[token], body=hosted)
        print(
            f"{label:<40} {figures['rate']:8.1f} {figures['p50_ms']:7.1f}ms {figures['p95_ms']:7.1f}ms"
            + (f"   ({figures['failed']} failed)" if figures["failed"] else "")
        )


if __name__ == "__main__":
    main()
