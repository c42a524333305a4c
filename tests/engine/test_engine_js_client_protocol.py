"""What @fal-ai/client does that fal-client does not: its storage flows, and fal's webhook
retry contract (the Node test in tests/falproxy runs the real JS client against the engine)."""

import hashlib

import httpx

from engine import webhooks
from engine.faults import FAL_WEBHOOK_RETRIES, WebhookPlan
from tests.engine.fal_checks import KLING_PRO


def initiate(api, kind, file_name="big.bin", content_type="application/octet-stream"):
    response = api.post(
        f"/rest/storage/upload/{kind}?storage_type=fal-cdn-v3",
        json={"file_name": file_name, "content_type": content_type},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_js_single_upload_initiates_then_puts_to_the_presigned_url(api, engine_url, face_png):
    urls = initiate(api, "initiate", "face.png", "image/png")

    put = httpx.put(urls["upload_url"], content=face_png.read_bytes(), headers={"Content-Type": "image/png"})

    assert put.status_code == 200
    assert urls["file_url"].startswith(f"{engine_url}/cdn/files/")
    assert httpx.get(urls["file_url"]).content == face_png.read_bytes()


def test_js_multipart_upload_puts_parts_under_the_upload_url_and_completes(api, engine_url):
    urls = initiate(api, "initiate-multipart")
    upload = httpx.URL(urls["upload_url"])
    chunks = [b"a" * 1000, b"b" * 1000, b"c" * 10]

    # As the JS client builds them: `${origin}${pathname}/${n}${search}`, no Authorization.
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        response = httpx.put(upload.copy_with(path=f"{upload.path}/{number}"), content=chunk)
        assert response.status_code == 200, response.text
        assert response.json()["etag"] == f'"{hashlib.md5(chunk).hexdigest()}"'
        parts.append({"partNumber": response.json()["partNumber"], "etag": response.json()["etag"]})
    done = httpx.post(upload.copy_with(path=f"{upload.path}/complete"), json={"parts": parts})

    assert done.status_code == 200, done.text
    assert httpx.get(urls["file_url"]).content == b"".join(chunks)


def test_multipart_parts_need_the_upload_signature(api):
    urls = initiate(api, "initiate-multipart")
    upload = httpx.URL(urls["upload_url"])

    forged = httpx.put(upload.copy_with(path=f"{upload.path}/1", query=b"signature=forged"), content=b"x")
    unsigned = httpx.put(upload.copy_with(path=f"{upload.path}/1", query=b""), content=b"x")

    assert forged.status_code == unsigned.status_code == 401


def test_initiate_multipart_needs_an_api_key(engine_url):
    response = httpx.post(f"{engine_url}/rest/storage/upload/initiate-multipart", json={"file_name": "a.bin"})

    assert response.status_code == 401


def test_default_webhook_retries_follow_fals_contract():
    plan = WebhookPlan(dropped=False, copies=1, delay_seconds=0, **FAL_WEBHOOK_RETRIES)

    delays = webhooks.retry_delays(plan)

    # fal: a 15 s timeout per attempt, then up to 10 retries spread over about 2 hours.
    assert webhooks.DELIVERY_TIMEOUT_SECONDS == 15
    assert len(delays) == 10
    assert 1.8 * 3600 <= sum(delays) <= 2.2 * 3600
    assert delays == sorted(delays)


def test_a_failing_receiver_gets_eleven_attempts_on_a_compressed_schedule(
    fal, engine, settings, webhook_receiver, avatar_inputs
):
    settings.ENGINE_WEBHOOK_RETRY_SCALE = 0.0002  # the 2-hour schedule in about 1.4 s
    engine.faults.set_webhook_retries()  # fal's contract, not the engine tests' short one
    webhook_receiver.scripted_statuses.extend([500] * 20)

    handle = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)
    deliveries = webhook_receiver.wait_for(11, timeout=20)

    assert len(deliveries) == 11
    assert {delivery.headers["X-Fal-Webhook-Request-Id"] for delivery in deliveries} == {handle.request_id}
    assert webhook_receiver.wait_for(12, timeout=1.0) == deliveries  # and no twelfth
