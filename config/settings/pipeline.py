"""The job pipeline: task workers, fal, prices and credits, budgets and input limits, the job
page's live updates, and the local engine."""

import secrets
import uuid

import environ

from .environment import VAR_DIR, env, secret_kept_in

# --- Background work ----------------------------------------------------------------------
# Any queue name is valid: each CLI run names one of its own (JOB_TASKS_QUEUE below).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
# The queue this process puts its jobs' tasks on, and the only one its workers run. The web
# server and `run_worker` share "default"; `generate_avatar` takes one of its own, since the
# engine it starts (and so the jobs it submits) is known only to that process.
JOB_TASKS_QUEUE = "default"
# Task workers: how many `manage.py run_worker` keeps running, how often each reports it is
# alive, and after how long without a report its tasks are handed to the others.
WORKER_PROCESSES = env.int("WORKER_PROCESSES", default=1)
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=5.0)
WORKER_DEAD_AFTER_SECONDS = env.float("WORKER_DEAD_AFTER_SECONDS", default=30.0)
# Status checks one worker claims in one batch and has in flight at once, on one event loop
# (each mostly waits for fal's answer; see jobs.fal.StatusReader). More costs CPU per check:
# httpx's connection pool looks at every open connection for each request.
POLL_CONCURRENCY = env.int("POLL_CONCURRENCY", default=25)
# Days a finished task row is kept (for a look in the admin), then the workers delete it.
TASK_RESULT_RETENTION_DAYS = env.float("TASK_RESULT_RETENTION_DAYS", default=7)

# --- fal ----------------------------------------------------------------------------------
# Without FAL_KEY the app talks to the local fal-compatible engine (the `engine` app).
FAL_KEY = env("FAL_KEY", default="")
# "remote" talks to fal.ai (and then FAL_KEY must be valid); "local" to the bundled engine.
FAL_MODE = env("FAL_MODE", default="remote" if FAL_KEY else "local")
if FAL_MODE not in ("local", "remote"):
    raise environ.ImproperlyConfigured("FAL_MODE must be 'local' or 'remote'.")
# Where the local engine answers; the web process mounts it at /_fal/.
FAL_ENGINE_URL = env("FAL_ENGINE_URL", default="http://127.0.0.1:8000/_fal").rstrip("/")
# The app's own key to the local engine (an account there is a whole key, id and secret):
# random, made at first start in this file, shared by every process of the install.
LOCAL_ENGINE_KEY_FILE = env.path("LOCAL_ENGINE_KEY_FILE", default=VAR_DIR / "local-engine-key")
LOCAL_ENGINE_KEY = (
    secret_kept_in(LOCAL_ENGINE_KEY_FILE, lambda: f"{uuid.uuid4()}:{secrets.token_hex(32)}")
    if FAL_MODE == "local"
    else ""
)
# fal's webhook signing keys. Empty: fal's published set, or the local engine's own.
FAL_JWKS_URL = env("FAL_JWKS_URL", default="")
# The base URL fal can reach us at; it builds the webhook URL. Empty: rely on polling.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="" if FAL_MODE == "remote" else "http://127.0.0.1:8000").rstrip("/")
# Where people reach the site: the links in e-mails the workers send (no request to ask).
SITE_URL = env("SITE_URL", default=PUBLIC_BASE_URL or "http://127.0.0.1:8000").rstrip("/")
# Your fal user id (X-Fal-Webhook-User-Id); when set, callbacks for other accounts are refused.
FAL_WEBHOOK_USER_ID = env("FAL_WEBHOOK_USER_ID", default="")
FAL_WEBHOOK_TOLERANCE_SECONDS = env.int("FAL_WEBHOOK_TOLERANCE_SECONDS", default=300)
FAL_JWKS_CACHE_SECONDS = env.int("FAL_JWKS_CACHE_SECONDS", default=6 * 3600)

