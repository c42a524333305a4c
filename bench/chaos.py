"""The fault-injection run: 2 web servers (gunicorn) and 3 task workers on PostgreSQL, Redis
and a real S3 server (moto), 300 jobs from 20 users through the local engine while it drops
20 % of webhooks, sends 10 % three times, fails 5 % of requests with a model error and
answers bursts of 429/500 on submit and status; forged callbacks arrive all the time, the
engine restarts once (losing the requests it held, which then time out), and workers are
killed with SIGKILL and replaced: one inside a submit, one inside an ingest, then one every
15 s.

It prints whether every job ended, fal requests per job (counted by the engine's journal,
across its restart), the jobs whose ledger rows don't add up to their outcome (reserve =
capture + release, capture = the price of the stored video), slots still held at fal, and
the delay from fal finishing to the job completing. The test suite runs a short form of it
(tests/test_chaos.py).

Run: .venv/bin/python bench/chaos.py [--jobs 300] [--users 20] [--kill-every 15]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avatar_chaos, recreated)
"""

import argparse
import json
import os

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_chaos"
RUN_SETTINGS = {
    "ENGINE_PROCESSING_SECONDS": 2,
    "ENGINE_CONCURRENCY": 8,
    "MAX_JOBS_AT_FAL": 20,
    "MAX_ACTIVE_JOBS_PER_USER": 5,
    "JOB_BUDGET_SECONDS": 120,  # jobs the engine restart loses time out in 2 minutes, not 12
    "THROTTLE_SUBMIT": "100000/minute",
    "THROTTLE_UPLOAD": "100000/minute",
    "THROTTLE_READ": "1000000/minute",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=15.0)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    harness.fresh_postgres(database_url)
    os.environ["BENCH_DATABASE_URL"] = database_url
    workdir = harness.setup_django()

    from tests.cluster import ChaosPlan, ChaosRun, Cluster

    cluster = Cluster(workdir, database_url, web=2, workers=3, redis_db=3, **RUN_SETTINGS).start()
    try:
        plan = ChaosPlan(jobs=args.jobs, users=args.users, kill_worker_every=args.kill_every)
        report = ChaosRun(plan, cluster).run(timeout=RUN_SETTINGS["JOB_BUDGET_SECONDS"] * 3 + args.jobs * 2)
    finally:
        cluster.stop()
    print(json.dumps(report, indent=2, default=str))
    healthy = (
        report["lost"] == 0
        and report["duplicate_fal_submissions"] == 0
        and not report["wrong_amounts"]
        and report["slots_held"] == 0
        and report["killed_in_submit"]
        and report["killed_in_ingest"]
    )
    print("OK: nothing lost or sent twice, every job charged its price, slots free" if healthy else "FAILED")


if __name__ == "__main__":
    main()
