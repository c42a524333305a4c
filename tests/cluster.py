"""Avatar Studio as several real processes: the local engine (standing in for fal), gunicorn
web servers and task workers, sharing one database, Redis and a real S3 server (moto). Used
by the fault-injection run (bench/chaos.py) and its short form in the test suite.

The calling process must have Django set up on the same database (it creates users, reads
jobs and the ledger); everything else talks over HTTP.
"""

import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import boto3
import httpx
import redis
from moto.server import ThreadedMotoServer

from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.servers import PROJECT_DIR, free_port, port_open

S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "chaos-access", "AWS_SECRET_ACCESS_KEY": "chaos-secret", "AWS_S3_REGION_NAME": "us-east-1"}


class Cluster:
    def __init__(self, workdir: Path, database_url: str, *, web=2, workers=3, redis_db=2, **settings):
        self.workdir = workdir
        self.web_ports = [free_port() for _ in range(web)]
        self.engine_port = free_port()
        self.journal = workdir / "engine-journal.jsonl"
        self.redis_db = redis_db
        self.worker_count = workers
        self.processes: dict[str, subprocess.Popen] = {}
        self.workers: list[str] = []
        self.generation = 0
        self.s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CACHE_URL": f"rediscache://127.0.0.1:6379/{redis_db}",
            "FAL_MODE": "local",
            "FAL_ENGINE_URL": f"http://127.0.0.1:{self.engine_port}/_fal",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_ports[0]}",
            "FAL_JWKS_URL": "",
            "MEDIA_ROOT": str(workdir / "media"),
            "ENGINE_STORAGE_DIR": str(workdir / "engine"),
            "ENGINE_JOURNAL": str(self.journal),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "WEB_WORKERS": "1",
            "WEB_THREADS": "8",
            "WEB_ACCESS_LOG": "false",
            "WORKER_HEARTBEAT_SECONDS": "1",
            "WORKER_DEAD_AFTER_SECONDS": "4",
            **S3_CREDENTIALS,
            **{name: str(value) for name, value in settings.items()},
        }
        for name in ("FAL_KEY", "TEST_SQLITE_PATH"):
            self.env.pop(name, None)

    # --- processes --------------------------------------------------------------------------

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log
        redis.Redis(db=self.redis_db).flushdb()
        self.s3.start()
        host, port = self.s3.get_host_and_port()
        bucket = f"chaos-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=bucket)
        self.env.update(AWS_STORAGE_BUCKET_NAME=bucket, AWS_S3_ENDPOINT_URL=f"http://{host}:{port}")
        self.start_engine()
        for index, port in enumerate(self.web_ports):
            self._spawn(f"web{index}", [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"], BIND=f"127.0.0.1:{port}")
        for _ in range(self.worker_count):
            self.start_worker()
        for port in self.web_ports:
            wait_for(lambda: port_open(port), timeout=60, message=f"web server on {port}")
        return self

    def _spawn(self, name, command, **env):
        log = open(self.workdir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=PROJECT_DIR, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    def start_engine(self):
        self._spawn("engine", [sys.executable, "manage.py", "run_fal_engine", "--port", str(self.engine_port)])
        wait_for(lambda: port_open(self.engine_port), timeout=30, message="the engine to listen")

    def restart_engine(self):
        """Stop the engine and start it again on the same port; requests it was holding are
        gone, as if fal lost them."""
        engine = self.processes.pop("engine")
        engine.terminate()
        engine.wait(timeout=30)
        self.start_engine()

    def start_worker(self):
        self.generation += 1
        name = f"worker-{self.generation}"
        self._spawn(name, [sys.executable, "manage.py", "run_worker", "--no-resume", "--interval", "0.2", "--worker-id", f"chaos-{name}"])
        self.workers.append(name)

    def kill_a_worker(self, rng):
        """SIGKILL a running worker and start a new one in its place."""
        victim = rng.choice(self.workers)
        self.workers.remove(victim)
        process = self.processes.pop(victim)
        process.kill()
        process.wait()
        self.start_worker()

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.s3.stop()

    # --- views from outside -----------------------------------------------------------------

    @property
    def engine_url(self):
        return self.env["FAL_ENGINE_URL"]

    def web_url(self, index):
        return f"http://127.0.0.1:{self.web_ports[index % len(self.web_ports)]}"

    def add_faults(self, spec):
        httpx.post(f"{self.engine_url}/_control/faults", json=spec, timeout=10).raise_for_status()

    def engine_requests(self):
        return httpx.get(f"{self.engine_url}/_control/stats", timeout=10).json()["requests"]

    def journal_entries(self) -> list[tuple[str, int | None]]:
        """(job id, injected failure status) of each request the engine accepted, across
        restarts; our webhook URL names the job."""
        lines = self.journal.read_text().splitlines() if self.journal.exists() else []
        return [
            (entry["webhook_url"].rstrip("/").rsplit("/", 1)[-1], entry["injected_failure"])
            for entry in map(json.loads, lines)
        ]

    def submissions_per_job(self) -> Counter:
        return Counter(job_id for job_id, _ in self.journal_entries())

    def jobs_given_model_errors(self) -> set[str]:
        return {job_id for job_id, failure in self.journal_entries() if failure}


@dataclass
class ChaosPlan:
    jobs: int = 300
    users: int = 20
    drop_webhooks: float = 0.20
    duplicate_webhooks: float = 0.10
    model_errors: float = 0.05
    kill_worker_every: float = 15.0
    restart_engine_after: float = 0.3  # of the submissions
    audio_seconds: float = 2.0
    seed: int = 7


@dataclass
class ChaosRun:
    plan: ChaosPlan
    cluster: Cluster
    rng: random.Random = field(init=False)
    job_ids: list = field(default_factory=list)
    workers_killed: int = 0
    engine_restarts: int = 0
    engine_back_at: datetime | None = None
    forged: Counter = field(default_factory=Counter)
    finished_at_fal: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.rng = random.Random(self.plan.seed)

    def run(self, timeout):
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from credits import services as credits

        users = []
        for index in range(self.plan.users):
            user = get_user_model().objects.create_user(f"chaos-{uuid.uuid4().hex[:8]}-{index}")
            credits.adjust(user, 10_000_000, by=None, note="chaos run: enough for every job")
            users.append((user, Token.objects.create(user=user).key))

        stop = threading.Event()
        chaos = [threading.Thread(target=target, args=(stop,), daemon=True) for target in (self._inject_faults, self._kill_workers, self._forge_callbacks)]
        for thread in chaos:
            thread.start()
        per_user = [self.plan.jobs // self.plan.users + (index < self.plan.jobs % self.plan.users) for index in range(self.plan.users)]
        started = time.monotonic()
        give_up_at = started + timeout
        clients = [
            threading.Thread(target=self._submit_as, args=(index, token, count, give_up_at), daemon=True)
            for index, ((_, token), count) in enumerate(zip(users, per_user))
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=max(0.0, give_up_at - time.monotonic()))
        assert not any(thread.is_alive() for thread in clients), "clients still submitting when the run's time was up"
        submitted_in = time.monotonic() - started
        try:
            self._wait_until_all_finished(timeout)
        finally:
            stop.set()
            for thread in chaos:
                thread.join(timeout=30)
        self._remember_engine_finishes()
        return self.report(users, submitted_in, time.monotonic() - started)

    # --- the clients ------------------------------------------------------------------------

    def _submit_as(self, index, token, count, give_up_at):
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=self.cluster.web_url(index), headers=headers, timeout=60) as client:
            inputs = {
                "image_url": self._upload(client, "face.png", portrait_png(), "image/png"),
                "audio_url": self._upload(client, "voice.wav", speech_wav(seconds=self.plan.audio_seconds), "audio/wav"),
            }
            for _ in range(count):
                while True:
                    response = client.post("/api/generate/kling-avatar/submit", json=inputs)
                    if response.status_code == 201:
                        break
                    assert response.status_code == 429, response.text  # too many active jobs: wait for one to end
                    assert time.monotonic() < give_up_at, "no job slot came free before the run's time was up"
                    time.sleep(float(response.headers.get("Retry-After", 0.5)))
                with self.lock:
                    self.job_ids.append(response.json()["job_id"])
                    if len(self.job_ids) == int(self.plan.jobs * self.plan.restart_engine_after) and self.plan.restart_engine_after:
                        threading.Thread(target=self._restart_engine, daemon=True).start()

    @staticmethod
    def _upload(client, name, data, content_type):
        # A client that starts while the engine restarts gets 502 (fal storage unreachable)
        # and tries again, as any API consumer would.
        for _ in range(30):
            response = client.post("/api/generate/upload-file", files={"file": (name, data, content_type)})
            if response.status_code != 502:
                break
            time.sleep(0.5)
        assert response.status_code == 201, response.text
        return response.json()["url"]

    # --- the faults -------------------------------------------------------------------------

    def _inject_faults(self, stop):
        """Keep the engine's fault counters in step with the submissions, so each share of
        requests and deliveries meets its fault; now and then a burst of 429s and 500s."""
        injected = Counter()
        rounds = 0
        while not stop.wait(0.5):
            with self.lock:
                submitted = len(self.job_ids)
            due = {
                "drop": round(submitted * self.plan.drop_webhooks),
                "duplicate": round(submitted * self.plan.duplicate_webhooks),
                "error": round(submitted * self.plan.model_errors),
            }
            spec = {}
            if due["drop"] > injected["drop"]:
                spec["drop_next_webhooks"] = due["drop"] - injected["drop"]
            if due["duplicate"] > injected["duplicate"]:
                spec["duplicate_next_webhooks"] = {"count": due["duplicate"] - injected["duplicate"], "times": 3}
            if due["error"] > injected["error"]:
                spec["fail_next_requests"] = {"count": due["error"] - injected["error"], "status": 422}
            rounds += 1
            if rounds % 10 == 0:
                spec["fail_next_calls"] = [
                    {"kind": "submit", "status": self.rng.choice([429, 500]), "count": 3},
                    {"kind": "status", "status": self.rng.choice([429, 500]), "count": 5},
                ]
            if spec:
                try:
                    self.cluster.add_faults(spec)
                except httpx.HTTPError:
                    continue  # the engine is restarting; try again next round
                injected.update({key: due[key] - injected[key] for key in due})

    def _kill_workers(self, stop):
        while not stop.wait(self.plan.kill_worker_every):
            self.cluster.kill_a_worker(self.rng)
            self.workers_killed += 1

    def _restart_engine(self):
        self._remember_engine_finishes()
        self.cluster.restart_engine()
        self.engine_back_at = datetime.now(UTC)
        self.engine_restarts += 1

    def _forge_callbacks(self, stop):
        """Deliveries signed by someone else's key, for real jobs: each must be refused."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from engine.webhooks import LOCAL_USER_ID

        forger = Ed25519PrivateKey.generate()
        with httpx.Client(base_url=self.cluster.web_url(0), timeout=30) as client:
            while not stop.wait(0.3):
                with self.lock:
                    if not self.job_ids:
                        continue
                    job_id = self.rng.choice(self.job_ids)
                body = json.dumps({"request_id": "forged", "status": "OK", "payload": {"video": {"url": "http://example.com/x.mp4"}}}).encode()
                headers = {
                    "Content-Type": "application/json", "X-Fal-Webhook-Request-Id": "forged", "X-Fal-Webhook-User-Id": LOCAL_USER_ID,
                    "X-Fal-Webhook-Timestamp": str(int(time.time())), "X-Fal-Webhook-Signature": forger.sign(body).hex(),
                }
                self.forged[client.post(f"/webhooks/fal/{job_id}/", content=body, headers=headers).status_code] += 1

    # --- the outcome ------------------------------------------------------------------------

    def _remember_engine_finishes(self):
        try:
            for request in self.cluster.engine_requests().values():
                if request["completed_at"] and request["webhook_url"]:
                    self.finished_at_fal[request["webhook_url"].rstrip("/").rsplit("/", 1)[-1]] = request["completed_at"]
        except httpx.HTTPError:
            pass

    def _wait_until_all_finished(self, timeout):
        from jobs.models import TERMINAL_STATES, Job

        wait_for(
            lambda: not Job.objects.filter(pk__in=self.job_ids).exclude(state__in=TERMINAL_STATES).exists(),
            timeout=timeout, interval=0.5, message="every job to end",
        )

    def _outcomes_after_engine_restart(self, jobs):
        """Error types (blank: completed) of the jobs first sent to fal once the engine was
        back: none of them can have been lost by its restart."""
        if self.engine_back_at is None:
            return {}
        later = jobs.filter(submit_started_at__gt=self.engine_back_at)
        return dict(Counter(later.values_list("error_type", flat=True)))

    def report(self, users, submitted_in, total_seconds):
        from credits.models import CreditAccount, LedgerEntry
        from jobs.models import TERMINAL_STATES, Job, JobState

        jobs = Job.objects.filter(pk__in=self.job_ids)
        states = Counter(jobs.values_list("state", flat=True))
        submissions = self.cluster.submissions_per_job()
        given_model_errors = self.cluster.jobs_given_model_errors()
        entries = Counter(LedgerEntry.objects.filter(job__in=jobs).values_list("job_id", "kind"))
        double_charges = sum(1 for (job_id, kind), count in entries.items() if count > 1)
        settled_twice = sum(1 for job in jobs if entries[(job.pk, "capture")] + entries[(job.pk, "release")] != 1)
        unbalanced = []
        for user, _ in users:
            effect = sum(entry.balance_change for entry in LedgerEntry.objects.filter(user=user))
            if effect != CreditAccount.objects.get(user=user).balance:
                unbalanced.append(user.username)
        delays = sorted(
            job.finished_at.timestamp() - self.finished_at_fal[str(job.pk)]
            for job in jobs.filter(state=JobState.COMPLETED)
            if str(job.pk) in self.finished_at_fal
        )
        return {
            "jobs": len(self.job_ids),
            "states": dict(states),
            "failures": dict(Counter(jobs.exclude(state=JobState.COMPLETED).values_list("error_type", flat=True))),
            "failure_messages": sorted(set(jobs.exclude(state=JobState.COMPLETED).values_list("error_type", "error"))),
            "model_errors_injected": len(given_model_errors),
            "model_errors_not_injected": [
                str(job_id) for job_id in jobs.filter(error_type="http_422").values_list("pk", flat=True)
                if str(job_id) not in given_model_errors
            ],
            "after_engine_restart": self._outcomes_after_engine_restart(jobs),
            "lost": jobs.exclude(state__in=TERMINAL_STATES).count(),
            "fal_requests": sum(submissions.values()),
            "duplicate_fal_submissions": sum(count - 1 for count in submissions.values() if count > 1),
            "double_charges": double_charges + settled_twice,
            "unbalanced_ledgers": unbalanced,
            "slots_held": Job.objects.at_fal().count(),
            "workers_killed": self.workers_killed,
            "engine_restarts": self.engine_restarts,
            "forged_callbacks": dict(self.forged),
            "delay_p50": statistics.median(delays) if delays else None,
            "delay_p95": delays[int(0.95 * (len(delays) - 1))] if delays else None,
            "delays_measured": len(delays),
            "submitted_in_seconds": submitted_in,
            "total_seconds": total_seconds,
            "ledger_entries_per_kind": dict(Counter(kind for (_, kind) in entries.elements())),
        }