# Per-second prices of output video, in US dollars (third-party figures; keep them here).
KLING_PRO_PRICE_PER_SECOND = env.float("KLING_PRO_PRICE_PER_SECOND", default=0.115)
KLING_STANDARD_PRICE_PER_SECOND = env.float("KLING_STANDARD_PRICE_PER_SECOND", default=0.056)
# fal's listed prices (docs/models.md): Kling AI Avatar v2, and OmniHuman v1.5 (the same at
# either resolution, turbo or not).
KLING_V2_PRO_PRICE_PER_SECOND = env.float("KLING_V2_PRO_PRICE_PER_SECOND", default=0.115)
KLING_V2_STANDARD_PRICE_PER_SECOND = env.float("KLING_V2_STANDARD_PRICE_PER_SECOND", default=0.0562)
OMNIHUMAN_PRICE_PER_SECOND = env.float("OMNIHUMAN_PRICE_PER_SECOND", default=0.16)
# What our users pay, in whole credits per second of output video (1 credit = $0.001).
KLING_PRO_CREDITS_PER_SECOND = env.int("KLING_PRO_CREDITS_PER_SECOND", default=115)
KLING_STANDARD_CREDITS_PER_SECOND = env.int("KLING_STANDARD_CREDITS_PER_SECOND", default=56)
KLING_V2_PRO_CREDITS_PER_SECOND = env.int("KLING_V2_PRO_CREDITS_PER_SECOND", default=115)
KLING_V2_STANDARD_CREDITS_PER_SECOND = env.int("KLING_V2_STANDARD_CREDITS_PER_SECOND", default=57)
OMNIHUMAN_CREDITS_PER_SECOND = env.int("OMNIHUMAN_CREDITS_PER_SECOND", default=160)
# A script instead of a recording (speech/): fal's text-to-speech price per 1,000 characters
# (Kokoro: $0.02), what users pay for it in credits, the longest script, and the slowest
# speech assumed when holding credits before the speech is measured (characters a second).
SPEECH_PRICE_PER_1000_CHARACTERS = env.float("SPEECH_PRICE_PER_1000_CHARACTERS", default=0.02)
SPEECH_CREDITS_PER_1000_CHARACTERS = env.int("SPEECH_CREDITS_PER_1000_CHARACTERS", default=20)
MAX_SCRIPT_CHARACTERS = env.int("MAX_SCRIPT_CHARACTERS", default=2500)
SPEECH_MIN_CHARACTERS_PER_SECOND = env.float("SPEECH_MIN_CHARACTERS_PER_SECOND", default=8.0)
# Credits every new account starts with. Locally (the engine costs nothing) about three
# minutes of pro video; in remote mode they are real fal spend, so about 9 seconds' worth.
STARTING_CREDITS = env.int("STARTING_CREDITS", default=20000 if FAL_MODE == "local" else 1000)
# Sign-up mails a link to the new address, and the starting credits are granted when it is
# opened rather than when the account opens (accounts/services.py). On in remote mode.
SIGNUP_VERIFY_EMAIL = env.bool("SIGNUP_VERIFY_EMAIL", default=FAL_MODE == "remote")
# Whether a portrait is refused unless the uploader confirms they may use the face (consent/).
PORTRAIT_CONSENT_REQUIRED = env.bool("PORTRAIT_CONSENT_REQUIRED", default=FAL_MODE == "remote")

