"""The stylesheet and scripts reach the browser both in development and after collectstatic."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def asset_urls(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def fetch(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.get("Content-Type", ""), body


def test_default_settings_serve_static_files_without_collectstatic(client):
    urls = asset_urls(client.get("/").content.decode())

    assert "/static/css/app.css" in urls
    status, content_type, body = fetch(client, "/static/css/app.css")
    assert status == 200 and content_type.startswith("text/css") and b".site-header" in body


def test_production_storage_serves_hashed_compressed_files_after_collectstatic(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = str(tmp_path / "staticfiles")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new handler builds WhiteNoise's file index from the new settings

    urls = asset_urls(client.get("/").content.decode())

    css = next(url for url in urls if url.startswith("/static/css/app."))
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css)
    status, content_type, body = fetch(client, css)
    assert status == 200 and content_type.startswith("text/css") and b".site-header" in body
    response = client.get(css, headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip" and "max-age=315360000" in response["Cache-Control"]
    assert all(fetch(client, url)[0] == 200 for url in urls)
