"""A small HTTP load generator, run as its own process so it never competes with the server
for the GIL. Prints requests per second and the failure count as JSON.

Usage: python bench/load.py METHOD URL TOKEN SECONDS CLIENTS [JSON_BODY_FILE]
"""

import json
import sys
import threading
import time

import httpx


def main(method, url, token, seconds, clients, body_file=None):
    body = json.loads(open(body_file).read()) if body_file else None
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + float(seconds)

    def client_loop():
        with httpx.Client(headers={"Authorization": f"Token {token}"}, timeout=30) as client:
            while time.monotonic() < stop_at:
                response = client.request(method, url, json=body)
                with lock:
                    counts["ok" if response.status_code in (200, 201) else "failed"] += 1

    threads = [threading.Thread(target=client_loop) for _ in range(int(clients))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"rate": counts["ok"] / (time.monotonic() - started), "failed": counts["failed"]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
