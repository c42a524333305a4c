"""The official @fal-ai/client (npm, pinned in package.json) runs the seed's snippet against
our proxy and straight against the local engine: `node node/seed-example.mjs`, over real HTTP."""

import json
import shutil
import subprocess
from pathlib import Path

import httpx
from django.conf import settings

from api.models import ApiToken
from jobs.models import Asset, Job, JobState
from tests.factories import make_user, portrait_png, speech_wav

SCRIPT = Path(settings.BASE_DIR) / "node" / "seed-example.mjs"


def run_seed_example(*args, timeout=90) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for this test (scripts/test runs `npm ci` first)"
    assert (Path(settings.BASE_DIR) / "node_modules" / "@fal-ai" / "client").is_dir(), "run `npm ci` first"
    finished = subprocess.run(
        [node, str(SCRIPT), *map(str, args)], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=timeout
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    [line] = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def media_files(tmp_path):
    image, audio = tmp_path / "portrait.png", tmp_path / "hello.wav"
    image.write_bytes(portrait_png())
    audio.write_bytes(speech_wav(seconds=2.0))
    return image, audio


def unsigned(result):
    return {**result, "video": {**result["video"], "url": result["video"]["url"].split("?")[0]}}


def test_seed_snippet_runs_through_our_proxy_as_our_users_job(fal_engine, task_worker, live_server, tmp_path):
    user = make_user()
    _, secret = ApiToken.issue(user, "node")

    report = run_seed_example("proxy", live_server.url, secret, *media_files(tmp_path))

    job = Job.objects.get(pk=report["requestId"], user=user)
    assert job.state == JobState.COMPLETED
    assert report["data"]["video"]["url"].startswith(f"{live_server.url}{job.video.url}?expires=")
    assert report["data"]["duration"] == job.video_duration
    assert report["updates"][0] == "IN_QUEUE" and report["updates"][-1] == "COMPLETED"
    assert report["status"] == {"status": "COMPLETED", "logs": len(job.logs)}
    # Asked again, the same result (its video URL signed anew, perhaps a second later).
    assert unsigned(report["again"]) == unsigned(report["data"]) and report["againRequestId"] == report["requestId"]
    assert Job.objects.get(pk=report["cancelled"], user=user).state == JobState.CANCELLED
    # The uploads went to the asset cache, the job's inputs are the cached copies.
    assert {asset.fal_url for asset in Asset.objects.filter(user=user)} == {job.image_url, job.audio_url}
    assert report["image_url"].startswith(f"{live_server.url}/api/fal/files/")
    # The stored video is served to anyone holding its signed URL, as fal's outputs are.
    video = httpx.get(report["data"]["video"]["url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"


def test_seed_snippet_runs_straight_against_the_engine(fal_engine, live_server, tmp_path):
    engine_url = f"{live_server.url}/_fal"

    report = run_seed_example("engine", engine_url, "-", *media_files(tmp_path), "--multipart")

    assert report["image_url"].startswith(f"{engine_url}/cdn/files/")
    assert report["data"]["video"]["url"].startswith(f"{engine_url}/cdn/files/")
    assert report["updates"][-1] == "COMPLETED" and "IN_PROGRESS" in report["updates"]
    assert report["logs"], "the IN_PROGRESS updates carry the model's log lines"
    assert report["status"]["status"] == "COMPLETED" and report["status"]["logs"] > 0
    assert report["again"] == report["data"]
    assert fal_engine.get(report["cancelled"]).cancelled
    big = httpx.head(report["multipart"])
    assert big.status_code == 200 and int(big.headers["content-length"]) == 91 * 1024 * 1024
