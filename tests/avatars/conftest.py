import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every view test stores files in its own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def owner_client(client, user):
    client.force_login(user)
    return client