# --- Job pipeline -----------------------------------------------------------------------------
JOB_BUDGET_SECONDS = env.float("JOB_BUDGET_SECONDS", default=12 * 60)
# The usual run time that shapes the polling schedule. 0 = the model's own figure (or the
# local engine's processing time); benchmarks set it to replay an 8-minute job in seconds.
JOB_EXPECTED_SECONDS = env.float("JOB_EXPECTED_SECONDS", default=0)
# Polling only where it pays (jobs/schedule.py): a job nobody watches is checked a few times
# while fal's webhooks are healthy. True puts every job, watched or not, back on the one
# dense schedule of before (~40 status calls on an 8-minute job).
POLL_DENSELY = env.bool("POLL_DENSELY", default=False)
# Webhooks are unhealthy (every job polled densely) when, of the newest WEBHOOK_HEALTH_SAMPLE
# completions, a webhook noticed fewer than WEBHOOK_HEALTH_MIN_SHARE first, or when none has
# for WEBHOOK_SILENCE_SECONDS while polls noticed completions (jobs.services.webhook_health).
WEBHOOK_HEALTH_SAMPLE = env.int("WEBHOOK_HEALTH_SAMPLE", default=20)
WEBHOOK_HEALTH_MIN_SHARE = env.float("WEBHOOK_HEALTH_MIN_SHARE", default=0.5)
WEBHOOK_SILENCE_SECONDS = env.float("WEBHOOK_SILENCE_SECONDS", default=600)
MAX_IMAGE_BYTES = env.int("MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
MAX_AUDIO_BYTES = env.int("MAX_AUDIO_BYTES", default=20 * 1024 * 1024)
# Room around the files in a request (form fields, multipart framing, a data: URI's base64
# growth); a body longer than both files plus this is refused unread.
REQUEST_OVERHEAD_BYTES = env.int("REQUEST_OVERHEAD_BYTES", default=15 * 1024 * 1024)
# Kling AI Avatar takes 2-60 s of audio (it answers 422 audio_duration_too_short/_too_long).
# Uploads are checked against these; each model's own range (jobs/registry.py, within these)
# is applied when a job is made, e.g. OmniHuman v1.5 at 1080p takes at most 30 s.
MAX_AUDIO_SECONDS = env.float("MAX_AUDIO_SECONDS", default=60.0)
MIN_AUDIO_SECONDS = env.float("MIN_AUDIO_SECONDS", default=2.0)
# Audio longer than a model takes, up to this, makes a long video: split at pauses into
# segments the model takes, each rendered as a job of its own, stitched into one MP4.
MAX_LONG_AUDIO_SECONDS = env.float("MAX_LONG_AUDIO_SECONDS", default=600.0)
# Audio given by URL is downloaded (at most MAX_AUDIO_BYTES) and measured before a job is
# created; the download must finish within this many seconds.
AUDIO_URL_FETCH_SECONDS = env.float("AUDIO_URL_FETCH_SECONDS", default=20.0)
MIN_IMAGE_SIDE = env.int("MIN_IMAGE_SIDE", default=64)
# Input URLs must resolve to public addresses (no loopback, private, link-local or metadata
# ranges); hosts listed here skip that check (development and tests only).
ALLOWED_INPUT_HOSTS = env.list("ALLOWED_INPUT_HOSTS", default=[])
MAX_IMAGE_SIDE = env.int("MAX_IMAGE_SIDE", default=4096)
# How long a file uploaded to fal storage stays readable (fal: about 7 days by default);
# a cached upload is reused only while it will outlive a job's budget.
FAL_STORAGE_URL_LIFETIME_SECONDS = env.int("FAL_STORAGE_URL_LIFETIME_SECONDS", default=7 * 24 * 3600)
# Admission control: unfinished jobs one user may have (more are refused), and jobs we keep
# at fal at once across all users (more wait in our own queue, started fairly as slots free).
MAX_ACTIVE_JOBS_PER_USER = env.int("MAX_ACTIVE_JOBS_PER_USER", default=5)
MAX_JOBS_AT_FAL = env.int("MAX_JOBS_AT_FAL", default=20)

# --- The job page's live updates (server-sent events) --------------------------------------
# A stream ends after this many seconds (the browser reconnects by itself), so none is held
# forever; within it the job is read every JOB_EVENTS_CHECK_SECONDS, and a
# comment is sent every JOB_EVENTS_HEARTBEAT_SECONDS so proxies keep an idle stream open.
JOB_EVENTS_STREAM_SECONDS = env.float("JOB_EVENTS_STREAM_SECONDS", default=45.0)
JOB_EVENTS_CHECK_SECONDS = env.float("JOB_EVENTS_CHECK_SECONDS", default=1.0)
JOB_EVENTS_HEARTBEAT_SECONDS = env.float("JOB_EVENTS_HEARTBEAT_SECONDS", default=15.0)
# Streams one process serves at once where each holds a thread (runserver, a WSGI server; under
# scripts/serve they hold none): keep it below WEB_THREADS so pages and the API always have
# threads left. Pages past it (every page, at 0) ask for the status every 2 s instead.
JOB_EVENTS_MAX_STREAMS = env.int("JOB_EVENTS_MAX_STREAMS", default=2)

# --- Local engine ------------------------------------------------------------------------------
ENGINE_STORAGE_DIR = env.path("ENGINE_STORAGE_DIR", default=VAR_DIR / "engine")
ENGINE_PROCESSING_SECONDS = env.float("ENGINE_PROCESSING_SECONDS", default=8.0)
ENGINE_CONCURRENCY = env.int("ENGINE_CONCURRENCY", default=2)
# The long side of the engine's videos in pixels (smaller pictures keep their size), 64 to 1024.
ENGINE_RENDER_LONG_SIDE = env.int("ENGINE_RENDER_LONG_SIDE", default=512)
# Multiplies the engine's webhook retry delays (fal's: 10 retries over about 2 hours).
ENGINE_WEBHOOK_RETRY_SCALE = env.float("ENGINE_WEBHOOK_RETRY_SCALE", default=1.0)
# A file the engine appends every accepted submission to (audits; off when empty).
ENGINE_JOURNAL = env("ENGINE_JOURNAL", default="")
# Local mode listens on loopback only (scripts check it): the engine at /_fal is not for the world.
ALLOW_PUBLIC_BIND_IN_LOCAL_MODE = env.bool("ALLOW_PUBLIC_BIND_IN_LOCAL_MODE", default=False)
