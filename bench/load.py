"""A small HTTP load generator, run as its own process so it never competes with the server
for the GIL. Prints requests per second, failures and latency percentiles as JSON.

Usage: python bench/load.py METHOD URL --seconds 5 --clients 4 [--header "Name: value"]... [--body-file F]
(the body file's bytes are sent as they are, with Content-Type: application/json)
"""

import argparse
import json
import statistics
import threading
import time

import httpx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("method")
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body-file")
    args = parser.parse_args()
    headers = dict(header.split(": ", 1) for header in args.header)
    body = open(args.body_file, "rb").read() if args.body_file else None
    if body is not None:
        headers["Content-Type"] = "application/json"
    latencies, failures = [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client_loop():
        with httpx.Client(headers=headers, timeout=30) as client:
            while time.monotonic() < stop_at:
                started = time.monotonic()
                response = client.request(args.method, args.url, content=body)
                with lock:
                    (latencies if response.status_code in (200, 201) else failures).append(time.monotonic() - started)

    threads = [threading.Thread(target=client_loop) for _ in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(
        json.dumps(
            {
                "rate": len(latencies) / elapsed,
                "failed": len(failures),
                "p50_ms": quantiles[49] * 1000,
                "p95_ms": quantiles[94] * 1000,
                "p99_ms": quantiles[98] * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()
