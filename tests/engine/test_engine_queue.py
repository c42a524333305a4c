"""The engine's queue speaks fal's protocol to the unmodified fal-client, over real HTTP."""

import json

import fal_client
import httpx
import pytest

from engine import state
from tests.conftest import wait_for
from tests.engine.fal_checks import KLING_PRO, KLING_STANDARD


def test_request_goes_from_queue_to_completed_with_a_video_output(fal, engine_url, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)

    events = list(handle.iter_events(with_logs=True, interval=0.05))
    output = handle.get()

    assert isinstance(events[-1], fal_client.Completed)
    assert events[-1].error is None
    assert events[-1].metrics["inference_time"] >= 0.3
    assert any(isinstance(event, fal_client.InProgress) for event in events)
    messages = [entry["message"] for event in events if getattr(event, "logs", None) for entry in event.logs]
    assert "Downloading inputs" in messages
    assert any(message.startswith("Generating frames") for message in messages)
    assert output["video"]["url"].startswith(f"{engine_url}/cdn/files/")
    assert output["video"]["content_type"] == "video/mp4"
    assert output["video"]["file_name"] == "output.mp4"
    assert output["video"]["file_size"] == len(httpx.get(output["video"]["url"]).content)
    assert output["duration"] == pytest.approx(2.0, abs=0.05)


def test_standard_endpoint_is_served_too(fal, avatar_inputs):
    output = fal.subscribe(KLING_STANDARD, avatar_inputs)

    assert output["video"]["content_type"] == "video/mp4"


def test_waiting_requests_report_their_zero_based_queue_position(fal, engine, settings, avatar_inputs):
    settings.ENGINE_CONCURRENCY = 1
    engine.faults.set_timing(processing_seconds=3)

    first, second, third = (fal.submit(KLING_PRO, avatar_inputs) for _ in range(3))

    wait_for(lambda: isinstance(first.status(), fal_client.InProgress))
    assert second.status() == fal_client.Queued(position=0)
    assert third.status() == fal_client.Queued(position=1)


