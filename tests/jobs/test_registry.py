"""The registry (jobs/registry.py) is the one list of models: every door and the local engine
follow it, so a new entry reaches each of them or a test here says where it didn't."""

import pytest
from rest_framework.test import APIClient

from api.serializers import JobCreateSerializer
from avatars.forms import AvatarForm
from engine.processing import AVATAR_ENDPOINTS
from jobs.inputs import SubmitSerializer
from jobs.registry import MODEL_NAMES, MODELS, MODELS_BY_ENDPOINT, find_model


def test_the_local_engine_serves_exactly_the_registry_endpoints():
    assert AVATAR_ENDPOINTS == set(MODELS_BY_ENDPOINT)


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
    for name in ("SubmitUrlsRequest", "SubmitFilesRequest", "JobUrlsRequest", "JobFilesRequest", "BatchCreateRequest"):
        assert schemas[name]["properties"]["model"]["allOf"] == [{"$ref": "#/components/schemas/ModelEnum"}]
