"""Injected faults behave the way fal's failures do, as seen by the real fal-client."""

import json
import threading
import time

import fal_client
import httpx
import pytest

from engine import control_views
from tests.conftest import wait_for
from tests.engine.fal_checks import KLING_PRO

FalClientHTTPError = fal_client.client.FalClientHTTPError


def test_model_error_completes_with_error_and_result_raises_422(fal, engine, avatar_inputs):
    engine.faults.fail_next_requests(1)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    final = list(handle.iter_events(interval=0.05))[-1]
    with pytest.raises(FalClientHTTPError) as raised:
        handle.get()

    assert isinstance(final, fal_client.Completed)
    assert final.error_type == "face_detection_error"
    assert raised.value.status_code == 422
    assert raised.value.message[0]["loc"] == ["body", "image_url"]
    assert fal.subscribe(KLING_PRO, avatar_inputs)["video"]["content_type"] == "video/mp4"


def test_fail_marker_in_the_prompt_fails_that_request(fal, avatar_inputs):
    with pytest.raises(FalClientHTTPError) as raised:
        fal.subscribe(KLING_PRO, {**avatar_inputs, "prompt": "say hi [[fail]]"})

    assert raised.value.status_code == 422


def test_server_side_model_error_replays_its_error_type(fal, engine, api, avatar_inputs):
    engine.faults.fail_next_requests(1, status=500)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    with pytest.raises(FalClientHTTPError) as raised:
        handle.get()

    assert raised.value.status_code == 500
    assert raised.value.error_type == "runner_server_error"
    assert api.get(handle.response_url).headers["x-fal-error-type"] == "runner_server_error"


def test_missing_input_fails_as_a_422_validation_error(fal):
    with pytest.raises(FalClientHTTPError) as raised:
        fal.subscribe(KLING_PRO, {"image_url": "https://example.invalid/face.png"})

    assert raised.value.status_code == 422
    assert {
        "loc": ["body", "audio_url"],
        "msg": "field required",
        "type": "value_error.missing",
    }.items() <= raised.value.message[0].items()


def test_undownloadable_input_fails_with_file_download_error(fal, engine_url, avatar_inputs):
    missing_file = f"{engine_url}/cdn/files/0000_missing.png"

    with pytest.raises(FalClientHTTPError) as raised:
        fal.subscribe(KLING_PRO, {**avatar_inputs, "image_url": missing_file})

    assert raised.value.message[0]["type"] == "file_download_error"
    assert raised.value.message[0]["loc"] == ["body", "image_url"]


def test_undecodable_audio_fails_with_unsupported_audio_format(fal, tmp_path, avatar_inputs):
    not_audio = tmp_path / "voice.mp3"
    not_audio.write_bytes(b"this is not audio at all" * 100)

    with pytest.raises(FalClientHTTPError) as raised:
        fal.subscribe(KLING_PRO, {**avatar_inputs, "audio_url": fal.upload_file(not_audio)})

    assert raised.value.message[0]["type"] == "unsupported_audio_format"


def test_429_on_status_calls_is_retried_by_fal_client_and_succeeds(fal, engine, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)
    engine.faults.fail_next_calls("status", 429, count=2)

    output = handle.get()

    assert output["video"]["content_type"] == "video/mp4"
    assert engine.faults.describe()["failing_calls"] == []


def test_injected_503_is_not_retried_unless_it_looks_like_nginx(fal, engine, avatar_inputs):
    engine.faults.fail_next_calls("submit", 503, count=1)
    with pytest.raises(FalClientHTTPError) as raised:
        fal.submit(KLING_PRO, avatar_inputs)
    assert raised.value.status_code == 503

    engine.faults.fail_next_calls("submit", 503, count=1, nginx=True)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    assert engine.stats()["calls"]["submit"] == 3
    assert handle.get()["video"]["content_type"] == "video/mp4"


def test_any_route_fault_hits_the_next_call_of_whatever_kind(api, engine):
    engine.faults.fail_next_calls("any", 500, count=1)

    assert api.get("/rest/.well-known/jwks.json").status_code == 500
    assert api.get("/rest/.well-known/jwks.json").status_code == 200


def test_stats_record_calls_and_each_requests_timeline(fal, engine, avatar_inputs):
    handle = fal.submit(KLING_PRO, avatar_inputs)
    handle.get()

    stats = engine.stats()
    request = stats["requests"][handle.request_id]
    assert stats["submitted"] == 1
    assert stats["calls"]["submit"] == 1 and stats["calls"]["result"] == 1
    assert stats["calls"]["upload"] >= 2
    assert request["status_calls"] == stats["calls"]["status"] >= 1
    assert request["submitted_at"] <= request["started_at"] <= request["completed_at"]
    assert request["state"] == "COMPLETED" and request["result_status"] == 200
    assert request["cancelled"] is False


