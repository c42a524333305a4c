"""The batch form at the create form's level: its file fields name the server's limits."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [reverse("avatars:create"), reverse("avatars:batch-create")])
def test_the_file_fields_name_the_servers_limits(owner_client, settings, url):
    settings.MAX_IMAGE_BYTES, settings.MIN_IMAGE_SIDE, settings.MAX_IMAGE_SIDE = 8 * 1024 * 1024, 80, 3000
    settings.MAX_AUDIO_BYTES, settings.MIN_AUDIO_SECONDS, settings.MAX_AUDIO_SECONDS = 12 * 1024 * 1024, 1.5, 45
    settings.MAX_LONG_AUDIO_SECONDS = 300

    html = owner_client.get(url).content.decode()

    assert "Up to 8 MB, 80–3000 pixels a side." in html
    if url == reverse("avatars:create"):  # one recording may make a long video; a batch's clips may not
        assert "Up to 12 MB and 1.5–300 seconds; past 45 s it is split at pauses" in html
    else:
        assert "Up to 12 MB and 1.5–45 seconds each." in html
