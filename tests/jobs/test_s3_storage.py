"""Finished videos land in S3-compatible storage (a real S3 server started by the test)."""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import av
import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from jobs.models import JobState
from jobs.services import lifecycle
from tests.jobs.test_pipeline import finished_job, submit

pytestmark = pytest.mark.django_db(transaction=True)
CREDENTIALS = {"aws_access_key_id": "test-access", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    bucket = f"avatars-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "file_overwrite": False,
            },
        },
    }
    return client, bucket


def stored_keys(client, bucket):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_video_and_poster_are_stored_in_the_bucket_and_deleted_with_the_job(
    api_client, fal_engine, task_worker, s3_bucket
):
    client, bucket = s3_bucket

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    assert job.video.name in stored_keys(client, bucket)
    assert job.poster.name in stored_keys(client, bucket)
    assert job.video.url.startswith("http://127.0.0.1")
    with job.video.open("rb") as handle, av.open(handle) as container:
        assert container.streams.video[0].codec_context.name == "h264"

    lifecycle.delete_job(job.id)

    assert job.video.name not in stored_keys(client, bucket)
    assert job.poster.name not in stored_keys(client, bucket)


def test_the_result_video_url_is_presigned_and_downloads_without_credentials(
    api_client, fal_engine, task_worker, s3_bucket, settings
):
    settings.MEDIA_URL_EXPIRY_SECONDS = 900
    job = finished_job(submit(api_client)["job_id"])
    assert job.state == JobState.COMPLETED, job.error

    url = api_client.post("/api/generate/kling-avatar/result", {"job_id": str(job.id)}, format="json").json()["video"][
        "url"
    ]
    downloaded = httpx.get(url)

    expires = int(parse_qs(urlsplit(url).query)["Expires"][0])
    # The bucket enforces its own URLs' expiry (moto, the test's S3, does not for this form).
    assert abs(expires - (time.time() + 900)) < 120
    assert downloaded.status_code == 200 and downloaded.content[4:8] == b"ftyp"
    assert len(downloaded.content) == job.video_size
