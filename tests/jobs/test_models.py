"""Every model in the registry, through the doors to the local engine: its parameters reach
fal in fal's input shape, a value out of range is refused naming the field, its audio limit
(with its parameters) is enforced before anything is held, and its own price is charged."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credits.models import LedgerEntry
from engine.state import ENGINE
from jobs.models import Job, JobState
from jobs.registry import MODELS, find_model
from tests.factories import data_uri, portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job

pytestmark = pytest.mark.django_db(transaction=True)

OMNIHUMAN = MODELS["omnihuman-v1.5"]


def inputs(seconds=2.0, **extra):
    return {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(seconds=seconds, rate=8000), "audio/wav"),
        **extra,
    }


def credits_moved(job):
    return {entry.kind: entry.amount for entry in LedgerEntry.objects.filter(job=job)}


@pytest.mark.parametrize(
    ("name", "params", "sent"),
    [
        ("v2-pro", {}, {"prompt": "Smiles"}),
        ("kling-avatar-v2-standard", {}, {"prompt": "Smiles"}),
        (
            "omnihuman",
            {"resolution": "720p", "turbo_mode": True},
            {"prompt": "Smiles", "resolution": "720p", "turbo_mode": True},
        ),
        ("omnihuman", {}, {"prompt": "Smiles", "resolution": "1080p", "turbo_mode": False}),
        ("pro", {}, {"prompt": "Smiles"}),
    ],
)
def test_each_model_reaches_the_engine_in_fals_input_shape_and_charges_its_price(
    api_client, fal_engine, task_worker, name, params, sent
):
    model = find_model(name)

    response = api_client.post("/api/v1/jobs", inputs(model=name, prompt="Smiles", **params), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["model"]["params"] == model.clean_params(params)
    job = finished_job(response.json()["id"])
    assert job.state == JobState.COMPLETED, job.error
    request = ENGINE.get(job.request_id)
    assert request.endpoint == model.endpoint_id
    image_url, audio_url = request.arguments.pop("image_url"), request.arguments.pop("audio_url")
    assert image_url and audio_url and request.arguments == sent
    # The model's own price: held for 2 s of audio, charged for the video made (at most that).
    charged = min(model.credits_for(job.video_duration), model.credits_for(2.0))
    assert credits_moved(job) == {"reserve": model.credits_for(2.0), "capture": charged}
    assert model.credits_for(2.0) == 2 * model.credits_per_second


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "omnihuman", "resolution": "4k"}, "resolution"),
        ({"model": "omnihuman", "turbo_mode": "fast"}, "turbo_mode"),
        ({"model": "v2-pro", "resolution": "720p"}, "resolution"),  # Kling takes no resolution
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/generate/kling-avatar/submit"])
def test_a_parameter_out_of_range_is_refused_naming_the_field(api_client, path, body, field):
    response = api_client.post(path, inputs(**body), format="json")

    assert response.status_code == 400
    errors = response.json().get("errors", response.json())
    assert field in errors, response.json()
    assert not Job.objects.exists()


def test_omnihuman_splits_45_seconds_at_1080p_and_takes_them_whole_at_720p(api_client):
    split = api_client.post("/api/v1/jobs", inputs(seconds=45.0, model="omnihuman"), format="json")

    assert split.status_code == 201, split.content
    assert [len(split.json()["segments"])] == [2]  # OmniHuman at 1080p takes at most 30 s a request
    assert all(segment.audio_duration <= 30 for segment in Job.objects.exclude(parent=None))
    Job.objects.all().delete()

    taken = api_client.post("/api/v1/jobs", inputs(seconds=45.0, model="omnihuman", resolution="720p"), format="json")

    assert taken.status_code == 201, taken.content
    job = Job.objects.get()
    assert job.model_params == {"resolution": "720p", "turbo_mode": False}
    assert credits_moved(job) == {"reserve": 45 * 160}


def test_a_batch_takes_the_models_parameters_and_refuses_a_clip_over_its_limit(api_client):
    body = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_urls": [data_uri(speech_wav(seconds=2.0, rate=8000), "audio/wav"), inputs(seconds=31.0)["audio_url"]],
        "model": "omnihuman",
    }

    refused = api_client.post("/api/v1/batches", body, format="json")
    taken = api_client.post("/api/v1/batches", {**body, "resolution": "720p"}, format="json")

    assert refused.status_code == 400 and "audio_urls.1" in refused.json()["errors"]
    assert taken.status_code == 201, taken.content
    assert [job.model_params["resolution"] for job in Job.objects.all()] == ["720p", "720p"]


def test_the_cli_refuses_an_input_the_model_does_not_take_before_making_a_job(tmp_path, user):
    image, audio = tmp_path / "face.png", tmp_path / "voice.wav"
    image.write_bytes(portrait_png())
    audio.write_bytes(speech_wav(seconds=31.0, rate=8000))

    with pytest.raises(CommandError, match="resolution"):
        call_command("generate_avatar", image=str(image), audio=str(audio), model="v2-pro", resolution="720p")

    assert not Job.objects.exists()
