"""Load on the production server: wrk (Debian package `wrk`) against gunicorn as
`scripts/serve web` runs it (config/gunicorn.py), on PostgreSQL and Redis, with the local
engine as fal.

Measured at each --connections (16 and 64 by default), for one user (one token) and for
many users (a token per connection, taken in turn): the trivial `GET /api/v1/me` and a
submit, `POST /api/v1/jobs` naming the user's uploaded portrait and speech by their
`file_url` (how an API client sends inputs it reuses: nothing is decoded per request; the
credits are held, the job, its event and its tasks written). Then, once, the signed fal
webhook replayed and the seed's status endpoint. No task worker runs: the submits' tasks
wait, so the figures are the web server's alone.

Prints requests/s, p50/p99 latency, errors (socket errors and non-2xx answers), and each
run's rate as a share of `GET /api/v1/me` at the same connections and users (issue 23's
goal: submit at >= 0.5x).

Each tree gets a fresh database migrated by its own code, so before and after run side by side:
    git worktree add --detach /tmp/adm-main main     # the code before
    .venv/bin/python bench/wrk_load.py --before /tmp/adm-main [--seconds 10] [--connections 16 64]
BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avs_admission_wrk (recreated).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

THIS_TREE = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avs_admission_wrk"
REQUESTS_SCRIPT = """
local requests = {requests}
local i = 0
request = function()
  i = i + 1
  local r = requests[(i % #requests) + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end
"""


def lua(value):
    """A Lua literal for a string, a list or a dict of strings."""
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string literal is a valid Lua string literal here
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(key)}] = {lua(item)}" for key, item in value.items()) + "}"
    if value is None:
        return "nil"
    return "{" + ", ".join(lua(item) for item in value) + "}"


def wrk(url, requests, *, seconds, connections):
    """wrk at `connections` for `seconds`, sending `requests` [(method, path, headers, body)] in turn."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(REQUESTS_SCRIPT.format(requests=lua([list(r) for r in requests])))
        script.flush()
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def latency(label):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(\w+)", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def measure(tree, args):
    """Serve `tree` on a fresh database and run every load against it: {run label: figures}."""
    import httpx

    database = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    with harness.production_server(database, tree=tree, users=max(args.connections)) as (base, made):
        submits, me = [], []
        for token in made["tokens"]:
            auth = {"Authorization": f"Token {token}"}
            submits.append(
                (
                    "POST",
                    "/api/v1/jobs",
                    {**auth, "Content-Type": "application/json"},
                    harness.submit_body(base, token),
                )
            )
            me.append(("GET", "/api/v1/me", auth, None))
        assert (
            httpx.post(base + submits[0][1], content=submits[0][3], headers=submits[0][2], timeout=60).status_code
            == 201
        )

        results = {}
        for connections in args.connections:
            for who, count in (("one user", 1), ("many users", connections)):
                for what, requests in (("GET /api/v1/me", me), ("POST /api/v1/jobs", submits)):
                    wrk(base + "/", requests[:count], seconds=2, connections=connections)  # warm up
                    results[f"{what}, {connections} conn, {who}"] = wrk(
                        base + "/", requests[:count], seconds=args.seconds, connections=connections
                    )
        token = {"Authorization": f"Token {made['tokens'][0]}", "Content-Type": "application/json"}
        webhook = made["sign"]()
        once = [
            (
                "POST /webhooks/fal/<job>/ (signed, replayed)",
                [
                    (
                        "POST",
                        f"/webhooks/fal/{made['job']}/",
                        {**webhook["signed"], "Content-Type": "application/json"},
                        webhook["delivery"],
                    )
                ],
            ),
            (
                "POST seed status (token, by job id)",
                [("POST", "/api/generate/kling-avatar/status", token, json.dumps({"job_id": made["job"]}))],
            ),
        ]
        connections = args.connections[0]
        for label, requests in once:
            results[f"{label}, {connections} conn"] = wrk(
                base + "/", requests, seconds=args.seconds, connections=connections
            )
        return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument(
        "--before", type=Path, help="another checkout (main) to measure first, on its own fresh database"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    sys.path.insert(0, str(THIS_TREE))
    trees = ([("before", args.before.resolve())] if args.before else []) + [("after", THIS_TREE)]
    results = {label: measure(tree, args) for label, tree in trees}

    workers = os.environ.get("WEB_WORKERS") or f"{os.cpu_count() + 1}"
    print(
        f"gunicorn ({workers} processes x 4 threads), PostgreSQL, Redis "
        f"cache, no task worker; wrk -t2, {args.seconds} s a run; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for label, tree in trees:
        print(f"\n{label}: {tree}")
        print(f"{'run':<58} {'req/s':>8} {'p50':>9} {'p99':>9} {'errors':>7} {'vs /me':>7}")
        for run, figures in results[label].items():
            me = results[label].get(run.replace("POST /api/v1/jobs", "GET /api/v1/me"))
            share = f"{figures['rate'] / me['rate']:.2f}x" if run.startswith("POST /api/v1/jobs") else ""
            print(
                f"{run:<58} {figures['rate']:8.0f} {figures['p50']:7.1f}ms "
                f"{figures['p99']:7.1f}ms {figures['errors']:7d} {share:>7}"
            )


if __name__ == "__main__":
    main()