def test_a_runner_outlives_an_error_between_requests_even_when_logging_it_fails(
    fal, engine, settings, avatar_inputs, monkeypatch
):
    # What a test swapping settings in another thread once did to a runner (engine.state._report):
    # reading settings failed, and so did the log line about it, and the runner was gone.
    settings.ENGINE_CONCURRENCY = 1
    take_next, failed = engine._take_next, []

    def take_next_failing_once(index):
        if not failed:
            failed.append(index)
            raise AttributeError("'NoneType' object has no attribute 'ENGINE_CONCURRENCY'")
        return take_next(index)

    def failing_log(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'FAL_KEY'")

    monkeypatch.setattr(engine, "_take_next", take_next_failing_once)
    monkeypatch.setattr(state.logger, "exception", failing_log)

    first = fal.submit(KLING_PRO, avatar_inputs)  # taken by the call already waiting
    wait_for(lambda: isinstance(first.status(), fal_client.Completed), message="the first request")
    second = fal.submit(KLING_PRO, avatar_inputs)  # taken after the failure

    wait_for(lambda: isinstance(second.status(), fal_client.Completed), message="the second request")
    assert failed == [0]


def test_submit_answer_carries_the_queue_urls_on_the_engine(api, engine_url):
    response = api.post(f"/queue/{KLING_PRO}", json={"image_url": "x", "audio_url": "y"})

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "IN_QUEUE"
    assert body["queue_position"] == 0
    assert body["logs"] is None and body["metrics"] == {}
    assert body["gateway_request_id"] == body["request_id"]
    assert body["response_url"] == f"{engine_url}/queue/fal-ai/kling-video/requests/{body['request_id']}"
    assert body["status_url"] == body["response_url"] + "/status"
    assert body["cancel_url"] == body["response_url"] + "/cancel"
    assert response.headers["x-fal-request-id"] == body["request_id"]


def test_result_before_completion_is_400_still_in_progress(fal, engine, avatar_inputs):
    engine.faults.set_timing(processing_seconds=5)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    response = httpx.get(handle.response_url, headers={"Authorization": "Key local:local"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Request is still in progress"}


def test_unknown_request_is_404_for_status_result_and_cancel(fal, api):
    missing = "01900000-0000-7000-8000-000000000000"

    assert api.get(f"/queue/fal-ai/kling-video/requests/{missing}/status").status_code == 404
    assert api.get(f"/queue/fal-ai/kling-video/requests/{missing}").status_code == 404
    assert api.put(f"/queue/fal-ai/kling-video/requests/{missing}/cancel").status_code == 404
    with pytest.raises(fal_client.client.FalClientHTTPError) as raised:
        fal.status(KLING_PRO, missing)
    assert raised.value.status_code == 404


# An account is the whole key: the same key id with another secret is another account.
@pytest.mark.parametrize("other_key", ["someone-else:0123456789abcdef", "local:0123456789abcdef"])
def test_another_accounts_request_is_404_for_status_result_and_cancel(fal, api, engine_url, avatar_inputs, other_key):
    request_id = fal.submit(KLING_PRO, avatar_inputs).request_id
    other_account = {"Authorization": f"Key {other_key}"}

    for method, path in (("GET", "/status"), ("GET", ""), ("PUT", "/cancel")):
        answer = httpx.request(
            method, f"{engine_url}/queue/fal-ai/kling-video/requests/{request_id}{path}", headers=other_account
        )
        assert answer.status_code == 404
    assert api.get(f"/queue/fal-ai/kling-video/requests/{request_id}/status").status_code in (200, 202)


def test_unknown_endpoint_is_404_at_submit(fal):
    with pytest.raises(fal_client.client.FalClientHTTPError) as raised:
        fal.submit("fal-ai/no-such-model", {"image_url": "x"})

    assert raised.value.status_code == 404


def test_status_accepts_full_endpoint_path_trailing_slash_and_js_logs_flag(fal, api, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)
    fal.result(KLING_PRO, handle.request_id)

    for path in (
        f"/queue/{KLING_PRO}/requests/{handle.request_id}/status?logs=1",
        f"/queue/fal-ai/kling-video/requests/{handle.request_id}/status/?logs=true",
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.json()["status"] == "COMPLETED"
        assert isinstance(response.json()["logs"], list)
    assert api.get(f"/queue/fal-ai/kling-video/requests/{handle.request_id}/status?logs=0").json()["logs"] is None
    assert api.get(f"/queue/{KLING_PRO}/requests/{handle.request_id}/").status_code == 200


def test_log_entries_have_fal_shape_and_form_a_moving_window(fal, engine, avatar_inputs):
    engine.faults.set_timing(processing_seconds=3)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    final = list(handle.iter_events(with_logs=True, interval=0.1))[-1]

    assert len(final.logs) == 20
    assert "Starting" not in final.logs[0]["message"]
    assert set(final.logs[0]) == {"timestamp", "message", "labels", "level", "source"}
    assert final.logs[0]["labels"] == {}


def test_queue_calls_without_a_key_are_401(engine_url):
    response = httpx.post(f"{engine_url}/queue/{KLING_PRO}", json={})

    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.headers["content-type"] == "application/json"
    assert "x-fal-request-id" in response.headers


def test_cancelling_a_queued_request_ends_it_as_client_cancelled(fal, engine, settings, avatar_inputs):
    settings.ENGINE_CONCURRENCY = 1
    engine.faults.set_timing(processing_seconds=3)
    fal.submit(KLING_PRO, avatar_inputs)
    queued = fal.submit(KLING_PRO, avatar_inputs)

    queued.cancel()

    status = queued.status()
    assert status.error == "Request cancelled"
    assert status.error_type == "client_cancelled"
    with pytest.raises(fal_client.client.FalClientHTTPError) as raised:
        queued.get()
    assert raised.value.status_code == 499
    assert engine.stats()["requests"][queued.request_id]["cancelled"] is True


def test_cancelling_a_running_request_stops_it(fal, engine, avatar_inputs):
    engine.faults.set_timing(processing_seconds=10)
    handle = fal.submit(KLING_PRO, avatar_inputs)
    wait_for(lambda: isinstance(handle.status(), fal_client.InProgress))

    handle.cancel()

    assert handle.status().error_type == "client_cancelled"
    stats = engine.stats()["requests"][handle.request_id]
    assert stats["completed_at"] - stats["started_at"] < 5


def test_cancelling_a_completed_request_is_400_already_completed(fal, api, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)
    handle.get()

    response = api.put(f"/queue/fal-ai/kling-video/requests/{handle.request_id}/cancel")

    assert response.status_code == 400
    assert response.json() == {"status": "ALREADY_COMPLETED"}


def test_request_not_started_before_its_start_timeout_ends_with_user_timeout(api, engine):
    engine.faults.set_timing(queue_delay_seconds=5)
    submitted = api.post(f"/queue/{KLING_PRO}", json={}, headers={"X-Fal-Request-Timeout": "0.3"}).json()

    status = wait_for(lambda: (body := api.get(submitted["status_url"]).json())["status"] == "COMPLETED" and body)
    result = api.get(submitted["response_url"])

    assert status["error_type"] == "request_timeout"
    assert result.status_code == 504
    assert result.headers["x-fal-request-timeout-type"] == "user"


def test_full_queue_rejects_with_429_when_max_queue_length_is_given(api, engine):
    engine.faults.set_timing(queue_delay_seconds=5)
    api.post(f"/queue/{KLING_PRO}", json={})

    response = api.post(f"/queue/{KLING_PRO}?fal_max_queue_length=1", json={})

    assert response.status_code == 429


def test_low_priority_request_waits_behind_normal_ones(api, engine):
    engine.faults.set_timing(queue_delay_seconds=5)
    low = api.post(f"/queue/{KLING_PRO}", json={}, headers={"X-Fal-Queue-Priority": "low"}).json()
    normal = api.post(f"/queue/{KLING_PRO}", json={}).json()

    assert api.get(normal["status_url"]).json()["queue_position"] == 0
    assert api.get(low["status_url"]).json()["queue_position"] == 1


def test_status_stream_sends_events_until_completed(fal, api, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)

    with api.stream("GET", f"/queue/fal-ai/kling-video/requests/{handle.request_id}/status/stream?logs=1") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[len("data: ") :]) for line in stream.iter_lines() if line.startswith("data: ")]

    assert events[-1]["status"] == "COMPLETED"
    assert {"IN_PROGRESS", "COMPLETED"} <= {event["status"] for event in events}


def test_run_answers_with_the_output_in_the_same_call(fal, avatar_inputs):
    output = fal.run(KLING_PRO, avatar_inputs)

    assert output["video"]["content_type"] == "video/mp4"
