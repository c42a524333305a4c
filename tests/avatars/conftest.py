import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Each user costs ~0.3 s with the production hasher; these tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every view test stores files in its own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def owner_client(client, user):
    client.force_login(user)
    return client
