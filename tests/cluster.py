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
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
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

S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "chaos-access",
    "AWS_SECRET_ACCESS_KEY": "chaos-secret",
    "AWS_S3_REGION_NAME": "us-east-1",
}


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
        self.workers_lock = threading.RLock()
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
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=bucket)
        self.env.update(AWS_STORAGE_BUCKET_NAME=bucket, AWS_S3_ENDPOINT_URL=f"http://{host}:{port}")
        self.bucket = boto3.resource(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).Bucket(bucket)
        self.start_engine()
        for index, port in enumerate(self.web_ports):
            self._spawn(
                f"web{index}", [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"], BIND=f"127.0.0.1:{port}"
            )
        for _ in range(self.worker_count):
            self.start_worker()
        for port in self.web_ports:
            wait_for(lambda port=port: port_open(port), timeout=60, message=f"web server on {port}")
        return self

    def _spawn(self, name, command, **env):
        log = open(self.workdir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def start_engine(self):
        self._spawn(
            "engine", [sys.executable, "manage.py", "run_fal_engine", "--port", str(self.engine_port), "--controls"]
        )
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
        self._spawn(
            name,
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--no-resume",
                "--interval",
                "0.2",
                "--worker-id",
                f"chaos-{name}",
            ],
        )
        with self.workers_lock:
            self.workers.append(name)

    def kill_a_worker(self, rng, sparing=None):
        """SIGKILL a running worker (any but `sparing`), picked at random, and start a new one
        in its place."""
        with self.workers_lock:
            self.kill_worker(rng.choice([name for name in self.workers if name != sparing]))

    def kill_worker(self, name):
        """SIGKILL the worker `name` and start a new one in its place."""
        with self.workers_lock:
            self.workers.remove(name)
            process = self.processes.pop(name)
            process.kill()
            process.wait()
            self.start_worker()

    def worker_running(self, task_name, job_id) -> str | None:
        """The worker (its name here) now running the task `task_name` for a job, if one is."""
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path__endswith=f".{task_name}")
        for args_kwargs, worker_ids in running.values_list("args_kwargs", "worker_ids"):
            if args_kwargs["args"] == [str(job_id)] and worker_ids:
                name = worker_ids[-1].removeprefix("chaos-")
                with self.workers_lock:
                    return name if name in self.workers else None
        return None

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

    def held_calls(self, kind) -> list[dict]:
        """The engine's calls of a route kind now kept waiting by a hold (see hold_next_calls)."""
        held = httpx.get(f"{self.engine_url}/_control/faults", timeout=10).json()["faults"]["held_calls"]
        return [call for call in held if call["kind"] == kind]

    def stored_video_seconds(self, name) -> float:
        """The duration of a video in our storage, measured on the stored file itself."""
        from jobs import media

        with tempfile.NamedTemporaryFile(suffix=".mp4") as copy:
            self.bucket.download_fileobj(name, copy)
            copy.flush()
            return media.probe_video(copy.name)["duration"]

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


# The longest the engine keeps a held call waiting when nobody releases it (a run that broke
# down before its kill): the call then goes on as usual.
HOLD_SECONDS = 30.0
# The error a model fault injected at the engine ends its job with: Kling's 422 refusal of the
# picture (engine.faults.default_model_error), named by its type as fal names it.
MODEL_ERROR_TYPE = "face_detection_error"


@dataclass
class ChaosPlan:
    jobs: int = 300
    users: int = 20
    drop_webhooks: float = 0.20
    duplicate_webhooks: float = 0.10
    model_errors: float = 0.05
    kill_worker_every: float = 15.0
    restart_engine_after: float = 0.3  # of the submissions
    audio_seconds: float = 2.2  # the product takes 2 to 60 s of speech
    seed: int = 7


