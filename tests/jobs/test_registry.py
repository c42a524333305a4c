"""The registry (jobs/registry.py) is the one list of models: every door and the local engine
follow it, so a new entry reaches each of them or a test here says where it didn't."""

import pytest
from rest_framework.test import APIClient

from api.serializers import JobCreateSerializer
from avatars.forms import AvatarForm
from engine.avatar_models import ENGINE_MODELS
from engine.processing import AVATAR_ENDPOINTS
from jobs.inputs import SubmitSerializer
from jobs.registry import DEFAULT_MODEL_KEY, DEFAULT_MODEL_NAME, MODEL_NAMES, MODELS, MODELS_BY_ENDPOINT, find_model


def test_the_local_engine_serves_exactly_the_registry_endpoints():
    assert AVATAR_ENDPOINTS == set(MODELS_BY_ENDPOINT)


def test_the_local_engine_holds_each_model_to_the_registrys_parameters_and_audio_limits():
    for endpoint, model in MODELS_BY_ENDPOINT.items():
        served = ENGINE_MODELS[endpoint]
        assert {name: (choice.default, choice.choices) for name, choice in served.inputs.items()} == {
            parameter.name: (parameter.default, parameter.choices) for parameter in model.parameters
        }, endpoint
        assert (served.audio_seconds, served.max_audio_seconds_by) == (
            model.audio_seconds,
            model.max_audio_seconds_by,
        ), endpoint


def test_the_seed_keeps_kling_v1_pro_as_its_default_and_the_create_page_offers_the_newest_pro():
    assert find_model(DEFAULT_MODEL_NAME).endpoint_id == "fal-ai/kling-video/v1/pro/ai-avatar"
    assert MODELS[DEFAULT_MODEL_KEY].endpoint_id == "fal-ai/kling-video/ai-avatar/v2/pro"


def test_a_parameter_name_means_one_thing_across_models():
    seen = {}
    for model in MODELS.values():
        for parameter in model.parameters:
            assert seen.setdefault(parameter.name, parameter) == parameter


def test_every_name_the_api_accepts_is_a_registry_model():
    assert set(SubmitSerializer().fields["model"].choices) == set(MODEL_NAMES)
    assert set(JobCreateSerializer().fields["model"].choices) == set(MODEL_NAMES)
    assert {find_model(name).key for name in MODEL_NAMES} == set(MODELS)


@pytest.mark.django_db
def test_the_create_form_offers_every_registry_model():
    assert {key for key, _ in AvatarForm().fields["model"].choices} == set(MODELS)


@pytest.mark.django_db
def test_the_openapi_document_enumerates_the_registry_names():
    schemas = APIClient().get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    assert set(schemas["ModelEnum"]["enum"]) == set(MODEL_NAMES)
    # Each model's own inputs are in every request body that makes a job, with their choices.
    for name in ("SubmitUrlsRequest", "SubmitFilesRequest", "JobUrlsRequest", "JobFilesRequest", "BatchCreateRequest"):
        properties = schemas[name]["properties"]
        assert properties["turbo_mode"]["type"] == "boolean", name
        resolution = properties["resolution"]
        enum = (
            schemas[resolution["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
            if "allOf" in resolution
            else resolution["enum"]
        )
        assert set(enum) == {"720p", "1080p"}, name
    for name in ("SubmitUrlsRequest", "SubmitFilesRequest", "JobUrlsRequest", "JobFilesRequest", "BatchCreateRequest"):
        assert schemas[name]["properties"]["model"]["allOf"] == [{"$ref": "#/components/schemas/ModelEnum"}]
