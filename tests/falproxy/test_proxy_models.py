"""The proxy's allow-list is the registry: fal's JavaScript client reaches every model (Kling v2,
OmniHuman v1.5 under fal-ai/bytedance) with the model's own inputs, checked as fal would."""

import pytest

from jobs.models import Job
from jobs.registry import MODELS
from tests.factories import data_uri, speech_wav
from tests.falproxy.test_proxy import QUEUE, call, token_client

OMNIHUMAN = "fal-ai/bytedance/omnihuman/v1.5"
INPUT = {"image_url": "https://example.com/face.png", "audio_url": data_uri(speech_wav(), "audio/wav")}


@pytest.fixture
def alice(user):
    return token_client(user)


@pytest.mark.parametrize("endpoint", [model.endpoint_id for model in MODELS.values()])
def test_every_registry_model_is_submitted_through_the_proxy(alice, endpoint):
    response = call(alice, "POST", f"{QUEUE}/{endpoint}", INPUT)

    assert response.status_code == 200, response.content
    job = Job.objects.get()
    assert job.endpoint_id == endpoint
    owner_alias = "/".join(endpoint.split("/")[:2])
    assert response.json()["status_url"] == f"{QUEUE}/{owner_alias}/requests/{job.id}/status"
    assert call(alice, "GET", response.json()["status_url"]).status_code == 202


def test_omnihumans_inputs_are_kept_with_the_job(alice):
    response = call(alice, "POST", f"{QUEUE}/{OMNIHUMAN}", {**INPUT, "resolution": "720p", "turbo_mode": True})

    assert response.status_code == 200, response.content
    assert Job.objects.get().model_params == {"resolution": "720p", "turbo_mode": True}


def test_a_resolution_out_of_range_is_a_fal_style_422_naming_it(alice):
    response = call(alice, "POST", f"{QUEUE}/{OMNIHUMAN}", {**INPUT, "resolution": "4k"})

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "resolution"]]
    assert not Job.objects.exists()


def test_a_model_that_is_not_in_the_registry_is_refused(alice):
    response = call(alice, "POST", f"{QUEUE}/fal-ai/bytedance/omnihuman", INPUT)

    assert response.status_code == 400 and not Job.objects.exists()
