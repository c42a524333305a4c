"""What the ledger and admission control cost a submit: the v1 submit's throughput and
latency on the production server with them, then without them, in one run.

"With" is the product as it is: each submit writes its job, then locks the user's row (the
unfinished-jobs limit) and holds its credits on the account (a conditional UPDATE and a
reserve entry). "Without" is the same server with those calls swapped for no-ops in every
web process (bench/gunicorn_without_admission.py), which is what the pipeline did before
them. Each is gunicorn as `scripts/serve web` runs it, on a fresh PostgreSQL database, with
Redis and the local engine; submits name uploaded files by their file_url.

Run: .venv/bin/python bench/admission_overhead.py [--seconds 5] [--clients 4]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avs_admission_overhead, recreated)
"""

import argparse
import os
from pathlib import Path

import harness
from submit_throughput import hammer

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avs_admission_overhead"
WITHOUT = Path(__file__).with_name("gunicorn_without_admission.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    database = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE

    print(
        f"gunicorn, PostgreSQL, Redis; {args.clients} concurrent clients, {args.seconds:g} s per run; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print(f"{'POST /api/v1/jobs (uploaded files)':<40} {'req/s':>8} {'p50':>9} {'p95':>9}")
    for label, config in (("with ledger + admission control", "config/gunicorn.py"), ("without them", WITHOUT)):
        with harness.production_server(database, config=config) as (base, made):
            token = f"Authorization: Token {made['tokens'][0]}"
            body = harness.submit_body(base, made["tokens"][0]).encode()
            hammer(
                "POST", base + "/api/v1/jobs", seconds=1, clients=args.clients, headers=[token], body=body
            )  # warm up
            figures = hammer(
                "POST", base + "/api/v1/jobs", seconds=args.seconds, clients=args.clients, headers=[token], body=body
            )
        print(
            f"{label:<40} {figures['rate']:8.1f} {figures['p50_ms']:7.1f}ms {figures['p95_ms']:7.1f}ms"
            + (f"   ({figures['failed']} failed)" if figures["failed"] else "")
        )


if __name__ == "__main__":
    main()
