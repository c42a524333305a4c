import pytest

from tests.outbox.receivers import Receiver


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Receivers listen on 127.0.0.1; retries come quickly. Tests of the address rules and
    of the schedule set their own."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.2, 0.2, 0.2, 0.2]
    settings.WEBHOOK_TIMEOUT = 5
    settings.PUBLIC_BASE_URL = "https://studio.example.com"


@pytest.fixture
def receivers():
    """Makes consumers' endpoints (tests.outbox.receivers.Receiver), stopped at the end."""
    started = []

    def start(**kwargs):
        started.append(Receiver(**kwargs).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()