def test_controls_work_over_http(engine_url, api, engine, avatar_inputs):
    control = httpx.Client(base_url=f"{engine_url}/_control")
    spec = {
        "fail_next_requests": {"count": 1, "status": 422},
        "processing_seconds": 0.1,
        "duplicate_next_webhooks": {"count": 1, "times": 3},
        "fail_next_calls": [{"kind": "status", "status": 429, "count": 1}],
    }

    pending = control.post("/faults", json=spec).json()["faults"]
    submitted = api.post(f"/queue/{KLING_PRO}", json=avatar_inputs).json()
    rate_limited = api.get(submitted["status_url"])
    wait_for(lambda: api.get(submitted["status_url"]).status_code == 200)
    stats = control.get("/stats").json()
    control.post("/reset")

    assert pending["processing_seconds"] == 0.1 and pending["duplicated_webhooks"] == 1
    assert rate_limited.status_code == 429
    assert api.get(submitted["response_url"]).status_code == 404
    assert stats["requests"][submitted["request_id"]]["result_status"] == 422
    assert control.get("/stats").json() == {"calls": {"result": 1}, "submitted": 0, "queued": 0, "requests": {}}
    assert control.post("/faults", json={"no_such_fault": 1}).status_code == 400


@pytest.mark.parametrize("control", ["faults", "reset", "stats"])
def test_the_engine_mounted_in_the_app_has_no_controls(client, control):
    # The app's /_fal/ answers on its public server, where behind a reverse proxy every
    # caller comes from loopback: the controls must not exist there at all.
    assert client.get(f"/_fal/_control/{control}").status_code == 404
    assert client.post(f"/_fal/_control/{control}", data={}, content_type="application/json").status_code == 404


def test_controls_refuse_callers_from_other_machines(rf):
    # An engine started with its controls may still be told to listen beyond loopback.
    assert control_views.reset(rf.post("/_fal/_control/reset", REMOTE_ADDR="203.0.113.9")).status_code == 403
    assert control_views.reset(rf.post("/_fal/_control/reset", REMOTE_ADDR="127.0.0.1")).status_code == 200


def test_a_request_refused_for_a_full_queue_leaves_the_injected_failure_for_the_next(api, engine):
    engine.faults.set_timing(queue_delay_seconds=5)
    api.post(f"/queue/{KLING_PRO}", json={})
    engine.faults.fail_next_requests(1)

    refused = api.post(f"/queue/{KLING_PRO}?fal_max_queue_length=1", json={})

    assert refused.status_code == 429
    assert len(engine.faults.describe()["failing_requests"]) == 1


def test_the_journal_records_each_accepted_request_and_the_failure_it_drew(api, engine, settings, tmp_path):
    settings.ENGINE_JOURNAL = str(tmp_path / "journal.jsonl")
    engine.faults.set_timing(queue_delay_seconds=5)
    engine.faults.fail_next_requests(1)

    failing = api.post(f"/queue/{KLING_PRO}", json={}, params={"fal_webhook": "http://127.0.0.1:9/hook/a"}).json()
    healthy = api.post(f"/queue/{KLING_PRO}", json={}).json()

    lines = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert lines == [
        {"request_id": failing["request_id"], "webhook_url": "http://127.0.0.1:9/hook/a", "injected_failure": 422},
        {"request_id": healthy["request_id"], "webhook_url": None, "injected_failure": None},
    ]


def test_a_held_call_waits_until_released_and_is_listed_meanwhile(engine_url, api, engine):
    control = httpx.Client(base_url=f"{engine_url}/_control")
    control.post("/faults", json={"hold_next_calls": {"kind": "jwks", "seconds": 60, "path_contains": "jwks"}})
    answers = []
    caller = threading.Thread(target=lambda: answers.append(api.get("/rest/.well-known/jwks.json").status_code))
    caller.start()

    held = wait_for(lambda: control.get("/faults").json()["faults"]["held_calls"], message="the call to be held")
    still_waiting = caller.is_alive() and not answers
    control.post("/faults", json={"release_held_calls": True})
    caller.join(timeout=30)

    assert still_waiting and held[0]["kind"] == "jwks" and held[0]["path"].endswith("/jwks.json")
    assert answers == [200]
    assert control.get("/faults").json()["faults"]["held_calls"] == []
    assert api.get("/rest/.well-known/jwks.json").status_code == 200  # the hold was for one call


def test_a_hold_lets_calls_whose_path_does_not_match_through(api, engine):
    engine.faults.hold_next_calls("jwks", seconds=60, path_contains="no-such-path")

    assert api.get("/rest/.well-known/jwks.json").status_code == 200
    assert engine.faults.describe()["call_holds"][0]["remaining"] == 1


def test_a_held_call_goes_on_by_itself_after_its_seconds(api, engine):
    engine.faults.hold_next_calls("jwks", seconds=0.2)
    started = time.monotonic()

    assert api.get("/rest/.well-known/jwks.json").status_code == 200
    assert time.monotonic() - started >= 0.2
    assert engine.faults.describe()["held_calls"] == [] and engine.faults.describe()["call_holds"] == []