@dataclass
class ChaosRun:
    plan: ChaosPlan
    cluster: Cluster
    rng: random.Random = field(init=False)
    job_ids: list = field(default_factory=list)
    workers_killed: int = 0
    kills: dict = field(
        default_factory=lambda: {"submit": [], "ingest": []}
    )  # phase -> [{job, worker, call_held_at_kill, second}]
    staging_failure: str = ""
    engine_restarts: int = 0
    engine_back_at: datetime | None = None
    engine_back_second: float | None = None
    started: float = field(default_factory=time.monotonic)
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

        self.started = time.monotonic()
        # Armed before any job exists, so the first submit of the run is the one held.
        self.cluster.add_faults({"hold_next_calls": {"kind": "submit", "seconds": HOLD_SECONDS}})
        stop = threading.Event()
        chaos = [
            threading.Thread(target=target, args=(stop,), daemon=True)
            for target in (self._stage_faults, self._inject_faults, self._forge_callbacks)
        ]
        for thread in chaos:
            thread.start()
        per_user = [
            self.plan.jobs // self.plan.users + (index < self.plan.jobs % self.plan.users)
            for index in range(self.plan.users)
        ]
        give_up_at = self.started + timeout
        clients = [
            threading.Thread(target=self._submit_as, args=(index, token, count, give_up_at), daemon=True)
            for index, ((_, token), count) in enumerate(zip(users, per_user))
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=max(0.0, give_up_at - time.monotonic()))
        assert not any(thread.is_alive() for thread in clients), "clients still submitting when the run's time was up"
        submitted_in = self._second()
        try:
            self._wait_until_all_finished(timeout)
        finally:
            stop.set()
            for thread in chaos:
                thread.join(timeout=30)
        self._remember_engine_finishes()
        return self.report(submitted_in, self._second())

    def _second(self) -> float:
        """Seconds since the run started."""
        return round(time.monotonic() - self.started, 2)

    # --- the clients ------------------------------------------------------------------------

    def _submit_as(self, index, token, count, give_up_at):
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=self.cluster.web_url(index), headers=headers, timeout=60) as client:
            inputs = {
                "image_url": self._upload(client, "face.png", portrait_png(), "image/png"),
                "audio_url": self._upload(
                    client, "voice.wav", speech_wav(seconds=self.plan.audio_seconds), "audio/wav"
                ),
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

    def _stage_faults(self, stop):
        """The faults every run meets, in this order: a worker killed inside a submit (the
        run's first submit, held at the engine meanwhile), the engine restarted once its share
        of the jobs is in, a worker killed inside an ingest (the next video download, held
        likewise), then a worker killed at random every kill_worker_every seconds. The ingest
        kill comes after the restart: the ingest that takes over asks the engine for the
        result again, which an engine restarted in between would have forgotten."""
        from django.db import connection

        in_ingest = None
        try:
            in_submit = self._kill_inside("submit", "submit", "submit_job_task", self._job_named_in_submit)
            # The held submit goes on once released: the engine accepts its request (most
            # likely to lose it in the restart) though nobody is left to read the answer.
            wait_for(
                lambda: self.cluster.submissions_per_job()[in_submit],
                timeout=HOLD_SECONDS,
                message="the engine to accept it",
            )
            if self.plan.restart_engine_after:
                wait_for(
                    lambda: stop.is_set() or len(self.job_ids) >= self.plan.jobs * self.plan.restart_engine_after,
                    timeout=HOLD_SECONDS,
                    interval=0.1,
                    message="the jobs before the engine restart",
                )
                self._restart_engine()
            self.cluster.add_faults(
                {"hold_next_calls": {"kind": "file", "seconds": HOLD_SECONDS, "path_contains": ".mp4"}}
            )
            in_ingest = self._kill_inside("ingest", "file", "finish_job_task", self._job_storing_video)
        except (AssertionError, httpx.HTTPError) as exc:
            self.staging_failure = f"{type(exc).__name__}: {exc}"
            self.cluster.add_faults({"release_held_calls": True})
        try:
            while not stop.wait(self.plan.kill_worker_every):
                # The ingest that took over the one cut short is spared: it alone must end that job.
                spared = self.cluster.worker_running("finish_job_task", in_ingest) if in_ingest else None
                self.cluster.kill_a_worker(self.rng, sparing=spared)
                self.workers_killed += 1
        finally:
            connection.close()

    def _kill_inside(self, phase, kind, task_name, job_of_call):
        """Kill the worker whose call of route `kind` the engine holds, while it holds it."""
        call = wait_for(
            lambda: self.cluster.held_calls(kind), timeout=HOLD_SECONDS, interval=0.1, message=f"a {kind} call held"
        )[0]
        job_id = wait_for(lambda: job_of_call(call["path"]), timeout=10, message=f"the job of {call['path']}")
        worker = wait_for(
            lambda: self.cluster.worker_running(task_name, job_id),
            timeout=10,
            message=f"the worker running {task_name}",
        )
        self.cluster.kill_worker(worker)
        self.workers_killed += 1
        held_at_kill = call["path"] in [still["path"] for still in self.cluster.held_calls(kind)]
        self.cluster.add_faults({"release_held_calls": True})
        self.kills[phase].append(
            {"job": str(job_id), "worker": worker, "call_held_at_kill": held_at_kill, "second": self._second()}
        )
        return str(job_id)

    @staticmethod
    def _job_named_in_submit(path):
        webhook_url = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("fal_webhook", [""])[0]
        return webhook_url.rstrip("/").rsplit("/", 1)[-1]

    def _job_storing_video(self, path):
        from jobs.models import Job

        file_name = urllib.parse.urlsplit(path).path.rsplit("/", 1)[-1]
        with self.lock:
            job_ids = list(self.job_ids)
        return (
            Job.objects.filter(pk__in=job_ids, fal_output__video__url__endswith=f"/{file_name}")
            .values_list("pk", flat=True)
            .first()
        )

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
            # Bursts begin after the staged kill in a submit: the submit held then is answered
            # by the engine itself, not by a burst.
            if rounds % 10 == 0 and self.kills["submit"]:
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

    def _restart_engine(self):
        self._remember_engine_finishes()
        self.cluster.restart_engine()
        self.engine_back_at = datetime.now(UTC)
        self.engine_back_second = self._second()
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
                body = json.dumps(
                    {"request_id": "forged", "status": "OK", "payload": {"video": {"url": "http://example.com/x.mp4"}}}
                ).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-Fal-Webhook-Request-Id": "forged",
                    "X-Fal-Webhook-User-Id": LOCAL_USER_ID,
                    "X-Fal-Webhook-Timestamp": str(int(time.time())),
                    "X-Fal-Webhook-Signature": forger.sign(body).hex(),
                }
                self.forged[client.post(f"/webhooks/fal/{job_id}/", content=body, headers=headers).status_code] += 1

    # --- the outcome ------------------------------------------------------------------------

    def _remember_engine_finishes(self):
        try:
            for request in self.cluster.engine_requests().values():
                if request["completed_at"] and request["webhook_url"]:
                    self.finished_at_fal[request["webhook_url"].rstrip("/").rsplit("/", 1)[-1]] = request[
                        "completed_at"
                    ]
        except httpx.HTTPError:
            pass

    def _wait_until_all_finished(self, timeout):
        from jobs.models import TERMINAL_STATES, Job

        wait_for(
            lambda: not Job.objects.filter(pk__in=self.job_ids).exclude(state__in=TERMINAL_STATES).exists(),
            timeout=timeout,
            interval=0.5,
            message="every job to end",
        )

    def _outcomes_after_engine_restart(self, jobs):
        """Error types (blank: completed) of the jobs first sent to fal once the engine was
        back: none of them can have been lost by its restart."""
        if self.engine_back_at is None:
            return {}
        later = jobs.filter(submit_started_at__gt=self.engine_back_at)
        return dict(Counter(later.values_list("error_type", flat=True)))

    def _amounts_that_do_not_add_up(self, jobs) -> list[dict]:
        """Jobs whose ledger rows disagree with their outcome: per job, what was reserved must
        equal what was captured plus what was released, and the capture must be the price
        (by the registry's rule) of the seconds of video we stored, or 0 without a video."""
        from credits.models import LedgerEntry
        from jobs.models import JobState
        from jobs.registry import model_for_endpoint

        moved = defaultdict(Counter)
        for job_id, kind, amount in LedgerEntry.objects.filter(job__in=jobs).values_list("job_id", "kind", "amount"):
            moved[job_id][kind] += amount
        wrong = []
        for job in jobs:
            price = 0
            if job.state == JobState.COMPLETED:
                price = model_for_endpoint(job.endpoint_id).credits_for(
                    self.cluster.stored_video_seconds(job.video.name)
                )
            reserve, capture, release = (moved[job.pk][kind] for kind in ("reserve", "capture", "release"))
            if not (reserve > 0 and reserve == capture + release and capture == price):
                wrong.append(
                    {
                        "job": str(job.pk),
                        "state": job.state,
                        "reserve": reserve,
                        "capture": capture,
                        "release": release,
                        "price": price,
                    }
                )
        return wrong

    def _killed_jobs(self, phase, jobs, submissions):
        """The jobs whose worker was killed inside `phase`, with how each ended."""
        ends = {
            str(pk): (state, error_type) for pk, state, error_type in jobs.values_list("pk", "state", "error_type")
        }
        return [
            {
                **kill,
                "state": ends[kill["job"]][0],
                "error_type": ends[kill["job"]][1],
                "fal_requests": submissions[kill["job"]],
            }
            for kill in self.kills[phase]
        ]

    def report(self, submitted_in, total_seconds):
        from credits.models import LedgerEntry
        from jobs.models import TERMINAL_STATES, Job, JobState

        jobs = Job.objects.filter(pk__in=self.job_ids)
        states = Counter(jobs.values_list("state", flat=True))
        submissions = self.cluster.submissions_per_job()
        given_model_errors = self.cluster.jobs_given_model_errors()
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
                str(job_id)
                for job_id in jobs.filter(error_type=MODEL_ERROR_TYPE).values_list("pk", flat=True)
                if str(job_id) not in given_model_errors
            ],
            "after_engine_restart": self._outcomes_after_engine_restart(jobs),
            "lost": jobs.exclude(state__in=TERMINAL_STATES).count(),
            "fal_requests": sum(submissions.values()),
            "duplicate_fal_submissions": sum(count - 1 for count in submissions.values() if count > 1),
            "wrong_amounts": self._amounts_that_do_not_add_up(jobs),
            "slots_held": Job.objects.at_fal().count(),
            "workers_killed": self.workers_killed,
            "killed_in_submit": self._killed_jobs("submit", jobs, submissions),
            "killed_in_ingest": self._killed_jobs("ingest", jobs, submissions),
            "staging_failure": self.staging_failure,
            "engine_restarts": self.engine_restarts,
            "engine_back_second": self.engine_back_second,
            "forged_callbacks": dict(self.forged),
            "delay_p50": statistics.median(delays) if delays else None,
            "delay_p95": delays[int(0.95 * (len(delays) - 1))] if delays else None,
            "delays_measured": len(delays),
            "submitted_in_seconds": submitted_in,
            "total_seconds": total_seconds,
            "ledger_entries_per_kind": dict(
                Counter(LedgerEntry.objects.filter(job__in=jobs).values_list("kind", flat=True))
            ),
        }
