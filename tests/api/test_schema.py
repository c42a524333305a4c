"""The OpenAPI document at /api/schema/ and the docs page at /api/docs/.

The checks over every operation hold for endpoints added later too: each must document a
success answer with an example and answer its errors in the shared error shape.
"""

import io
import json
import re
import zipfile

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from api import api_examples as ex
from batches.archive import member_name

pytestmark = pytest.mark.django_db

ERROR_COMPONENTS = {
    "Error",
    "ValidationError",
    "RateLimitedError",
    "InsufficientCreditsError",
    "TooManyActiveJobsError",
    "JobStateError",
}
SEED_OPERATIONS = {
    ("post", "/api/generate/kling-avatar/submit"),
    ("post", "/api/generate/kling-avatar/status"),
    ("post", "/api/generate/kling-avatar/result"),
    ("post", "/api/generate/kling-avatar/cancel"),
    ("post", "/api/generate/upload-file"),
    ("get", "/api/jobs"),
    ("get", "/api/me"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def refs(node, components):
    """Every component a schema points at, through the components it names (a oneOf's too)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            yield name
            yield from refs(components[name], components)
        for key, value in node.items():
            if key != "$ref":
                yield from refs(value, components)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value, components)


def json_schema(node, components):
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [json_schema(value, components) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: json_schema(value, components) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def test_schema_is_served_as_yaml_and_json_to_anyone():
    as_yaml = APIClient().get("/api/schema/")
    as_json = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert as_yaml.status_code == 200 and as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content) == json.loads(as_json.content)


def test_schema_is_valid_openapi_generated_without_warnings(tmp_path):
    # drf-spectacular warns where it has to guess (a method field without a type, a view
    # without a serializer); --fail-on-warn makes each guess an error here.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_schema_documents_the_seed_endpoints_and_only_the_api(schema):
    documented = {(method, path) for method, path, _ in operations(schema)}

    assert SEED_OPERATIONS <= documented
    assert all(path.startswith("/api/") for _, path in documented)


def test_token_and_session_authentication_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    for method, path, operation in operations(schema):
        assert {"tokenAuth": []} in operation["security"] and {"cookieAuth": []} in operation["security"], (
            method,
            path,
        )


def test_error_shape_is_one_reusable_component(schema):
    components = schema["components"]["schemas"]

    assert components["Error"]["required"] == ["code", "detail"]
    assert set(components["ValidationError"]["properties"]) == {"detail", "code", "errors"}
    assert components["ValidationError"]["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


@pytest.mark.parametrize("check", ["success", "errors", "request"])
def test_every_operation_is_documented_completely(schema, check):
    """A success answer with an example; every 4xx/5xx in the error shape, with an example;
    a request body for every POST/PUT/PATCH; authentication and rate-limit errors."""
    problems = []
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        if check == "success":
            successes = {code: response for code, response in responses.items() if code.startswith("2")}
            if not successes:
                problems.append(f"{where}: no success response")
            for code, response in successes.items():
                for media_type, content in response.get("content", {}).items():
                    if "schema" not in content or not content.get("examples"):
                        problems.append(f"{where} {code} {media_type}: no schema or no example")
        elif check == "errors":
            for required in ("401", "403"):
                if required not in responses:
                    problems.append(f"{where}: {required} not documented")
            for code, response in responses.items():
                if code[0] in "45":
                    content = response.get("content", {}).get("application/json", {})
                    if not set(
                        refs(content.get("schema"), schema["components"]["schemas"])
                    ) & ERROR_COMPONENTS or not content.get("examples"):
                        problems.append(f"{where} {code}: not the error shape, or no example")
        elif method in ("post", "put", "patch") and not operation.get("requestBody", {}).get("content"):
            problems.append(f"{where}: no request body")
    assert problems == []


def test_every_example_matches_its_schema(schema):
    """An example is what a client codes against first: it must be a value the schema allows."""
    components = schema["components"]["schemas"]
    problems = []
    for method, path, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(code, response) for code, response in operation["responses"].items()]
        for where, body in bodies:
            for media_type, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    if "value" not in example:  # an externalValue (a file) is checked on its own
                        continue
                    validator = jsonschema.Draft202012Validator(
                        json_schema(content["schema"], components), format_checker=jsonschema.FormatChecker()
                    )
                    for error in validator.iter_errors(example["value"]):
                        problems.append(
                            f"{method.upper()} {path} {where} {media_type} {name!r}: "
                            f"{error.message} at {list(error.absolute_path)}"
                        )
    assert problems == []


def test_the_archive_example_is_a_zip_of_the_finished_batch_example(schema, client):
    """A zip can't be an example's value: its example is a file, which must be what the
    archive answers for the documented finished batch."""
    batch = schema["paths"]["/api/v1/batches/{id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]["Finished"]
    content = schema["paths"]["/api/v1/batches/{id}/archive"]["get"]["responses"]["200"]["content"]
    (example,) = content["application/zip"]["examples"].values()

    response = client.get(example["externalValue"])

    assert content["application/zip"]["schema"] == {"type": "string", "format": "binary"}
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        members = archive.infolist()
        videos = [archive.read(member) for member in members]
    made = [item for item in batch["value"]["items"] if item["status"] == "completed"]
    assert [member.filename for member in members] == [
        member_name(item["position"], ex.ITEM_TITLES[item["position"]]) for item in made
    ]
    assert all(member.compress_type == zipfile.ZIP_STORED for member in members)
    assert all(video[4:8] == b"ftyp" for video in videos)


def test_docs_page_loads_only_our_own_files_and_no_inline_code(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "script-src 'self'" in page["Content-Security-Policy"]
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_docs_start_up_script_is_a_script_pointing_at_the_schema(client):
    script = client.get("/api/docs/", {"script": ""})

    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in script.content.decode()


def test_paginated_list_documents_its_page_and_the_404_past_the_end(schema):
    jobs = schema["paths"]["/api/jobs"]["get"]

    assert [parameter["name"] for parameter in jobs["parameters"]] == ["page", "status"]
    assert {"200", "404", "429"} <= set(jobs["responses"])
    assert jobs["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedJobList"
    }
    assert jobs["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
